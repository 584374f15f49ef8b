"""/api/v1/ routes of users, teams, roles, permissions and API tokens: parse, call a selector or service, return."""

from functools import partial

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status

from rapport.core import etag
from rapport.core.api_errors import problems
from rapport.core.api_types import Id
from rapport.core.errors import NotFound, validation_error
from rapport.core.idempotency import idempotent
from rapport.core.pagination import CursorPagination, paginate

from . import access, selectors, services
from .enums import Feature, Operation, Scope
from .schemas import (
    MeOut,
    PermissionsOut,
    RoleFilters,
    RoleIn,
    RoleOut,
    RolePatch,
    TeamFilters,
    TeamIn,
    TeamOut,
    TeamPatch,
    TokenCreatedOut,
    TokenFilters,
    TokenIn,
    TokenOut,
    UserFilters,
    UserInvite,
    UserOut,
    UserPatch,
)

router = Router()

READ = problems(401, 404, 422)  # 422: an impossible id (not a positive 64-bit integer)
LIST = problems(401, 422)
CREATE = problems(401, 403, 409, 422)
WRITE = problems(401, 403, 404, 409, 412, 422)


def _schema_data(payload) -> dict:
    """The fields the client sent, enums as their values (the services take plain data)."""
    return payload.model_dump(mode="json", exclude_unset=True)


# --- me --------------------------------------------------------------------------------------


@router.get(
    "/me",
    response={200: MeOut, **problems(401)},
    operation_id="me_get",
    summary="The signed-in user and their permissions",
    tags=["users"],
    openapi_extra=etag.DOCUMENTED,
)
def me_get(request: HttpRequest, response: HttpResponse):
    user = request.auth
    me = {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "time_zone": user.time_zone,
        "team": user.team,
        "role": user.role,
        "scopes": user.role.scopes if user.role else {},
        "features": user.role.features if user.role else [],
        "last_login": user.last_login,
    }
    return etag.tag(response, MeOut, me)


# --- users -----------------------------------------------------------------------------------


@router.get("/users", response={200: list[UserOut], **LIST}, operation_id="users_list", tags=["users"])
@paginate(CursorPagination, orderings=("username", "email", "date_joined"))
def users_list(request: HttpRequest, filters: Query[UserFilters]):
    return selectors.user_list(actor=request.auth, filters=filters.dict())


@router.get(
    "/users/{user_id}",
    response={200: UserOut, **READ},
    operation_id="users_get",
    tags=["users"],
    openapi_extra=etag.DOCUMENTED,
)
def users_get(request: HttpRequest, user_id: Id, response: HttpResponse):
    return etag.tag(response, UserOut, selectors.user_get(actor=request.auth, pk=user_id))


@router.post(
    "/users",
    response={201: UserOut, **CREATE},
    operation_id="users_invite",
    summary="Invite a user (they get an email to choose their password)",
    tags=["users"],
    openapi_extra=etag.DOCUMENTED_201,
)
@idempotent
def users_invite(request: HttpRequest, payload: UserInvite, response: HttpResponse):
    user = services.user_invite(actor=request.auth, data=_schema_data(payload))
    response["Location"] = f"{request.path.rstrip('/')}/{user.pk}"
    return Status(201, etag.tag(response, UserOut, selectors.user_get(actor=request.auth, pk=user.pk)))


@router.patch(
    "/users/{user_id}",
    response={200: UserOut, **WRITE},
    operation_id="users_update",
    openapi_extra=etag.DOCUMENTED,
    tags=["users"],
)
def users_update(
    request: HttpRequest, user_id: Id, payload: UserPatch, response: HttpResponse, if_match: etag.IfMatch = None
):
    load = partial(selectors.user_get, actor=request.auth, pk=user_id)
    with etag.precondition(if_match, UserOut, load) as user:
        services.user_update(actor=request.auth, user=user, data=_schema_data(payload))
    return etag.tag(response, UserOut, load())


