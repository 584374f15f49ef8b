"""Updates of a batch: each row applied to the record it matched, with one read per table for the whole batch and
one ``executemany`` per table to write. Given values replace, empty cells leave fields alone; emails, phones,
addresses, the company and tags are added to what the record has. ``ImportRow.before`` keeps what undo restores."""

from collections import defaultdict
from typing import Any

from django.utils import timezone

from ..clean import COMPANY_SCALARS, CONTACT_SCALARS
from ..models import (
    Address,
    Company,
    CompanyDomain,
    CompanyTag,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Membership,
)
from ..schema import completeness
from .prepare import Ready
from .writer import ADDRESS_COLUMNS, Context, Outcome, _row_companies, _row_tags

NAME_PARTS = ("prefix", "first_name", "middle_name", "last_name", "suffix")


def _jsonable(value):
    from rapport.core.audit import _jsonable as convert

    return convert(value)


def update_contacts(ctx: Context, pairs: list[tuple[Ready, int]]) -> list[Outcome]:
    """Apply each row to its contact: given values replace, empty cells leave fields alone; emails, phones,
    addresses, the company and tags are added to what the contact has. ``before`` keeps what undo restores."""
    from ..normalize import display_name
    from ..services import _records
    from ..services.contacts import _present

    ids = [pk for _, pk in pairs]
    records = {c.pk: c for c in Contact.objects.filter(pk__in=ids)}
    emails, phones, addrs, members, tagged = (defaultdict(list) for _ in range(5))
    for cid, email in ContactEmail.objects.filter(contact_id__in=ids).values_list("contact_id", "email"):
        emails[cid].append(email)
    for cid, number in ContactPhone.objects.filter(contact_id__in=ids).values_list("contact_id", "number"):
        phones[cid].append(number)
    for a in Address.objects.filter(contact_id__in=ids).values("contact_id", *ADDRESS_COLUMNS[:-1]):
        addrs[a.pop("contact_id")].append(a)
    for cid, company in Membership.objects.filter(contact_id__in=ids).values_list("contact_id", "company_id"):
        members[cid].append(company)
    for cid, tag in ContactTag.objects.filter(contact_id__in=ids).values_list("contact_id", "tag_id"):
        tagged[cid].append(tag)
    companies = _row_companies(ctx, [r for r, _ in pairs])
    tags = _row_tags(ctx, [r for r, _ in pairs])
    now = timezone.now()
    today = timezone.localdate().isoformat()
    outcomes = []
    updates, new_emails, new_phones, new_addresses, new_members, new_tags = [], [], [], [], [], []
    columns = ["email", "phone", "company_id", "display_name", "completeness", "custom", "lifecycle_dates",
               "stance_set_by_id", "stance_set_at", "updated_at", *CONTACT_SCALARS]  # fmt: skip
    columns = list(dict.fromkeys(columns))
    for row, pk in pairs:
        contact = records[pk]
        v = row.values
        before: dict[str, Any] = {}

        def change(name, new, contact=contact, before=before):
            old = getattr(contact, name)
            if old != new:
                before.setdefault(name, _jsonable(old))
                setattr(contact, name, new)

        old_stage, old_stance = contact.lifecycle_stage, contact.stance
        for name in CONTACT_SCALARS:
            if name in v:
                change(name, v[name])
        if any(n in before for n in NAME_PARTS) and "display_name" not in v:
            change("display_name", display_name(prefix=contact.prefix, first=contact.first_name,
                                                middle=contact.middle_name, last=contact.last_name,
                                                suffix=contact.suffix))  # fmt: skip
        if "custom" in v:
            merged = {**contact.custom, **{k: x for k, x in v["custom"].items() if x is not None}}
            change("custom", merged)
        added: dict[str, list] = {}
        for e in v.get("emails", ()):
            if e["email"] not in emails[pk]:
                emails[pk].append(e["email"])
                new_emails.append((pk, e["email"], e["label"], not contact.email))
                added.setdefault("emails", []).append(e["email"])
                if not contact.email:
                    change("email", e["email"])
        for p in v.get("phones", ()):
            if p["number"] not in phones[pk]:
                phones[pk].append(p["number"])
                new_phones.append((pk, p["number"], p["display"], p["label"], not contact.phone))
                added.setdefault("phones", []).append(p["number"])
                if not contact.phone:
                    change("phone", p["number"])
        for a in v.get("addresses", ()):
            key = {k: a[k] for k in ADDRESS_COLUMNS[:-1]}
            if key not in addrs[pk]:
                addrs[pk].append(key)
                new_addresses.append((pk, *[a[k] for k in ADDRESS_COLUMNS[:-1]], not any(addrs[pk][:-1])))
                added.setdefault("addresses", []).append(key)
        message = ""
        if row.company:
            company_id = companies.get(row.company.casefold())
            if company_id is None:
                message = "The company was not linked: you may not create companies."
            elif company_id not in members[pk]:
                members[pk].append(company_id)
                new_members.append((pk, company_id, contact.company_id is None))
                added.setdefault("companies", []).append(company_id)
                if contact.company_id is None:
                    change("company_id", company_id)
        wanted_tags = [tags[t.lower()] for t in v.get("tags", ()) if t.lower() in tags] + ctx.option_tags
        for tag in dict.fromkeys(wanted_tags):
            if tag not in tagged[pk]:
                tagged[pk].append(tag)
                new_tags.append((pk, tag))
                added.setdefault("tags", []).append(tag)
        if contact.lifecycle_stage and contact.lifecycle_stage != old_stage:
            change("lifecycle_dates", {**contact.lifecycle_dates, contact.lifecycle_stage: today})
        if contact.stance != old_stance:
            change("stance_set_by_id", ctx.actor.pk if contact.stance else None)
            change("stance_set_at", now if contact.stance else None)
        if not contact.display_name:
            change("display_name", contact.email or "—")
        present = _present(contact, emails=emails[pk], phones=phones[pk], addresses=addrs[pk],
                           companies=members[pk])  # fmt: skip
        errors = _records.check_required(ctx.schema, present, contact.custom)
        if errors:
            records[pk] = None  # nothing of this row is written
            _discard(pk, new_emails, new_phones, new_addresses, new_members, new_tags)
            outcomes.append(Outcome(row.number, "failed", pk, " ".join(f"{k}: {m}" for k, m in errors.items())))
            continue
        change("completeness", completeness("contact", present))
        if not before and not added:
            outcomes.append(Outcome(row.number, "skipped", pk, message or "Nothing to change."))
            continue
        before.setdefault("updated_at", _jsonable(contact.updated_at))
        contact.updated_at = now
        state = {"fields": before, "added": added}
        outcomes.append(Outcome(row.number, "updated", pk, message, state))
        updates.append((*(ctx.bulk.value(_column_value(contact, c)) for c in columns), pk))
        ctx.changed["contact"].append(pk)
    bulk = ctx.bulk
    bulk.update(Contact, columns, updates)
    bulk.insert(ContactEmail, ["contact_id", "email", "label", "is_primary"], new_emails)
    bulk.insert(ContactPhone, ["contact_id", "number", "display", "label", "is_primary"], new_phones)
    bulk.insert(Address, ["contact_id", *ADDRESS_COLUMNS], new_addresses, {"company_id": None})
    bulk.insert(Membership, ["contact_id", "company_id", "is_primary"], new_members, {"role": ""})
    bulk.insert(ContactTag, ["contact_id", "tag_id"], new_tags)
    return outcomes


