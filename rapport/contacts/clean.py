"""Cleaning whole contact and company payloads, without touching the database.

``clean_contact(data, schema=…, partial=…)`` returns ``(values, errors)``: ``values`` holds the normalized
scalar fields plus the lists ``emails``, ``phones``, ``addresses``, ``domains`` and ``tags`` and the dict
``custom`` (only the keys present in ``data`` when partial); ``errors`` maps field names (``emails[1]``,
``custom.renewal_date``) to messages. Services persist what this returns; the importer calls it per row.
"""

from functools import lru_cache, partial
from typing import Any

from . import custom_values, normalize
from .enums import Channel, LifecycleStage, SizeBand, Stance
from .normalize import Invalid
from .schema import RecordSchema

SOCIAL = ("linkedin", "x", "facebook", "instagram", "website")

_NAME_PARTS = {"prefix": 30, "first_name": 100, "middle_name": 100, "last_name": 100, "suffix": 30}


def _repeated(cleaner):
    """``cleaner`` remembering its recent answers: names, cities, countries and labels repeat from row to row of
    an import (a refused value is checked again each time: errors are not remembered)."""
    remembered = lru_cache(maxsize=8192)(cleaner)
    return lambda value: remembered(value) if type(value) is str else cleaner(value)


def _choice(choices):
    def clean(value):
        text = normalize.clean_text(value, max_length=40)
        if not text:
            return ""
        for key, label in choices:
            if text.lower() in (key, label.lower()):
                return key
        raise Invalid(f"Choose one of: {', '.join(k for k, _ in choices)}.")

    return clean


def _text(limit):
    return lambda value: normalize.clean_text(value, max_length=limit)


_label = _repeated(_text(30))  # of an email, a phone, an address


CONTACT_SCALARS = {
    **{name: _repeated(partial(normalize.clean_name, max_length=limit)) for name, limit in _NAME_PARTS.items()},
    "display_name": _text(300),
    "job_title": _text(150),
    "department": _text(150),
    "birth_date": normalize.clean_date,
    "language": normalize.clean_language,
    "time_zone": normalize.clean_time_zone,
    "lifecycle_stage": _choice(LifecycleStage.choices),
    "lead_source": _text(100),
    "email_opt_in": normalize.clean_bool,
    "phone_opt_in": normalize.clean_bool,
    "sms_opt_in": normalize.clean_bool,
    "post_opt_in": normalize.clean_bool,
    "preferred_channel": _choice(Channel.choices),
    "do_not_contact": normalize.clean_bool,
    "stance": _choice(Stance.choices),
    "stance_reason": _text(500),
    "external_id": _text(200),
    **{name: (lambda n: lambda value: normalize.clean_social(n, value))(name) for name in SOCIAL},
}

COMPANY_SCALARS = {
    "name": lambda value: normalize.clean_name(value, max_length=200, person=False),
    "legal_name": _text(200),
    "industry": _text(100),
    "size_band": _choice(SizeBand.choices),
    "annual_revenue": lambda value: normalize.clean_decimal(value, minimum=0),
    "revenue_currency": normalize.clean_currency,
    "external_id": _text(200),
    **{name: (lambda n: lambda value: normalize.clean_social(n, value))(name) for name in SOCIAL},
}

ADDRESS_FIELDS = {
    "label": _label,
    "street": _text(200),
    "number": _text(30),
    "extra": _text(200),
    "city": _repeated(lambda value: _city(value)),
    "postcode": _repeated(lambda value: normalize.clean_text(value, max_length=20).upper()),
    "region": _repeated(_text(100)),
    "country": _repeated(normalize.clean_country),
}


def _city(value) -> str:
    """Cities are often written in capitals on envelopes: "PARIS" becomes "Paris", "paris" too."""
    text = normalize.clean_text(value, max_length=100)
    return (
        normalize.clean_name(text.lower(), max_length=100, person=False) if text.isupper() or text.islower() else text
    )


def _items(value, key: str) -> list[dict]:
    """A list of dicts from a list of dicts, a list of strings or one string (``"a@x.com"``)."""
    if value in (None, ""):
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list | tuple):
        value = [value]
    return [item if isinstance(item, dict) else {key: item} for item in value]


def _mark_primary(items: list[dict]) -> list[dict]:
    """Exactly one primary: the first one marked, else the first."""
    if items:
        chosen = next((i for i, item in enumerate(items) if item.get("is_primary")), 0)
        for i, item in enumerate(items):
            item["is_primary"] = i == chosen
    return items


def clean_emails(value, errors: dict) -> list[dict]:
    out, seen = [], set()
    for i, item in enumerate(_items(value, "email")):
        try:
            email = normalize.clean_email(item.get("email"))
            label = _label(item.get("label"))
        except Invalid as exc:
            errors[f"emails[{i}]"] = str(exc)
            continue
        if email and email not in seen:
            seen.add(email)
            out.append({"email": email, "label": label, "is_primary": bool(item.get("is_primary"))})
    return _mark_primary(out)


