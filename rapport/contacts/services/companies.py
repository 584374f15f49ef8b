"""Writes of companies: create, update (with a hierarchy that never loops), delete and bulk actions.

As for contacts, a create or an update is planned (``plan_create``, ``plan_update``) and then written
(``write``), for one company or many at once."""

from typing import Any

from django.db import transaction

from rapport.core import audit
from rapport.core.errors import Conflict, validation_error
from rapport.users import access
from rapport.users.enums import Feature

from .. import hooks
from ..clean import COMPANY_SCALARS, clean_company
from ..models import Address, Company, CompanyDomain, CompanyTag
from ..schema import RecordSchema
from . import _records
from ._context import Context

OBJECT_TYPE = "company"
AUDITED = (*COMPANY_SCALARS, "phone", "owner_id", "team_id", "parent_id", "custom")
MAX_DEPTH = 50  # a hierarchy deeper than this is surely a mistake (and would make roll-ups slow)
CHILDREN = {"domains": CompanyDomain, "addresses": Address}


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


def _check_parent(*, ctx: Context, company: Company | None, parent_id) -> int | None:
    if parent_id in (None, ""):
        return None
    try:
        parent_id = int(parent_id)
    except (TypeError, ValueError):
        raise validation_error({"parent": "Choose an existing, visible company."}) from None
    unchanged = company is not None and parent_id == company.parent_id  # kept even if the actor cannot see it
    if not unchanged and not ctx.visible(OBJECT_TYPE, [parent_id]):
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


def lookups(data: dict, schema: RecordSchema) -> dict[str, Any]:
    """What writing this payload will look up (``Context.prefetch``), its parent too."""
    out = _records.lookups(data, schema)
    if isinstance(data.get("parent"), int):
        out["visible"].setdefault(OBJECT_TYPE, set()).add(data["parent"])
    return out


def _validate(*, ctx: Context, data: dict, partial: bool) -> dict:
    values, errors = clean_company(data, schema=ctx.schema, partial=partial)
    if not partial and not values.get("name"):
        errors.setdefault("name", "This field is required.")
    if partial and "name" in values and not values["name"]:
        errors.setdefault("name", "This field is required.")
    if "custom" in values:
        errors.update(_records.check_references(ctx, values["custom"]))
    if errors:
        raise validation_error(errors)
    return values


def _new_children(company: Company, values: dict) -> dict[str, list]:
    """The child rows the payload replaces (by kind), with the primary domain copied onto the company."""
    rows: dict[str, list] = {}
    if "domains" in values:
        rows["domains"] = [CompanyDomain(**d) for d in values["domains"]]
        company.domain = next((d["domain"] for d in values["domains"] if d["is_primary"]), "")
    if "addresses" in values:
        rows["addresses"] = [Address(**a) for a in values["addresses"]]
    return rows


def _snapshot(children: dict[str, list]) -> dict[str, Any]:
    """What the audit shows of a company's children (as read back after writing them)."""
    return {
        "domains": [d.domain for d in _records.stored_order(children["domains"])],
        "addresses": [str(a) for a in _records.stored_order(children["addresses"])],
        "tags": sorted(children.get("tags", ())),
    }


def _check(company: Company, ctx: Context, children: dict[str, list]) -> dict[str, Any]:
    """Required fields and completeness; returns the children's snapshot."""
    after = _snapshot(children)
    present = _present(company, addresses=after["addresses"])
    errors = _records.check_required(ctx.schema, present, company.custom)
    if errors:
        raise validation_error(errors)
    company.completeness = _records.score(OBJECT_TYPE, present)
    return after


KIND = _records.Kind(
    object_type=OBJECT_TYPE,
    model=Company,
    child_models=CHILDREN,
    tag_model=CompanyTag,
    audited=AUDITED,
    name_field="name",
    snapshot=_snapshot,
    check=_check,
)


def stored_children(pks) -> dict[int, dict[str, list]]:
    """The child rows and tag names of these companies (a query per kind however many)."""
    return _records.stored_children(pks, KIND)


def _set_scalars(company: Company, values: dict) -> None:
    for name in (*COMPANY_SCALARS, "phone", "phone_display"):
        if name in values:
            setattr(company, name, values[name])


def plan_create(ctx: Context, data: dict[str, Any]) -> _records.Plan:
    """A new company, checked as ``company_create`` checks it, not stored yet."""
    actor = ctx.actor
    _records.ensure_may_write(ctx)
    values = _validate(ctx=ctx, data=data, partial=False)
    owner_id, team_id = _records.resolve_owner_team(
        actor=actor, ctx=ctx, data={"owner": actor.pk, **{k: data[k] for k in ("owner", "team") if k in data}}
    )
    _records.ensure_assignable(actor=ctx.actor, object_type=OBJECT_TYPE, owner_id=owner_id, team_id=team_id, ctx=ctx)
    company = Company(owner_id=owner_id, team_id=team_id, created_by=actor if actor and actor.pk else None)
    _set_scalars(company, values)
    company.parent_id = _check_parent(ctx=ctx, company=None, parent_id=data.get("parent"))
    company.custom = {k: v for k, v in values["custom"].items() if v is not None}
    rows = _new_children(company, values)
    return _records.create_plan(ctx, company, KIND, values=values, rows=rows)


