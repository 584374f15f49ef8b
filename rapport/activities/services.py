"""Writes of the timeline, notes and tasks.

Logging an interaction needs read access to every record it concerns (anyone who may see a customer may
record that they spoke to them); interactions are append-only. An interaction logged on a contact is also
put on the timeline of the contact's primary company, so a company's timeline is one index range too.
Re-sent interactions (same ``source`` and ``external_id``) are recognised and not stored twice.
"""

from contextlib import suppress
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


class _Targets:
    """The records interactions name, looked up once for a whole batch: the visible contacts having the email
    addresses given, and which of the contacts and companies named the actor may see."""

    def __init__(self, actor, items: list[dict]):
        from rapport.contacts.models import ContactEmail

        emails, contacts, companies = set(), set(), set()
        for data in items:
            contacts.update(int(i) for i in _ids(data.get("contacts")) if str(i).isdigit())
            companies.update(int(i) for i in _ids(data.get("companies")) if str(i).isdigit())
            for raw in _ids(data.get("contact_emails")):
                with suppress(Invalid):
                    emails.add(normalize.clean_email(raw))
        # The addresses' contacts, then which of them (and of those named by id) the actor sees: two queries (a
        # join with the scoped contacts would have SQLite walk every visible contact).
        pairs = list(ContactEmail.objects.filter(email__in=emails).values_list("email", "contact_id")) if emails else []
        self.contacts = contact_selectors.visible_ids(
            actor=actor, object_type="contact", ids=contacts | {c for _, c in pairs}
        )
        self.by_email = {email: contact for email, contact in pairs if contact in self.contacts}
        self.companies = contact_selectors.visible_ids(actor=actor, object_type="company", ids=companies)


def _resolve_targets(*, actor, data: dict, errors: dict, targets: _Targets | None = None) -> tuple[list, list]:
    """The contacts and companies an interaction concerns: by id, or contacts by email address."""
    targets = targets or _Targets(actor, [data])
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
        missing = [e for e in emails if e not in targets.by_email]
        if missing:
            errors["contact_emails"] = f"No visible contact has {len(missing)} of these addresses."
        contact_ids.update(targets.by_email[e] for e in emails if e in targets.by_email)
    if not contact_ids <= targets.contacts:
        errors["contacts"] = "Choose existing, visible contacts."
    if not company_ids <= targets.companies:
        errors["companies"] = "Choose existing, visible companies."
    if not contact_ids and not company_ids and "contacts" not in errors and "contact_emails" not in errors:
        errors["contacts"] = "Name at least one contact or company the interaction concerns."
    return sorted(contact_ids), sorted(company_ids)


def _primary_companies(contact_ids) -> dict[int, int]:
    from rapport.contacts.models import Contact

    return dict(Contact.objects.filter(pk__in=set(contact_ids), company__isnull=False).values_list("pk", "company_id"))


def _links(interaction: Interaction, contact_ids, company_ids, primaries: dict[int, int]) -> list[InteractionLink]:
    """The interaction's links: its contacts, its companies and its contacts' primary companies."""
    company_ids = sorted(set(company_ids) | {primaries[c] for c in contact_ids if c in primaries})
    common = {"interaction": interaction, "occurred_at": interaction.occurred_at, "kind": interaction.kind}
    return [InteractionLink(contact_id=c, **common) for c in contact_ids] + [
        InteractionLink(company_id=c, **common) for c in company_ids
    ]


def _existing(keys) -> dict[tuple[str, str], Interaction]:
    """The stored interactions with these ``(source, external_id)``, in one query."""
    keys = {k for k in keys if k[1]}
    if not keys:
        return {}
    found = Interaction.objects.filter(source__in={s for s, _ in keys}, external_id__in={e for _, e in keys}).exclude(
        external_id=""
    )  # the unique index's condition, so that SQLite uses it
    return {(i.source, i.external_id): i for i in found.order_by() if (i.source, i.external_id) in keys}


def _key(values: dict) -> tuple[str, str] | None:
    return (values["source"], values["external_id"]) if values.get("external_id") else None


@transaction.atomic
def interaction_log(*, actor, data: dict[str, Any]) -> tuple[Interaction, bool]:
    """Record one interaction; ``(interaction, created)``. A re-sent one returns the stored one."""
    errors: dict[str, str] = {}
    values = _clean_interaction(data, errors)
    contact_ids, company_ids = _resolve_targets(actor=actor, data=data, errors=errors)
    if errors:
        raise validation_error(errors)
    key = _key(values)
    existing = _existing([key]).get(key) if key else None
    if existing is not None:
        return existing, False
    interaction = Interaction(**values, created_by=actor if actor and actor.pk else None)
    try:
        with transaction.atomic():
            interaction.save()
    except IntegrityError:  # the same event, sent twice at once
        return _existing([key])[key], False
    InteractionLink.objects.bulk_create(_links(interaction, contact_ids, company_ids, _primary_companies(contact_ids)))
    return interaction, True