def update_companies(ctx: Context, pairs: list[tuple[Ready, int]]) -> list[Outcome]:
    from ..services import _records
    from ..services.companies import _present

    ids = [pk for _, pk in pairs]
    records = {c.pk: c for c in Company.objects.filter(pk__in=ids)}
    domains, addrs, tagged = (defaultdict(list) for _ in range(3))
    for cid, domain in CompanyDomain.objects.filter(company_id__in=ids).values_list("company_id", "domain"):
        domains[cid].append(domain)
    for a in Address.objects.filter(company_id__in=ids).values("company_id", *ADDRESS_COLUMNS[:-1]):
        addrs[a.pop("company_id")].append(a)
    for cid, tag in CompanyTag.objects.filter(company_id__in=ids).values_list("company_id", "tag_id"):
        tagged[cid].append(tag)
    tags = _row_tags(ctx, [r for r, _ in pairs])
    now = timezone.now()
    outcomes = []
    updates, new_domains, new_addresses, new_tags = [], [], [], []
    columns = ["phone", "phone_display", "domain", "completeness", "custom", "updated_at", *COMPANY_SCALARS]
    for row, pk in pairs:
        company = records[pk]
        v = row.values
        before: dict[str, Any] = {}

        def change(name, new, company=company, before=before):
            old = getattr(company, name)
            if old != new:
                before.setdefault(name, _jsonable(old))
                setattr(company, name, new)

        for name in (*COMPANY_SCALARS, "phone", "phone_display"):
            if name in v and (name != "name" or v[name]):
                change(name, v[name])
        if "custom" in v:
            change("custom", {**company.custom, **{k: x for k, x in v["custom"].items() if x is not None}})
        added: dict[str, list] = {}
        for d in v.get("domains", ()):
            if d["domain"] not in domains[pk]:
                domains[pk].append(d["domain"])
                new_domains.append((pk, d["domain"], not company.domain))
                added.setdefault("domains", []).append(d["domain"])
                if not company.domain:
                    change("domain", d["domain"])
        for a in v.get("addresses", ()):
            key = {k: a[k] for k in ADDRESS_COLUMNS[:-1]}
            if key not in addrs[pk]:
                addrs[pk].append(key)
                new_addresses.append((pk, *[a[k] for k in ADDRESS_COLUMNS[:-1]], len(addrs[pk]) == 1))
                added.setdefault("addresses", []).append(key)
        wanted = [tags[t.lower()] for t in v.get("tags", ()) if t.lower() in tags] + ctx.option_tags
        for tag in dict.fromkeys(wanted):
            if tag not in tagged[pk]:
                tagged[pk].append(tag)
                new_tags.append((pk, tag))
                added.setdefault("tags", []).append(tag)
        present = _present(company, addresses=addrs[pk])
        errors = _records.check_required(ctx.schema, present, company.custom)
        if errors:
            _discard(pk, new_domains, new_addresses, new_tags)
            outcomes.append(Outcome(row.number, "failed", pk, " ".join(f"{k}: {m}" for k, m in errors.items())))
            continue
        change("completeness", completeness("company", present))
        if not before and not added:
            outcomes.append(Outcome(row.number, "skipped", pk, "Nothing to change."))
            continue
        before.setdefault("updated_at", _jsonable(company.updated_at))
        company.updated_at = now
        outcomes.append(Outcome(row.number, "updated", pk, "", {"fields": before, "added": added}))
        updates.append((*(ctx.bulk.value(_column_value(company, c)) for c in columns), pk))
        ctx.changed["company"].append(pk)
    bulk = ctx.bulk
    bulk.update(Company, columns, updates)
    bulk.insert(CompanyDomain, ["company_id", "domain", "is_primary"], new_domains)
    bulk.insert(Address, ["company_id", *ADDRESS_COLUMNS], new_addresses, {"contact_id": None})
    bulk.insert(CompanyTag, ["company_id", "tag_id"], new_tags)
    return outcomes


def _column_value(obj, column: str):
    return getattr(obj, column)


def _discard(pk: int, *lists) -> None:
    for rows in lists:
        rows[:] = [r for r in rows if r[0] != pk]
