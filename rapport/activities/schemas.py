"""API shapes of interactions (the timeline), notes and tasks. Meaning is checked by the services.

Referenced records the actor may not see (a contact an interaction also concerns, a task's assignee outside the
user scope...) are left out or shown as ``null``: the ``present_*`` helpers find the visible ones for a whole page
(one query per object type) and hang them on each record as ``refs``.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict

from rapport.contacts.schemas import CompanyRef, ContactRef, Visible
from rapport.core.api_types import Id
from rapport.users.schemas import TeamRef, UserRef

from .enums import Direction, InteractionKind, Priority, TaskStatus


def _in_utc(value: datetime | None) -> datetime | None:
    # In UTC for the database: PostgreSQL refuses offsets beyond 15:59, and a time near year 1 or 9999 may not exist
    # in UTC at all. A time without offset is UTC.
    if value is None:
        return None
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("This time is out of range.") from None


UtcDatetime = Annotated[datetime, AfterValidator(_in_utc)]


def _refs(obj) -> dict:
    return obj.refs  # set by the present_* helpers


# --- interactions -----------------------------------------------------------------------------------------


def present_interactions(actor, interactions: list) -> list:
    """Each interaction's visible contacts and companies (from its prefetched ``links``) and creator."""
    visible = Visible(actor)
    for item in interactions:
        for link in item.links.all():
            visible.want("contact", link.contact_id)
            visible.want("company", link.company_id)
        visible.want("user", item.created_by_id)
    visible.resolve()
    for item in interactions:
        links = list(item.links.all())
        item.refs = {
            "contacts": sorted(link.contact_id for link in links if visible.has("contact", link.contact_id)),
            "companies": sorted(link.company_id for link in links if visible.has("company", link.company_id)),
            "created_by": item.created_by if visible.has("user", item.created_by_id) else None,
        }
    return interactions


class InteractionOut(Schema):
    id: int
    kind: InteractionKind
    channel: str = Field(description="Where it happened: phone, zoom, whatsapp…")
    direction: Direction
    occurred_at: datetime
    subject: str
    body: str
    participants: list[dict[str, str]]
    amount: str | None = Field(description="Purchases: a decimal number, as a string.")
    currency: str
    product: str
    source: str = Field(description="The system it came from.")
    external_id: str = Field(description="Its id in that system; (source, external_id) is unique.")
    data: dict[str, Any] = Field(description="Anything else the source sent.")
    contacts: list[int] = Field(description="The contacts it concerns (those you may see).")
    companies: list[int] = Field(description="The companies it concerns (those you may see).")
    created_by: UserRef | None
    created_at: datetime

    @staticmethod
    def resolve_amount(obj) -> str | None:
        return None if obj.amount is None else str(obj.amount)

    @staticmethod
    def resolve_contacts(obj):
        return _refs(obj)["contacts"]

    @staticmethod
    def resolve_companies(obj):
        return _refs(obj)["companies"]

    @staticmethod
    def resolve_created_by(obj):
        return _refs(obj)["created_by"]


class InteractionPage(Schema):
    items: list[InteractionOut]
    next: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


class ParticipantIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    email: str = ""
    phone: str = ""
    role: str = Field("", description="E.g. organizer, to, cc.")


class InteractionIn(Schema):
    """One touchpoint. Name the records it concerns by id (`contacts`, `companies`) or contacts by email address
    (`contact_emails`); logging it on a contact also puts it on the timeline of the contact's primary company."""

    model_config = ConfigDict(extra="forbid")

    kind: InteractionKind
    occurred_at: UtcDatetime | None = Field(None, description="Defaults to now; at most a year ahead.")
    channel: str = ""
    direction: Direction = Direction.NONE
    subject: str = ""
    body: str = Field("", description="The body or a summary.")
    participants: list[ParticipantIn] = Field(default_factory=list)
    amount: Decimal | None = Field(None, description="Purchases: the amount (give its currency).")
    currency: str = Field("", description="ISO 4217.")
    product: str = ""
    source: str = Field("", description="The system it came from (needed with external_id).")
    external_id: str = Field("", description="Its id there: the same (source, external_id) is stored once.")
    data: dict[str, Any] = Field(default_factory=dict)
    contacts: list[Id] = Field(default_factory=list)
    companies: list[Id] = Field(default_factory=list)
    contact_emails: list[str] = Field(default_factory=list, description="Contacts by (any of their) email address.")


def _items_field():
    # An item that does not fit the shape is reported as failed in the results, not refused with the whole batch.
    return list[Annotated[InteractionIn | Any, Field(union_mode="left_to_right")]]


class IngestIn(Schema):
    items: _items_field() = Field(min_length=1, max_length=1000, description="Interactions (see POST /interactions).")


class IngestResult(Schema):
    index: int = Field(description="The item's position in `items`, from 0.")
    status: Literal["created", "duplicate", "failed"] = Field(description="duplicate: stored before (same source id).")
    id: int | None
    errors: dict[str, list[str]]


class IngestOut(Schema):
    created: int
    duplicate: int
    failed: int
    results: list[IngestResult]


