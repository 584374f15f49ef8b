"""Writes of the timeline, notes and tasks.

Logging an interaction needs read access to every record it concerns (anyone who may see a customer may
record that they spoke to them); interactions are append-only. An interaction logged on a contact is also
put on the timeline of the contact's primary company, so a company's timeline is one index range too.
Re-sent interactions (same ``source`` and ``external_id``) are recognised and not stored twice.
"""

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from rapport.contacts import normalize
from rapport.contacts import selectors as contact_selectors
from rapport.contacts.normalize import Invalid
from rapport.core import audit
from rapport.core.errors import ApplicationError, PermissionDenied, validation_error
from rapport.users import access
from rapport.users.enums import Operation, Scope

from .enums import OPEN_STATUSES, Direction, InteractionKind, Priority, TaskStatus
from .models import Interaction, InteractionLink, Note, Task

MAX_BATCH = 1000


def _ids(value) -> list:
    if value in (None, ""):
        return []
    return list(value) if isinstance(value, list | tuple | set) else [value]


def _clean_interaction(data: dict, errors: dict) -> dict:
    out = {}

    def take(name, cleaner):
        try:
            out[name] = cleaner(data.get(name))
        except Invalid as exc:
            errors[name] = str(exc)

    kind = str(data.get("kind") or "")
    if kind not in InteractionKind.values:
        errors["kind"] = f"Choose one of: {', '.join(InteractionKind.values)}."
    out["kind"] = kind
    direction = str(data.get("direction") or "")
    if direction not in Direction.values:
        errors["direction"] = "Choose in or out."
    out["direction"] = direction
    take("channel", lambda v: normalize.clean_text(v, max_length=50).lower())
    take("subject", lambda v: normalize.clean_text(v, max_length=300))
    take("body", lambda v: normalize.clean_long_text(v, max_length=200_000))
    take("product", lambda v: normalize.clean_text(v, max_length=200))
    take("source", lambda v: normalize.clean_text(v, max_length=50).lower())
    take("external_id", lambda v: normalize.clean_text(v, max_length=200))
    take("amount", lambda v: normalize.clean_decimal(v))
    take("currency", normalize.clean_currency)
    take("occurred_at", normalize.clean_datetime)
    if "occurred_at" in out and out["occurred_at"] is None:
        out["occurred_at"] = timezone.now()
    elif out.get("occurred_at") and out["occurred_at"] > timezone.now() + timedelta(days=366):
        errors["occurred_at"] = "This is more than a year ahead."
    if out.get("amount") is not None and not out.get("currency"):
        errors["currency"] = "Give the currency of the amount."
    participants = data.get("participants") or []
    if not isinstance(participants, list) or not all(isinstance(p, dict | str) for p in participants):
        errors["participants"] = "Give participants as a list."
    else:
        out["participants"] = [
            {k: normalize.clean_text(v, max_length=200) for k, v in (p if isinstance(p, dict) else {"name": p}).items()
             if k in ("name", "email", "phone", "role")}
            for p in participants[:200]
        ]  # fmt: skip
    extra = data.get("data") or {}
    if not isinstance(extra, dict):
        errors["data"] = "Give data as an object."
    out["data"] = extra if isinstance(extra, dict) else {}
    if out.get("external_id") and not out.get("source"):
        errors["source"] = "Give the source system of an external id."
    return out


