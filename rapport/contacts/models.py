"""Contacts (people), companies and what hangs off them: identifiers, addresses, tags, custom fields,
saved list views and import/export jobs.

Multi-valued identifiers (emails, phones, addresses, domains) live in their own tables so they can be
searched and matched; the primary email, phone and company are copied onto the contact for fast lists.
Custom field values live in the ``custom`` JSON column, keyed by the field's ``key``.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from .enums import (
    Channel,
    CustomizableObject,
    FieldType,
    ImportMatch,
    ImportMode,
    JobStatus,
    LifecycleStage,
    RowOutcome,
    SizeBand,
    Stance,
)

USER = settings.AUTH_USER_MODEL


class Tag(models.Model):
    access_type = "tag"

    name = models.CharField(max_length=60)
    color = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_name_ci_uniq")]

    def __str__(self) -> str:
        return self.name


class SocialProfiles(models.Model):
    """Links to a person's or company's public profiles."""

    linkedin = models.URLField(max_length=300, blank=True)
    x = models.URLField("X", max_length=300, blank=True)
    facebook = models.URLField(max_length=300, blank=True)
    instagram = models.URLField(max_length=300, blank=True)
    website = models.URLField(max_length=300, blank=True)

    class Meta:
        abstract = True


class Record(SocialProfiles):
    """What contacts and companies share: owner, team, external id, custom values, data quality."""

    # No single-column indexes on these foreign keys: the (owner|team, name, id) indexes of the concrete models
    # serve lookups by owner or team, and every index costs each insert (imports write a million rows).
    # Records whose creator is deleted are found by a scan: users are deactivated, rarely deleted.
    owner = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    team = models.ForeignKey(
        "users.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    external_id = models.CharField(max_length=200, blank=True, help_text="The record's id in another system.")
    custom = models.JSONField(default=dict, blank=True)
    completeness = models.PositiveSmallIntegerField(default=0, help_text="Share of key fields filled, 0-100.")
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Company(Record):
    access_type = "company"

    name = models.CharField(max_length=200)
    legal_name = models.CharField(max_length=200, blank=True)
    domain = models.CharField(max_length=253, blank=True, help_text="The primary domain (copied from domains).")
    industry = models.CharField(max_length=100, blank=True)
    size_band = models.CharField(max_length=12, blank=True, choices=SizeBand.choices)
    annual_revenue = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    revenue_currency = models.CharField(max_length=3, blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164")
    phone_display = models.CharField(max_length=40, blank=True, help_text="As entered.")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children", db_index=False
    )  # company_parent_idx
    tags = models.ManyToManyField(Tag, through="CompanyTag", blank=True, related_name="companies")

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["name", "id"], name="company_name_idx"),
            models.Index(fields=["owner", "name", "id"], name="company_owner_idx"),
            models.Index(fields=["team", "name", "id"], name="company_team_idx"),
            models.Index(fields=["parent", "name"], name="company_parent_idx"),
            models.Index(fields=["domain"], name="company_domain_idx"),
            models.Index(fields=["industry", "id"], name="company_industry_idx"),
            models.Index(fields=["created_at", "id"], name="company_created_idx"),
            models.Index(fields=["updated_at", "id"], name="company_updated_idx"),
            models.Index(fields=["completeness", "id"], name="company_complete_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], condition=~Q(external_id=""), name="company_extid_uniq"),
        ]

    def __str__(self) -> str:
        return self.name


class CompanyDomain(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="domains", db_index=False)  # uniq
    domain = models.CharField(max_length=253)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        indexes = [models.Index(fields=["domain"], name="companydomain_domain_idx")]
        constraints = [models.UniqueConstraint(fields=["company", "domain"], name="companydomain_uniq")]

    def __str__(self) -> str:
        return self.domain


class Contact(Record):
    access_type = "contact"

    prefix = models.CharField(max_length=30, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    middle_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    suffix = models.CharField(max_length=30, blank=True)
    display_name = models.CharField(max_length=300)
    email = models.CharField(max_length=254, blank=True, help_text="The primary email (copied).")
    phone = models.CharField(max_length=20, blank=True, help_text="The primary phone, E.164 (copied).")
    company = models.ForeignKey(  # contact_company_idx serves it
        Company,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Primary company.",
        db_index=False,
    )
    job_title = models.CharField(max_length=150, blank=True)
    department = models.CharField(max_length=150, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    language = models.CharField(max_length=10, blank=True, help_text="BCP 47, e.g. en or pt-BR")
    time_zone = models.CharField(max_length=64, blank=True)
    lifecycle_stage = models.CharField(max_length=24, blank=True, choices=LifecycleStage.choices)
    lifecycle_dates = models.JSONField(default=dict, blank=True, help_text="{stage: ISO date it was entered}")
    lead_source = models.CharField(max_length=100, blank=True)
    email_opt_in = models.BooleanField(default=False)
    phone_opt_in = models.BooleanField(default=False)
    sms_opt_in = models.BooleanField(default=False)
    post_opt_in = models.BooleanField(default=False)
    preferred_channel = models.CharField(max_length=10, blank=True, choices=Channel.choices)
    do_not_contact = models.BooleanField(default=False)
    stance = models.CharField(max_length=12, blank=True, choices=Stance.choices)
    stance_reason = models.CharField(max_length=500, blank=True)
    stance_set_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    stance_set_at = models.DateTimeField(null=True, blank=True)
    companies = models.ManyToManyField(Company, through="Membership", blank=True, related_name="contacts")
    tags = models.ManyToManyField(Tag, through="ContactTag", blank=True, related_name="contacts")

    class Meta:
        ordering = ["display_name", "id"]
        indexes = [
            models.Index(fields=["display_name", "id"], name="contact_name_idx"),
            models.Index(fields=["last_name", "id"], name="contact_lastname_idx"),  # the list sorts by (field, id)
            models.Index(fields=["owner", "display_name", "id"], name="contact_owner_idx"),
            models.Index(fields=["team", "display_name", "id"], name="contact_team_idx"),
            models.Index(fields=["email"], name="contact_email_idx"),
            models.Index(fields=["phone"], name="contact_phone_idx"),
            models.Index(fields=["company", "display_name"], name="contact_company_idx"),
            models.Index(fields=["lifecycle_stage", "display_name", "id"], name="contact_stage_idx"),
            # "new leads first": a stage, newest first, without sorting
            models.Index(fields=["lifecycle_stage", "created_at", "id"], name="contact_stage_created_idx"),
            models.Index(fields=["created_at", "id"], name="contact_created_idx"),
            models.Index(fields=["updated_at", "id"], name="contact_updated_idx"),
            models.Index(fields=["completeness", "id"], name="contact_complete_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], condition=~Q(external_id=""), name="contact_extid_uniq"),
        ]

    def __str__(self) -> str:
        return self.display_name


class ContactEmail(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails", db_index=False)  # uniq
    email = models.CharField(max_length=254)
    label = models.CharField(max_length=30, blank=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        indexes = [models.Index(fields=["email"], name="contactemail_email_idx")]
        constraints = [models.UniqueConstraint(fields=["contact", "email"], name="contactemail_uniq")]

    def __str__(self) -> str:
        return self.email


class ContactPhone(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones", db_index=False)  # uniq
    number = models.CharField(max_length=20, help_text="E.164")
    display = models.CharField(max_length=40, blank=True, help_text="As entered.")
    label = models.CharField(max_length=30, blank=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        indexes = [models.Index(fields=["number"], name="contactphone_number_idx")]
        constraints = [models.UniqueConstraint(fields=["contact", "number"], name="contactphone_uniq")]

    def __str__(self) -> str:
        return self.display or self.number


class Address(models.Model):
    """A postal address of a contact or a company (exactly one of the two)."""

    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="addresses")
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(max_length=30, blank=True)
    street = models.CharField(max_length=200, blank=True)
    number = models.CharField(max_length=30, blank=True)
    extra = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    region = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        indexes = [
            # The lists' city filter (LOWER(city) starts with ...), with the owners (SQLite reads them from it alone).
            models.Index(Lower("city"), F("company"), F("contact"), name="address_city_lower_idx"),
            models.Index(fields=["country", "postcode"], name="address_country_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False, company__isnull=True)
                | Q(contact__isnull=True, company__isnull=False),
                name="address_one_owner",
            )
        ]

    def __str__(self) -> str:
        return ", ".join(p for p in (f"{self.street} {self.number}".strip(), self.postcode, self.city) if p)


class Membership(models.Model):
    """A contact's place in a company; one membership per contact is the primary one."""

    # Both served by the unique (contact, company) and the (company, contact) index.
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="memberships", db_index=False)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships", db_index=False)
    role = models.CharField(max_length=150, blank=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        indexes = [models.Index(fields=["company", "contact"], name="membership_company_idx")]
        constraints = [models.UniqueConstraint(fields=["contact", "company"], name="membership_uniq")]

    def __str__(self) -> str:
        return self.role or f"Membership #{self.pk}"


class ContactTag(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, db_index=False)  # unique (contact, tag)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, db_index=False)  # (tag, contact) index

    class Meta:
        indexes = [models.Index(fields=["tag", "contact"], name="contacttag_tag_idx")]
        constraints = [models.UniqueConstraint(fields=["contact", "tag"], name="contacttag_uniq")]

    def __str__(self) -> str:
        return f"{self.contact_id}:{self.tag_id}"


class CompanyTag(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)  # unique (company, tag)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, db_index=False)  # (tag, company) index

    class Meta:
        indexes = [models.Index(fields=["tag", "company"], name="companytag_tag_idx")]
        constraints = [models.UniqueConstraint(fields=["company", "tag"], name="companytag_uniq")]

    def __str__(self) -> str:
        return f"{self.company_id}:{self.tag_id}"


class CustomField(models.Model):
    """An admin-defined field of contacts or companies; its values live in the records' ``custom``."""

    access_type = "custom_field"

    object_type = models.CharField(max_length=20, choices=CustomizableObject.choices)
    key = models.SlugField(max_length=60, help_text="Stable name in the API, imports and exports.")
    label = models.CharField(max_length=100)
    field_type = models.CharField(max_length=20, choices=FieldType.choices)
    required = models.BooleanField(default=False)
    choices = models.JSONField(default=list, blank=True, help_text="Allowed values of choice fields.")
    reference_type = models.CharField(max_length=20, blank=True, help_text="Object type a reference points to.")
    currency = models.CharField(max_length=3, blank=True, help_text="Currency of a money field.")
    help_text = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True, help_text="Archived fields keep their values but are hidden.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["object_type", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["object_type", "key"], name="customfield_key_uniq")]

    def __str__(self) -> str:
        return self.label


class FieldPolicy(models.Model):
    """Which built-in fields admins made mandatory for an object type."""

    object_type = models.CharField(max_length=20, unique=True)
    required_fields = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Mandatory fields of {self.object_type}"


class SavedView(models.Model):
    """A named list view: filters, columns and ordering; private to its owner or shared with everyone."""

    access_type = "saved_view"

    object_type = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    owner = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="saved_views")
    shared = models.BooleanField(default=False)
    filters = models.JSONField(default=dict, blank=True)
    columns = models.JSONField(default=list, blank=True)
    ordering = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["object_type", "owner"], name="savedview_owner_idx")]

    def __str__(self) -> str:
        return self.name


