"""What the routes of contacts and companies do, written once. Each route module describes its object type once
(a ``RecordKind``) and its routes, each with its own decorator (path, operation id, schemas, docs), call these
with it (as the pages do with ``views._records``)."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pydantic
from django.http import HttpRequest, HttpResponse
from ninja import Schema
from ninja.responses import Status

from rapport.core import etag
from rapport.core.errors import validation_error
from rapport.users import access
from rapport.users.enums import Feature

from .. import selectors
from ..schemas.common import service_data
from ..schemas.lists import ListParams
from ._common import list_filters, out_of_range, set_location

BULK_FIELDS = {
    "assign": ("owner_id", "team_id"),
    "tag": ("tags",),
    "untag": ("tags",),
    "set_stage": ("lifecycle_stage",),
    "delete": (),
}


@dataclass(frozen=True)
class RecordKind:
    object_type: str  # contact
    path: str  # /contacts: a new record's Location is under it
    out: type[Schema]  # one record, as the API shows it
    upsert_record: type[Schema]  # one record of a bulk upsert
    get: Callable  # (actor, pk) -> the record, ready for ``out``
    page_details: Callable  # a page of the list's queryset -> the same, loading what ``out`` shows
    present: Callable  # (actor, records) -> the records, with the references the actor may see
    select: Callable  # the list selector: (actor, filters, spec) -> queryset
    create: Callable
    update: Callable  # (actor, record, data)
    delete: Callable  # (actor, record)
    upsert: Callable
    bulk_update: Callable  # set_stage (contacts only: the companies' payload refuses it) and assign
    bulk_tag: Callable
    bulk_delete: Callable


def record_list(request: HttpRequest, kind: RecordKind, params: ListParams) -> dict[str, Any]:
    spec = selectors.LIST_SPECS[kind.object_type].with_custom()
    queryset = kind.select(actor=request.auth, filters=list_filters(request), spec=spec)
    with out_of_range("filters"):
        rows, next_cursor = spec.page(
            kind.page_details(queryset), ordering=params.ordering, cursor=params.cursor, limit=params.limit
        )
    return {"items": kind.present(request.auth, rows), "next": next_cursor}


def record_bulk_upsert(request: HttpRequest, kind: RecordKind, payload: Schema) -> dict[str, Any]:
    records, rejected = _upsert_records(payload.records, kind.upsert_record)
    mode = payload.mode or ("upsert" if payload.match else "create")
    results = kind.upsert(actor=request.auth, records=records, match=payload.match, mode=mode, rejected=rejected)
    counts = dict.fromkeys(("created", "updated", "unchanged", "failed"), 0)
    for result in results:
        counts[result["status"]] += 1
    return {**counts, "results": results}


def record_bulk_action(request: HttpRequest, kind: RecordKind, payload: Schema) -> dict[str, Any]:
    access.ensure_feature(request.auth, Feature.BULK)
    data = _bulk_change(payload, BULK_FIELDS)
    actor, ids = request.auth, payload.ids
    if payload.action in ("assign", "set_stage"):
        affected = kind.bulk_update(actor=actor, ids=ids, data=data)
    elif payload.action == "tag":
        affected = kind.bulk_tag(actor=actor, ids=ids, add=data["tags"])
    elif payload.action == "untag":
        affected = kind.bulk_tag(actor=actor, ids=ids, remove=data["tags"])
    else:
        affected = kind.bulk_delete(actor=actor, ids=ids)
    return {"action": payload.action, "affected": affected}


def record_get(request: HttpRequest, kind: RecordKind, pk: int, response: HttpResponse):
    return etag.tag(response, kind.out, kind.get(request.auth, pk))


def record_create(request: HttpRequest, kind: RecordKind, payload: Schema, response: HttpResponse):
    with out_of_range("custom"):
        record = kind.create(actor=request.auth, data=service_data(payload))
    set_location(request, response, record.pk, kind.path)
    return Status(201, etag.tag(response, kind.out, kind.get(request.auth, record.pk)))


def record_update(
    request: HttpRequest, kind: RecordKind, pk: int, payload: Schema, response: HttpResponse, if_match: str | None
):
    load = partial(kind.get, request.auth, pk)
    with etag.precondition(if_match, kind.out, load) as record, out_of_range("custom"):
        kind.update(actor=request.auth, record=record, data=service_data(payload))
    return etag.tag(response, kind.out, load())


def record_delete(request: HttpRequest, kind: RecordKind, pk: int, if_match: str | None):
    load = partial(kind.get, request.auth, pk)
    with etag.precondition(if_match, kind.out, load) as record:
        kind.delete(actor=request.auth, record=record)
    return Status(204, None)


def _upsert_records(items: list, model: type[pydantic.BaseModel]) -> tuple[list[dict], dict[int, dict]]:
    """The records as the services take them, and those whose shape is wrong, with their errors, by index."""
    records, rejected = [], {}
    for index, item in enumerate(items):
        if not isinstance(item, model):
            try:
                item = model.model_validate(item)
            except pydantic.ValidationError as exc:
                errors: dict[str, list[str]] = {}
                for error in exc.errors():
                    name = ".".join(str(part) for part in error["loc"]) or "__all__"
                    errors.setdefault(name, []).append(error["msg"])
                rejected[index] = errors
                records.append({})
                continue
        records.append(service_data(item))
    return records, rejected


def _bulk_change(payload, allowed: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """The fields of a bulk action, refusing those that belong to another action."""
    data = payload.model_dump(mode="json", exclude_unset=True)
    fields = {k: v for k, v in data.items() if k not in ("ids", "action")}
    wrong = set(fields) - set(allowed[payload.action])
    if wrong:
        raise validation_error(dict.fromkeys(sorted(wrong), f"Not used by the {payload.action} action."))
    if payload.action == "assign" and not fields:
        raise validation_error({"owner_id": "Give owner_id or team_id (or both)."})
    if payload.action in ("tag", "untag") and not fields.get("tags"):
        raise validation_error({"tags": "Name at least one tag."})
    if payload.action == "set_stage" and "lifecycle_stage" not in fields:
        raise validation_error({"lifecycle_stage": "Choose the stage."})
    return {{"owner_id": "owner", "team_id": "team"}.get(k, k): v for k, v in fields.items()}
