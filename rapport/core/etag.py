"""Optimistic locking: an ``ETag`` on every single-record answer, ``If-Match`` honoured on PATCH and DELETE.

The ETag is a hash of the record's API representation (its output schema), so it changes whenever anything
the client can see changes, and needs no version column. A route uses it like this::

    @router.get("/contacts/{contact_id}", response={200: ContactOut, **problems(401, 404)},
                operation_id="contacts_get", openapi_extra=etag.DOCUMENTED)
    def contacts_get(request, contact_id: int, response: HttpResponse):
        return etag.tag(response, ContactOut, selectors.contact_get(actor=request.auth, pk=contact_id))

    @router.patch(...)
    def contacts_update(request, contact_id: int, payload: ContactPatch, response: HttpResponse,
                        if_match: etag.IfMatch = None):
        load = partial(selectors.contact_get, actor=request.auth, pk=contact_id)
        with etag.precondition(if_match, ContactOut, load) as contact:
            services.contact_update(actor=request.auth, contact=contact, data=payload.dict(exclude_unset=True))
        return etag.tag(response, ContactOut, load())

Without ``If-Match`` a write goes ahead unconditionally; with a stale one it answers 412 and changes nothing.

A GET sending ``If-None-Match`` with the current ETag gets 304 Not Modified and no body (``not_modified``, applied to
every API answer by ``RapportAPI.create_response``; the OpenAPI document declares it on the GETs with an ETag).
"""

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from ninja import Header, Schema

from .errors import PreconditionFailed

T = TypeVar("T", bound=Model)

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The `ETag` you read; the write is refused with 412 if the record changed since.",
    ),
]

# openapi_extra for routes answering with an ETag.
DOCUMENTED = {
    "responses": {
        200: {"headers": {"ETag": {"description": "The record's version, for If-Match.", "schema": {"type": "string"}}}}
    }
}
DOCUMENTED_201 = {"responses": {201: DOCUMENTED["responses"][200]}}


def etag_of(schema: type[Schema], obj: Any) -> str:
    """A strong ETag: the hash of ``obj`` as ``schema`` shows it."""
    data = schema.from_orm(obj).model_dump(mode="json")
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def tag(response: HttpResponse, schema: type[Schema], obj: T) -> T:
    """Put the ETag of ``obj`` on ``response`` (ninja's temporal response) and return ``obj``."""
    response["ETag"] = etag_of(schema, obj)
    return obj


def matches(if_match: str, current: str) -> bool:
    """RFC 9110 If-Match: ``*`` or a list of strong tags; weak tags (``W/"..."``) never match."""
    if if_match.strip() == "*":
        return True
    return current in (candidate.strip() for candidate in if_match.split(","))


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def none_match(if_none_match: str, current: str) -> bool:
    """RFC 9110 If-None-Match: ``*`` or a list of tags, compared weakly (``W/"x"`` names the same version as ``"x"``).

    True when the client's copy is current, i.e. the condition is false and the answer is 304.
    """
    if if_none_match.strip() == "*":
        return True
    return _opaque(current) in {_opaque(candidate) for candidate in if_none_match.split(",")}


def not_modified(request: HttpRequest, response: HttpResponse) -> HttpResponse | None:
    """304 Not Modified for a GET whose ``If-None-Match`` names the ETag of its 200 answer, else None."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or not response.has_header("ETag"):
        return None
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is None or not none_match(if_none_match, response["ETag"]):
        return None
    answer = HttpResponseNotModified()
    # RFC 9110 15.4.5: the headers a 200 would have carried about the representation, without a body.
    for name in ("ETag", "Cache-Control", "Content-Location", "Expires", "Vary"):
        if response.has_header(name):
            answer[name] = response[name]
    return answer


# For the OpenAPI document of GET routes answering with an ETag (added by RapportAPI.get_openapi_schema).
IF_NONE_MATCH_PARAMETER = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "description": "The `ETag` you read; the answer is 304 without a body if the record is unchanged since.",
    "schema": {"type": "string"},
}
NOT_MODIFIED_RESPONSE = {
    "description": "Not Modified: the record still has the ETag sent in If-None-Match.",
    "headers": DOCUMENTED["responses"][200]["headers"],
}


@contextmanager
def precondition(if_match: str | None, schema: type[Schema], load: Callable[[], T]) -> Iterator[T]:
    """Load the record and, in one transaction with the write that follows, refuse it (412) if stale.

    ``load`` is the scoped selector (a record out of scope is a 404 before any comparison). With If-Match the
    row is locked first, so no other write can slip in between the comparison and this one.
    """
    with transaction.atomic():
        obj = load()
        if if_match is not None:
            # A lock on a record the actor was just allowed to read; nothing is read through it.
            list(type(obj)._default_manager.select_for_update().filter(pk=obj.pk).values_list("pk", flat=True))
            obj = load()
            if not matches(if_match, etag_of(schema, obj)):
                raise PreconditionFailed()
        yield obj