def _resolve_targets(*, actor, data: dict, errors: dict) -> tuple[list[int], list[int]]:
    """The contacts and companies an interaction concerns: by id, or contacts by email address."""
    contact_ids = {int(i) for i in _ids(data.get("contacts")) if str(i).isdigit()}
    company_ids = {int(i) for i in _ids(data.get("companies")) if str(i).isdigit()}
    bad = [i for i in _ids(data.get("contacts")) if not str(i).isdigit()]
    if bad:
        errors["contacts"] = "Give contact ids."
    emails = []
    for raw in _ids(data.get("contact_emails")):
        try:
            emails.append(normalize.clean_email(raw))
        except Invalid:
            errors["contact_emails"] = "Give valid email addresses."
    if emails:
        from rapport.contacts.models import ContactEmail

        found = ContactEmail.objects.filter(
            email__in=emails, contact__in=contact_selectors.contact_queryset(actor=actor)
        ).values_list("email", "contact_id")
        by_email = dict(found)
        missing = [e for e in emails if e not in by_email]
        if missing:
            errors["contact_emails"] = f"No visible contact has {len(missing)} of these addresses."
        contact_ids.update(by_email.values())
    visible_contacts = contact_selectors.visible_ids(actor=actor, object_type="contact", ids=contact_ids)
    visible_companies = contact_selectors.visible_ids(actor=actor, object_type="company", ids=company_ids)
    if visible_contacts != contact_ids:
        errors["contacts"] = "Choose existing, visible contacts."
    if visible_companies != company_ids:
        errors["companies"] = "Choose existing, visible companies."
    if not contact_ids and not company_ids and "contacts" not in errors and "contact_emails" not in errors:
        errors["contacts"] = "Name at least one contact or company the interaction concerns."
    return sorted(contact_ids), sorted(company_ids)


def _with_primary_companies(contact_ids: list[int], company_ids: list[int]) -> list[int]:
    from rapport.contacts.models import Contact

    primaries = Contact.objects.filter(pk__in=contact_ids, company__isnull=False).values_list("company_id", flat=True)
    return sorted(set(company_ids) | set(primaries))


def _links(interaction: Interaction, contact_ids, company_ids) -> list[InteractionLink]:
    common = {"interaction": interaction, "occurred_at": interaction.occurred_at, "kind": interaction.kind}
    return [InteractionLink(contact_id=c, **common) for c in contact_ids] + [
        InteractionLink(company_id=c, **common) for c in company_ids
    ]


def _existing(source: str, external_id: str) -> Interaction | None:
    if not external_id:
        return None
    return Interaction.objects.filter(source=source, external_id=external_id).first()


@transaction.atomic
def interaction_log(*, actor, data: dict[str, Any]) -> tuple[Interaction, bool]:
    """Record one interaction; ``(interaction, created)``. A re-sent one returns the stored one."""
    errors: dict[str, str] = {}
    values = _clean_interaction(data, errors)
    contact_ids, company_ids = _resolve_targets(actor=actor, data=data, errors=errors)
    if errors:
        raise validation_error(errors)
    existing = _existing(values["source"], values["external_id"])
    if existing is not None:
        return existing, False
    interaction = Interaction(**values, created_by=actor if actor and actor.pk else None)
    try:
        with transaction.atomic():
            interaction.save()
    except IntegrityError:  # the same event, sent twice at once
        return _existing(values["source"], values["external_id"]), False
    InteractionLink.objects.bulk_create(
        _links(interaction, contact_ids, _with_primary_companies(contact_ids, company_ids))
    )
    return interaction, True


