"""Writes of companies: create, update (with a hierarchy that never loops), delete and bulk actions."""

from typing import Any

from django.db import transaction

from rapport.core import audit
from rapport.core.errors import Conflict, validation_error
from rapport.users import access

from ..clean import COMPANY_SCALARS, clean_company
from ..models import Address, Company, CompanyDomain, CompanyTag
from ..schema import RecordSchema
from . import _records

OBJECT_TYPE = "company"
AUDITED = (*COMPANY_SCALARS, "phone", "owner_id", "team_id", "parent_id", "custom")
MAX_DEPTH = 50  # a hierarchy deeper than this is surely a mistake (and would make roll-ups slow)


def _present(company: Company, *, addresses) -> dict[str, bool]:
    return {
        "domain": bool(company.domain),
        "industry": bool(company.industry),
        "size_band": bool(company.size_band),
        "phone": bool(company.phone),
        "website": bool(company.website),
        "address": bool(addresses),
        "owner": company.owner_id is not None,
    }


def _check_parent(*, actor, company: Company | None, parent_id) -> int | None:
    if parent_id in (None, ""):
        return None
    from ..selectors import visible_ids

    try:
        parent_id = int(parent_id)
    except (TypeError, ValueError):
        raise validation_error({"parent": "Choose an existing, visible company."}) from None
    unchanged = company is not None and parent_id == company.parent_id  # kept even if the actor cannot see it
    if not unchanged and not visible_ids(actor=actor, object_type=OBJECT_TYPE, ids=[parent_id]):
        raise validation_error({"parent": "Choose an existing, visible company."})
    # Walk up from the new parent: meeting the company itself would make a loop.
    current, depth = parent_id, 0
    while current is not None:
        if company is not None and current == company.pk:
            raise validation_error({"parent": "A company cannot be inside its own subsidiaries."})
        depth += 1
        if depth > MAX_DEPTH:
            raise validation_error({"parent": f"Hierarchies are at most {MAX_DEPTH} levels deep."})
        current = Company.objects.filter(pk=current).values_list("parent_id", flat=True).first()
    return parent_id


def _validate(*, actor, data: dict, schema: RecordSchema, partial: bool) -> dict:
    values, errors = clean_company(data, schema=schema, partial=partial)
    if not partial and not values.get("name"):
        errors.setdefault("name", "This field is required.")
    if partial and "name" in values and not values["name"]:
        errors.setdefault("name", "This field is required.")
    if "custom" in values:
        errors.update(_records.check_references(schema, values["custom"], actor=actor))
    if errors:
        raise validation_error(errors)
    return values


def _replace_children(company: Company, values: dict) -> None:
    if "domains" in values:
        company.domains.all().delete()
        CompanyDomain.objects.bulk_create(CompanyDomain(company=company, **d) for d in values["domains"])
        company.domain = next((d["domain"] for d in values["domains"] if d["is_primary"]), "")
    if "addresses" in values:
        company.addresses.all().delete()
        Address.objects.bulk_create(Address(company=company, **a) for a in values["addresses"])
    if "tags" in values:
        company.tags.set(_records.tags_by_name(values["tags"]))


def _children_snapshot(company: Company) -> dict[str, Any]:
    if company.pk is None:
        return {"domains": [], "addresses": [], "tags": []}
    return {
        "domains": [d.domain for d in company.domains.all()],
        "addresses": [str(a) for a in company.addresses.all()],
        "tags": sorted(company.tags.values_list("name", flat=True)),
    }


def _finish(company: Company, schema: RecordSchema) -> dict:
    children = _children_snapshot(company)
    present = _present(company, addresses=children["addresses"])
    errors = _records.check_required(schema, present, company.custom)
    if errors:
        raise validation_error(errors)
    company.completeness = _records.score(OBJECT_TYPE, present)
    _records.save_unique(company, "company")
    return children


def _set_scalars(company: Company, values: dict) -> None:
    for name in (*COMPANY_SCALARS, "phone", "phone_display"):
        if name in values:
            setattr(company, name, values[name])


@transaction.atomic
def company_create(*, actor, data: dict[str, Any], schema: RecordSchema | None = None) -> Company:
    schema = schema or RecordSchema.load(OBJECT_TYPE)
    values = _validate(actor=actor, data=data, schema=schema, partial=False)
    owner_id, team_id = _records.resolve_owner_team(
        actor=actor, data={"owner": actor.pk, **{k: data[k] for k in ("owner", "team") if k in data}}
    )
    _records.ensure_assignable(actor=actor, object_type=OBJECT_TYPE, owner_id=owner_id, team_id=team_id)
    company = Company(owner_id=owner_id, team_id=team_id, created_by=actor if actor and actor.pk else None)
    _set_scalars(company, values)
    company.parent_id = _check_parent(actor=actor, company=None, parent_id=data.get("parent"))
    company.custom = {k: v for k, v in values["custom"].items() if v is not None}
    _records.save_unique(company, "company")
    _replace_children(company, values)
    children = _finish(company, schema)
    audit.record(actor=actor, action="create", obj=company, changes={
        **{k: [None, v] for k, v in audit.snapshot(company, AUDITED).items() if v not in ("", None, False, {}, [])},
        **{k: [None, v] for k, v in children.items() if v},
    })  # fmt: skip
    _records.reindex(OBJECT_TYPE, [company.pk])
    return company


