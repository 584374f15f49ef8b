"""Writes of contacts: create, update, delete and the bulk actions of the lists.

A create or an update is planned (``plan_create``, ``plan_update``: cleaned, checked, its changes worked out)
and then written (``write``), for one contact or, from the bulk upsert and bulk actions, for many at once."""

from contextlib import suppress
from typing import Any

from django.db import transaction
from django.utils import timezone

from rapport.core import audit
from rapport.core.errors import validation_error
from rapport.users import access
from rapport.users.enums import Feature

from .. import hooks, normalize
from ..clean import CONTACT_SCALARS, clean_contact
from ..models import Address, Contact, ContactEmail, ContactPhone, ContactTag, Membership
from ..schema import RecordSchema
from . import _records
from ._context import Context

OBJECT_TYPE = "contact"
AUDITED = (*CONTACT_SCALARS, "owner_id", "team_id", "custom")
CHILDREN = {"emails": ContactEmail, "phones": ContactPhone, "addresses": Address, "memberships": Membership}


def _present(contact: Contact, *, emails, phones, addresses, companies) -> dict[str, bool]:
    return {
        "first_name": bool(contact.first_name),
        "last_name": bool(contact.last_name),
        "email": bool(emails),
        "phone": bool(phones),
        "company": bool(companies),
        "job_title": bool(contact.job_title),
        "address": bool(addresses),
        "lifecycle_stage": bool(contact.lifecycle_stage),
        "lead_source": bool(contact.lead_source),
        "owner": contact.owner_id is not None,
    }


def _clean_memberships(value, *, ctx: Context, errors: dict, linked=()) -> list[dict] | None:
    """``[{"company": id, "role": str, "is_primary": bool}]``, companies checked to be visible (or already
    ``linked``: a membership of a company the actor cannot see is kept as it is, not refused)."""
    if value is None:
        return None
    items = []
    for i, item in enumerate(_membership_items(value)):
        try:
            company_id = int(item.get("company") or item.get("company_id") or 0)
            role = normalize.clean_text(item.get("role"), max_length=150)
        except (TypeError, ValueError, normalize.Invalid):
            errors[f"companies[{i}]"] = "Give a company id and an optional role."
            continue
        items.append({"company": company_id, "role": role, "is_primary": bool(item.get("is_primary"))})
    visible = ctx.visible("company", [i["company"] for i in items]) | set(linked)
    out, seen = [], set()
    for i, item in enumerate(items):
        if item["company"] not in visible:
            errors[f"companies[{i}]"] = "Choose an existing, visible company."
        elif item["company"] not in seen:
            seen.add(item["company"])
            out.append(item)
    if out and not any(i["is_primary"] for i in out):
        out[0]["is_primary"] = True
    elif out:
        first = next(i for i in out if i["is_primary"])
        for item in out:
            item["is_primary"] = item is first
    return out


def _membership_items(value) -> list[dict]:
    if not isinstance(value, list | tuple):
        value = [value]
    return [item if isinstance(item, dict) else {"company": item} for item in value]


def lookups(data: dict, schema: RecordSchema) -> dict[str, Any]:
    """What writing this payload will look up (``Context.prefetch``), its companies too."""
    out = _records.lookups(data, schema)
    companies = out["visible"].setdefault("company", set())
    if data.get("companies") is not None:
        for item in _membership_items(data["companies"]):
            with suppress(TypeError, ValueError):
                companies.add(int(item.get("company") or item.get("company_id") or 0))
    return out


def _validate(*, ctx: Context, data: dict, partial: bool, stored: dict | None = None) -> tuple[dict, list | None]:
    values, errors = clean_contact(data, schema=ctx.schema, partial=partial)
    memberships = None
    if "companies" in data:
        linked = [m.company_id for m in stored["memberships"]] if stored else ()
        memberships = _clean_memberships(data["companies"], ctx=ctx, errors=errors, linked=linked)
    if "custom" in values:
        errors.update(_records.check_references(ctx, values["custom"]))
    if errors:
        raise validation_error(errors)
    return values, memberships


def _apply_derived(contact: Contact, values: dict, *, actor, old_stage: str, old_stance: str) -> None:
    if not contact.display_name:
        contact.display_name = normalize.display_name(
            prefix=contact.prefix, first=contact.first_name, middle=contact.middle_name,
            last=contact.last_name, suffix=contact.suffix,
        )  # fmt: skip
    if contact.lifecycle_stage and contact.lifecycle_stage != old_stage:
        contact.lifecycle_dates = {**contact.lifecycle_dates, contact.lifecycle_stage: timezone.localdate().isoformat()}
    if contact.stance != old_stance:
        contact.stance_set_by = actor if contact.stance else None
        contact.stance_set_at = timezone.now() if contact.stance else None


