"""Writes of contacts: create, update, delete and the bulk actions of the lists."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from rapport.core import audit
from rapport.core.errors import validation_error
from rapport.users import access

from .. import normalize
from ..clean import CONTACT_SCALARS, clean_contact
from ..models import Address, Contact, ContactEmail, ContactPhone, ContactTag, Membership
from ..schema import RecordSchema
from . import _records

OBJECT_TYPE = "contact"
AUDITED = (*CONTACT_SCALARS, "owner_id", "team_id", "custom")


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


def _clean_memberships(value, *, actor, errors: dict, contact: Contact | None = None) -> list[dict] | None:
    """``[{"company": id, "role": str, "is_primary": bool}]``, companies checked to be visible (or already
    linked: a membership of a company the actor cannot see is kept as it is, not refused)."""
    if value is None:
        return None
    if not isinstance(value, list | tuple):
        value = [value]
    items = []
    for i, item in enumerate(value):
        item = item if isinstance(item, dict) else {"company": item}
        try:
            company_id = int(item.get("company") or item.get("company_id") or 0)
            role = normalize.clean_text(item.get("role"), max_length=150)
        except (TypeError, ValueError, normalize.Invalid):
            errors[f"companies[{i}]"] = "Give a company id and an optional role."
            continue
        items.append({"company": company_id, "role": role, "is_primary": bool(item.get("is_primary"))})
    from ..selectors import visible_ids

    visible = visible_ids(actor=actor, object_type="company", ids=[i["company"] for i in items])
    if contact is not None and contact.pk:
        visible |= set(contact.memberships.values_list("company_id", flat=True))
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


def _validate(*, actor, data: dict, schema: RecordSchema, partial: bool, contact=None) -> tuple[dict, list | None]:
    values, errors = clean_contact(data, schema=schema, partial=partial)
    memberships = None
    if "companies" in data:
        memberships = _clean_memberships(data["companies"], actor=actor, errors=errors, contact=contact)
    if "custom" in values:
        errors.update(_records.check_references(schema, values["custom"], actor=actor))
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


def _replace_children(contact: Contact, values: dict, memberships: list | None) -> None:
    if "emails" in values:
        contact.emails.all().delete()
        ContactEmail.objects.bulk_create(ContactEmail(contact=contact, **e) for e in values["emails"])
        contact.email = next((e["email"] for e in values["emails"] if e["is_primary"]), "")
    if "phones" in values:
        contact.phones.all().delete()
        ContactPhone.objects.bulk_create(ContactPhone(contact=contact, **p) for p in values["phones"])
        contact.phone = next((p["number"] for p in values["phones"] if p["is_primary"]), "")
    if "addresses" in values:
        contact.addresses.all().delete()
        Address.objects.bulk_create(Address(contact=contact, **a) for a in values["addresses"])
    if memberships is not None:
        contact.memberships.all().delete()
        Membership.objects.bulk_create(
            Membership(contact=contact, company_id=m["company"], role=m["role"], is_primary=m["is_primary"])
            for m in memberships
        )
        contact.company_id = next((m["company"] for m in memberships if m["is_primary"]), None)
    if "tags" in values:
        contact.tags.set(_records.tags_by_name(values["tags"]))


def _children_snapshot(contact: Contact) -> dict[str, Any]:
    if contact.pk is None:
        return {"emails": [], "phones": [], "addresses": [], "companies": [], "tags": []}
    return {
        "emails": [e.email for e in contact.emails.all()],
        "phones": [p.number for p in contact.phones.all()],
        "addresses": [str(a) for a in contact.addresses.all()],
        "companies": sorted(contact.memberships.values_list("company_id", flat=True)),
        "tags": sorted(contact.tags.values_list("name", flat=True)),
    }


def _finish(contact: Contact, schema: RecordSchema) -> None:
    """Required fields, completeness and the final save."""
    children = _children_snapshot(contact)
    present = _present(
        contact, emails=children["emails"], phones=children["phones"],
        addresses=children["addresses"], companies=children["companies"],
    )  # fmt: skip
    errors = _records.check_required(schema, present, contact.custom)
    if errors:
        raise validation_error(errors)
    contact.completeness = _records.score(OBJECT_TYPE, present)
    _records.save_unique(contact, "contact")
    return children


@transaction.atomic
def contact_create(*, actor, data: dict[str, Any], schema: RecordSchema | None = None) -> Contact:
    schema = schema or RecordSchema.load(OBJECT_TYPE)
    values, memberships = _validate(actor=actor, data=data, schema=schema, partial=False)
    owner_id, team_id = _records.resolve_owner_team(
        actor=actor, data={"owner": actor.pk, **{k: data[k] for k in ("owner", "team") if k in data}}
    )
    _records.ensure_assignable(actor=actor, object_type=OBJECT_TYPE, owner_id=owner_id, team_id=team_id)
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
    _records.save_unique(contact, "contact")
    _replace_children(contact, values, memberships)
    children = _finish(contact, schema)
    audit.record(actor=actor, action="create", obj=contact, changes={
        **{k: [None, v] for k, v in audit.snapshot(contact, AUDITED).items() if v not in ("", None, False, {}, [])},
        **{k: [None, v] for k, v in children.items() if v},
    })  # fmt: skip
    _records.reindex(OBJECT_TYPE, [contact.pk])
    return contact


@transaction.atomic
def contact_update(*, actor, contact: Contact, data: dict[str, Any], schema: RecordSchema | None = None) -> Contact:
    access.ensure_can_write(actor, contact)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    schema = schema or RecordSchema.load(OBJECT_TYPE)
    values, memberships = _validate(actor=actor, data=data, schema=schema, partial=True, contact=contact)
    before = audit.snapshot(contact, AUDITED)
    children_before = _children_snapshot(contact)
    if "owner" in data or "team" in data:
        owner_id, team_id = _records.resolve_owner_team(
            actor=actor, data=data, current_owner_id=contact.owner_id, current_team_id=contact.team_id
        )
        _records.ensure_assignable(actor=actor, object_type=OBJECT_TYPE, owner_id=owner_id, team_id=team_id)
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
    _replace_children(contact, values, memberships)
    if not contact.display_name:
        contact.display_name = contact.email or "—"
    children = _finish(contact, schema)
    changes = audit.diff(before, audit.snapshot(contact, AUDITED))
    changes.update({k: [children_before[k], v] for k, v in children.items() if v != children_before[k]})
    if changes:
        audit.record(actor=actor, action="update", obj=contact, changes=changes)
    _records.reindex(OBJECT_TYPE, [contact.pk])
    return contact


@transaction.atomic
def contact_delete(*, actor, contact: Contact) -> None:
    access.ensure_can_write(actor, contact)
    audit.record(actor=actor, action="delete", obj=contact, changes={"display_name": [contact.display_name, None]})
    pk = contact.pk
    contact.delete()
    _records.reindex(OBJECT_TYPE, [pk])


# --- bulk actions (lists) ------------------------------------------------------------------------


def _writable(actor, ids) -> list[int]:
    """The ids among ``ids`` the actor may write (others are left alone, silently: they may be invisible)."""
    from ..selectors import writable_ids

    return writable_ids(actor=actor, object_type=OBJECT_TYPE, ids=ids)


@transaction.atomic
def contacts_bulk_update(*, actor, ids: list[int], data: dict[str, Any]) -> int:
    """Assign owner/team or set the lifecycle stage of many contacts; returns how many changed."""
    allowed = {"owner", "team", "lifecycle_stage"}
    if not data or set(data) - allowed:
        raise validation_error({"__all__": "Bulk updates set owner, team or lifecycle_stage."})
    count = 0
    schema = RecordSchema.load(OBJECT_TYPE)
    for contact in Contact.objects.filter(pk__in=_writable(actor, ids)).order_by("pk"):
        contact_update(actor=actor, contact=contact, data=data, schema=schema)
        count += 1
    return count


@transaction.atomic
def contacts_bulk_tag(*, actor, ids: list[int], add: list[str] = (), remove: list[str] = ()) -> int:
    from ..clean import clean_tags

    errors = {}
    add, remove = clean_tags(list(add), errors), clean_tags(list(remove), errors)
    if errors or not (add or remove):
        raise validation_error(errors or {"tags": "Name at least one tag to add or remove."})
    targets = _writable(actor, ids)
    if add:
        tags = _records.tags_by_name(add)
        ContactTag.objects.bulk_create(
            [ContactTag(contact_id=c, tag_id=t.pk) for c in targets for t in tags],
            ignore_conflicts=True,
            batch_size=1000,
        )
    if remove:
        ContactTag.objects.filter(contact_id__in=targets, tag__in=_records.tags_named(remove)).delete()
    for contact in Contact.objects.filter(pk__in=targets).only("pk", "display_name"):
        audit.record(actor=actor, action="update", obj=contact, changes={"tags": {"added": add, "removed": remove}})
    _records.reindex(OBJECT_TYPE, targets)
    return len(targets)


@transaction.atomic
def contacts_bulk_delete(*, actor, ids: list[int]) -> int:
    targets = list(Contact.objects.filter(pk__in=_writable(actor, ids)))
    for contact in targets:
        contact_delete(actor=actor, contact=contact)
    return len(targets)