@router.post(
    "/users/{user_id}/deactivate",
    response={200: UserOut, **WRITE},
    operation_id="users_deactivate",
    openapi_extra=etag.DOCUMENTED,
    summary="Deactivate a user: their sessions and tokens stop working; their records stay",
    tags=["users"],
)
def users_deactivate(request: HttpRequest, user_id: Id, response: HttpResponse, if_match: etag.IfMatch = None):
    load = partial(selectors.user_get, actor=request.auth, pk=user_id)
    with etag.precondition(if_match, UserOut, load) as user:
        services.user_deactivate(actor=request.auth, user=user)
    return etag.tag(response, UserOut, load())


# --- teams -----------------------------------------------------------------------------------


@router.get("/teams", response={200: list[TeamOut], **LIST}, operation_id="teams_list", tags=["teams"])
@paginate(CursorPagination, orderings=("name", "created_at"))
def teams_list(request: HttpRequest, filters: Query[TeamFilters]):
    return selectors.team_list(actor=request.auth, filters=filters.dict())


@router.get(
    "/teams/{team_id}",
    response={200: TeamOut, **READ},
    operation_id="teams_get",
    tags=["teams"],
    openapi_extra=etag.DOCUMENTED,
)
def teams_get(request: HttpRequest, team_id: Id, response: HttpResponse):
    return etag.tag(response, TeamOut, selectors.team_get(actor=request.auth, pk=team_id))


@router.post(
    "/teams",
    response={201: TeamOut, **CREATE},
    operation_id="teams_create",
    tags=["teams"],
    openapi_extra=etag.DOCUMENTED_201,
)
@idempotent
def teams_create(request: HttpRequest, payload: TeamIn, response: HttpResponse):
    team = services.team_create(actor=request.auth, data=_schema_data(payload))
    response["Location"] = f"{request.path.rstrip('/')}/{team.pk}"
    return Status(201, etag.tag(response, TeamOut, selectors.team_get(actor=request.auth, pk=team.pk)))


@router.patch(
    "/teams/{team_id}",
    response={200: TeamOut, **WRITE},
    operation_id="teams_update",
    openapi_extra=etag.DOCUMENTED,
    tags=["teams"],
)
def teams_update(
    request: HttpRequest, team_id: Id, payload: TeamPatch, response: HttpResponse, if_match: etag.IfMatch = None
):
    load = partial(selectors.team_get, actor=request.auth, pk=team_id)
    with etag.precondition(if_match, TeamOut, load) as team:
        services.team_update(actor=request.auth, team=team, data=_schema_data(payload))
    return etag.tag(response, TeamOut, load())


@router.delete(
    "/teams/{team_id}",
    response={204: None, **WRITE},
    operation_id="teams_delete",
    summary="Delete a team; its members stay, without a team",
    tags=["teams"],
)
def teams_delete(request: HttpRequest, team_id: Id, if_match: etag.IfMatch = None):
    load = partial(selectors.team_get, actor=request.auth, pk=team_id)
    with etag.precondition(if_match, TeamOut, load) as team:
        services.team_delete(actor=request.auth, team=team)
    return Status(204, None)


# --- roles and permissions -------------------------------------------------------------------


@router.get(
    "/permissions",
    response={200: PermissionsOut, **problems(401)},
    operation_id="permissions_get",
    summary="Object types, scopes and features: what a role can grant",
    tags=["roles"],
)
def permissions_get(request: HttpRequest):
    return {
        "object_types": [
            {"key": t.key, "label": t.label, "business": t.business} for t in access.OBJECT_TYPES.values()
        ],
        "operations": [{"value": v, "label": str(label)} for v, label in Operation.choices],
        "scopes": [{"value": v, "label": str(label)} for v, label in Scope.choices],
        "features": [{"value": v, "label": str(label)} for v, label in Feature.choices],
    }


@router.get("/roles", response={200: list[RoleOut], **LIST}, operation_id="roles_list", tags=["roles"])
@paginate(CursorPagination, orderings=("name", "created_at"))
def roles_list(request: HttpRequest, filters: Query[RoleFilters]):
    return selectors.role_list(actor=request.auth, filters=filters.dict())


