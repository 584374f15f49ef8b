from django.db import models


class InteractionKind(models.TextChoices):
    EMAIL = "email", "Email"
    CALL = "call", "Call"
    MEETING = "meeting", "Meeting"
    NOTE = "note", "Note"
    CHAT = "chat", "Chat"
    SMS = "sms", "SMS"
    SOCIAL = "social", "Social post or message"
    WEB_VISIT = "web_visit", "Website visit"
    FORM = "form", "Form submission"
    PURCHASE = "purchase", "Purchase"
    TICKET = "ticket", "Support ticket event"
    SYSTEM = "system", "System event"


class Direction(models.TextChoices):
    INBOUND = "in", "Inbound"
    OUTBOUND = "out", "Outbound"
    NONE = "", "—"


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


OPEN_STATUSES = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)
