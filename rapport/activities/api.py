"""/api/v1/ routes of the timeline, notes and tasks: parse, call a selector or service, return (docs/api.md).

Interactions are append-only (no PATCH or DELETE). Everything is scoped: interactions and notes are seen by whoever
may see a record they concern, tasks by their assignee's scope.
"""

from datetime import datetime
from functools import partial
from types import SimpleNamespace
from typing import Any

import pydantic
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status

from rapport.contacts import selectors as contact_selectors
from rapport.contacts.schemas import visible_ids
from rapport.core import etag
from rapport.core.api_errors import problems
from rapport.core.api_types import Id
from rapport.core.errors import Conflict, NotFound, validation_error
from rapport.core.idempotency import idempotent
from rapport.core.listing import beyond
from rapport.core.pagination import CursorPagination, decode_cursor, encode_cursor, paginate
from rapport.users import access
from rapport.users.selectors import visible_users

from . import selectors, services
from .schemas import (
    IngestIn,
    IngestOut,
    InteractionFilters,
    InteractionIn,
    InteractionOut,
    InteractionPage,
    NoteFilters,
    NoteIn,
    NoteOut,
    NotePatch,
    TaskFilters,
    TaskIn,
    TaskOut,
    TaskPage,
    TaskPatch,
    TimelineParams,
    present_interactions,
    present_tasks,
    service_data,
)

router = Router()

READ = problems(401, 404, 422)
LIST = problems(401, 422)
CREATE = problems(401, 403, 409, 422)
WRITE = problems(401, 403, 404, 409, 412, 422)


def _keyset(queryset: QuerySet, *, ordering: str, cursor: str | None, limit: int, request) -> tuple[list, str | None]:
    """A page in (ordering, id) order, by the same keyset cursors as every other list (rapport.core.pagination)."""
    page = CursorPagination(orderings=(ordering,)).paginate_queryset(
        queryset, SimpleNamespace(ordering=ordering, cursor=cursor, limit=limit), request
    )
    return page["items"], page["next"]


def _location(request: HttpRequest, response: HttpResponse, pk: int, base: str) -> None:
    response["Location"] = f"{request.path.rsplit(base, 1)[0]}{base}/{pk}"


