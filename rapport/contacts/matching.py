"""Finding the existing records that incoming data refers to, for updates and upserts (API bulk upsert,
imports): by record id, external id, email, phone, or for companies by domain or name. One query per
batch, never one per row.

(Fuzzy duplicate detection is the identity app's job; this is exact matching on normalized keys.)
"""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.db.models.functions import Lower

from .models import CompanyDomain, ContactEmail, ContactPhone

MATCH_KEYS = {
    "contact": ("id", "external_id", "email", "phone"),
    "company": ("id", "external_id", "domain", "name"),
}


def match_key(object_type: str, match_on: str, values: dict) -> str | None:
    """The normalized key of one cleaned payload (``clean_contact``/``clean_company`` output plus ``id``)."""
    if match_on == "id":
        value = values.get("id")
        return str(value) if value not in (None, "") else None
    if match_on == "external_id":
        return values.get("external_id") or None
    if match_on == "email":
        emails = values.get("emails") or []
        return emails[0]["email"] if emails else None
    if match_on == "phone":
        phones = values.get("phones") or []
        return phones[0]["number"] if phones else (values.get("phone") or None)
    if match_on == "domain":
        domains = values.get("domains") or []
        return domains[0]["domain"] if domains else None
    if match_on == "name":
        return (values.get("name") or "").lower() or None
    raise ValueError(match_on)


def find_existing(object_type: str, match_on: str, keys: Iterable[str], *, within: QuerySet) -> dict[str, list[int]]:
    """``{key: [record ids]}`` of the records in ``within`` (a scoped queryset) matching each key.

    A key can match several records (two contacts sharing an email); callers decide what that means
    (imports report the row as ambiguous rather than guess).
    """
    keys = {k for k in keys if k}
    if not keys:
        return {}
    if match_on not in MATCH_KEYS[object_type]:
        raise ValueError(match_on)
    out: dict[str, list[int]] = {}
    visible = within.values("pk")
    if match_on == "id":
        ids = {int(k) for k in keys if k.isdigit()}
        pairs = within.filter(pk__in=ids).values_list("pk", "pk")
        pairs = [(str(a), b) for a, b in pairs]
    elif match_on == "external_id":
        pairs = within.filter(external_id__in=keys).values_list("external_id", "pk")
    elif match_on == "email":
        pairs = ContactEmail.objects.filter(email__in=keys, contact__in=visible).values_list("email", "contact_id")
    elif match_on == "phone":
        pairs = ContactPhone.objects.filter(number__in=keys, contact__in=visible).values_list("number", "contact_id")
    elif match_on == "domain":
        pairs = CompanyDomain.objects.filter(domain__in=keys, company__in=visible).values_list("domain", "company_id")
    else:  # name, case-insensitively
        pairs = within.annotate(key=Lower("name")).filter(key__in=keys).values_list("key", "pk")
    for key, pk in pairs:
        ids = out.setdefault(key, [])
        if pk not in ids:
            ids.append(pk)
    return out
