"""Writes of users, teams, roles and tokens: validated, permission-checked, transactional, audited."""

import zoneinfo
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from rapport.core import audit
from rapport.core.errors import Conflict, PermissionDenied, validation_error

from . import access
from .enums import Feature, Operation, Scope
from .models import APIToken, Role, Team, User, hash_token
from .roles import DEFAULT_INVITE_ROLE

USER_FIELDS = ("username", "email", "first_name", "last_name", "time_zone", "team", "role", "is_active")
TEAM_FIELDS = ("name", "description", "managers")
ROLE_FIELDS = ("name", "description", "scopes", "features")


# --- validation helpers ---------------------------------------------------------------------------


def _clean_text(value: Any, field: str, *, max_length: int, required: bool = False) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise validation_error({field: "This field is required."})
    if len(text) > max_length:
        raise validation_error({field: f"At most {max_length} characters."})
    return text


def _clean_email(value: Any) -> str:
    email = str(value or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise validation_error({"email": "Enter a valid email address."}) from None
    return email


def _clean_username(value: Any) -> str:
    username = str(value or "").strip()
    try:
        User.username_validator(username)
    except ValidationError as exc:
        raise validation_error({"username": exc.messages}) from None
    if not username or len(username) > 150:
        raise validation_error({"username": "Use 1 to 150 letters, digits and @/./+/-/_ only."})
    return username


def _clean_time_zone(value: Any) -> str:
    tz = str(value or "").strip()
    if tz and tz not in zoneinfo.available_timezones():
        raise validation_error({"time_zone": "Choose a time zone from the list, e.g. Europe/Paris."})
    return tz


def _readable(actor, model, object_type: str, pk, field: str):
    """A related record the actor may see, else a field error (never revealing whether it exists)."""
    if pk in (None, ""):
        return None
    obj = access.scoped(model.objects.all(), actor=actor, object_type=object_type).filter(pk=pk).first()
    if obj is None:
        raise validation_error({field: "Choose an existing, visible record."})
    return obj


def _unique_name(model, value: Any, *, exclude_pk=None) -> str:
    """A cleaned, required name that no other record of ``model`` has (case-insensitively)."""
    name = _clean_text(value, "name", max_length=100, required=True)
    if model.objects.exclude(pk=exclude_pk).filter(name__iexact=name).exists():
        label = model._meta.verbose_name
        raise Conflict("duplicate", f"A {label} with this name already exists.", {"name": "This name is taken."})
    return name


def _save_unique(obj, message: str) -> None:
    """Save, turning a unique-constraint race (checked in Python just before) into a 409, not a 500."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise Conflict("duplicate", message) from None


def _ensure_unique_user(*, username: str, email: str, exclude_pk=None) -> None:
    others = User.objects.exclude(pk=exclude_pk)
    errors = {}
    if others.filter(username__iexact=username).exists():
        errors["username"] = "This username is taken."
    if others.filter(email__iexact=email).exists():
        errors["email"] = "Another user has this email address."
    if errors:
        raise Conflict("duplicate", "A user with these details already exists.", errors)


def _ensure_another_admin_remains(user: User) -> None:
    # Lock the admin role first: two admins demoting each other at once must not both succeed.
    Role.objects.select_for_update().get(key="admin")
    admins = User.objects.filter(is_active=True, role__key="admin").exclude(pk=user.pk)
    if not admins.exists():
        raise Conflict("last_admin", "Rapport needs at least one active admin; appoint another one first.")


# --- users ---------------------------------------------------------------------------------------


@transaction.atomic
def user_invite(*, actor, data: dict[str, Any], send_email: bool = True) -> User:
    """Create a user without a password and email them a link to choose one."""
    email = _clean_email(data.get("email"))
    username = _clean_username(data.get("username") or email)
    team = _readable(actor, Team, "team", data.get("team_id"), "team_id")
    access.ensure_can_create(actor, "user", team_id=team.pk if team else None)
    role = _readable(actor, Role, "role", data.get("role_id"), "role_id")
    if role is None:
        default = Role.objects.get(key=DEFAULT_INVITE_ROLE)
        role = default if _may_handle_role(actor, default) else actor.role
    if not _may_handle_role(actor, role):
        raise PermissionDenied("You can only give roles that do not reach further than your own.")
    _ensure_unique_user(username=username, email=email)
    user = User(
        username=username,
        email=email,
        first_name=_clean_text(data.get("first_name"), "first_name", max_length=150),
        last_name=_clean_text(data.get("last_name"), "last_name", max_length=150),
        time_zone=_clean_time_zone(data.get("time_zone")),
        team=team,
        role=role,
    )
    user.set_unusable_password()
    _save_unique(user, "A user with these details already exists.")
    audit.record(actor=actor, action="create", obj=user, changes=audit.diff({}, audit.snapshot(user, USER_FIELDS)))
    if send_email:
        from rapport.core import jobs

        from .tasks import send_invitation

        # Enqueued in this transaction (Redis: via the outbox, pushed after the commit): a rollback sends nothing.
        jobs.enqueue(send_invitation, user.pk)
    return user


@transaction.atomic
def user_update(*, actor, user: User, data: dict[str, Any]) -> User:
    """Change a user's profile, team, role or active state (only the keys present in ``data``)."""
    access.ensure_can_write(actor, user)
    user = User.objects.select_for_update(of=("self",)).select_related("role").get(pk=user.pk)
    is_self = user.pk == actor.pk
    if not is_self and not _may_handle_role(actor, user.role):
        raise PermissionDenied("You can only change users whose role does not reach further than yours.")
    before = audit.snapshot(user, USER_FIELDS)
    for name, clean in (("username", _clean_username), ("email", _clean_email)):
        if name not in data or (value := clean(data[name])) == getattr(user, name):
            continue
        # Changing another person's sign-in identity would let one take over their account.
        if not is_self and not access.has_feature(actor, Feature.SETTINGS):
            raise PermissionDenied("Only users who manage settings can change another user's sign-in details.")
        setattr(user, name, value)
    for name in ("first_name", "last_name"):
        if name in data:
            setattr(user, name, _clean_text(data[name], name, max_length=150))
    if "time_zone" in data:
        user.time_zone = _clean_time_zone(data["time_zone"])
    if "team_id" in data and data["team_id"] != user.team_id:
        if is_self and access.scope_of(actor, "user", Operation.WRITE) != Scope.ALL:
            raise PermissionDenied("You cannot move yourself to another team.")
        user.team = _readable(actor, Team, "team", data["team_id"], "team_id")
        access.ensure_can_create(actor, "user", team_id=user.team_id)
    if "role_id" in data and data["role_id"] != user.role_id:
        if not access.has_feature(actor, Feature.SETTINGS):
            raise PermissionDenied("Only users who manage settings can change roles.")
        if is_self:
            raise PermissionDenied("You cannot change your own role.")
        if user.role and user.role.key == "admin":
            _ensure_another_admin_remains(user)
        user.role = _readable(actor, Role, "role", data["role_id"], "role_id")
    if "is_active" in data and bool(data["is_active"]) != user.is_active:
        if is_self:
            raise PermissionDenied("You cannot deactivate yourself.")
        if not data["is_active"] and user.role and user.role.key == "admin":
            _ensure_another_admin_remains(user)
        user.is_active = bool(data["is_active"])
    _ensure_unique_user(username=user.username, email=user.email, exclude_pk=user.pk)
    _save_unique(user, "A user with these details already exists.")
    changes = audit.diff(before, audit.snapshot(user, USER_FIELDS))
    if changes:
        audit.record(actor=actor, action="update", obj=user, changes=changes)
    if "role" in changes:
        audit.record(actor=actor, action="role_changed", obj=user, changes={"role": changes["role"]})
    if changes.get("is_active") == [True, False]:
        audit.record(actor=actor, action="deactivated", obj=user)
        _revoke_all_tokens(actor=actor, user=user)
    if "email" in changes:
        from rapport.core import jobs

        from .tasks import send_email_changed_notice

        # Whoever changed it (the user, an admin, the API), the old address hears of it.
        jobs.enqueue(send_email_changed_notice, user.pk, changes["email"][0])
    return user


def _may_handle_role(actor, role) -> bool:
    """Settings managers handle any role; others only roles within their own."""
    return access.has_feature(actor, Feature.SETTINGS) or access.role_within(role, actor.role)


def _revoke_all_tokens(*, actor, user: User) -> None:
    """A deactivated user's tokens are revoked, so reactivating the account does not bring them back."""
    for token in APIToken.objects.filter(user=user, revoked_at__isnull=True):
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="token_revoked", obj=token, changes={"user": user.pk})


