"""/api/v1/saved-views: the list views people save (their own, and the shared ones)."""

from functools import partial

from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status

from rapport.core import etag
from rapport.core.api_types import Id
from rapport.core.idempotency import idempotent
from rapport.core.pagination import CursorPagination, paginate
from rapport.users.selectors import visible_users

from .. import selectors, services
from ..schemas.refs import visible_ids
from ..schemas.saved_views import SavedViewFilters, SavedViewIn, SavedViewOut, SavedViewPatch
from ._common import CREATE, LIST, READ, WRITE, set_location

router = Router()


def _view(actor, pk):
    view = selectors.saved_view_get(actor=actor, pk=pk)
    view.owner_visible = view.owner_id in visible_ids(actor, "user", [view.owner_id])
    return view


@router.get(
    "/saved-views",
    response={200: list[SavedViewOut], **LIST},
    operation_id="saved_views_list",
    summary="Your saved list views and the shared ones",
    tags=["saved views"],
)
@paginate(CursorPagination, orderings=("name", "created_at", "updated_at"))
def saved_views_list(request: HttpRequest, filters: Query[SavedViewFilters]):
    owner = visible_users(request.auth).filter(pk=OuterRef("owner_id"))
    views = selectors.saved_view_list(actor=request.auth, object_type=filters.object_type)
    return views.annotate(owner_visible=Exists(owner))


@router.get(
    "/saved-views/{saved_view_id}",
    response={200: SavedViewOut, **READ},
    operation_id="saved_views_get",
    tags=["saved views"],
    openapi_extra=etag.DOCUMENTED,
)
def saved_views_get(request: HttpRequest, saved_view_id: Id, response: HttpResponse):
    return etag.tag(response, SavedViewOut, _view(request.auth, saved_view_id))


@router.post(
    "/saved-views",
    response={201: SavedViewOut, **CREATE},
    operation_id="saved_views_create",
    summary="Save a list view: filters, columns and ordering (sharing it needs the bulk feature)",
    tags=["saved views"],
    openapi_extra=etag.DOCUMENTED_201,
)
@idempotent
def saved_views_create(request: HttpRequest, payload: SavedViewIn, response: HttpResponse):
    view = services.saved_view_create(actor=request.auth, data=payload.model_dump(mode="json"))
    set_location(request, response, view.pk, "/saved-views")
    return Status(201, etag.tag(response, SavedViewOut, _view(request.auth, view.pk)))


@router.patch(
    "/saved-views/{saved_view_id}",
    response={200: SavedViewOut, **WRITE},
    operation_id="saved_views_update",
    summary="Change a saved view (its owner, or with the settings feature)",
    tags=["saved views"],
    openapi_extra=etag.DOCUMENTED,
)
def saved_views_update(
    request: HttpRequest,
    saved_view_id: Id,
    payload: SavedViewPatch,
    response: HttpResponse,
    if_match: etag.IfMatch = None,
):
    load = partial(_view, request.auth, saved_view_id)
    with etag.precondition(if_match, SavedViewOut, load) as view:
        services.saved_view_update(
            actor=request.auth, view=view, data=payload.model_dump(mode="json", exclude_unset=True)
        )
    return etag.tag(response, SavedViewOut, load())


@router.delete(
    "/saved-views/{saved_view_id}",
    response={204: None, **WRITE},
    operation_id="saved_views_delete",
    summary="Delete a saved view (its owner, or with the settings feature)",
    tags=["saved views"],
)
def saved_views_delete(request: HttpRequest, saved_view_id: Id, if_match: etag.IfMatch = None):
    load = partial(_view, request.auth, saved_view_id)
    with etag.precondition(if_match, SavedViewOut, load) as view:
        services.saved_view_delete(actor=request.auth, view=view)
    return Status(204, None)