class InteractionFilters(Schema):
    contact: Id | None = Field(None, description="Only those concerning this contact.")
    company: Id | None = Field(None, description="Only those concerning this company.")
    kind: InteractionKind | None = None
    since: UtcDatetime | None = Field(None, description="From this time on (inclusive), ISO 8601; UTC if no offset.")
    until: UtcDatetime | None = Field(None, description="Before this time (exclusive).")
    source: str | None = None
    ordering: Literal["-occurred_at", "occurred_at"] = "-occurred_at"
    limit: int = Field(50, ge=1, le=200, description="Rows per page, 1 to 200.")
    cursor: str | None = Field(None, description="The `next` value of the previous page.")


class TimelineParams(Schema):
    kind: list[InteractionKind] = Field(default_factory=list, description="Only these kinds (repeat the parameter).")
    limit: int = Field(30, ge=1, le=200, description="Rows per page, 1 to 200.")
    cursor: str | None = Field(None, description="The `next` value of the previous page.")


# --- notes ------------------------------------------------------------------------------------------------


class NoteOut(Schema):
    id: int
    body: str
    contact: ContactRef | None
    company: CompanyRef | None
    pinned: bool
    author: UserRef | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_author(obj):
        # ``author_visible``: whether the actor may see the author (set by the API).
        return obj.author if obj.author_visible else None


class NoteFilters(Schema):
    contact: Id | None = Field(None, description="The notes on this contact.")
    company: Id | None = Field(None, description="The notes on this company.")


class NoteIn(Schema):
    """A note on one contact or one company."""

    model_config = ConfigDict(extra="forbid")

    body: str
    contact_id: Id | None = None
    company_id: Id | None = None
    pinned: bool = False


class NotePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    body: str = None
    pinned: bool = None


# --- tasks ------------------------------------------------------------------------------------------------


def present_tasks(actor, tasks: list) -> list:
    visible = Visible(actor)
    for task in tasks:
        visible.want("user", task.assignee_id, task.created_by_id)
        visible.want("team", task.team_id)
        visible.want("contact", task.contact_id)
        visible.want("company", task.company_id)
    visible.resolve()
    for task in tasks:
        task.refs = {
            "assignee": task.assignee if visible.has("user", task.assignee_id) else None,
            "created_by": task.created_by if visible.has("user", task.created_by_id) else None,
            "team": task.team if visible.has("team", task.team_id) else None,
            "contact": task.contact if visible.has("contact", task.contact_id) else None,
            "company": task.company if visible.has("company", task.company_id) else None,
        }
    return tasks


class TaskOut(Schema):
    id: int
    title: str
    description: str
    due_at: datetime | None
    priority: Priority
    status: TaskStatus
    assignee: UserRef | None
    team: TeamRef | None
    remind_at: datetime | None
    reminded_at: datetime | None
    contact: ContactRef | None
    company: CompanyRef | None
    completed_at: datetime | None
    created_by: UserRef | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_assignee(obj):
        return _refs(obj)["assignee"]

    @staticmethod
    def resolve_team(obj):
        return _refs(obj)["team"]

    @staticmethod
    def resolve_contact(obj):
        return _refs(obj)["contact"]

    @staticmethod
    def resolve_company(obj):
        return _refs(obj)["company"]

    @staticmethod
    def resolve_created_by(obj):
        return _refs(obj)["created_by"]


class TaskPage(Schema):
    items: list[TaskOut]
    next: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


class TaskFilters(Schema):
    assignee: Literal["me"] | Id | None = Field(None, description="`me` or a user id.")
    status: Literal["open", "in_progress", "done", "cancelled"] | None = Field(
        None, description="`open`: open or in progress."
    )
    contact: Id | None = None
    company: Id | None = None
    due_before: UtcDatetime | None = Field(None, description="Due before this time.")
    ordering: Literal["due_at", "-created_at", "created_at", "-updated_at"] = Field(
        "due_at", description="`due_at`: soonest first, tasks without a due date last."
    )
    limit: int = Field(50, ge=1, le=200, description="Rows per page, 1 to 200.")
    cursor: str | None = Field(None, description="The `next` value of the previous page.")


class TaskIn(Schema):
    """A task; assigned to you unless `assignee_id` says otherwise, on one contact or company if any."""

    model_config = ConfigDict(extra="forbid")

    title: str
    description: str = None
    due_at: UtcDatetime | None = None
    remind_at: UtcDatetime | None = Field(None, description="When to email the assignee a reminder.")
    priority: Priority = None
    assignee_id: Id | None = None
    team_id: Id | None = Field(None, description="Defaults to the assignee's team.")
    contact_id: Id | None = None
    company_id: Id | None = None


class TaskPatch(TaskIn):
    """Only the fields sent are changed. A done or cancelled task records when it was completed."""

    title: str = None
    status: TaskStatus = None


_RENAMES = {"assignee_id": "assignee", "team_id": "team", "contact_id": "contact", "company_id": "company"}


def service_data(payload: Schema) -> dict[str, Any]:
    """The fields the client sent, as the services take them (``contact_id`` → ``contact``...)."""
    data = payload.model_dump(mode="json", exclude_unset=True)
    return {_RENAMES.get(k, k): v for k, v in data.items()}
