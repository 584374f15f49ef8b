"""Bulk upsert of contacts and companies (the API's ``bulk-upsert``): up to ``MAX_RECORDS`` records per call.

Incoming records are matched to existing ones by one key (``match``: record id, external id, email or phone for
contacts; id, external id, domain or name for companies) in one query per call, then each record is created or
updated as the ordinary services do it (``plan_create``/``plan_update`` and ``write`` of ``contacts`` and
``companies``: cleaned, checked, audited and indexed like any other write), each on its own: a refused record is
reported with its errors and the others are kept. What the records need is looked up once per call, and the records
that pass are written together (see ``_Upsert``), so a thousand records cost a few dozen queries and an audit
entry each. Someone who may change no record of the kind is refused the whole call (403).

``mode``: ``create`` (a record whose key matches an existing one fails as ``exists``), ``update`` (the key must
match exactly one visible record) or ``upsert`` (update the match, else create). A key matching several records
fails as ``ambiguous`` rather than guess. Updates are partial: only the fields a record holds change. A record
without a key is created (``create``, ``upsert``) or fails (``update``). Two records of one call with the same key
make one record: the second updates what the first created.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from rapport.core.api_types import MAX_ID
from rapport.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied, validation_error

from .. import hooks
from ..clean import clean_company, clean_contact
from ..matching import MATCH_KEYS, find_existing, match_key
from ..models import Company, Contact
from ..schema import RecordSchema
from . import companies, contacts
from ._context import Context

MAX_RECORDS = 1000
MODES = ("create", "update", "upsert")

# The fields of a record that make each key (what is cleaned to find the key).
_KEY_FIELDS = {
    "id": ("id",),
    "external_id": ("external_id",),
    "email": ("email", "emails"),
    "phone": ("phone", "phones"),
    "domain": ("domain", "domains"),
    "name": ("name",),
}


@dataclass
class Result:
    index: int
    status: str  # created, updated, unchanged, failed
    id: int | None = None
    code: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "status": self.status, "id": self.id, "code": self.code, "errors": self.errors}


@dataclass(frozen=True)
class _Kind:
    object_type: str
    model: Any
    clean: Any
    module: Any  # contacts or companies: lookups, stored_children, plan_create, plan_update, write
    label: str


_KINDS = {
    "contact": _Kind("contact", Contact, clean_contact, contacts, "contact"),
    "company": _Kind("company", Company, clean_company, companies, "company"),
}


def contacts_upsert(
    *, actor, records: list, match: str | None, mode: str, rejected: dict[int, dict] | None = None
) -> list[dict[str, Any]]:
    """Create or update contacts; per record ``{index, status, id, code, errors}`` in the order given.

    ``rejected``: records the caller already refused (e.g. the API, for their shape), by index, with their errors;
    they are reported as failed and left alone."""
    return _upsert(_KINDS["contact"], actor=actor, records=records, match=match, mode=mode, rejected=rejected)


def companies_upsert(
    *, actor, records: list, match: str | None, mode: str, rejected: dict[int, dict] | None = None
) -> list[dict[str, Any]]:
    """Create or update companies; per record ``{index, status, id, code, errors}`` in the order given."""
    return _upsert(_KINDS["company"], actor=actor, records=records, match=match, mode=mode, rejected=rejected)


def _check_call(kind: _Kind, records, match, mode) -> None:
    errors = {}
    if mode not in MODES:
        errors["mode"] = f"Choose one of: {', '.join(MODES)}."
    if not isinstance(records, list) or not records:
        errors["records"] = "Give a non-empty list of records."
    elif len(records) > MAX_RECORDS:
        errors["records"] = f"At most {MAX_RECORDS} records per call."
    keys = MATCH_KEYS[kind.object_type]
    if match is None:
        if mode in ("update", "upsert"):
            errors["match"] = f"Choose how existing records are found: one of {', '.join(keys)}."
    elif match not in keys:
        errors["match"] = f"Choose one of: {', '.join(keys)}."
    elif match == "id" and mode == "create":
        errors["match"] = "New records have no id yet: match on another key, or use mode update or upsert."
    if errors:
        raise validation_error(errors)


def external_id_taken(object_type: str) -> Conflict:
    """The error of a new record whose external id another record has (as the update services word it)."""
    return Conflict(
        "duplicate", f"Another {object_type} has this external id.", {"external_id": "This external id is taken."}
    )


def _record_id(value) -> int | None:
    """A record id from a record's ``id``; raises ValueError when it is not one."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    number = int(str(value).strip())
    if not 1 <= number <= MAX_ID:
        raise ValueError(value)
    return number