def _new_children(contact: Contact, values: dict, memberships: list | None) -> dict[str, list]:
    """The child rows the payload replaces (by kind), with the primary ones copied onto the contact."""
    rows: dict[str, list] = {}
    if "emails" in values:
        rows["emails"] = [ContactEmail(**e) for e in values["emails"]]
        contact.email = next((e["email"] for e in values["emails"] if e["is_primary"]), "")
    if "phones" in values:
        rows["phones"] = [ContactPhone(**p) for p in values["phones"]]
        contact.phone = next((p["number"] for p in values["phones"] if p["is_primary"]), "")
    if "addresses" in values:
        rows["addresses"] = [Address(**a) for a in values["addresses"]]
    if memberships is not None:
        rows["memberships"] = [
            Membership(company_id=m["company"], role=m["role"], is_primary=m["is_primary"]) for m in memberships
        ]
        contact.company_id = next((m["company"] for m in memberships if m["is_primary"]), None)
    return rows


def _snapshot(children: dict[str, list]) -> dict[str, Any]:
    """What the audit shows of a contact's children (as read back after writing them)."""
    return {
        "emails": [e.email for e in _records.stored_order(children["emails"])],
        "phones": [p.number for p in _records.stored_order(children["phones"])],
        "addresses": [str(a) for a in _records.stored_order(children["addresses"])],
        "companies": sorted(m.company_id for m in children["memberships"]),
        "tags": sorted(children.get("tags", ())),
    }


def _check(contact: Contact, ctx: Context, children: dict[str, list]) -> dict[str, Any]:
    """Required fields and completeness; returns the children's snapshot."""
    after = _snapshot(children)
    present = _present(
        contact, emails=after["emails"], phones=after["phones"],
        addresses=after["addresses"], companies=after["companies"],
    )  # fmt: skip
    errors = _records.check_required(ctx.schema, present, contact.custom)
    if errors:
        raise validation_error(errors)
    contact.completeness = _records.score(OBJECT_TYPE, present)
    return after


KIND = _records.Kind(
    object_type=OBJECT_TYPE,
    model=Contact,
    child_models=CHILDREN,
    tag_model=ContactTag,
    audited=AUDITED,
    name_field="display_name",
    snapshot=_snapshot,
    check=_check,
)


def stored_children(pks) -> dict[int, dict[str, list]]:
    """The child rows and tag names of these contacts (a query per kind however many)."""
    return _records.stored_children(pks, KIND)


def plan_create(ctx: Context, data: dict[str, Any]) -> _records.Plan:
    """A new contact, checked as ``contact_create`` checks it, not stored yet."""
    actor = ctx.actor
    _records.ensure_may_write(ctx)
    values, memberships = _validate(ctx=ctx, data=data, partial=False)
    owner_id, team_id = _records.resolve_owner_team(
        actor=actor, ctx=ctx, data={"owner": actor.pk, **{k: data[k] for k in ("owner", "team") if k in data}}
    )
    _records.ensure_assignable(actor=ctx.actor, object_type=OBJECT_TYPE, owner_id=owner_id, team_id=team_id, ctx=ctx)
    contact = Contact(owner_id=owner_id, team_id=team_id, created_by=actor if actor and actor.pk else None)
    for name in CONTACT_SCALARS:
        setattr(contact, name, values[name])
    contact.custom = {k: v for k, v in values["custom"].items() if v is not None}
    _apply_derived(contact, values, actor=actor, old_stage="", old_stance="")
    if not contact.display_name:
        email = next((e["email"] for e in values.get("emails", []) if e["is_primary"]), "")
        if not email:
            raise validation_error({"first_name": "Give at least a name or an email address."})
        contact.display_name = email
    rows = _new_children(contact, values, memberships)
    return _records.create_plan(ctx, contact, KIND, values=values, rows=rows)