def user_deactivate(*, actor, user: User) -> User:
    """Deactivate a user: their sessions and tokens stop working at once; their records stay."""
    return user_update(actor=actor, user=user, data={"is_active": False})


def password_reset_link_parts(user: User) -> tuple[str, str]:
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)


# --- teams ---------------------------------------------------------------------------------------


def _managers(actor, ids) -> list[User]:
    ids = list(dict.fromkeys(ids or []))
    users = list(access.scoped(User.objects.all(), actor=actor, object_type="user").filter(pk__in=ids))
    if len(users) != len(ids):
        raise validation_error({"manager_ids": "Choose existing, visible users."})
    return users


@transaction.atomic
def team_create(*, actor, data: dict[str, Any]) -> Team:
    access.ensure_can_create(actor, "team")
    name = _unique_name(Team, data.get("name"))
    team = Team(name=name, description=str(data.get("description") or "").strip())
    _save_unique(team, "A team with this name already exists.")
    team.managers.set(_managers(actor, data.get("manager_ids")))
    audit.record(actor=actor, action="create", obj=team, changes=audit.diff({}, audit.snapshot(team, TEAM_FIELDS)))
    return team


@transaction.atomic
def team_update(*, actor, team: Team, data: dict[str, Any]) -> Team:
    access.ensure_can_write(actor, team)
    team = Team.objects.select_for_update().get(pk=team.pk)
    before = audit.snapshot(team, TEAM_FIELDS)
    if "name" in data:
        team.name = _unique_name(Team, data["name"], exclude_pk=team.pk)
    if "description" in data:
        team.description = str(data["description"] or "").strip()
    _save_unique(team, "A team with this name already exists.")
    if "manager_ids" in data:
        if access.scope_of(actor, "team", Operation.WRITE) != Scope.ALL:
            raise PermissionDenied("Only admins can change who manages a team.")
        team.managers.set(_managers(actor, data["manager_ids"]))
    changes = audit.diff(before, audit.snapshot(team, TEAM_FIELDS))
    if changes:
        audit.record(actor=actor, action="update", obj=team, changes=changes)
    return team


