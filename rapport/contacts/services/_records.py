"""What the contact and company services share: owner and team, tags, custom references, required fields,
completeness, planning a create or an update once the kind's own values are set (``create_plan``,
``update_plan``), writing what a write plans (``Plan``) for one record or a thousand in a few queries, and the
bulk tag action. A ``Kind`` says what these need to know of contacts or of companies."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.db.models.functions import Lower
from django.utils import timezone

from rapport.core import audit
from rapport.core.errors import Conflict, PermissionDenied, validation_error
from rapport.users import access
from rapport.users.enums import Feature

from .. import hooks
from ..clean import clean_tags
from ..models import Tag
from ..schema import MANDATORY_CHOICES, RecordSchema, completeness
from ._context import Context


@dataclass(frozen=True)
class Kind:
    """What the shared writes need to know of contacts or of companies."""

    object_type: str
    model: type[Model]
    child_models: dict[str, type[Model]]  # the child rows by kind (``emails``...), each kind replaced as a whole
    tag_model: type[Model]
    audited: tuple[str, ...]  # the fields the audit log shows
    name_field: str  # what the audit log names a record by
    snapshot: Callable[[dict[str, list]], dict[str, Any]]  # what the audit shows of a record's children
    check: Callable  # (record, ctx, children) -> required fields and completeness; returns the children's snapshot


def ensure_may_write(ctx: Context) -> None:
    """Someone who may change no record of this kind is refused first, whatever they send (403, not a 422)."""
    if not ctx.may_write_at_all():
        raise PermissionDenied()


def resolve_owner_team(
    *, actor, data: dict, current_owner_id=None, current_team_id=None, ctx: Context | None = None
) -> tuple[Any, Any]:
    """The owner and team ids a write asks for (defaults: the actor, and the owner's team), checked to exist."""
    ctx = ctx or Context(actor=actor, object_type="")
    errors = {}
    owner_id, team_id = current_owner_id, current_team_id
    if "owner" in data:
        owner_id = data["owner"] or None
        if owner_id is not None:
            exists, owner_team = ctx.user_team(owner_id)
            if not exists:
                errors["owner"] = "Choose an active user."
            elif "team" not in data:
                team_id = owner_team
    if "team" in data:
        team_id = data["team"] or None
        if team_id is not None and not ctx.team_exists(team_id):
            errors["team"] = "Choose an existing team."
    if errors:
        raise validation_error(errors)
    return owner_id, team_id


def ensure_assignable(*, actor, object_type: str, owner_id, team_id, ctx: Context | None = None) -> None:
    """A record may only be given an owner and team that keep it within the actor's write scope."""
    ctx = ctx or Context(actor=actor, object_type=object_type)
    if not ctx.can_assign(owner_id, team_id):
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


def check_references(ctx: Context, custom: dict) -> dict:
    """Errors for reference custom fields pointing at records that do not exist or are out of sight."""
    errors = {}
    for key, value in custom.items():
        field_ = ctx.schema.custom_by_key.get(key)
        if field_ is None or field_.field_type != "reference" or value is None:
            continue
        if not ctx.visible(field_.reference_type, [value]):
            errors[f"custom.{key}"] = "Choose an existing, visible record."
    return errors


def reference_ids(schema: RecordSchema, custom: dict | None) -> dict[str, set]:
    """The records the reference custom values of one payload point at, by object type (to look up in advance)."""
    out: dict[str, set] = {}
    for key, value in (custom or {}).items() if isinstance(custom, dict) else ():
        field_ = schema.custom_by_key.get(key)
        if field_ is not None and field_.field_type == "reference" and isinstance(value, int):
            out.setdefault(field_.reference_type, set()).add(value)
    return out


def check_required(schema: RecordSchema, present: dict[str, bool], custom: dict) -> dict:
    errors = {}
    labels = MANDATORY_CHOICES[schema.object_type]
    for name in schema.required:
        if name in labels and not present.get(name):
            errors[name] = f"{labels[name]} is required."
    for field_ in schema.custom_fields:
        if field_.required and custom.get(field_.key) in (None, "", []):
            errors[f"custom.{field_.key}"] = f"{field_.label} is required."
    return errors


def score(object_type: str, present: dict[str, bool]) -> int:
    return completeness(object_type, present)


def duplicate(label: str) -> Conflict:
    return Conflict(
        "duplicate", f"Another {label} has this external id.", {"external_id": "This external id is taken."}
    )


def check_external_id(ctx: Context, record: Model, old: str = "") -> None:
    """A record may only take an external id no other record has (as things stand in this call)."""
    if record.external_id != old and not ctx.external_id_free(record.external_id, record):
        raise duplicate(record.access_type)


def lookups(data: dict, schema: RecordSchema) -> dict[str, Any]:
    """What writing this payload will look up (``Context.prefetch``), so a batch looks it all up at once."""
    tags = data.get("tags")
    return {
        "users": [data["owner"]] if isinstance(data.get("owner"), int) else [],
        "teams": [data["team"]] if isinstance(data.get("team"), int) else [],
        "visible": reference_ids(schema, data.get("custom")),
        "tags": [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else [],
        "external_ids": [data["external_id"].strip()] if isinstance(data.get("external_id"), str) else [],
    }


def stored_children(pks, kind: Kind) -> dict[int, dict]:
    """The child rows (by kind) and tag names of these records: a query per kind however many records."""
    parent = kind.object_type
    out = {pk: {name: [] for name in (*kind.child_models, "tags")} for pk in pks}
    if not out:
        return out
    for name, model in kind.child_models.items():
        for row in model.objects.filter(**{f"{parent}_id__in": list(out)}):
            out[getattr(row, f"{parent}_id")][name].append(row)
    for pk, tag in kind.tag_model.objects.filter(**{f"{parent}_id__in": list(out)}).values_list(
        f"{parent}_id", "tag__name"
    ):
        out[pk]["tags"].append(tag)
    return out


# --- plans: what one write will store ---------------------------------------------------------------


@dataclass
class Plan:
    """One record's write, decided and checked but not stored yet.

    ``children``: by kind (``emails``...), the rows replacing the record's stored ones (only the kinds that
    change); ``tags``: the tag names replacing the record's tags (None: unchanged); ``fields``: for an update,
    the columns that change (empty: nothing to store, no audit entry, nothing to re-index)."""

    obj: Model
    created: bool
    changes: dict = field(default_factory=dict)
    children: dict[str, list[Model]] = field(default_factory=dict)
    tags: list[str] | None = None
    fields: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.created or bool(self.fields or self.children or self.tags is not None)


def row_values(row: Model, parent: str) -> tuple:
    """A child row's stored values, without its id and parent: to tell whether rows would change."""
    return tuple(getattr(row, f.attname) for f in row._meta.concrete_fields if not f.primary_key and f.name != parent)


def stored_order(rows: list[Model]) -> list[Model]:
    """Child rows in the order they read back (primary first, then as written)."""
    return sorted(rows, key=lambda row: not row.is_primary)


def same_rows(stored: list[Model], new: list[Model], parent: str) -> bool:
    return [row_values(r, parent) for r in stored] == [row_values(r, parent) for r in stored_order(new)]


def field_values(obj: Model) -> dict[str, Any]:
    """Every column of a record but ``updated_at``, to tell which ones an update changes."""
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.name != "updated_at"}


def changed_fields(before: dict[str, Any], obj: Model) -> list[str]:
    return [name for name, value in field_values(obj).items() if before[name] != value]


def audited_changes(obj: Model, before: dict[str, Any], fields: list[str], audited) -> dict[str, list]:
    """``audit.diff`` of the ``audited`` fields of ``obj`` from the columns it had ``before``: only the
    ``fields`` that changed can differ, so only those are compared."""
    names = [name for name in audited if obj._meta.get_field(name).attname in fields]
    return audit.diff({name: before[obj._meta.get_field(name).attname] for name in names}, audit.snapshot(obj, names))


def create_plan(ctx: Context, record: Model, kind: Kind, *, values: dict, rows: dict[str, list]) -> Plan:
    """The plan of a new record whose values are set and whose child ``rows`` are made: checked, with its tags,
    what the audit shows, and its external id claimed."""
    check_external_id(ctx, record)
    after = kind.check(record, ctx, {**{name: [] for name in kind.child_models}, **rows})
    tags = ctx.tag_names(values["tags"]) if "tags" in values else None
    after["tags"] = sorted(tags or [])
    changes = {
        **{k: [None, v] for k, v in audit.snapshot(record, kind.audited).items() if v not in ("", None, False, {}, [])},
        **{k: [None, v] for k, v in after.items() if v},
    }
    ctx.claim_external_id("", record.external_id, record)  # last: only a record that will be written holds it
    return Plan(record, created=True, changes=changes, children=rows, tags=tags)


def update_plan(
    ctx: Context, record: Model, kind: Kind, *, values: dict, columns: dict[str, Any], stored: dict, rows: dict
) -> Plan:
    """The plan of an update whose new values are set on ``record`` (which had ``columns`` and the ``stored``
    children) and whose new child ``rows`` are made: checked, with what changes (nothing, when nothing does)."""
    after = kind.check(record, ctx, {**stored, **rows})
    old_external_id = columns["external_id"]
    check_external_id(ctx, record, old=old_external_id)
    tags = ctx.tag_names(values["tags"]) if "tags" in values else None
    after["tags"] = sorted(stored["tags"] if tags is None else tags)
    ctx.claim_external_id(old_external_id, record.external_id, record)
    fields = changed_fields(columns, record)
    changes = audited_changes(record, columns, fields, kind.audited)
    before = kind.snapshot(stored)
    changes.update({k: [before[k], v] for k, v in after.items() if v != before[k]})
    return Plan(
        record,
        created=False,
        changes=changes,
        children={k: v for k, v in rows.items() if not same_rows(stored[k], v, kind.object_type)},
        tags=tags if tags is not None and sorted(tags) != sorted(stored["tags"]) else None,
        fields=fields,
    )


def write_one(ctx: Context, plan: Plan, kind: Kind) -> Model:
    """Store one planned record (a create or an update service's write) and return it."""
    try:
        with transaction.atomic():
            write([plan], kind, ctx)
    except IntegrityError:  # the external id, taken by a concurrent write since it was checked
        raise duplicate(kind.object_type) from None
    return plan.obj


def write(plans: list[Plan], kind: Kind, ctx: Context) -> None:
    """Store planned creates and updates of one kind of record: a few queries for the lot (records, each kind
    of child rows, tags), an audit entry per changed record, and one ``records_changed`` call."""
    plans = [p for p in plans if p.changed]
    if not plans:
        return
    model, parent = kind.model, kind.object_type
    creates = [p for p in plans if p.created]
    updates = [p for p in plans if not p.created]
    now = timezone.now()
    if creates:
        model.objects.bulk_create([p.obj for p in creates])
    _update_rows(model, [p for p in updates if p.fields], now)
    stale = [p.obj for p in updates if not p.fields]  # only children or tags change: still a change
    if stale:
        model.objects.filter(pk__in=[obj.pk for obj in stale]).update(updated_at=now)
        for obj in stale:
            obj.updated_at = now
    for name, child_model in kind.child_models.items():
        replaced = [p.obj.pk for p in updates if name in p.children]
        if replaced:
            child_model.objects.filter(**{f"{parent}_id__in": replaced}).delete()
        rows = []
        for p in plans:
            for row in p.children.get(name, ()):
                setattr(row, f"{parent}_id", p.obj.pk)
                rows.append(row)
        child_model.objects.bulk_create(rows)
    tagged = [p for p in plans if p.tags is not None]
    if tagged:
        ids = ctx.tag_objects({name for p in tagged for name in p.tags})
        retagged = [p.obj.pk for p in tagged if not p.created]
        if retagged:
            kind.tag_model.objects.filter(**{f"{parent}_id__in": retagged}).delete()
        kind.tag_model.objects.bulk_create(
            [kind.tag_model(**{f"{parent}_id": p.obj.pk}, tag_id=ids[name.lower()]) for p in tagged for name in p.tags]
        )
    _audit(plans, ctx.actor)
    hooks.records_changed(parent, [p.obj.pk for p in plans])


def _audit(plans: list[Plan], actor) -> None:
    """An audit entry per record whose audited values changed, written together."""
    audit.record_many(
        audit.entry(actor=actor, action="create" if p.created else "update", obj=p.obj, changes=p.changes)
        for p in plans
        if p.changes
    )


def _update_rows(model, plans: list[Plan], now) -> None:
    """Per set of changed columns, one ``UPDATE ... FROM (VALUES ...)`` for all the records that change them (as
    many statements as the database's parameter limit asks)."""
    groups: dict[tuple[str, ...], list[Plan]] = {}
    for p in plans:
        p.obj.updated_at = now
        groups.setdefault((*p.fields, "updated_at"), []).append(p)
    quote, meta = connection.ops.quote_name, model._meta
    table = quote(meta.db_table)
    # VALUES columns are named column1, column2... on both databases; PostgreSQL needs their types.
    cast = (lambda f: f"CAST(%s AS {f.db_type(connection)})") if connection.vendor == "postgresql" else (lambda f: "%s")
    for names, members in groups.items():
        fields = [meta.pk, *(meta.get_field(name) for name in names)]
        sets = ", ".join(f"{quote(f.column)} = v.column{i}" for i, f in enumerate(fields[1:], start=2))
        row = f"({', '.join(cast(f) for f in fields)})"
        size = max(1, (connection.features.max_query_params or 65535) // len(fields))
        for start in range(0, len(members), size):
            chunk = members[start : start + size]
            params = [f.get_db_prep_save(getattr(p.obj, f.attname), connection) for p in chunk for f in fields]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([row] * len(chunk))}) AS v "  # noqa: S608
                    f"WHERE {table}.{quote(meta.pk.column)} = v.column1",
                    params,
                )


