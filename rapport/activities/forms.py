"""Forms of the timeline, notes and tasks. They parse what a person typed (dates in their time zone,
participants one per line); the services validate everything again and write."""

from datetime import datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from rapport.core.forms import QuickSelect
from rapport.users import access
from rapport.users.enums import Operation, Scope
from rapport.users.models import User

from .enums import Direction, InteractionKind, Priority, TaskStatus

DEFAULT_DUE_TIME = time(17, 0)  # a due date without a time: the end of the working day


def _local_input(value: datetime | None) -> str:
    """An aware datetime as the value of a datetime-local input, in the user's time zone."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def _aware(day, at: time | None) -> datetime:
    return timezone.make_aware(datetime.combine(day, at or DEFAULT_DUE_TIME), timezone.get_current_timezone())


def _same(a, b) -> bool:
    """Equal values; times to the minute (what the inputs show), so an untouched field is not a change."""
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a.replace(second=0, microsecond=0) == b.replace(second=0, microsecond=0)
    return a == b


class LocalDateTimeInput(forms.DateTimeInput):
    """``<input type="datetime-local">``: shows an aware value in the user's time zone."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs={"step": "60", **(attrs or {})}, format="%Y-%m-%dT%H:%M")

    def format_value(self, value):
        if isinstance(value, datetime) and timezone.is_aware(value):
            return _local_input(value)
        return super().format_value(value)


# --- interactions ----------------------------------------------------------------------------------

# Kinds a person logs by hand; system events are written by Rapport itself.
LOGGABLE_KINDS = [(k, label) for k, label in InteractionKind.choices if k != InteractionKind.SYSTEM]


def parse_participants(text: str) -> list[dict]:
    """One participant per line: ``Name <email>``, an email address, or a name (``, role`` may follow)."""
    out, bad = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        role = ""
        if "," in line and "<" not in line.split(",", 1)[1]:
            line, role = (part.strip() for part in line.split(",", 1))
        name, email = line, ""
        if line.endswith(">") and "<" in line:
            name, email = line[:-1].split("<", 1)
            name, email = name.strip().strip('"'), email.strip()
        elif "@" in line and " " not in line:
            name, email = "", line
        if email:
            try:
                validate_email(email)
            except ValidationError:
                bad.append(number)
                continue
        person = {k: v for k, v in (("name", name), ("email", email.lower()), ("role", role)) if v}
        if person:
            out.append(person)
    if bad:
        lines = ", ".join(str(n) for n in bad)
        raise ValidationError(f"Line {lines}: enter a valid email address, as in Ada Lovelace <ada@example.com>.")
    if len(out) > 200:
        raise ValidationError("At most 200 participants.")
    return out


class InteractionForm(forms.Form):
    kind = forms.ChoiceField(choices=LOGGABLE_KINDS, initial=InteractionKind.CALL)
    direction = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Not applicable"),
            (Direction.OUTBOUND, "Outbound (we reached out)"),
            (Direction.INBOUND, "Inbound (they reached us)"),
        ],
    )
    occurred_at = forms.DateTimeField(
        label="When", required=False, widget=LocalDateTimeInput(), help_text="Leave empty for now. Your time zone."
    )
    subject = forms.CharField(required=False, max_length=300)
    body = forms.CharField(
        label="Notes or summary", required=False, max_length=200_000, widget=forms.Textarea(attrs={"rows": 4})
    )
    channel = forms.CharField(
        required=False, max_length=50, help_text="Where it happened: phone, zoom, whatsapp, linkedin…"
    )
    participants = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional, one per line: Ada Lovelace <ada@example.com>, or a name followed by “, role”.",
    )
    amount = forms.DecimalField(required=False, max_digits=18, decimal_places=2, min_value=0)
    currency = forms.CharField(required=False, max_length=3, help_text="ISO code, such as EUR.")
    product = forms.CharField(required=False, max_length=200)

    PURCHASE_FIELDS = ("amount", "currency", "product")

    def clean_participants(self):
        return parse_participants(self.cleaned_data.get("participants") or "")

    def clean_currency(self):
        return (self.cleaned_data.get("currency") or "").strip().upper()

    def clean(self):
        data = super().clean()
        if data.get("kind") == InteractionKind.PURCHASE:
            if data.get("amount") is None and not data.get("product"):
                self.add_error("amount", "Give the amount or the product of the purchase.")
        else:  # hidden unless the kind is a purchase: ignored, whatever they hold
            for name in self.PURCHASE_FIELDS:
                self.errors.pop(name, None)
                data[name] = None if name == "amount" else ""
        return data

    def service_data(self, *, object_type: str, pk: int) -> dict:
        data = self.cleaned_data
        out = {k: data.get(k) for k in ("kind", "direction", "subject", "body", "channel", "participants")}
        out["occurred_at"] = data.get("occurred_at")  # None: now
        out["contacts" if object_type == "contact" else "companies"] = [pk]
        if data.get("kind") == InteractionKind.PURCHASE:
            out.update(amount=data.get("amount"), currency=data.get("currency"), product=data.get("product"))
        return out


# --- notes -----------------------------------------------------------------------------------------