@transaction.atomic
def team_delete(*, actor, team: Team) -> None:
    """Delete a team; its members stay, without a team."""
    access.ensure_can_write(actor, team)
    if access.scope_of(actor, "team", Operation.WRITE) != Scope.ALL:
        raise PermissionDenied("Only admins can delete teams.")
    before = audit.snapshot(team, TEAM_FIELDS)
    audit.record(actor=actor, action="delete", obj=team, changes=audit.diff(before, {}))
    for member in team.members.all():  # they stay, without a team: each change is on the record too
        audit.record(actor=actor, action="update", obj=member, changes={"team": [team.pk, None]})
    team.delete()


# --- roles ---------------------------------------------------------------------------------------


def _clean_scopes(value: Any) -> dict[str, dict[str, str]]:
    if not isinstance(value, dict):
        raise validation_error({"scopes": "Give a read and a write scope per object type."})
    out, errors = {}, {}
    for object_type in access.OBJECT_TYPES:
        entry = value.get(object_type) or {}
        try:
            read = Scope(entry.get("read", Scope.NONE))
            write = Scope(entry.get("write", Scope.NONE))
        except ValueError:
            errors[f"scopes.{object_type}"] = "Scopes are all, team, own or none."
            continue
        if access.SCOPE_RANK[write] > access.SCOPE_RANK[read]:
            errors[f"scopes.{object_type}"] = "The write scope cannot reach further than the read scope."
        out[object_type] = {"read": str(read), "write": str(write)}
    unknown = set(value) - set(access.OBJECT_TYPES)
    if unknown:
        errors["scopes"] = f"Unknown object types: {', '.join(sorted(unknown))}."
    if errors:
        raise validation_error(errors)
    return out