def plan_update(ctx: Context, contact: Contact, data: dict[str, Any], stored: dict[str, list]) -> _records.Plan:
    """The changes ``data`` makes to ``contact`` (read for update, with its ``stored`` children), checked as
    ``contact_update`` checks them, not stored yet; the caller checked that the actor may change it."""
    actor = ctx.actor
    values, memberships = _validate(ctx=ctx, data=data, partial=True, stored=stored)
    columns = _records.field_values(contact)
    if "owner" in data or "team" in data:
        owner_id, team_id = _records.resolve_owner_team(
            actor=ctx.actor, ctx=ctx, data=data, current_owner_id=contact.owner_id, current_team_id=contact.team_id
        )
        _records.ensure_assignable(
            actor=ctx.actor, object_type=OBJECT_TYPE, owner_id=owner_id, team_id=team_id, ctx=ctx
        )
        contact.owner_id, contact.team_id = owner_id, team_id
    old_stage, old_stance = contact.lifecycle_stage, contact.stance
    name_changed = False
    for name in CONTACT_SCALARS:
        if name in values:
            name_changed |= name in ("prefix", "first_name", "middle_name", "last_name", "suffix")
            setattr(contact, name, values[name])
    if name_changed and "display_name" not in data:
        contact.display_name = ""
    if "custom" in values:
        merged = {**contact.custom, **values["custom"]}
        contact.custom = {k: v for k, v in merged.items() if v is not None}
    _apply_derived(contact, values, actor=actor, old_stage=old_stage, old_stance=old_stance)
    rows = _new_children(contact, values, memberships)
    if not contact.display_name:
        contact.display_name = contact.email or "—"
    return _records.update_plan(ctx, contact, KIND, values=values, columns=columns, stored=stored, rows=rows)


def write(ctx: Context, plans: list[_records.Plan]) -> None:
    """Store planned contacts (see ``_records.write``)."""
    _records.write(plans, KIND, ctx)


@transaction.atomic
def contact_create(*, actor, data: dict[str, Any], schema: RecordSchema | None = None) -> Contact:
    ctx = Context(actor=actor, object_type=OBJECT_TYPE, schema=schema)
    return _records.write_one(ctx, plan_create(ctx, data), KIND)


@transaction.atomic
def contact_update(*, actor, contact: Contact, data: dict[str, Any], schema: RecordSchema | None = None) -> Contact:
    """Change what ``data`` holds; an update that changes nothing stores nothing (no audit entry, same
    ``updated_at``)."""
    access.ensure_can_write(actor, contact)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    ctx = Context(actor=actor, object_type=OBJECT_TYPE, schema=schema)
    stored = stored_children([contact.pk])[contact.pk]
    return _records.write_one(ctx, plan_update(ctx, contact, data, stored), KIND)


@transaction.atomic
def contact_delete(*, actor, contact: Contact) -> None:
    access.ensure_can_write(actor, contact)
    audit.record(actor=actor, action="delete", obj=contact, changes={"display_name": [contact.display_name, None]})
    pk = contact.pk
    contact.delete()
    hooks.records_changed(OBJECT_TYPE, [pk])


# --- bulk actions (lists) ------------------------------------------------------------------------


@transaction.atomic
def contacts_bulk_update(*, actor, ids: list[int], data: dict[str, Any]) -> int:
    """Assign owner/team or set the lifecycle stage of many contacts; returns how many were concerned."""
    access.ensure_feature(actor, Feature.BULK)
    allowed = {"owner", "team", "lifecycle_stage"}
    if not data or set(data) - allowed:
        raise validation_error({"__all__": "Bulk updates set owner, team or lifecycle_stage."})
    targets = list(
        Contact.objects.select_for_update().filter(pk__in=_records.writable(KIND, actor, ids)).order_by("pk")
    )
    ctx = Context(actor=actor, object_type=OBJECT_TYPE)
    stored = stored_children([c.pk for c in targets])
    write(ctx, [plan_update(ctx, contact, data, stored[contact.pk]) for contact in targets])
    return len(targets)


@transaction.atomic
def contacts_bulk_tag(*, actor, ids: list[int], add: list[str] = (), remove: list[str] = ()) -> int:
    return _records.bulk_tag(KIND, actor=actor, ids=ids, add=add, remove=remove)


@transaction.atomic
def contacts_bulk_delete(*, actor, ids: list[int]) -> int:
    """Delete the contacts the actor may delete among ``ids`` (an audit entry each, one delete for all)."""
    access.ensure_feature(actor, Feature.BULK)
    targets = list(Contact.objects.filter(pk__in=_records.writable(KIND, actor, ids)).only("pk", "display_name"))
    for contact in targets:
        audit.record(actor=actor, action="delete", obj=contact, changes={"display_name": [contact.display_name, None]})
    Contact.objects.filter(pk__in=[c.pk for c in targets]).delete()
    hooks.records_changed(OBJECT_TYPE, [c.pk for c in targets])
    return len(targets)
