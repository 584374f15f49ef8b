"""Bulk upsert of contacts and companies (the API's ``bulk-upsert``): up to ``MAX_RECORDS`` records per call.

Incoming records are matched to existing ones by one key (``match``: record id, external id, email or phone for
contacts; id, external id, domain or name for companies) in one query per call, then each record is created or
updated by the ordinary services (so it is cleaned, checked, audited and indexed like any other write) in its own
savepoint: a refused record is reported with its errors and the others are kept.

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
from rapport.core.errors import ApplicationError, Conflict, validation_error
from rapport.core.models import AuditEntry

from ..clean import clean_company, clean_contact
from ..matching import MATCH_KEYS, find_existing, match_key
from ..schema import RecordSchema
from .companies import company_create, company_update
from .contacts import contact_create, contact_update

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
    clean: Any
    create: Any
    update: Any
    label: str


_KINDS = {
    "contact": _Kind("contact", clean_contact, contact_create, contact_update, "contact"),
    "company": _Kind("company", clean_company, company_create, company_update, "company"),
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


def _last_audit_id() -> int:
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _changed_since(kind: _Kind, pk: int, marker: int) -> bool:
    return AuditEntry.objects.filter(pk__gt=marker, object_type=kind.object_type, object_id=str(pk)).exists()


def _upsert(kind: _Kind, *, actor, records: list, match, mode, rejected) -> list[dict[str, Any]]:
    from ..selectors import company_queryset, contact_queryset

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

    # One query finds every key's records, one more loads them: within what the actor may see.
    visible = (contact_queryset if kind.object_type == "contact" else company_queryset)(actor=actor)
    found = find_existing(kind.object_type, match, [k for k in keys if k], within=visible) if match else {}
    objects = visible.in_bulk({pk for ids in found.values() for pk in ids})
    key_field = match or "id"  # where a record's matching problems are reported

    for index, record in enumerate(records):
        if results[index] is not None:
            continue
        key = keys[index]
        matches = [pk for pk in found.get(key, []) if pk in objects] if key else []
        data = {k: v for k, v in record.items() if k != "id"}
        if len(matches) > 1:
            results[index] = Result(index, "failed", code="ambiguous", errors={
                key_field: [f"{len(matches)} {kind.label} records match; make the key unique or match on another."]
            })  # fmt: skip
            continue
        if mode == "create" and matches:
            results[index] = Result(index, "failed", matches[0], "exists", {
                key_field: [f"A {kind.label} with this {key_field.replace('_', ' ')} exists already."]
            })  # fmt: skip
            continue
        if not matches and (mode == "update" or (match == "id" and key)):
            problem = "No visible record matches." if key else f"Give the {key_field.replace('_', ' ')} to match."
            results[index] = Result(
                index, "failed", code="not_found" if key else "invalid", errors={key_field: [problem]}
            )
            continue
        try:
            with transaction.atomic():
                if matches:
                    obj = objects[matches[0]]
                    marker = _last_audit_id()
                    obj = kind.update(actor=actor, **{kind.object_type: obj}, data=data, schema=schema)
                    status = "updated" if _changed_since(kind, obj.pk, marker) else "unchanged"
                else:
                    obj = kind.create(actor=actor, data=data, schema=schema)
                    status = "created"
                    if key:  # a later record with the same key updates this one
                        found[key] = [obj.pk]
                    objects[obj.pk] = obj
        except ApplicationError as exc:
            results[index] = Result(index, "failed", code=exc.code, errors=exc.fields or {"__all__": [exc.message]})
            continue
        except OverflowError:
            # A custom reference id past 2**63 or a custom date-time UTC cannot hold: the cleaners let those
            # through for now (see rapport.contacts.api.out_of_range).
            results[index] = Result(index, "failed", code="invalid", errors={"custom": ["A value is out of range."]})
            continue
        except IntegrityError:
            # contact_create/company_create let the unique external id's IntegrityError of their first save through
            # (a new record whose external id is taken by a record out of sight); the savepoint undid the record.
            exc = external_id_taken(kind.object_type)
            results[index] = Result(index, "failed", code=exc.code, errors=exc.fields)
            continue
        results[index] = Result(index, status, obj.pk)
    return [result.as_dict() for result in results]