class NoteForm(forms.Form):
    body = forms.CharField(label="Note", max_length=50_000, widget=forms.Textarea(attrs={"rows": 3}))
    pinned = forms.BooleanField(label="Pin to the top", required=False)

    def __init__(self, data=None, *, note=None, prefix=None):
        initial = {"body": note.body, "pinned": note.pinned} if note else None
        super().__init__(data, initial=initial, prefix=prefix)

    def service_data(self) -> dict:
        return {"body": self.cleaned_data["body"], "pinned": self.cleaned_data["pinned"]}


# --- tasks -----------------------------------------------------------------------------------------

REMIND_CHOICES = [
    ("", "No reminder"),
    ("0", "When it is due"),
    ("15", "15 minutes before"),
    ("60", "1 hour before"),
    ("1440", "1 day before"),
    ("custom", "At a time I choose…"),
]


class UserChoiceField(forms.ModelChoiceField):
    widget = QuickSelect

    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


def assignable_users(actor):
    """The active users the actor may give a task to: everyone, their team, or only themselves."""
    scope = access.scope_of(actor, "task", Operation.WRITE)
    users = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
    if scope == Scope.ALL:
        return users
    if scope == Scope.TEAM and actor.team_id:
        return users.filter(team_id=actor.team_id) | users.filter(pk=actor.pk)
    return users.filter(pk=actor.pk)


class TaskForm(forms.Form):
    """Quick add (``full=False``: no description), the new task page and the edit form (with the status)."""

    title = forms.CharField(max_length=300)
    description = forms.CharField(required=False, max_length=20_000, widget=forms.Textarea(attrs={"rows": 3}))
    due_date = forms.DateField(label="Due date", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    due_time = forms.TimeField(
        label="Due time",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Your time zone; without a time, 17:00.",
    )
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL)
    status = forms.ChoiceField(choices=TaskStatus.choices)
    assignee = UserChoiceField(queryset=User.objects.none(), required=False, empty_label="Nobody")
    remind = forms.ChoiceField(label="Reminder", choices=REMIND_CHOICES, required=False)
    remind_at = forms.DateTimeField(
        label="Remind me at", required=False, widget=LocalDateTimeInput(), help_text="Only for “At a time I choose”."
    )

    def __init__(self, data=None, *, actor, task=None, full: bool = True, prefix=None):
        self.task = task
        initial = {"assignee": actor.pk, "priority": Priority.NORMAL, "status": TaskStatus.OPEN}
        if task is not None:
            due = timezone.localtime(task.due_at) if task.due_at else None
            initial = {
                "title": task.title,
                "description": task.description,
                "due_date": due.date() if due else None,
                "due_time": due.time().replace(second=0, microsecond=0) if due else None,
                "priority": task.priority,
                "status": task.status,
                "assignee": task.assignee_id,
                "remind": "custom" if task.remind_at else "",
                "remind_at": task.remind_at,
            }
        super().__init__(data, initial=initial, prefix=prefix)
        users = assignable_users(actor)
        if task is not None and task.assignee_id:
            users = users | User.objects.filter(pk=task.assignee_id)  # keep the current assignee selectable
        assignee = self.fields["assignee"]
        assignee.queryset = users.distinct()
        # "Nobody" only for those who may leave a task unassigned (within their team or everyone's).
        assignee.required = not access.can_create(actor, "task", owner_id=None, team_id=actor.team_id)
        if assignee.required:
            assignee.empty_label = None
        if not full:
            del self.fields["description"]
        if not full or task is None:
            del self.fields["status"]

    def clean(self):
        data = super().clean()
        day, at = data.get("due_date"), data.get("due_time")
        if at and not day:
            self.add_error("due_date", "Give the date as well as the time.")
        data["due_at"] = _aware(day, at) if day else None
        remind = data.get("remind") or ""
        data["remind_at_value"] = None
        if remind == "custom":
            if not data.get("remind_at"):
                self.add_error("remind_at", "Choose when to be reminded.")
            data["remind_at_value"] = data.get("remind_at")
        elif remind:
            if not data["due_at"]:
                self.add_error("remind", "Set a due date for this reminder, or choose a time.")
            else:
                data["remind_at_value"] = data["due_at"] - timedelta(minutes=int(remind))
        return data

    def service_data(self) -> dict:
        """What changed (for a new task: everything). Unchanged reminders are left alone so a reminder already
        sent is not sent again."""
        data = self.cleaned_data
        values = {
            "title": data["title"],
            "due_at": data["due_at"],
            "priority": data["priority"],
            "assignee": data["assignee"].pk if data.get("assignee") else None,
            "remind_at": data["remind_at_value"],
        }
        if "description" in self.fields:
            values["description"] = data.get("description") or ""
        if "status" in self.fields:
            values["status"] = data["status"]
        if self.task is None:
            return values
        current = {
            "title": self.task.title,
            "due_at": self.task.due_at,
            "priority": self.task.priority,
            "assignee": self.task.assignee_id,
            "remind_at": self.task.remind_at,
            "description": self.task.description,
            "status": self.task.status,
        }
        return {k: v for k, v in values.items() if not _same(v, current[k])}


class TeamTaskFilterForm(forms.Form):
    assignee = UserChoiceField(queryset=User.objects.none(), required=False, empty_label="Everyone")
    overdue = forms.BooleanField(label="Overdue only", required=False)

    def __init__(self, data=None, *, users):
        super().__init__(data)
        self.fields["assignee"].queryset = users
