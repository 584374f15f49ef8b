"""What the contact and company services share: owner and team, tags, custom references, required fields,
completeness, and the audit of multi-valued parts."""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.db.models.functions import Lower

from rapport.core.errors import Conflict, validation_error
from rapport.users import access
from rapport.users.models import Team, User

from .. import hooks
from ..models import Tag
from ..schema import MANDATORY_CHOICES, RecordSchema, completeness


def resolve_owner_team(*, actor, data: dict, current_owner_id=None, current_team_id=None) -> tuple[Any, Any]:
    """The owner and team ids a write asks for (defaults: the actor, and the owner's team), checked to exist."""
    errors = {}
    owner_id, team_id = current_owner_id, current_team_id
    if "owner" in data:
        owner_id = data["owner"] or None
        if owner_id is not None:
            owner = User.objects.filter(pk=owner_id, is_active=True).only("pk", "team_id").first()
            if owner is None:
                errors["owner"] = "Choose an active user."
            elif "team" not in data:
                team_id = owner.team_id
    if "team" in data:
        team_id = data["team"] or None
        if team_id is not None and not Team.objects.filter(pk=team_id).exists():
            errors["team"] = "Choose an existing team."
    if errors:
        raise validation_error(errors)
    return owner_id, team_id


def ensure_assignable(*, actor, object_type: str, owner_id, team_id) -> None:
    """A record may only be given an owner and team that keep it within the actor's write scope."""
    if not access.can_assign(actor, object_type, owner_id=owner_id, team_id=team_id):
        raise validation_error(
            {"owner": "You may not give a record this owner and team."}, message="This owner and team are out of reach."
        )


def tags_by_name(names: list[str]) -> list[Tag]:
    """The tags with these names (case-insensitively), creating the missing ones."""
    if not names:
        return []
    wanted = {n.lower(): n for n in names}
    found = {t.key: t for t in Tag.objects.annotate(key=Lower("name")).filter(key__in=list(wanted))}
    for key, name in wanted.items():
        if key not in found:
            try:
                with transaction.atomic():
                    found[key] = Tag.objects.create(name=name)
            except IntegrityError:  # created by a concurrent write since
                found[key] = Tag.objects.annotate(key=Lower("name")).get(key=key)
    return [found[k] for k in wanted]


def tags_named(names: list[str]):
    """The existing tags with these names, case-insensitively (a queryset, for filters)."""
    return Tag.objects.annotate(key=Lower("name")).filter(key__in=[n.lower() for n in names])


def check_references(schema: RecordSchema, custom: dict, *, actor) -> dict:
    """Errors for reference custom fields pointing at records that do not exist or are out of sight."""
    from ..selectors import visible_ids

    errors = {}
    for key, value in custom.items():
        field = schema.custom_by_key.get(key)
        if field is None or field.field_type != "reference" or value is None:
            continue
        if not visible_ids(actor=actor, object_type=field.reference_type, ids=[value]):
            errors[f"custom.{key}"] = "Choose an existing, visible record."
    return errors


def check_required(schema: RecordSchema, present: dict[str, bool], custom: dict) -> dict:
    errors = {}
    labels = MANDATORY_CHOICES[schema.object_type]
    for name in schema.required:
        if name in labels and not present.get(name):
            errors[name] = f"{labels[name]} is required."
    for field in schema.custom_fields:
        if field.required and custom.get(field.key) in (None, "", []):
            errors[f"custom.{field.key}"] = f"{field.label} is required."
    return errors


def score(object_type: str, present: dict[str, bool]) -> int:
    return completeness(object_type, present)


def changed(obj: Model, values: dict, fields) -> dict[str, list]:
    """Apply ``values`` to ``obj`` and return ``{field: [old, new]}`` for what changed."""
    from rapport.core.audit import _jsonable

    out = {}
    for name in fields:
        if name in values:
            old = getattr(obj, name)
            new = values[name]
            if old != new:
                out[name] = [_jsonable(old), _jsonable(new)]
                setattr(obj, name, new)
    return out


def reindex(object_type: str, ids) -> None:
    hooks.records_changed(object_type, list(ids))


def save_unique(record, label: str) -> None:
    """Save, turning a clash on the unique external id (a concurrent write) into a 409, not a 500."""
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise Conflict(
            "duplicate", f"Another {label} has this external id.", {"external_id": "This external id is taken."}
        ) from None
