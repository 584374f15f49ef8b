from django.db import models


class LifecycleStage(models.TextChoices):
    SUBSCRIBER = "subscriber", "Subscriber"
    LEAD = "lead", "Lead"
    MQL = "marketing_qualified", "Marketing-qualified lead"
    SQL = "sales_qualified", "Sales-qualified lead"
    OPPORTUNITY = "opportunity", "Opportunity"
    CUSTOMER = "customer", "Customer"
    EVANGELIST = "evangelist", "Evangelist"
    OTHER = "other", "Other"


class Stance(models.TextChoices):
    """How the person feels about us, as judged by whoever knows them."""

    ADVOCATE = "advocate", "Advocate"
    FRIENDLY = "friendly", "Friendly"
    NEUTRAL = "neutral", "Neutral"
    CRITICAL = "critical", "Critical"
    ADVERSARY = "adversary", "Adversary"


class Channel(models.TextChoices):
    """Channels a person can be contacted on (communication preferences)."""

    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    SMS = "sms", "SMS"
    POST = "post", "Post"


class SizeBand(models.TextChoices):
    S1 = "1-10", "1-10"
    S2 = "11-50", "11-50"
    S3 = "51-200", "51-200"
    S4 = "201-500", "201-500"
    S5 = "501-1000", "501-1,000"
    S6 = "1001-5000", "1,001-5,000"
    S7 = "5001+", "5,001+"


class FieldType(models.TextChoices):
    """Types of admin-defined custom fields."""

    TEXT = "text", "Text"
    LONG_TEXT = "long_text", "Long text"
    NUMBER = "number", "Number"
    MONEY = "money", "Money"
    PERCENT = "percent", "Percent"
    DATE = "date", "Date"
    DATETIME = "datetime", "Date and time"
    BOOLEAN = "boolean", "Yes / no"
    CHOICE = "choice", "Single choice"
    MULTI_CHOICE = "multi_choice", "Multiple choice"
    URL = "url", "URL"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    REFERENCE = "reference", "Reference to a record"


class CustomizableObject(models.TextChoices):
    """Object types that take custom fields (deals and tickets join them in later apps)."""

    CONTACT = "contact", "Contacts"
    COMPANY = "company", "Companies"


class ImportMode(models.TextChoices):
    CREATE = "create", "Create new records only"
    UPDATE = "update", "Update existing records only"
    UPSERT = "upsert", "Create or update"


class ImportMatch(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    EXTERNAL_ID = "external_id", "External id"
    ID = "id", "Record id"
    DOMAIN = "domain", "Domain (companies)"
    NAME = "name", "Name (companies)"


class JobStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    UNDOING = "undoing", "Undoing"
    UNDONE = "undone", "Undone"


class RowOutcome(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"
