"""Reads of users, teams, roles and tokens, always scoped by the actor's record access."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from . import access
from .enums import Feature
from .models import APIToken, Role, Team, User


def user_list(*, actor, filters: dict | None = None) -> QuerySet[User]:
    filters = filters or {}
    qs = access.scoped(User.objects.select_related("team", "role"), actor=actor, object_type="user")
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(
            Q(username__icontains=q) | Q(email__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
        )
    if filters.get("team_id") is not None:
        qs = qs.filter(team_id=filters["team_id"])
    if filters.get("role_id") is not None:
        qs = qs.filter(role_id=filters["role_id"])
    if filters.get("is_active") is not None:
        qs = qs.filter(is_active=filters["is_active"])
    return qs


def user_get(*, actor, pk) -> User:
    return access.get_for(User.objects.select_related("team", "role"), actor=actor, object_type="user", pk=pk)


def visible_users(actor) -> QuerySet[User]:
    """The users the actor may read. Users a record refers to (a team's managers, a token's owner) are shown
    only within this scope: a custom role may read teams or tokens more widely than users."""
    return access.scoped(User.objects.all(), actor=actor, object_type="user")


def _visible_count(relation: str, actor) -> Count:
    """Count related users the actor may see: counts follow record access like lists and gets do."""
    visible = visible_users(actor).values("pk")
    return Count(relation, filter=Q(**{f"{relation}__in": visible}), distinct=True)


def user_me(*, actor) -> User:
    """The actor's own user record: everyone may see their own profile, whatever their role's user scope."""
    return User.objects.select_related("team", "role").get(pk=actor.pk)


def _visible_managers(actor) -> Prefetch:
    """A team's managers as ``visible_managers``: only those within the actor's user read scope (a custom role
    may read teams more widely than users). One query per page or record."""
    return Prefetch("managers", queryset=visible_users(actor), to_attr="visible_managers")


def team_list(*, actor, filters: dict | None = None) -> QuerySet[Team]:
    filters = filters or {}
    qs = access.scoped(Team.objects.all(), actor=actor, object_type="team")
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(name__icontains=q)
    # The member count goes through a subquery so the DISTINCT of the team scope cannot inflate it.
    return qs.annotate(member_count=_visible_count("members", actor)).prefetch_related(_visible_managers(actor))


def team_get(*, actor, pk) -> Team:
    return access.get_for(
        Team.objects.prefetch_related(_visible_managers(actor)).annotate(member_count=_visible_count("members", actor)),
        actor=actor,
        object_type="team",
        pk=pk,
    )


def role_list(*, actor, filters: dict | None = None) -> QuerySet[Role]:
    filters = filters or {}
    qs = access.scoped(Role.objects.all(), actor=actor, object_type="role")
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(name__icontains=q)
    return qs.annotate(user_count=_visible_count("users", actor))


def assignable_roles(*, actor) -> list[Role]:
    """Roles the actor may give to a user they invite: any role with the settings feature, else roles
    that reach no further than the actor's own (so nobody can create an account stronger than theirs)."""
    roles = access.scoped(Role.objects.all(), actor=actor, object_type="role")
    if access.has_feature(actor, Feature.SETTINGS):
        return list(roles)
    return [role for role in roles if access.role_within(role, actor.role)]


def role_get(*, actor, pk) -> Role:
    return access.get_for(
        Role.objects.annotate(user_count=_visible_count("users", actor)), actor=actor, object_type="role", pk=pk
    )


def _tokens(actor) -> QuerySet[APIToken]:
    """Tokens with ``user_visible``: whether the actor may see the token's owner."""
    owner = visible_users(actor).filter(pk=OuterRef("user_id"))
    return APIToken.objects.select_related("user").annotate(user_visible=Exists(owner))


def token_list(*, actor, filters: dict | None = None) -> QuerySet[APIToken]:
    """Tokens within the actor's token scope; ``mine`` limits them to the actor's own."""
    filters = filters or {}
    qs = access.scoped(_tokens(actor), actor=actor, object_type="token")
    if filters.get("mine"):
        qs = qs.filter(user=actor)
    if filters.get("user_id") is not None:
        qs = qs.filter(user_id=filters["user_id"])
    if filters.get("active") is not None:
        qs = qs.filter(revoked_at__isnull=filters["active"])
    return qs


def token_get(*, actor, pk) -> APIToken:
    return access.get_for(_tokens(actor), actor=actor, object_type="token", pk=pk)
