"""The interaction timeline, notes and tasks.

Interactions are append-only: they record what happened. Each concerns one or more contacts and
companies through ``InteractionLink`` rows, which copy the time so that a timeline is one index range
scan, however long the history. Interactions and notes are seen by whoever may see a record they concern;
tasks have their own owner (the assignee) and team.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .enums import Direction, InteractionKind, Priority, TaskStatus

USER = settings.AUTH_USER_MODEL


class Interaction(models.Model):
    access_type = "interaction"

    kind = models.CharField(max_length=12, choices=InteractionKind.choices)
    channel = models.CharField(max_length=50, blank=True, help_text="Where it happened: phone, zoom, whatsapp, …")
    direction = models.CharField(max_length=3, choices=Direction.choices, blank=True)
    occurred_at = models.DateTimeField()
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    participants = models.JSONField(default=list, blank=True, help_text='[{"name": …, "email": …, "role": …}]')
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    product = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=50, blank=True, help_text="The system it came from.")
    external_id = models.CharField(max_length=200, blank=True, help_text="Its id there; (source, id) is unique.")
    data = models.JSONField(default=dict, blank=True, help_text="Anything else the source sent.")
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["occurred_at", "id"], name="interaction_time_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], condition=~Q(external_id=""), name="interaction_source_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.subject or self.get_kind_display()


class InteractionLink(models.Model):
    """An interaction on the timeline of one contact or one company."""

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="links")
    contact = models.ForeignKey("contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey("contacts.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=12, choices=InteractionKind.choices)

    class Meta:
        indexes = [
            models.Index(fields=["contact", "-occurred_at", "-interaction"], name="ilink_contact_idx"),
            models.Index(fields=["company", "-occurred_at", "-interaction"], name="ilink_company_idx"),
            models.Index(fields=["interaction"], name="ilink_interaction_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False, company__isnull=True)
                | Q(contact__isnull=True, company__isnull=False),
                name="ilink_one_record",
            )
        ]

    def __str__(self) -> str:
        return f"{self.interaction_id} on {self.contact_id or self.company_id}"


class Note(models.Model):
    """A note on a contact or a company (deals and tickets join later)."""

    access_type = "note"

    body = models.TextField()
    contact = models.ForeignKey("contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey("contacts.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    pinned = models.BooleanField(default=False)
    author = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-pinned", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["contact", "-created_at"], name="note_contact_idx"),
            models.Index(fields=["company", "-created_at"], name="note_company_idx"),
        ]

    def __str__(self) -> str:
        return self.body[:60]


class Task(models.Model):
    access_type = "task"

    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    assignee = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks")
    team = models.ForeignKey("users.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # A task outlives the record it was about: deleting a customer must not delete other people's work.
    contact = models.ForeignKey("contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    company = models.ForeignKey("contacts.Company", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["assignee", "status", "due_at"], name="task_assignee_idx"),
            models.Index(fields=["team", "status", "due_at"], name="task_team_idx"),
            models.Index(fields=["contact", "status"], name="task_contact_idx"),
            models.Index(fields=["company", "status"], name="task_company_idx"),
            models.Index(fields=["remind_at"], condition=Q(reminded_at__isnull=True), name="task_remind_idx"),
        ]

    def __str__(self) -> str:
        return self.title
