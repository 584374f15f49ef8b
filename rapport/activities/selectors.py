"""Reads of the timeline, notes and tasks, within the actor's record access."""

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from rapport.contacts import selectors as contact_selectors
from rapport.core.errors import NotFound
from rapport.core.pagination import decode_cursor, encode_cursor
from rapport.users import access

from .enums import OPEN_STATUSES
from .models import Interaction, InteractionLink, Note, Task

TIMELINE_PAGE = 30


def _record_filter(*, actor, contact=None, company=None) -> dict:
    """The link filter for one record's timeline, after checking the actor may see the record."""
    if contact is not None:
        return {"contact_id": contact.pk}
    if company is not None:
        return {"company_id": company.pk}
    raise NotFound()


def timeline(*, actor, contact=None, company=None, kinds=(), cursor: str | None = None, limit: int = TIMELINE_PAGE):
    """A page of a record's interactions, newest first: ``(interactions, next_cursor)``.

    The caller has already loaded ``contact`` or ``company`` through its selector (so the actor may see it).
    One range scan of the (record, time) index, then the interactions themselves by primary key.
    """
    links = InteractionLink.objects.filter(**_record_filter(actor=actor, contact=contact, company=company))
    if kinds:
        links = links.filter(kind__in=list(kinds))
    if cursor:
        values = decode_cursor(cursor, "-occurred_at")
        try:
            at, pk = datetime.fromisoformat(values[0]), int(values[1])
        except (ValueError, TypeError, IndexError):
            from rapport.core.errors import validation_error

            raise validation_error({"cursor": "This cursor is not valid; start again without one."}) from None
        links = links.filter(Q(occurred_at__lte=at) & (Q(occurred_at__lt=at) | Q(interaction_id__lt=pk)))
    rows = list(links.order_by("-occurred_at", "-interaction_id").values_list("interaction_id", flat=True)[: limit + 1])
    more = len(rows) > limit
    ids = rows[:limit]
    by_id = Interaction.objects.select_related("created_by").in_bulk(ids)
    items = [by_id[i] for i in ids if i in by_id]
    next_cursor = encode_cursor("-occurred_at", [items[-1].occurred_at.isoformat(), items[-1].pk]) if more else None
    return items, next_cursor


def interaction_queryset(*, actor) -> QuerySet:
    """Interactions concerning at least one contact or company the actor may see."""
    contacts = contact_selectors.contact_queryset(actor=actor)
    companies = contact_selectors.company_queryset(actor=actor)
    visible = InteractionLink.objects.filter(
        Q(contact__in=contacts.values("pk")) | Q(company__in=companies.values("pk"))
    )
    return Interaction.objects.filter(pk__in=visible.values("interaction_id"))


def interaction_get(*, actor, pk) -> Interaction:
    """One interaction, if it concerns a record the actor may see: checked through its own links (asking
    ``interaction_queryset`` would gather every interaction the actor may see)."""
    try:
        interaction = Interaction.objects.prefetch_related("links").get(pk=pk)
    except (Interaction.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    links = interaction.links.all()
    for object_type, field in (("contact", "contact_id"), ("company", "company_id")):
        ids = {getattr(link, field) for link in links} - {None}
        if ids and contact_selectors.visible_ids(actor=actor, object_type=object_type, ids=ids):
            return interaction
    raise NotFound()


def interaction_list(*, actor, contact=None, company=None, kind=None, since=None, until=None, source=None) -> QuerySet:
    qs = interaction_queryset(actor=actor)
    if contact:
        qs = qs.filter(pk__in=InteractionLink.objects.filter(contact_id=contact).values("interaction_id"))
    if company:
        qs = qs.filter(pk__in=InteractionLink.objects.filter(company_id=company).values("interaction_id"))
    if kind:
        qs = qs.filter(kind=kind)
    if since:
        qs = qs.filter(occurred_at__gte=since)
    if until:
        qs = qs.filter(occurred_at__lt=until)
    if source:
        qs = qs.filter(source=source)
    return qs.prefetch_related("links")


# --- notes ---------------------------------------------------------------------------------------------


def note_queryset(*, actor) -> QuerySet:
    contacts = contact_selectors.contact_queryset(actor=actor)
    companies = contact_selectors.company_queryset(actor=actor)
    return Note.objects.filter(Q(contact__in=contacts.values("pk")) | Q(company__in=companies.values("pk")))


def notes_for(*, actor, contact=None, company=None) -> QuerySet:
    return Note.objects.filter(**_record_filter(actor=actor, contact=contact, company=company)).select_related("author")


def note_get(*, actor, pk) -> Note:
    try:
        return note_queryset(actor=actor).select_related("author").get(pk=pk)
    except (Note.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


# --- tasks ---------------------------------------------------------------------------------------------


def task_queryset(*, actor) -> QuerySet:
    return access.scoped(Task.objects.all(), actor=actor, object_type="task").select_related(
        "assignee", "contact", "company"
    )


def task_get(*, actor, pk) -> Task:
    return access.get_for(task_queryset(actor=actor), actor=actor, object_type="task", pk=pk)


def task_list(*, actor, assignee=None, status=None, contact=None, company=None, due_before=None) -> QuerySet:
    qs = task_queryset(actor=actor)
    if assignee:
        qs = qs.filter(assignee_id=actor.pk if assignee == "me" else assignee)
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    # Filtering by a record the actor cannot see finds nothing (it must not confirm the record's tasks).
    if contact:
        qs = qs.filter(contact_id=contact) if _visible("contact", contact, actor) else qs.none()
    if company:
        qs = qs.filter(company_id=company) if _visible("company", company, actor) else qs.none()
    if due_before:
        qs = qs.filter(due_at__lt=due_before)
    return qs


def _visible(object_type: str, pk, actor) -> bool:
    return bool(contact_selectors.visible_ids(actor=actor, object_type=object_type, ids=[pk]))


def tasks_for(*, actor, contact=None, company=None, open_only: bool = True) -> QuerySet:
    qs = task_queryset(actor=actor).filter(**_record_filter(actor=actor, contact=contact, company=company))
    return qs.filter(status__in=OPEN_STATUSES) if open_only else qs


def my_tasks(*, actor, now: datetime | None = None) -> dict[str, list[Task]]:
    """The actor's open tasks: overdue, due today (in their time zone), upcoming, and without a date."""
    now = now or timezone.now()
    local_now = timezone.localtime(now)
    end_of_today = local_now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    qs = list(
        Task.objects.filter(assignee=actor, status__in=OPEN_STATUSES)
        .select_related("contact", "company")
        .order_by("due_at", "id")[:500]
    )
    groups = {"overdue": [], "today": [], "upcoming": [], "someday": []}
    for task in qs:
        if task.due_at is None:
            groups["someday"].append(task)
        elif task.due_at < now:
            groups["overdue"].append(task)
        elif task.due_at < end_of_today:
            groups["today"].append(task)
        else:
            groups["upcoming"].append(task)
    return groups