def interactions_ingest(*, actor, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Log a batch of interactions from any channel: per item ``{"status": "created"|"duplicate"|"failed",
    "id", "errors"}``. Each item stands alone: a bad one does not stop the others."""
    if not isinstance(items, list) or not items:
        raise validation_error({"items": "Give a non-empty list of interactions."})
    if len(items) > MAX_BATCH:
        raise validation_error({"items": f"At most {MAX_BATCH} interactions per call."})
    results = []
    for item in items:
        if not isinstance(item, dict):
            results.append({"status": "failed", "id": None, "errors": {"__all__": ["Give an object."]}})
            continue
        try:
            interaction, created = interaction_log(actor=actor, data=item)
        except ApplicationError as exc:
            results.append({"status": "failed", "id": None, "errors": exc.fields or {"__all__": [exc.message]}})
            continue
        # A duplicate of an interaction the actor cannot see is reported without its id.
        shown = created or interaction_visible(actor, interaction)
        results.append({"status": "created" if created else "duplicate", "id": interaction.pk if shown else None,
                        "errors": {}})  # fmt: skip
    return results


def interaction_visible(actor, interaction: Interaction) -> bool:
    from .selectors import interaction_queryset

    return interaction_queryset(actor=actor).filter(pk=interaction.pk).exists()


# --- notes -----------------------------------------------------------------------------------------------


def _target(*, actor, data: dict) -> tuple[int | None, int | None]:
    """The one contact or company a note or task is attached to (optional for tasks), checked to be visible."""
    contact_id, company_id = data.get("contact") or None, data.get("company") or None
    if contact_id and company_id:
        raise validation_error({"contact": "Attach it to a contact or a company, not both."})
    if contact_id and not contact_selectors.visible_ids(actor=actor, object_type="contact", ids=[contact_id]):
        raise validation_error({"contact": "Choose an existing, visible contact."})
    if company_id and not contact_selectors.visible_ids(actor=actor, object_type="company", ids=[company_id]):
        raise validation_error({"company": "Choose an existing, visible company."})
    return (int(contact_id) if contact_id else None), (int(company_id) if company_id else None)


def _clean_body(value) -> str:
    try:
        body = normalize.clean_long_text(value, max_length=50_000)
    except Invalid as exc:
        raise validation_error({"body": str(exc)}) from None
    if not body:
        raise validation_error({"body": "Write something."})
    return body


@transaction.atomic
def note_create(*, actor, data: dict[str, Any]) -> Note:
    """Anyone who may see a record and change records of its kind at all may note something on it (a sales
    rep on a teammate's customer); read-only users may not."""
    contact_id, company_id = _target(actor=actor, data=data)
    if not contact_id and not company_id:
        raise validation_error({"contact": "Attach the note to a contact or a company."})
    object_type = "contact" if contact_id else "company"
    if access.scope_of(actor, object_type, Operation.WRITE) == Scope.NONE:
        raise PermissionDenied("You may not add notes.")
    note = Note.objects.create(
        body=_clean_body(data.get("body")), contact_id=contact_id, company_id=company_id,
        pinned=bool(data.get("pinned")), author=actor,
    )  # fmt: skip
    audit.record(actor=actor, action="create", obj=note, object_type="note", object_repr=f"Note #{note.pk}",
                 changes={"contact": [None, contact_id], "company": [None, company_id]})  # fmt: skip
    return note


def can_edit_note(actor, note: Note) -> bool:
    """Its author, or whoever may edit the record it is on."""
    if note.author_id == actor.pk:
        return True
    if note.contact_id:
        return bool(contact_selectors.writable_ids(actor=actor, object_type="contact", ids=[note.contact_id]))
    return bool(contact_selectors.writable_ids(actor=actor, object_type="company", ids=[note.company_id]))


@transaction.atomic
def note_update(*, actor, note: Note, data: dict[str, Any]) -> Note:
    if not can_edit_note(actor, note):
        raise PermissionDenied()
    before = audit.snapshot(note, ("body", "pinned"))
    if "body" in data:
        note.body = _clean_body(data["body"])
    if "pinned" in data:
        note.pinned = bool(data["pinned"])
    note.save()
    changes = audit.diff(before, audit.snapshot(note, ("body", "pinned")))
    if changes:
        audit.record(actor=actor, action="update", obj=note, object_type="note", object_repr=f"Note #{note.pk}",
                     changes={k: ["…", "…"] if k == "body" else v for k, v in changes.items()})  # fmt: skip
    return note


@transaction.atomic
def note_delete(*, actor, note: Note) -> None:
    if not can_edit_note(actor, note):
        raise PermissionDenied()
    audit.record(actor=actor, action="delete", obj=note, object_type="note", object_repr=f"Note #{note.pk}")
    note.delete()


# --- tasks -----------------------------------------------------------------------------------------------

TASK_FIELDS = ("title", "description", "due_at", "priority", "status", "assignee_id", "team_id", "remind_at",
               "contact_id", "company_id")  # fmt: skip


def _clean_task(data: dict, *, partial: bool) -> dict:
    errors, out = {}, {}

    def take(name, cleaner):
        if name in data or not partial:
            try:
                out[name] = cleaner(data.get(name))
            except Invalid as exc:
                errors[name] = str(exc)

    take("title", lambda v: normalize.clean_text(v, max_length=300))
    take("description", lambda v: normalize.clean_long_text(v, max_length=20_000))
    take("due_at", normalize.clean_datetime)
    take("remind_at", normalize.clean_datetime)
    if "priority" in data or not partial:
        out["priority"] = str(data.get("priority") or Priority.NORMAL)
        if out["priority"] not in Priority.values:
            errors["priority"] = f"Choose one of: {', '.join(Priority.values)}."
    if "status" in data:
        out["status"] = str(data.get("status") or "")
        if out["status"] not in TaskStatus.values:
            errors["status"] = f"Choose one of: {', '.join(TaskStatus.values)}."
    if "title" in out and not out["title"]:
        errors["title"] = "This field is required."
    if errors:
        raise validation_error(errors)
    return out


def _assignee_team(*, data: dict, task: Task | None, actor) -> tuple[int | None, int | None]:
    from rapport.users.models import Team, User

    assignee_id = task.assignee_id if task else actor.pk
    team_id = task.team_id if task else None
    if "assignee" in data:
        assignee_id = data["assignee"] or None
        if assignee_id is not None:
            user = User.objects.filter(pk=assignee_id, is_active=True).only("pk", "team_id").first()
            if user is None:
                raise validation_error({"assignee": "Choose an active user."})
            if "team" not in data:
                team_id = user.team_id
    elif task is None:
        team_id = actor.team_id
    if "team" in data:
        team_id = data["team"] or None
        if team_id is not None and not Team.objects.filter(pk=team_id).exists():
            raise validation_error({"team": "Choose an existing team."})
    return assignee_id, team_id


def _ensure_assignable(actor, assignee_id, team_id) -> None:
    if not access.can_assign(actor, "task", owner_id=assignee_id, team_id=team_id):
        raise PermissionDenied("You may not give a task to this person or team.")


@transaction.atomic
def task_create(*, actor, data: dict[str, Any]) -> Task:
    values = _clean_task(data, partial=False)
    contact_id, company_id = _target(actor=actor, data=data)
    assignee_id, team_id = _assignee_team(data=data, task=None, actor=actor)
    _ensure_assignable(actor, assignee_id, team_id)
    task = Task.objects.create(
        **values, contact_id=contact_id, company_id=company_id, assignee_id=assignee_id, team_id=team_id,
        created_by=actor,
    )  # fmt: skip
    audit.record(actor=actor, action="create", obj=task, changes={
        k: [None, v] for k, v in audit.snapshot(task, TASK_FIELDS).items() if v not in (None, "")
    })  # fmt: skip
    return task


@transaction.atomic
def task_update(*, actor, task: Task, data: dict[str, Any]) -> Task:
    access.ensure_can_write(actor, task)
    task = Task.objects.select_for_update().get(pk=task.pk)
    values = _clean_task(data, partial=True)
    before = audit.snapshot(task, TASK_FIELDS)
    if "contact" in data or "company" in data:
        task.contact_id, task.company_id = _target(
            actor=actor, data={"contact": data.get("contact"), "company": data.get("company")}
        )
    if "assignee" in data or "team" in data:
        task.assignee_id, task.team_id = _assignee_team(data=data, task=task, actor=actor)
        _ensure_assignable(actor, task.assignee_id, task.team_id)
    for name, value in values.items():
        setattr(task, name, value)
    if "remind_at" in values:
        task.reminded_at = None
    if "status" in values:
        done = task.status not in OPEN_STATUSES
        task.completed_at = (task.completed_at or timezone.now()) if done else None
    task.save()
    changes = audit.diff(before, audit.snapshot(task, TASK_FIELDS))
    if changes:
        audit.record(actor=actor, action="update", obj=task, changes=changes)
    return task


def task_complete(*, actor, task: Task) -> Task:
    return task_update(actor=actor, task=task, data={"status": TaskStatus.DONE})


@transaction.atomic
def task_delete(*, actor, task: Task) -> None:
    access.ensure_can_write(actor, task)
    audit.record(actor=actor, action="delete", obj=task, changes={"title": [task.title, None]})
    task.delete()


def may_write_task(actor, task: Task) -> bool:
    return access.can(actor, task, Operation.WRITE)
