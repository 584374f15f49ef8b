"""Writing the audit log. Services call these explicitly, in the same transaction as the change."""

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models

from . import context
from .models import AuditEntry

# Never written to the log, whatever the model.
SECRET_FIELDS = frozenset({"password", "key_hash", "secret", "token"})


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of ``fields`` of ``obj`` (foreign keys as ids), for diffing before and after."""
    out = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            out[name] = sorted((obj.pk and getattr(obj, name).values_list("pk", flat=True)) or [])
        elif field.is_relation:
            out[name] = getattr(obj, field.attname)
        else:
            out[name] = _jsonable(getattr(obj, name))
    return out


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose value changed; secrets appear only as changed."""
    changes = {}
    for name in sorted(set(old) | set(new)):
        before, after = _jsonable(old.get(name)), _jsonable(new.get(name))
        if before != after:
            changes[name] = ["***", "***"] if name in SECRET_FIELDS else [before, after]
    return changes


def record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    changes: Mapping[str, Any] | None = None,
    object_repr: str | None = None,
    actor_label: str | None = None,
) -> AuditEntry:
    """Append one entry. ``object_type`` defaults to the model's access type or its model name."""
    made = entry(actor=actor, action=action, obj=obj, object_type=object_type, changes=changes,
                 object_repr=object_repr, actor_label=actor_label)  # fmt: skip
    made.save()
    return made


def record_many(entries: Iterable[AuditEntry]) -> None:
    """Append the entries ``entry()`` made, in a few statements (a bulk write's one entry per record)."""
    AuditEntry.objects.bulk_create(list(entries), batch_size=500)


def entry(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    changes: Mapping[str, Any] | None = None,
    object_repr: str | None = None,
    actor_label: str | None = None,
) -> AuditEntry:
    """The entry ``record`` appends, not saved yet (for ``record_many``)."""
    ctx = context.current()
    if obj is not None and not object_type:
        object_type = getattr(obj, "access_type", obj._meta.model_name)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry(
        actor=actor if authenticated else None,
        actor_label=actor_label if actor_label is not None else (actor.get_username() if authenticated else ""),
        ip=ctx.ip,
        user_agent=ctx.user_agent,
        action=action,
        object_type=object_type,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr if object_repr is not None else str(obj) if obj is not None else "")[:200],
        changes={k: _jsonable(v) for k, v in (changes or {}).items()},
    )


# --- showing entries -----------------------------------------------------------------------------
# Changes keep related records as ids (names change; ids do not). For display, apps register how to turn
# the ids of a field into names the viewer may see: ``register_reference("role", resolver)`` where
# ``resolver(actor, ids) -> {id: name}`` runs one scoped query for a whole page of entries.

REFERENCE_RESOLVERS: dict[str, Callable[[Any, set], dict]] = {}


def register_reference(field: str, resolver: Callable[[Any, set], dict]) -> None:
    REFERENCE_RESOLVERS[field] = resolver


def change_rows(entries: Iterable[AuditEntry], *, actor) -> None:
    """Give each entry ``change_rows``: ``[{field, pair, old, new}]`` with related ids shown by name."""
    entries = list(entries)
    wanted: dict[str, set] = {}
    for entry in entries:
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        for name, value in changes.items():
            if name in REFERENCE_RESOLVERS:
                for v in value if isinstance(value, list) else [value]:
                    ids = v if isinstance(v, list) else [v]
                    # Only ids are looked up; anything else (older or foreign shapes) is shown as it is.
                    wanted.setdefault(name, set()).update(
                        i for i in ids if isinstance(i, int) and not isinstance(i, bool)
                    )
    names = {field: REFERENCE_RESOLVERS[field](actor, ids - {None}) for field, ids in wanted.items()}

    def show(field, value):
        labels = names.get(field)
        if labels is None or value is None:
            return value
        if isinstance(value, list):
            return ", ".join(str(labels.get(v, f"#{v}")) for v in value) or "—"
        return labels.get(value, f"#{value}") if isinstance(value, int) else value

    for entry in entries:
        changes = entry.changes
        if not isinstance(changes, dict):
            entry.change_rows = [{"field": "", "pair": False, "new": changes}]
            continue
        rows = []
        for name, value in changes.items():
            if isinstance(value, list) and len(value) == 2:  # [old, new], as diff() writes them
                rows.append({"field": name, "pair": True, "old": show(name, value[0]), "new": show(name, value[1])})
            else:
                rows.append({"field": name, "pair": False, "new": show(name, value)})
        entry.change_rows = rows
