"""The record-access policy: the one place that decides which records a user may read or write.

Every object type registers where its owner and team are found. A role grants per object type a read
scope and a write scope (all / team / own / none). Selectors pass their querysets through
``scoped()``; records outside the scope behave as if they did not exist.

``team`` reaches the records of the actor's team and the actor's own records.
"""

from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet

from rapport.core.errors import NotFound, PermissionDenied

from .enums import Feature, Operation, Scope


@dataclass(frozen=True)
class ObjectType:
    key: str
    label: str
    owner_path: str | None  # lookup from the record to its owner user's id, None: nobody owns it
    team_path: str | None  # lookup from the record to its team's id, None: no team
    distinct: bool = False  # the owner or team path crosses a to-many relation and can repeat rows
    business: bool = True  # a customer-facing record (contacts, deals, ...) rather than system data


OBJECT_TYPES: dict[str, ObjectType] = {}


def register(
    key: str,
    label: str,
    *,
    owner_path: str | None,
    team_path: str | None,
    distinct: bool = False,
    business: bool = True,
) -> ObjectType:
    OBJECT_TYPES[key] = ObjectType(key, label, owner_path, team_path, distinct, business)
    return OBJECT_TYPES[key]


register("user", "Users", owner_path="pk", team_path="team", business=False)
register("team", "Teams", owner_path="managers", team_path="pk", distinct=True, business=False)
register("role", "Roles", owner_path=None, team_path=None, business=False)
register("token", "API tokens", owner_path="user", team_path="user__team", business=False)
register("audit", "Audit log", owner_path="actor", team_path="actor__team", business=False)


def scope_of(actor, object_type: str, operation: Operation | str) -> Scope:
    """The actor's scope for an operation on an object type; anonymous and inactive users get none."""
    if actor is None or not actor.is_authenticated or not actor.is_active or actor.role_id is None:
        return Scope.NONE
    return actor.role.scope(object_type, str(operation))


def scope_filter(actor, object_type: str, operation: Operation | str) -> Q | None:
    """A Q matching the records within scope; None means every record, ``Q(pk__in=[])`` none."""
    spec = OBJECT_TYPES[object_type]
    scope = scope_of(actor, object_type, operation)
    if scope == Scope.ALL:
        return None
    nothing = Q(pk__in=[])
    own = Q(**{spec.owner_path: actor.pk}) if spec.owner_path else nothing
    if scope == Scope.OWN:
        return own
    if scope == Scope.TEAM:
        if spec.team_path and actor.team_id:
            if spec.owner_path and spec.team_path == f"{spec.owner_path}__team":
                # The owner's team (audit, tokens): an IN on the owner column, which its index serves, instead
                # of joining every row to its owner (a walk of the whole table for a team with little history).
                from .models import User

                members = set(User.objects.filter(team_id=actor.team_id).values_list("pk", flat=True))
                return Q(**{f"{spec.owner_path}__in": sorted(members | {actor.pk})})
            return own | Q(**{spec.team_path: actor.team_id})
        return own
    return nothing


def scoped(queryset: QuerySet, *, actor, object_type: str, operation: Operation | str = Operation.READ):
    """Restrict a queryset to the records the actor may read (or write)."""
    condition = scope_filter(actor, object_type, operation)
    if condition is None:
        return queryset
    qs = queryset.filter(condition)
    return qs.distinct() if OBJECT_TYPES[object_type].distinct else qs


def can(actor, obj: Model, operation: Operation | str, *, object_type: str | None = None) -> bool:
    object_type = object_type or obj.access_type
    condition = scope_filter(actor, object_type, operation)
    if condition is None:
        return scope_of(actor, object_type, operation) == Scope.ALL
    # _meta, not type(): request.user is a lazy wrapper around the User.
    return obj._meta.model._default_manager.filter(condition, pk=obj.pk).exists()


def get_for(queryset: QuerySet, *, actor, object_type: str, pk) -> Model:
    """One record the actor may read, else NotFound (also for records that exist out of scope)."""
    try:
        return scoped(queryset, actor=actor, object_type=object_type).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def ensure_can_write(actor, obj: Model, *, object_type: str | None = None) -> None:
    """Refuse a write: 404 when the record is not even readable, 403 when only reading is allowed."""
    object_type = object_type or obj.access_type
    if can(actor, obj, Operation.WRITE, object_type=object_type):
        return
    if can(actor, obj, Operation.READ, object_type=object_type):
        raise PermissionDenied()
    raise NotFound()


def can_create(actor, object_type: str, *, owner_id=None, team_id=None) -> bool:
    """Whether a new record with this owner and team would fall within the actor's write scope."""
    scope = scope_of(actor, object_type, Operation.WRITE)
    if scope == Scope.ALL:
        return True
    own = owner_id is not None and owner_id == actor.pk
    if scope == Scope.OWN:
        return own
    if scope == Scope.TEAM:
        return own or (team_id is not None and team_id == actor.team_id)
    return False


def can_assign(actor, object_type: str, *, owner_id=None, team_id=None) -> bool:
    """Whether the actor may give a record this owner and team: within their write scope, and (short of
    ``all``) only to themselves or a member of their team, in their team or none. A manager cannot hand a
    record to a user of another team while keeping it in their own team's sight."""
    scope = scope_of(actor, object_type, Operation.WRITE)
    if scope == Scope.ALL:
        return True
    if not can_create(actor, object_type, owner_id=owner_id, team_id=team_id):
        return False
    if team_id is not None and team_id != actor.team_id:
        return False
    if owner_id is None or owner_id == actor.pk:
        return True
    if scope != Scope.TEAM or not actor.team_id:
        return False
    from .models import User

    return User.objects.filter(pk=owner_id, team_id=actor.team_id).exists()


def ensure_can_create(actor, object_type: str, *, owner_id=None, team_id=None) -> None:
    if not can_create(actor, object_type, owner_id=owner_id, team_id=team_id):
        raise PermissionDenied()


SCOPE_RANK = {Scope.NONE: 0, Scope.OWN: 1, Scope.TEAM: 2, Scope.ALL: 3}  # how far each scope reaches


def role_within(inner, outer) -> bool:
    """Whether role ``inner`` grants nothing that role ``outer`` does not: no wider scope, no extra feature.

    Users who do not manage settings may only act on users (and hand out roles) within their own role, so
    a manager can never take over, or create, an account that could do more than they can.
    """
    if inner is None:
        return True
    if outer is None:
        return False
    for object_type in OBJECT_TYPES:
        for operation in Operation:
            if SCOPE_RANK[inner.scope(object_type, operation)] > SCOPE_RANK[outer.scope(object_type, operation)]:
                return False
    return set(inner.features) <= set(outer.features)


def has_feature(actor, feature: Feature | str) -> bool:
    if actor is None or not actor.is_authenticated or not actor.is_active or actor.role_id is None:
        return False
    return actor.role.has_feature(feature)


def ensure_feature(actor, feature: Feature | str) -> None:
    if not has_feature(actor, feature):
        raise PermissionDenied()