@router.get(
    "/roles/{role_id}",
    response={200: RoleOut, **READ},
    operation_id="roles_get",
    tags=["roles"],
    openapi_extra=etag.DOCUMENTED,
)
def roles_get(request: HttpRequest, role_id: Id, response: HttpResponse):
    return etag.tag(response, RoleOut, selectors.role_get(actor=request.auth, pk=role_id))


@router.post(
    "/roles",
    response={201: RoleOut, **CREATE},
    operation_id="roles_create",
    tags=["roles"],
    openapi_extra=etag.DOCUMENTED_201,
)
@idempotent
def roles_create(request: HttpRequest, payload: RoleIn, response: HttpResponse):
    role = services.role_create(actor=request.auth, data=_schema_data(payload))
    response["Location"] = f"{request.path.rstrip('/')}/{role.pk}"
    return Status(201, etag.tag(response, RoleOut, selectors.role_get(actor=request.auth, pk=role.pk)))


@router.patch(
    "/roles/{role_id}",
    response={200: RoleOut, **WRITE},
    operation_id="roles_update",
    openapi_extra=etag.DOCUMENTED,
    tags=["roles"],
)
def roles_update(
    request: HttpRequest, role_id: Id, payload: RolePatch, response: HttpResponse, if_match: etag.IfMatch = None
):
    load = partial(selectors.role_get, actor=request.auth, pk=role_id)
    with etag.precondition(if_match, RoleOut, load) as role:
        services.role_update(actor=request.auth, role=role, data=_schema_data(payload))
    return etag.tag(response, RoleOut, load())


@router.delete("/roles/{role_id}", response={204: None, **WRITE}, operation_id="roles_delete", tags=["roles"])
def roles_delete(request: HttpRequest, role_id: Id, if_match: etag.IfMatch = None):
    load = partial(selectors.role_get, actor=request.auth, pk=role_id)
    with etag.precondition(if_match, RoleOut, load) as role:
        services.role_delete(actor=request.auth, role=role)
    return Status(204, None)


# --- API tokens ------------------------------------------------------------------------------


@router.get("/tokens", response={200: list[TokenOut], **LIST}, operation_id="tokens_list", tags=["tokens"])
@paginate(CursorPagination, orderings=("-created_at", "name"))
def tokens_list(request: HttpRequest, filters: Query[TokenFilters]):
    return selectors.token_list(actor=request.auth, filters=filters.dict())


@router.get(
    "/tokens/{token_id}",
    response={200: TokenOut, **READ},
    operation_id="tokens_get",
    tags=["tokens"],
    openapi_extra=etag.DOCUMENTED,
)
def tokens_get(request: HttpRequest, token_id: Id, response: HttpResponse):
    return etag.tag(response, TokenOut, selectors.token_get(actor=request.auth, pk=token_id))


@router.post(
    "/tokens",
    response={201: TokenCreatedOut, **CREATE},
    operation_id="tokens_create",
    summary="Create an API token; the answer holds the token itself, shown only this once",
    tags=["tokens"],
)
@idempotent(secret=True)
def tokens_create(request: HttpRequest, payload: TokenIn, response: HttpResponse):
    owner = None
    if payload.user_id is not None:
        try:
            owner = selectors.user_get(actor=request.auth, pk=payload.user_id)
        except NotFound:
            raise validation_error({"user_id": "Choose an existing, visible user."}) from None
    token, raw = services.token_create(actor=request.auth, name=payload.name, user=owner)
    response["Location"] = f"{request.path.rstrip('/')}/{token.pk}"
    created = selectors.token_get(actor=request.auth, pk=token.pk)
    created.token = raw
    return Status(201, created)


@router.post(
    "/tokens/{token_id}/revoke",
    response={200: TokenOut, **WRITE},
    operation_id="tokens_revoke",
    openapi_extra=etag.DOCUMENTED,
    summary="Revoke a token: it stops working at once",
    tags=["tokens"],
)
def tokens_revoke(request: HttpRequest, token_id: Id, response: HttpResponse, if_match: etag.IfMatch = None):
    load = partial(selectors.token_get, actor=request.auth, pk=token_id)
    with etag.precondition(if_match, TokenOut, load) as token:
        services.token_revoke(actor=request.auth, token=token)
    return etag.tag(response, TokenOut, load())