def plan_update(ctx: Context, company: Company, data: dict[str, Any], stored: dict[str, list]) -> _records.Plan:
    """The changes ``data`` makes to ``company`` (read for update, with its ``stored`` children), checked as
    ``company_update`` checks them, not stored yet; the caller checked that the actor may change it."""
    values = _validate(ctx=ctx, data=data, partial=True)
    columns = _records.field_values(company)
    if "owner" in data or "team" in data:
        owner_id, team_id = _records.resolve_owner_team(
            actor=ctx.actor, ctx=ctx, data=data, current_owner_id=company.owner_id, current_team_id=company.team_id
        )
        _records.ensure_assignable(
            actor=ctx.actor, object_type=OBJECT_TYPE, owner_id=owner_id, team_id=team_id, ctx=ctx
        )
        company.owner_id, company.team_id = owner_id, team_id
    if "parent" in data:
        company.parent_id = _check_parent(ctx=ctx, company=company, parent_id=data["parent"])
    _set_scalars(company, values)
    if "custom" in values:
        merged = {**company.custom, **values["custom"]}
        company.custom = {k: v for k, v in merged.items() if v is not None}
    rows = _new_children(company, values)
    return _records.update_plan(ctx, company, KIND, values=values, columns=columns, stored=stored, rows=rows)


def write(ctx: Context, plans: list[_records.Plan]) -> None:
    """Store planned companies (see ``_records.write``)."""
    _records.write(plans, KIND, ctx)


@transaction.atomic
def company_create(*, actor, data: dict[str, Any], schema: RecordSchema | None = None) -> Company:
    ctx = Context(actor=actor, object_type=OBJECT_TYPE, schema=schema)
    return _records.write_one(ctx, plan_create(ctx, data), KIND)


@transaction.atomic
def company_update(*, actor, company: Company, data: dict[str, Any], schema: RecordSchema | None = None) -> Company:
    """Change what ``data`` holds; an update that changes nothing stores nothing (no audit entry, same
    ``updated_at``)."""
    access.ensure_can_write(actor, company)
    company = Company.objects.select_for_update().get(pk=company.pk)
    ctx = Context(actor=actor, object_type=OBJECT_TYPE, schema=schema)
    stored = stored_children([company.pk])[company.pk]
    return _records.write_one(ctx, plan_update(ctx, company, data, stored), KIND)


@transaction.atomic
def company_delete(*, actor, company: Company) -> None:
    access.ensure_can_write(actor, company)
    audit.record(actor=actor, action="delete", obj=company, changes={"name": [company.name, None]})
    pk = company.pk
    # Subsidiaries stay, one level up (contacts stay, without this company): each is changed, so each must
    # be the actor's to change.
    children = list(Company.objects.filter(parent_id=pk))
    writable = set(_records.writable(KIND, actor, [c.pk for c in children]))
    if any(c.pk not in writable for c in children):
        raise Conflict("has_subsidiaries", "This company has subsidiaries you may not change; ask their owners.")
    for child in children:
        child.parent_id = company.parent_id
        child.save(update_fields=["parent", "updated_at"])
        audit.record(actor=actor, action="update", obj=child, changes={"parent_id": [pk, company.parent_id]})
    company.delete()
    hooks.records_changed(OBJECT_TYPE, [pk, *(c.pk for c in children)])


@transaction.atomic
def companies_bulk_update(*, actor, ids: list[int], data: dict[str, Any]) -> int:
    access.ensure_feature(actor, Feature.BULK)
    if not data or set(data) - {"owner", "team"}:
        raise validation_error({"__all__": "Bulk updates of companies set owner or team."})
    targets = list(
        Company.objects.select_for_update().filter(pk__in=_records.writable(KIND, actor, ids)).order_by("pk")
    )
    ctx = Context(actor=actor, object_type=OBJECT_TYPE)
    stored = stored_children([c.pk for c in targets])
    write(ctx, [plan_update(ctx, company, data, stored[company.pk]) for company in targets])
    return len(targets)


@transaction.atomic
def companies_bulk_tag(*, actor, ids: list[int], add: list[str] = (), remove: list[str] = ()) -> int:
    return _records.bulk_tag(KIND, actor=actor, ids=ids, add=add, remove=remove)


@transaction.atomic
def companies_bulk_delete(*, actor, ids: list[int]) -> int:
    access.ensure_feature(actor, Feature.BULK)
    targets = list(Company.objects.filter(pk__in=_records.writable(KIND, actor, ids)))
    with hooks.batch():
        for company in targets:
            company_delete(actor=actor, company=company)
    return len(targets)