def _key(kind: _Kind, match: str, record: dict, schema: RecordSchema) -> tuple[str | None, dict]:
    """``(key, errors)``: the normalized match key of one record (None when it has none)."""
    if match == "id":
        try:
            number = _record_id(record.get("id"))
        except (TypeError, ValueError):
            return None, {"id": ["Give the id of a record."]}
        return (str(number) if number else None), {}
    part = {name: record[name] for name in _KEY_FIELDS[match] if name in record}
    values, errors = kind.clean(part, schema=schema, partial=True)
    if errors:
        return None, {name: [message] for name, message in errors.items()}
    return match_key(kind.object_type, match, values), {}


def _failure(index: int, exc: Exception, kind: _Kind) -> Result:
    """The result of a record refused while planned or written (as each is, alone, in its own savepoint)."""
    if isinstance(exc, ApplicationError):
        return Result(index, "failed", code=exc.code, errors=exc.fields or {"__all__": [exc.message]})
    if isinstance(exc, OverflowError):
        # A custom reference id past 2**63 or a custom date-time UTC cannot hold: the cleaners let those through
        # for now (see rapport.contacts.api._common.out_of_range).
        return Result(index, "failed", code="invalid", errors={"custom": ["A value is out of range."]})
    # IntegrityError: a new record whose external id is taken by a record out of sight, written meanwhile.
    conflict = external_id_taken(kind.object_type)
    return Result(index, "failed", code=conflict.code, errors=conflict.fields)


@dataclass
class _Item:
    index: int
    key: str | None
    target: int | None  # the record to update; None: create one
    data: dict