@transaction.atomic
def interactions_ingest(*, actor, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Log a batch of interactions from any channel: per item ``{"status": "created"|"duplicate"|"failed",
    "id", "errors"}``. Each item stands alone: a bad one does not stop the others.

    As ``interaction_log`` item by item, in a few queries for the whole batch: the records named are looked up
    once, the interactions and their links written with one insert each."""
    if not isinstance(items, list) or not items:
        raise validation_error({"items": "Give a non-empty list of interactions."})
    if len(items) > MAX_BATCH:
        raise validation_error({"items": f"At most {MAX_BATCH} interactions per call."})
    results: list[dict | None] = [None] * len(items)
    targets = _Targets(actor, [item for item in items if isinstance(item, dict)])
    planned = []  # (index, values, contact ids, company ids)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            results[index] = {"status": "failed", "id": None, "errors": {"__all__": ["Give an object."]}}
            continue
        errors: dict[str, str] = {}
        values = _clean_interaction(item, errors)
        contact_ids, company_ids = _resolve_targets(actor=actor, data=item, errors=errors, targets=targets)
        if errors:
            exc = validation_error(errors)
            results[index] = {"status": "failed", "id": None, "errors": exc.fields or {"__all__": [exc.message]}}
            continue
        planned.append((index, values, contact_ids, company_ids))
    stored = _existing(_key(values) for _, values, _, _ in planned if _key(values))
    new: dict[tuple, Interaction] = {}  # by key, the first item of the batch with it
    creates, repeats = [], []
    for index, values, contact_ids, company_ids in planned:
        key = _key(values)
        if key in stored:
            results[index] = stored[key]
        elif key in new:
            repeats.append((index, new[key]))  # an event sent twice in one batch: the first is stored
        else:
            interaction = Interaction(**values, created_by=actor if actor and actor.pk else None)
            creates.append((index, interaction, contact_ids, company_ids))
            if key:
                new[key] = interaction
    try:
        with transaction.atomic():
            Interaction.objects.bulk_create([c[1] for c in creates])
            primaries = _primary_companies(c for _, _, contact_ids, _ in creates for c in contact_ids)
            InteractionLink.objects.bulk_create(
                [
                    link
                    for _, obj, contacts, companies in creates
                    for link in _links(obj, contacts, companies, primaries)
                ]
            )
    except IntegrityError:
        # An event of the batch stored meanwhile by another request: log the new ones one by one instead.
        for index in sorted([c[0] for c in creates] + [r[0] for r in repeats]):
            try:
                interaction, created = interaction_log(actor=actor, data=items[index])
            except ApplicationError as exc:
                results[index] = {"status": "failed", "id": None, "errors": exc.fields or {"__all__": [exc.message]}}
                continue
            results[index] = _logged("created", interaction) if created else interaction
        creates, repeats = [], []
    for index, interaction, _contacts, _companies in creates:
        results[index] = _logged("created", interaction)
    for index, interaction in repeats:  # shown: it concerns records just checked to be visible
        results[index] = _logged("duplicate", interaction)
    # A duplicate of an interaction the actor cannot see is reported without its id.
    stored_ones = [r for r in results if isinstance(r, Interaction)]
    visible = _visible_interactions(actor, [r.pk for r in stored_ones])
    return [_logged("duplicate", r, shown=r.pk in visible) if isinstance(r, Interaction) else r for r in results]


def _logged(status: str, interaction: Interaction, *, shown: bool = True) -> dict[str, Any]:
    return {"status": status, "id": interaction.pk if shown else None, "errors": {}}


def _visible_interactions(actor, ids) -> set[int]:
    """The interactions among ``ids`` concerning a contact or company the actor may see (as
    ``selectors.interaction_queryset``), in three queries however many."""
    if not ids:
        return set()
    links = list(
        InteractionLink.objects.filter(interaction_id__in=set(ids)).values_list(
            "interaction_id", "contact_id", "company_id"
        )
    )
    contacts = contact_selectors.visible_ids(actor=actor, object_type="contact", ids={c for _, c, _ in links if c})
    companies = contact_selectors.visible_ids(actor=actor, object_type="company", ids={c for _, _, c in links if c})
    return {i for i, contact, company in links if contact in contacts or company in companies}


def interaction_visible(actor, interaction: Interaction) -> bool:
    return interaction.pk in _visible_interactions(actor, [interaction.pk])


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


def _completed_at(status: str, before):
    """When a task in ``status`` was completed: None while it is open, else its earlier completion or now."""
    return None if status in OPEN_STATUSES else (before or timezone.now())


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
        created_by=actor, completed_at=_completed_at(values.get("status", TaskStatus.OPEN), None),
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
    task.completed_at = _completed_at(task.status, task.completed_at)  # also mends a done task that had none
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
