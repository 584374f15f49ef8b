"""Finding the existing records that incoming data refers to, for updates and upserts (API bulk upsert,
imports): by record id, external id, email, phone, or for companies by domain or name. One or two queries per
batch, never one per row.

(Fuzzy duplicate detection is the identity app's job; this is exact matching on normalized keys.)
"""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.db.models.functions import Lower

from .models import CompanyDomain, ContactEmail, ContactPhone

_IDENTIFIERS = {  # match key: the identifier rows holding it, their column and their record's column
    "email": (ContactEmail, "email", "contact_id"),
    "phone": (ContactPhone, "number", "contact_id"),
    "domain": (CompanyDomain, "domain", "company_id"),
}
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
    if match_on == "id":
        ids = {int(k) for k in keys if k.isdigit()}
        pairs = within.filter(pk__in=ids).values_list("pk", "pk")
        pairs = [(str(a), b) for a, b in pairs]
    elif match_on == "external_id":
        pairs = within.filter(external_id__in=keys).values_list("external_id", "pk")
    elif match_on == "name":  # case-insensitively
        pairs = within.annotate(key=Lower("name")).filter(key__in=keys).values_list("key", "pk")
    else:
        # The identifiers' records, then which of them are within: two queries by index (a join with the scoped
        # records would have SQLite walk every record within, however few keys there are).
        model, column, owner = _IDENTIFIERS[match_on]
        pairs = list(model.objects.filter(**{f"{column}__in": keys}).order_by().values_list(column, owner))
        inside = set(within.filter(pk__in={pk for _, pk in pairs}).values_list("pk", flat=True)) if pairs else set()
        pairs = [(key, pk) for key, pk in pairs if pk in inside]
    for key, pk in pairs:
        ids = out.setdefault(key, [])
        if pk not in ids:
            ids.append(pk)
    return out