# --- bulk actions (lists) ---------------------------------------------------------------------------


def writable(kind: Kind, actor, ids) -> list[int]:
    """The ids among ``ids`` the actor may write (others are left alone, silently: they may be invisible)."""
    from ..selectors import writable_ids

    return writable_ids(actor=actor, object_type=kind.object_type, ids=ids)


def bulk_tag(kind: Kind, *, actor, ids: list[int], add: list[str] = (), remove: list[str] = ()) -> int:
    """Add and remove tags on the records the actor may change among ``ids``; returns how many those are."""
    access.ensure_feature(actor, Feature.BULK)
    errors = {}
    add, remove = clean_tags(list(add), errors), clean_tags(list(remove), errors)
    if errors or not (add or remove):
        raise validation_error(errors or {"tags": "Name at least one tag to add or remove."})
    targets = writable(kind, actor, ids)
    parent = kind.object_type
    if add:
        tags = tags_by_name(add)
        kind.tag_model.objects.bulk_create(
            [kind.tag_model(**{f"{parent}_id": record}, tag_id=t.pk) for record in targets for t in tags],
            ignore_conflicts=True,
            batch_size=1000,
        )
    if remove:
        kind.tag_model.objects.filter(**{f"{parent}_id__in": targets}, tag__in=tags_named(remove)).delete()
    for record in kind.model.objects.filter(pk__in=targets).only("pk", kind.name_field):
        audit.record(actor=actor, action="update", obj=record, changes={"tags": {"added": add, "removed": remove}})
    hooks.records_changed(parent, targets)
    return len(targets)