def clean_phones(value, errors: dict, *, field: str = "phones") -> list[dict]:
    out, seen = [], set()
    for i, item in enumerate(_items(value, "number")):
        try:
            number, display = normalize.clean_phone(item.get("number") or item.get("display"))
            label = _label(item.get("label"))
        except Invalid as exc:
            errors[f"{field}[{i}]"] = str(exc)
            continue
        if number and number not in seen:
            seen.add(number)
            out.append(
                {"number": number, "display": display, "label": label, "is_primary": bool(item.get("is_primary"))}
            )
    return _mark_primary(out)


def clean_addresses(value, errors: dict) -> list[dict]:
    out = []
    for i, item in enumerate(_items(value, "street")):
        address = {}
        for name, cleaner in ADDRESS_FIELDS.items():
            try:
                address[name] = cleaner(item.get(name))
            except Invalid as exc:
                errors[f"addresses[{i}].{name}"] = str(exc)
        if any(v for k, v in address.items() if k != "label"):
            address["is_primary"] = bool(item.get("is_primary"))
            out.append(address)
    return _mark_primary(out)


def clean_domains(value, errors: dict) -> list[dict]:
    out, seen = [], set()
    for i, item in enumerate(_items(value, "domain")):
        try:
            domain = normalize.clean_domain(item.get("domain"))
        except Invalid as exc:
            errors[f"domains[{i}]"] = str(exc)
            continue
        if domain and domain not in seen:
            seen.add(domain)
            out.append({"domain": domain, "is_primary": bool(item.get("is_primary"))})
    return _mark_primary(out)


def clean_tags(value, errors: dict) -> list[str]:
    if value in (None, ""):
        return []
    items = value if isinstance(value, list | tuple) else str(value).replace(";", ",").split(",")
    out = {}
    for item in items:
        try:
            name = normalize.clean_text(item, max_length=60)
        except Invalid as exc:
            errors["tags"] = str(exc)
            continue
        if name:
            out.setdefault(name.lower(), name)
    return list(out.values())


def clean_custom(value, schema: RecordSchema, errors: dict, *, partial: bool) -> dict[str, Any]:
    if value in (None, ""):
        value = {}
    if not isinstance(value, dict):
        errors["custom"] = "Give custom fields as an object of field keys and values."
        return {}
    fields = schema.custom_by_key
    out = {}
    for key, raw in value.items():
        field = fields.get(key)
        if field is None:
            errors[f"custom.{key}"] = "There is no such custom field."
            continue
        try:
            out[key] = custom_values.clean_value(field, raw)
        except Invalid as exc:
            errors[f"custom.{key}"] = str(exc)
    if not partial:
        for key in fields:
            out.setdefault(key, None)
    return out


def _scalars(data: dict, cleaners: dict, errors: dict) -> dict:
    out = {}
    for name, cleaner in cleaners.items():
        if name in data:
            try:
                out[name] = cleaner(data[name])
            except Invalid as exc:
                errors[name] = str(exc)
    return out


def _lists(data: dict, errors: dict, kinds: tuple[str, ...]) -> dict:
    out = {}
    # "email" / "phone" / "domain" are shorthands for a single, primary entry.
    if "emails" in kinds and ("emails" in data or "email" in data):
        out["emails"] = clean_emails(data.get("emails", data.get("email")), errors)
    if "phones" in kinds and ("phones" in data or "phone" in data):
        out["phones"] = clean_phones(data.get("phones", data.get("phone")), errors)
    if "domains" in kinds and ("domains" in data or "domain" in data):
        out["domains"] = clean_domains(data.get("domains", data.get("domain")), errors)
    if "addresses" in data:
        out["addresses"] = clean_addresses(data["addresses"], errors)
    if "tags" in data:
        out["tags"] = clean_tags(data["tags"], errors)
    return out


def clean_contact(data: dict, *, schema: RecordSchema, partial: bool = False) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    values = _scalars(data, CONTACT_SCALARS, errors)
    values.update(_lists(data, errors, ("emails", "phones")))
    if "custom" in data or not partial:
        values["custom"] = clean_custom(data.get("custom"), schema, errors, partial=partial)
    if not partial:
        for name in CONTACT_SCALARS:
            values.setdefault(name, CONTACT_SCALARS[name](None) if name != "birth_date" else None)
    return values, errors


def clean_company(data: dict, *, schema: RecordSchema, partial: bool = False) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    values = _scalars(data, COMPANY_SCALARS, errors)
    values.update(_lists(data, errors, ("domains",)))
    if "phone" in data:
        try:
            values["phone"], values["phone_display"] = normalize.clean_phone(data["phone"])
        except Invalid as exc:
            errors["phone"] = str(exc)
    if "custom" in data or not partial:
        values["custom"] = clean_custom(data.get("custom"), schema, errors, partial=partial)
    if not partial:
        for name in COMPANY_SCALARS:
            values.setdefault(name, COMPANY_SCALARS[name](None))
    return values, errors