def _clean_features(value: Any) -> list[str]:
    values = list(value or [])
    valid = {str(f) for f in Feature}
    if any(str(v) not in valid for v in values):
        raise validation_error({"features": f"Features are {', '.join(sorted(valid))}."})
    return sorted({str(v) for v in values})


def _ensure_manages_roles(actor) -> None:
    if not access.has_feature(actor, Feature.SETTINGS):
        raise PermissionDenied("Only users who manage settings can edit roles.")
    access.ensure_can_create(actor, "role")


@transaction.atomic
def role_create(*, actor, data: dict[str, Any]) -> Role:
    _ensure_manages_roles(actor)
    name = _unique_name(Role, data.get("name"))
    role = Role(
        key=_unique_role_key(name),
        name=name,
        description=str(data.get("description") or "").strip(),
        scopes=_clean_scopes(data.get("scopes", {})),
        features=_clean_features(data.get("features")),
    )
    _save_unique(role, "A role with this name already exists.")
    audit.record(actor=actor, action="create", obj=role, changes=audit.diff({}, audit.snapshot(role, ROLE_FIELDS)))
    return role


def _unique_role_key(name: str) -> str:
    from django.utils.text import slugify

    base = (slugify(name).replace("-", "_") or "role")[:40]
    key, n = base, 2
    while Role.objects.filter(key=key).exists():
        key, n = f"{base}_{n}", n + 1
    return key


@transaction.atomic
def role_update(*, actor, role: Role, data: dict[str, Any]) -> Role:
    _ensure_manages_roles(actor)
    access.ensure_can_write(actor, role)
    role = Role.objects.select_for_update().get(pk=role.pk)
    if role.is_builtin:
        raise Conflict("builtin_role", "Built-in roles cannot be changed; copy one to make a custom role.")
    before = audit.snapshot(role, ROLE_FIELDS)
    if "name" in data:
        role.name = _unique_name(Role, data["name"], exclude_pk=role.pk)
    if "description" in data:
        role.description = str(data["description"] or "").strip()
    if "scopes" in data:
        role.scopes = _clean_scopes(data["scopes"])
    if "features" in data:
        role.features = _clean_features(data["features"])
    _save_unique(role, "A role with this name already exists.")
    changes = audit.diff(before, audit.snapshot(role, ROLE_FIELDS))
    if changes:
        audit.record(actor=actor, action="role_changed", obj=role, changes=changes)
    return role


@transaction.atomic
def role_delete(*, actor, role: Role) -> None:
    _ensure_manages_roles(actor)
    access.ensure_can_write(actor, role)
    if role.is_builtin:
        raise Conflict("builtin_role", "Built-in roles cannot be deleted.")
    if role.users.exists():
        raise Conflict("role_in_use", "Users still have this role; give them another role first.")
    audit.record(actor=actor, action="delete", obj=role, changes=audit.diff(audit.snapshot(role, ROLE_FIELDS), {}))
    role.delete()


# --- API tokens ----------------------------------------------------------------------------------


@transaction.atomic
def token_create(*, actor, name: str, user: User | None = None) -> tuple[APIToken, str]:
    """A new personal token for the actor. Returns the token and its raw value, shown once.

    Tokens are personal: a token acts as its user and the audit log names that user, so nobody, not even
    an admin, may create one for someone else.
    """
    user = user or actor
    if user.pk != actor.pk:
        raise PermissionDenied("API tokens are personal: each user creates their own.")
    access.ensure_can_create(actor, "token", owner_id=user.pk, team_id=user.team_id)
    if not user.is_active:
        raise validation_error({"user_id": "This user is deactivated."})
    raw = APIToken.generate()
    token = APIToken.objects.create(
        user=user,
        name=_clean_text(name, "name", max_length=100, required=True),
        prefix=raw[:12],
        key_hash=hash_token(raw),
    )
    audit.record(actor=actor, action="token_created", obj=token, changes={"user": user.pk, "name": token.name})
    return token, raw


@transaction.atomic
def token_revoke(*, actor, token: APIToken) -> APIToken:
    access.ensure_can_write(actor, token)
    token = APIToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="token_revoked", obj=token, changes={"user": token.user_id})
    return token