class ImportJob(models.Model):
    """One import of a file: its mapping and options, progress, and a row-level report."""

    access_type = "import"

    object_type = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.UPLOADED)
    file_name = models.CharField(max_length=255)
    file_path = models.CharField(max_length=500, help_text="Where the upload is kept, under VAR_DIR.")
    file_format = models.CharField(max_length=10)
    file_size = models.BigIntegerField(default=0)
    encoding = models.CharField(max_length=40, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True, help_text="{column header: field}")
    mode = models.CharField(max_length=10, choices=ImportMode.choices, default=ImportMode.CREATE)
    match_on = models.CharField(max_length=20, choices=ImportMatch.choices, blank=True)
    options = models.JSONField(default=dict, blank=True, help_text="tags, owner and team for every row")
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    processed_rows = models.PositiveIntegerField(default=0, help_text="Rows committed; a resumed run skips them.")
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    owner = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    team = models.ForeignKey("users.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    undo_total = models.PositiveIntegerField(null=True, blank=True, help_text="Records an undo has to go through.")
    undo_processed = models.PositiveIntegerField(default=0, db_default=0, help_text="Records the undo went through.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="importjob_owner_idx")]

    def __str__(self) -> str:
        return self.file_name


class ImportRow(models.Model):
    """The outcome of one row that was not simply created (and, for undo, every record an import touched)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField()
    outcome = models.CharField(max_length=10, choices=RowOutcome.choices)
    record_id = models.BigIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)
    before = models.JSONField(null=True, blank=True, help_text="The updated record's fields before, for undo.")

    class Meta:
        ordering = ["row_number"]
        indexes = [models.Index(fields=["job", "outcome", "row_number"], name="importrow_job_idx")]
        constraints = [models.UniqueConstraint(fields=["job", "row_number"], name="importrow_uniq")]

    def __str__(self) -> str:
        return f"Row {self.row_number}: {self.outcome}"


class ImportedRecord(models.Model):
    """Links the records an import created to it, so the import can be undone: one row per run of
    consecutive ids (one per batch rather than one per record)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="+")
    record_id = models.BigIntegerField()
    last_record_id = models.BigIntegerField(
        null=True, blank=True, help_text="With record_id: the run of consecutive ids record_id..last_record_id."
    )
    object_type = models.CharField(
        max_length=20, blank=True, default="", db_default="",
        help_text="The records' type when it is not the job's (companies created for contacts).",
    )  # fmt: skip

    class Meta:
        indexes = [models.Index(fields=["job", "record_id"], name="importedrecord_job_idx")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.record_id}"


class ExportJob(models.Model):
    access_type = "export"

    object_type = models.CharField(max_length=20)
    file_format = models.CharField(max_length=10, default="csv")
    filters = models.JSONField(default=dict, blank=True)
    columns = models.JSONField(default=list, blank=True)
    ordering = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    file_path = models.CharField(max_length=500, blank=True)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    processed_rows = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    owner = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    team = models.ForeignKey("users.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="exportjob_owner_idx")]

    def __str__(self) -> str:
        return f"Export #{self.pk}"