def _shape_errors(exc: pydantic.ValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        errors.setdefault(".".join(str(part) for part in error["loc"]) or "__all__", []).append(error["msg"])
    return errors


# --- interactions --------------------------------------------------------------------------------------


def _interaction(actor, pk):
    return present_interactions(actor, [selectors.interaction_get(actor=actor, pk=pk)])[0]


@router.get(
    "/interactions",
    response={200: InteractionPage, **LIST},
    operation_id="interactions_list",
    summary="Interactions concerning the records you may see, newest first",
    tags=["interactions"],
)
def interactions_list(request: HttpRequest, filters: Query[InteractionFilters]):
    actor = request.auth
    # A record the actor may not see has no interactions for them (not even those also on a visible record).
    hidden = (filters.contact and not visible_ids(actor, "contact", [filters.contact])) or (
        filters.company and not visible_ids(actor, "company", [filters.company])
    )
    queryset = selectors.interaction_list(
        actor=actor, contact=filters.contact, company=filters.company, kind=filters.kind,
        since=filters.since, until=filters.until, source=filters.source,
    )  # fmt: skip
    if hidden:
        queryset = queryset.none()
    items, next_cursor = _keyset(
        queryset.select_related("created_by"),
        ordering=filters.ordering, cursor=filters.cursor, limit=filters.limit, request=request,
    )  # fmt: skip
    return {"items": present_interactions(actor, items), "next": next_cursor}


@router.post(
    "/interactions",
    response={201: InteractionOut, 200: InteractionOut, **CREATE},
    operation_id="interactions_log",
    summary="Log an interaction; 200 with the stored one when it was sent before (same source and external_id)",
    tags=["interactions"],
    openapi_extra={"responses": {201: etag.DOCUMENTED["responses"][200], **etag.DOCUMENTED["responses"]}},
)
@idempotent
def interactions_log(request: HttpRequest, payload: InteractionIn, response: HttpResponse):
    actor = request.auth
    interaction, created = services.interaction_log(
        actor=actor, data=payload.model_dump(mode="json", exclude_unset=True)
    )
    try:
        shown = _interaction(actor, interaction.pk)
    except NotFound:
        # Sent before, about records this actor does not see: say no more than that it exists.
        raise Conflict(
            "duplicate", "An interaction with this source and external id exists.", {"external_id": "Already used."}
        ) from None
    _location(request, response, interaction.pk, "/interactions")
    return Status(201 if created else 200, etag.tag(response, InteractionOut, shown))


@router.post(
    "/interactions/ingest",
    response={200: IngestOut, **problems(401, 403, 409, 422)},
    operation_id="interactions_ingest",
    summary="Log up to 1,000 interactions from any channel, with a result per item",
    description=(
        "Each item is an interaction as for POST /interactions, logged on its own: a refused item is reported with "
        "its errors (`status: failed`) and the others are kept. An item sent before (same `source` and "
        "`external_id`) is not stored again (`status: duplicate`, with the stored one's id)."
    ),
    tags=["interactions"],
)
@idempotent
def interactions_ingest(request: HttpRequest, payload: IngestIn):
    valid, results = [], []
    for index, item in enumerate(payload.items):
        try:
            item = item if isinstance(item, InteractionIn) else InteractionIn.model_validate(item)
        except pydantic.ValidationError as exc:
            results.append({"index": index, "status": "failed", "id": None, "errors": _shape_errors(exc)})
            continue
        valid.append((index, item.model_dump(mode="json", exclude_unset=True)))
    if valid:
        logged = services.interactions_ingest(actor=request.auth, items=[data for _, data in valid])
        results += [{"index": index, **result} for (index, _), result in zip(valid, logged, strict=True)]
    results.sort(key=lambda result: result["index"])
    counts = {status: sum(1 for r in results if r["status"] == status) for status in ("created", "duplicate", "failed")}
    return {**counts, "results": results}


@router.get(
    "/interactions/{interaction_id}",
    response={200: InteractionOut, **READ},
    operation_id="interactions_get",
    tags=["interactions"],
    openapi_extra=etag.DOCUMENTED,
)
def interactions_get(request: HttpRequest, interaction_id: Id, response: HttpResponse):
    return etag.tag(response, InteractionOut, _interaction(request.auth, interaction_id))


def _record(actor, object_type: str, pk):
    """The contact or company the timeline is of: one query, 404 if the actor may not see it."""
    queryset = (
        contact_selectors.contact_queryset(actor=actor)
        if object_type == "contact"
        else contact_selectors.company_queryset(actor=actor)
    )
    return access.get_for(queryset.only("pk"), actor=actor, object_type=object_type, pk=pk)


def _timeline(request, object_type: str, pk, params: TimelineParams) -> dict[str, Any]:
    record = _record(request.auth, object_type, pk)
    items, next_cursor = selectors.timeline(
        actor=request.auth, **{object_type: record}, kinds=[k.value for k in params.kind],
        cursor=params.cursor, limit=params.limit,
    )  # fmt: skip
    prefetch_related_objects(items, "links")
    return {"items": present_interactions(request.auth, items), "next": next_cursor}


@router.get(
    "/contacts/{int:contact_id}/timeline",
    response={200: InteractionPage, **READ},
    operation_id="contacts_timeline",
    summary="A contact's timeline, newest first (filter by `kind`, repeatable)",
    tags=["interactions"],
)
def contacts_timeline(request: HttpRequest, contact_id: Id, params: Query[TimelineParams]):
    return _timeline(request, "contact", contact_id, params)


@router.get(
    "/companies/{int:company_id}/timeline",
    response={200: InteractionPage, **READ},
    operation_id="companies_timeline",
    summary="A company's timeline, newest first, including what its people's interactions put on it",
    tags=["interactions"],
)
def companies_timeline(request: HttpRequest, company_id: Id, params: Query[TimelineParams]):
    return _timeline(request, "company", company_id, params)


# --- notes ---------------------------------------------------------------------------------------------


def _note(actor, pk):
    note = selectors.note_get(actor=actor, pk=pk)
    note.author_visible = bool(visible_ids(actor, "user", [note.author_id]))
    return note


@router.get("/notes", response={200: list[NoteOut], **LIST}, operation_id="notes_list", tags=["notes"])
@paginate(CursorPagination, orderings=("-created_at", "created_at", "-updated_at"))
def notes_list(request: HttpRequest, filters: Query[NoteFilters]):
    queryset = selectors.note_queryset(actor=request.auth)
    if filters.contact is not None:
        queryset = queryset.filter(contact_id=filters.contact)
    if filters.company is not None:
        queryset = queryset.filter(company_id=filters.company)
    author = visible_users(request.auth).filter(pk=OuterRef("author_id"))
    return queryset.select_related("author", "contact", "company").annotate(author_visible=Exists(author))


@router.get(
    "/notes/{note_id}",
    response={200: NoteOut, **READ},
    operation_id="notes_get",
    tags=["notes"],
    openapi_extra=etag.DOCUMENTED,
)
def notes_get(request: HttpRequest, note_id: Id, response: HttpResponse):
    return etag.tag(response, NoteOut, _note(request.auth, note_id))


@router.post(
    "/notes",
    response={201: NoteOut, **CREATE},
    operation_id="notes_create",
    summary="Write a note on a contact or a company",
    tags=["notes"],
    openapi_extra=etag.DOCUMENTED_201,
)
@idempotent
def notes_create(request: HttpRequest, payload: NoteIn, response: HttpResponse):
    note = services.note_create(actor=request.auth, data=service_data(payload))
    _location(request, response, note.pk, "/notes")
    return Status(201, etag.tag(response, NoteOut, _note(request.auth, note.pk)))


@router.patch(
    "/notes/{note_id}",
    response={200: NoteOut, **WRITE},
    operation_id="notes_update",
    summary="Change a note (its author, or whoever may change the record it is on)",
    tags=["notes"],
    openapi_extra=etag.DOCUMENTED,
)
def notes_update(
    request: HttpRequest, note_id: Id, payload: NotePatch, response: HttpResponse, if_match: etag.IfMatch = None
):
    load = partial(_note, request.auth, note_id)
    with etag.precondition(if_match, NoteOut, load) as note:
        services.note_update(actor=request.auth, note=note, data=service_data(payload))
    return etag.tag(response, NoteOut, load())


@router.delete(
    "/notes/{note_id}",
    response={204: None, **WRITE},
    operation_id="notes_delete",
    summary="Delete a note (its author, or whoever may change the record it is on)",
    tags=["notes"],
)
def notes_delete(request: HttpRequest, note_id: Id, if_match: etag.IfMatch = None):
    load = partial(_note, request.auth, note_id)
    with etag.precondition(if_match, NoteOut, load) as note:
        services.note_delete(actor=request.auth, note=note)
    return Status(204, None)


# --- tasks ---------------------------------------------------------------------------------------------


def _task(actor, pk):
    return present_tasks(actor, [selectors.task_get(actor=actor, pk=pk)])[0]


def _invalid_cursor():
    return validation_error({"cursor": "This cursor is not valid; start again without one."})


def _tasks_by_due(queryset: QuerySet, *, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """Soonest due first, tasks without a due date last, then by id: keyset on (no due date, due_at, id)."""
    queryset = queryset.annotate(
        no_due=Case(When(due_at__isnull=True, then=Value(1)), default=Value(0), output_field=IntegerField())
    ).order_by("no_due", "due_at", "pk")
    if cursor:
        values = decode_cursor(cursor, "due_at")
        try:
            no_due, due, pk = values
            pk = int(pk)
            if no_due == 1:
                queryset = queryset.filter(no_due=1, pk__gt=pk)
            elif no_due == 0:
                due = datetime.fromisoformat(due)
                queryset = queryset.filter(Q(no_due=1) | Q(no_due=0) & beyond("due_at", due, pk, descending=False))
            else:
                raise _invalid_cursor()
        except (TypeError, ValueError):
            raise _invalid_cursor() from None
    rows = list(queryset[: limit + 1])
    items, more = rows[:limit], len(rows) > limit
    next_cursor = encode_cursor("due_at", [items[-1].no_due, items[-1].due_at, items[-1].pk]) if more else None
    return items, next_cursor


@router.get(
    "/tasks",
    response={200: TaskPage, **LIST},
    operation_id="tasks_list",
    summary="Tasks within your scope: yours, or your team's with a team scope",
    tags=["tasks"],
)
def tasks_list(request: HttpRequest, filters: Query[TaskFilters]):
    queryset = selectors.task_list(
        actor=request.auth, assignee=filters.assignee, status=filters.status, contact=filters.contact,
        company=filters.company, due_before=filters.due_before,
    ).select_related("team", "created_by")  # fmt: skip
    if filters.ordering == "due_at":
        items, next_cursor = _tasks_by_due(queryset, cursor=filters.cursor, limit=filters.limit)
    else:
        items, next_cursor = _keyset(
            queryset, ordering=filters.ordering, cursor=filters.cursor, limit=filters.limit, request=request
        )
    return {"items": present_tasks(request.auth, items), "next": next_cursor}


@router.get(
    "/tasks/{task_id}",
    response={200: TaskOut, **READ},
    operation_id="tasks_get",
    tags=["tasks"],
    openapi_extra=etag.DOCUMENTED,
)
def tasks_get(request: HttpRequest, task_id: Id, response: HttpResponse):
    return etag.tag(response, TaskOut, _task(request.auth, task_id))


@router.post(
    "/tasks",
    response={201: TaskOut, **CREATE},
    operation_id="tasks_create",
    tags=["tasks"],
    openapi_extra=etag.DOCUMENTED_201,
)
@idempotent
def tasks_create(request: HttpRequest, payload: TaskIn, response: HttpResponse):
    task = services.task_create(actor=request.auth, data=service_data(payload))
    _location(request, response, task.pk, "/tasks")
    return Status(201, etag.tag(response, TaskOut, _task(request.auth, task.pk)))


@router.patch(
    "/tasks/{task_id}",
    response={200: TaskOut, **WRITE},
    operation_id="tasks_update",
    tags=["tasks"],
    openapi_extra=etag.DOCUMENTED,
)
def tasks_update(
    request: HttpRequest, task_id: Id, payload: TaskPatch, response: HttpResponse, if_match: etag.IfMatch = None
):
    load = partial(_task, request.auth, task_id)
    with etag.precondition(if_match, TaskOut, load) as task:
        services.task_update(actor=request.auth, task=task, data=service_data(payload))
    return etag.tag(response, TaskOut, load())


@router.post(
    "/tasks/{task_id}/complete",
    response={200: TaskOut, **WRITE},
    operation_id="tasks_complete",
    summary="Mark a task done",
    tags=["tasks"],
    openapi_extra=etag.DOCUMENTED,
)
def tasks_complete(request: HttpRequest, task_id: Id, response: HttpResponse, if_match: etag.IfMatch = None):
    load = partial(_task, request.auth, task_id)
    with etag.precondition(if_match, TaskOut, load) as task:
        services.task_complete(actor=request.auth, task=task)
    return etag.tag(response, TaskOut, load())


@router.delete("/tasks/{task_id}", response={204: None, **WRITE}, operation_id="tasks_delete", tags=["tasks"])
def tasks_delete(request: HttpRequest, task_id: Id, if_match: etag.IfMatch = None):
    load = partial(_task, request.auth, task_id)
    with etag.precondition(if_match, TaskOut, load) as task:
        services.task_delete(actor=request.auth, task=task)
    return Status(204, None)
