"""/api/v1/tags: list, get, rename or recolour, delete."""

from functools import partial

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status

from rapport.core import etag
from rapport.core.api_types import Id
from rapport.core.pagination import CursorPagination, paginate

from .. import selectors, services
from ..schemas.tags import TagFilters, TagOut, TagPatch
from ._common import LIST, READ, WRITE

router = Router()


@router.get("/tags", response={200: list[TagOut], **LIST}, operation_id="tags_list", tags=["tags"])
@paginate(CursorPagination, orderings=("name", "created_at"))
def tags_list(request: HttpRequest, filters: Query[TagFilters]):
    return selectors.tag_list(actor=request.auth, q=filters.q or "")


@router.get(
    "/tags/{tag_id}",
    response={200: TagOut, **READ},
    operation_id="tags_get",
    tags=["tags"],
    openapi_extra=etag.DOCUMENTED,
)
def tags_get(request: HttpRequest, tag_id: Id, response: HttpResponse):
    return etag.tag(response, TagOut, selectors.tag_get(actor=request.auth, pk=tag_id))


@router.patch(
    "/tags/{tag_id}",
    response={200: TagOut, **WRITE},
    operation_id="tags_update",
    summary="Rename or recolour a tag everywhere (needs the settings feature)",
    tags=["tags"],
    openapi_extra=etag.DOCUMENTED,
)
def tags_update(
    request: HttpRequest, tag_id: Id, payload: TagPatch, response: HttpResponse, if_match: etag.IfMatch = None
):
    load = partial(selectors.tag_get, actor=request.auth, pk=tag_id)
    with etag.precondition(if_match, TagOut, load) as tag:
        services.tag_update(actor=request.auth, tag=tag, data=payload.model_dump(mode="json", exclude_unset=True))
    return etag.tag(response, TagOut, load())


@router.delete(
    "/tags/{tag_id}",
    response={204: None, **WRITE},
    operation_id="tags_delete",
    summary="Delete a tag, taking it off every record (needs the settings feature)",
    tags=["tags"],
)
def tags_delete(request: HttpRequest, tag_id: Id, if_match: etag.IfMatch = None):
    load = partial(selectors.tag_get, actor=request.auth, pk=tag_id)
    with etag.precondition(if_match, TagOut, load) as tag:
        services.tag_delete(actor=request.auth, tag=tag)
    return Status(204, None)