class _Upsert:
    """One call: records are decided in order and written in waves. A wave holds records that touch distinct
    records and keys, planned one by one (each checked as alone) and written together; a record whose key or
    target an earlier record of the wave creates or changes starts a new wave, so it sees what that one wrote."""

    def __init__(self, kind: _Kind, actor, records: list, match, mode, schema, keys, results):
        self.kind, self.actor, self.records, self.match, self.mode = kind, actor, records, match, mode
        self.schema, self.keys, self.results = schema, keys, results
        self.key_field = match or "id"  # where a record's matching problems are reported
        self.ctx = self._context([i for i, r in enumerate(results) if r is None])

    def _context(self, indexes: list[int]) -> Context:
        """A context that has looked up, at once, what these records will ask for."""
        ctx = Context(actor=self.actor, object_type=self.kind.object_type, schema=self.schema)
        wanted: dict[str, Any] = {"users": [], "teams": [], "visible": {}, "tags": [], "external_ids": []}
        for index in indexes:
            for name, values in self.kind.module.lookups(self.records[index], self.schema).items():
                if name == "visible":
                    for object_type, ids in values.items():
                        wanted["visible"].setdefault(object_type, set()).update(ids)
                else:
                    wanted[name] += values
        if self.match == "external_id":
            wanted["external_ids"] += [self.keys[i] for i in indexes if self.keys[i]]
        ctx.prefetch(**wanted)
        return ctx

    def find(self) -> None:
        """Every key's records within what the actor may see: one query (or none, by external id: the context's
        look-up of external ids, which is not limited to what the actor sees, says), and one more to check."""
        from ..selectors import company_queryset, contact_queryset

        visible = (contact_queryset if self.kind.object_type == "contact" else company_queryset)(actor=self.actor)
        keys = [k for k in self.keys if k]
        if self.match == "external_id":
            found = {k: [pk] for k in keys if isinstance(pk := self.ctx.external_ids.get(k), int)}
        else:
            found = find_existing(self.kind.object_type, self.match, keys, within=visible) if self.match else {}
        ids = {pk for pks in found.values() for pk in pks}
        self.visible = set(visible.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
        self.found = found

    def run(self) -> None:
        wave: list[_Item] = []
        keys, targets = set(), set()  # those of the wave
        for index, record in enumerate(self.records):
            if self.results[index] is not None:
                continue
            key = self.keys[index]
            if key and key in keys:
                wave, keys, targets = self.flush(wave), set(), set()
            matches = [pk for pk in self.found.get(key, []) if pk in self.visible] if key else []
            result = self._refusal(index, key, matches)
            if result is not None:
                self.results[index] = result
                continue
            target = matches[0] if matches else None
            if target is not None and target in targets:
                wave, keys, targets = self.flush(wave), set(), set()
            wave.append(_Item(index, key, target, {k: v for k, v in record.items() if k != "id"}))
            keys.add(key)
            targets.add(target)
        self.flush(wave)

    def _refusal(self, index: int, key, matches: list[int]) -> Result | None:
        label, key_field = self.kind.label, self.key_field
        if len(matches) > 1:
            return Result(index, "failed", code="ambiguous", errors={
                key_field: [f"{len(matches)} {label} records match; make the key unique or match on another."]
            })  # fmt: skip
        if self.mode == "create" and matches:
            return Result(index, "failed", matches[0], "exists", {
                key_field: [f"A {label} with this {key_field.replace('_', ' ')} exists already."]
            })  # fmt: skip
        if not matches and (self.mode == "update" or (self.match == "id" and key)):
            problem = "No visible record matches." if key else f"Give the {key_field.replace('_', ' ')} to match."
            return Result(index, "failed", code="not_found" if key else "invalid", errors={key_field: [problem]})
        return None

    def flush(self, wave: list[_Item]) -> list[_Item]:
        """Plan the wave's records one by one, then write those that pass together; returns a new wave."""
        if not wave:
            return []
        planned = self._plan(wave, self.ctx)
        try:
            with transaction.atomic():
                self.kind.module.write(self.ctx, [plan for _, plan in planned])
        except (IntegrityError, OverflowError):
            # One record could not be written (a record written meanwhile by another request took its external
            # id, a value the database cannot hold): write them one by one, each in its own savepoint.
            for item, _plan in planned:
                self._one_by_one(item)
            self.ctx = self._context([i for i, r in enumerate(self.results) if r is None])  # its tags were undone
            return []
        for item, plan in planned:
            self._done(item, plan)
        return []

    def _plan(self, wave: list[_Item], ctx: Context) -> list[tuple[_Item, Any]]:
        from ..selectors import writable_ids

        module, model = self.kind.module, self.kind.model
        pks = [item.target for item in wave if item.target is not None]
        locked = model.objects.select_for_update().in_bulk(pks) if pks else {}
        writable = set(writable_ids(actor=self.actor, object_type=self.kind.object_type, ids=pks)) if pks else set()
        stored = module.stored_children(pks)
        planned = []
        for item in wave:
            try:
                if item.target is None:
                    plan = module.plan_create(ctx, item.data)
                elif item.target not in locked:
                    raise NotFound()  # deleted since it was found
                elif item.target not in writable:
                    raise PermissionDenied()  # visible (it matched) but not the actor's to change
                else:
                    plan = module.plan_update(ctx, locked[item.target], item.data, stored[item.target])
            except (ApplicationError, OverflowError) as exc:
                self.results[item.index] = _failure(item.index, exc, self.kind)
                continue
            planned.append((item, plan))
        return planned

    def _one_by_one(self, item: _Item) -> None:
        ctx = Context(actor=self.actor, object_type=self.kind.object_type, schema=self.schema)
        try:
            with transaction.atomic():
                planned = self._plan([item], ctx)
                if planned:
                    self.kind.module.write(ctx, [planned[0][1]])
        except (ApplicationError, OverflowError, IntegrityError) as exc:
            self.results[item.index] = _failure(item.index, exc, self.kind)
            return
        if planned:
            self._done(item, planned[0][1])

    def _done(self, item: _Item, plan) -> None:
        obj = plan.obj
        status = "created" if plan.created else "updated" if plan.changed else "unchanged"
        self.results[item.index] = Result(item.index, status, obj.pk)
        if plan.created:
            self.visible.add(obj.pk)
            if item.key:  # a later record with the same key updates this one
                self.found[item.key] = [obj.pk]


def _upsert(kind: _Kind, *, actor, records: list, match, mode, rejected) -> list[dict[str, Any]]:
    _check_call(kind, records, match, mode)
    schema = RecordSchema.load(kind.object_type)
    results: list[Result | None] = [None] * len(records)
    keys: list[str | None] = [None] * len(records)
    for index, record in enumerate(records):
        if rejected and index in rejected:
            results[index] = Result(index, "failed", code="invalid", errors=rejected[index])
        elif not isinstance(record, dict):
            results[index] = Result(index, "failed", code="invalid", errors={"__all__": ["Give an object."]})
        elif match is not None:
            keys[index], errors = _key(kind, match, record, schema)
            if errors:
                results[index] = Result(index, "failed", code="invalid", errors=errors)
    with hooks.batch():
        call = _Upsert(kind, actor, records, match, mode, schema, keys, results)
        call.find()
        call.run()
    return [result.as_dict() for result in results]