@transaction.atomic
def company_update(*, actor, company: Company, data: dict[str, Any], schema: RecordSchema | None = None) -> Company:
    access.ensure_can_write(actor, company)
    company = Company.objects.select_for_update().get(pk=company.pk)
    schema = schema or RecordSchema.load(OBJECT_TYPE)
    values = _validate(actor=actor, data=data, schema=schema, partial=True)
    before = audit.snapshot(company, AUDITED)
    children_before = _children_snapshot(company)
    if "owner" in data or "team" in data:
        owner_id, team_id = _records.resolve_owner_team(
            actor=actor, data=data, current_owner_id=company.owner_id, current_team_id=company.team_id
        )
        _records.ensure_assignable(actor=actor, object_type=OBJECT_TYPE, owner_id=owner_id, team_id=team_id)
        company.owner_id, company.team_id = owner_id, team_id
    if "parent" in data:
        company.parent_id = _check_parent(actor=actor, company=company, parent_id=data["parent"])
    _set_scalars(company, values)
    if "custom" in values:
        merged = {**company.custom, **values["custom"]}
        company.custom = {k: v for k, v in merged.items() if v is not None}
    _replace_children(company, values)
    children = _finish(company, schema)
    changes = audit.diff(before, audit.snapshot(company, AUDITED))
    changes.update({k: [children_before[k], v] for k, v in children.items() if v != children_before[k]})
    if changes:
        audit.record(actor=actor, action="update", obj=company, changes=changes)
    _records.reindex(OBJECT_TYPE, [company.pk])
    return company


@transaction.atomic
def company_delete(*, actor, company: Company) -> None:
    access.ensure_can_write(actor, company)
    audit.record(actor=actor, action="delete", obj=company, changes={"name": [company.name, None]})
    pk = company.pk
    # Subsidiaries stay, one level up (contacts stay, without this company): each is changed, so each must
    # be the actor's to change.
    children = list(Company.objects.filter(parent_id=pk))
    writable = set(_writable(actor, [c.pk for c in children]))
    if any(c.pk not in writable for c in children):
        raise Conflict("has_subsidiaries", "This company has subsidiaries you may not change; ask their owners.")
    for child in children:
        child.parent_id = company.parent_id
        child.save(update_fields=["parent", "updated_at"])
        audit.record(actor=actor, action="update", obj=child, changes={"parent_id": [pk, company.parent_id]})
    company.delete()
    _records.reindex(OBJECT_TYPE, [pk, *(c.pk for c in children)])


def _writable(actor, ids) -> list[int]:
    from ..selectors import writable_ids

    return writable_ids(actor=actor, object_type=OBJECT_TYPE, ids=ids)


@transaction.atomic
def companies_bulk_update(*, actor, ids: list[int], data: dict[str, Any]) -> int:
    if not data or set(data) - {"owner", "team"}:
        raise validation_error({"__all__": "Bulk updates of companies set owner or team."})
    schema = RecordSchema.load(OBJECT_TYPE)
    targets = list(Company.objects.filter(pk__in=_writable(actor, ids)).order_by("pk"))
    for company in targets:
        company_update(actor=actor, company=company, data=data, schema=schema)
    return len(targets)


@transaction.atomic
def companies_bulk_tag(*, actor, ids: list[int], add: list[str] = (), remove: list[str] = ()) -> int:
    from ..clean import clean_tags

    errors = {}
    add, remove = clean_tags(list(add), errors), clean_tags(list(remove), errors)
    if errors or not (add or remove):
        raise validation_error(errors or {"tags": "Name at least one tag to add or remove."})
    targets = _writable(actor, ids)
    if add:
        tags = _records.tags_by_name(add)
        CompanyTag.objects.bulk_create(
            [CompanyTag(company_id=c, tag_id=t.pk) for c in targets for t in tags],
            ignore_conflicts=True,
            batch_size=1000,
        )
    if remove:
        CompanyTag.objects.filter(company_id__in=targets, tag__in=_records.tags_named(remove)).delete()
    for company in Company.objects.filter(pk__in=targets).only("pk", "name"):
        audit.record(actor=actor, action="update", obj=company, changes={"tags": {"added": add, "removed": remove}})
    _records.reindex(OBJECT_TYPE, targets)
    return len(targets)


@transaction.atomic
def companies_bulk_delete(*, actor, ids: list[int]) -> int:
    targets = list(Company.objects.filter(pk__in=_writable(actor, ids)))
    for company in targets:
        company_delete(actor=actor, company=company)
    return len(targets)
