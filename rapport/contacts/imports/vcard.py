"""vCards (3.0 and 4.0, and 2.1 as far as vobject reads it) as contact payloads.

The "columns" of a vCard import are its properties; each maps to what it can mean (``EMAIL`` to the emails,
``ORG`` to the company and department, ``NOTE`` to a custom field or nothing...). Multiple emails, phones and
addresses keep their types as labels; ``PREF`` puts one first; PHOTO and other binary parts are not read.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .readers import (
    _OVERSIZED,
    MAX_CARD,
    FileProblem,
    RowError,
    _bounded_lines,
    _check_encoding,
    _estimate,
    detect_encoding,
)

# The properties read from a vCard, in the order the mapping shows them.
VCARD_PROPERTIES = (
    "N",
    "FN",
    "NICKNAME",
    "ORG",
    "TITLE",
    "ROLE",
    "EMAIL",
    "TEL",
    "ADR",
    "BDAY",
    "URL",
    "X-SOCIALPROFILE",
    "CATEGORIES",
    "NOTE",
    "UID",
    "LANG",
    "TZ",
)
_BINARY = re.compile(r"^(?:[\w-]+\.)?(?:PHOTO|LOGO|SOUND|KEY)[;:]", re.IGNORECASE)


@dataclass
class Card:
    """What a vCard says, per property: a list of (value, types) pairs; structured values as tuples."""

    props: dict[str, list] = field(default_factory=dict)

    def add(self, name: str, value, types=()):
        self.props.setdefault(name, []).append((value, tuple(types)))


def _types(line) -> list[str]:
    out = []
    for key, values in (line.params or {}).items():
        if key.upper() == "TYPE":
            for v in values:
                out += [t.strip().lower() for t in str(v).split(",") if t.strip()]
        elif key.upper() == "PREF":
            out.append("pref")
        elif not values:  # vCard 2.1: ;WORK;VOICE
            out.append(key.lower())
    return out


def _text(value) -> str:
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value if v)
    return "" if value is None else str(value)


def card_from_vobject(component) -> Card:
    card = Card()
    for line in component.getChildren():
        name = (line.name or "").upper()
        if name.startswith("ITEM") and "." in name:
            name = name.split(".", 1)[1]
        value = line.value
        if name == "N":
            card.add(
                "N", tuple(_text(getattr(value, p, "")) for p in ("family", "given", "additional", "prefix", "suffix"))
            )
        elif name == "ADR":
            parts = ("box", "extended", "street", "city", "region", "code", "country")
            card.add("ADR", tuple(_text(getattr(value, p, "")) for p in parts), _types(line))
        elif name == "ORG":
            card.add("ORG", tuple(_text(v) for v in (value if isinstance(value, list) else [value])))
        elif name == "CATEGORIES":
            card.add("CATEGORIES", tuple(_text(v) for v in (value if isinstance(value, list) else [value])))
        elif name in ("X-TWITTER", "X-LINKEDIN", "X-FACEBOOK", "X-INSTAGRAM"):
            card.add("X-SOCIALPROFILE", _text(value), [name[2:].lower()])
        elif name in VCARD_PROPERTIES:
            card.add(name, _text(value), _types(line))
    return card


class VCardReader:
    format = "vcf"
    delimiter = ""
    header_row = 0
    headers = list(VCARD_PROPERTIES)

    def __init__(self, path: Path, *, encoding: str = ""):
        self.path = path
        self.encoding = _check_encoding(encoding) or detect_encoding(path)
        self.headers = list(VCARD_PROPERTIES)
        if not self.has_rows():
            raise FileProblem("The file holds no vCards (BEGIN:VCARD ... END:VCARD).")

    def _cards(self) -> Iterator[tuple[int, str | RowError]]:
        """The text of each card, PHOTO and other binary parts left out."""
        number, lines, size, depth, skipping = 0, [], 0, 0, False
        with open(self.path, encoding=self.encoding, errors="replace", newline="") as f:
            for raw in _bounded_lines(f):
                line = raw.rstrip("\r\n")
                if skipping and raw[:1] in (" ", "\t"):
                    continue  # a folded continuation of a skipped binary property
                skipping = False
                upper = line.strip().upper()
                if upper == "BEGIN:VCARD":
                    depth += 1
                    if depth == 1:
                        number += 1
                        lines, size = [], 0
                elif depth == 0:
                    continue
                if _BINARY.match(line):
                    skipping = True
                    continue
                if line.startswith(_OVERSIZED):
                    size = MAX_CARD + 1
                    continue
                size += len(line)
                if size <= MAX_CARD:
                    lines.append(line)
                if upper == "END:VCARD":
                    depth -= 1
                    if depth == 0:
                        if size > MAX_CARD:
                            yield number, RowError("This vCard is larger than 1 MB (without its photo).")
                        else:
                            yield number, "\r\n".join(lines) + "\r\n"
        if depth > 0:
            yield number, RowError("This vCard has no END:VCARD (the file is cut).")

    def rows(self, *, last: int | None = None) -> Iterator[tuple[int, Card | RowError]]:
        """``(card number, card)``; up to card ``last`` when given."""
        import vobject

        for number, text in self._cards():
            if last is not None and number > last:
                return
            if isinstance(text, RowError):
                yield number, text
                continue
            if "\ufffd" in text:
                yield number, RowError(f"This vCard holds bytes that are not valid {self.encoding} text.")
                continue
            try:
                component = vobject.readOne(text, allowQP=True)
                card = card_from_vobject(component)
            except Exception:
                yield number, RowError("This vCard is damaged and cannot be read.")
                continue
            yield number, card

    def count(self) -> int:
        return sum(1 for _ in self._cards())

    def estimate(self) -> int:
        return _estimate(self.path, b"BEGIN:VCARD", 0)

    def has_rows(self) -> bool:
        return next(iter(self._cards()), None) is not None


# --- the mapping of vCard properties ---------------------------------------------------------------------------

# property: (label, default target, allowed targets; "custom" = any custom field)
VCARD_MAPPING = {
    "N": ("Name (structured)", "name", ("name",)),
    "FN": ("Formatted name", "full_name", ("full_name",)),
    "NICKNAME": ("Nickname", "", ("custom",)),
    "ORG": ("Organization (company and department)", "company", ("company",)),
    "TITLE": ("Title", "job_title", ("job_title", "custom")),
    "ROLE": ("Role", "", ("job_title", "department", "custom")),
    "EMAIL": ("Emails", "email", ("email",)),
    "TEL": ("Phones", "phone", ("phone",)),
    "ADR": ("Addresses", "address", ("address",)),
    "BDAY": ("Birthday", "birth_date", ("birth_date", "custom")),
    "URL": ("Websites", "website", ("website", "custom")),
    "X-SOCIALPROFILE": ("Social profiles", "social", ("social",)),
    "CATEGORIES": ("Categories", "tags", ("tags",)),
    "NOTE": ("Note", "", ("custom",)),
    "UID": ("UID", "", ("external_id", "custom")),
    "LANG": ("Language", "language", ("language",)),
    "TZ": ("Time zone", "time_zone", ("time_zone",)),
}
assert tuple(VCARD_MAPPING) == VCARD_PROPERTIES

TARGET_LABELS = {
    "name": "First, middle and last name, prefix, suffix",
    "full_name": "Full name (when there is no structured name)",
    "company": "Company and department",
    "job_title": "Job title",
    "department": "Department",
    "email": "Emails",
    "phone": "Phones",
    "address": "Addresses",
    "birth_date": "Birth date",
    "website": "Website",
    "social": "LinkedIn, X, Facebook, Instagram",
    "tags": "Tags",
    "external_id": "External id",
    "language": "Language",
    "time_zone": "Time zone",
}

_EMAIL_LABELS = {"work": "work", "home": "home", "other": "other", "internet": "", "pref": "", "x400": ""}
_PHONE_LABELS = {"cell": "mobile", "mobile": "mobile", "iphone": "mobile", "work": "work", "home": "home",
                 "fax": "fax", "pager": "pager", "main": "work", "other": "other"}  # fmt: skip
_SOCIAL_HOSTS = {"linkedin.com": "linkedin", "twitter.com": "x", "x.com": "x", "facebook.com": "facebook",
                 "instagram.com": "instagram"}  # fmt: skip
_SOCIAL_TYPES = {"linkedin": "linkedin", "twitter": "x", "x": "x", "facebook": "facebook", "instagram": "instagram"}


def suggested_mapping() -> dict[str, str]:
    return {prop: default for prop, (_label, default, _allowed) in VCARD_MAPPING.items()}


def allowed(prop: str, target: str, custom_keys: set[str]) -> bool:
    if not target:
        return True
    spec = VCARD_MAPPING.get(prop)
    if spec is None:
        return False
    if target.startswith("custom."):
        return "custom" in spec[2] and target[7:] in custom_keys
    return target in spec[2]


def _label(types: tuple, table: dict) -> str:
    for t in types:
        if table.get(t):
            return table[t]
    return ""


def _ordered(values: list) -> list:
    """PREF first, the rest in file order."""
    return sorted(values, key=lambda v: "pref" not in v[1])


def _birthday(text: str) -> str:
    text = text.strip()
    if text.startswith("--"):
        return ""  # no year (vCard 4 "--0131"): nothing a date field can hold
    text = text.split("T", 1)[0]
    if re.fullmatch(r"\d{8}", text):
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text


def _social_of(url: str) -> str | None:
    host = re.sub(r"^[a-z]+://", "", url.strip().lower()).split("/", 1)[0]
    host = host[4:] if host.startswith("www.") else host
    return _SOCIAL_HOSTS.get(host)


def card_payload(plan, card: Card) -> tuple[dict, str, str]:
    mapping = plan.mapping
    props = card.props
    data: dict = {}
    custom: dict = {}

    def first(prop: str):
        values = props.get(prop)
        return values[0][0] if values else ""

    def put(target: str, value: str) -> None:
        if not value or not value.strip():
            return
        if target.startswith("custom."):
            custom.setdefault(target[7:], value)
        elif target:
            data.setdefault(target, value)

    if mapping.get("N") == "name" and props.get("N"):
        family, given, additional, prefix, suffix = first("N")
        for name, value in (("first_name", given), ("last_name", family), ("middle_name", additional),
                            ("prefix", prefix), ("suffix", suffix)):  # fmt: skip
            if value.strip():
                data[name] = value
    if mapping.get("FN") == "full_name" and "first_name" not in data and "last_name" not in data:
        from .prepare import split_full_name

        full = first("FN").strip()
        if full:
            given, family = split_full_name(full)
            data["first_name"] = given
            if family:
                data["last_name"] = family
    company = ""
    if mapping.get("ORG") == "company" and props.get("ORG"):
        org = first("ORG")
        company = org[0] if org else ""
        if len(org) > 1 and org[1].strip():
            data.setdefault("department", org[1])
    for prop in ("TITLE", "ROLE", "NICKNAME", "NOTE", "UID", "LANG"):
        target = mapping.get(prop)
        if target:
            put(target, first(prop))
    if mapping.get("TZ") == "time_zone" and "/" in first("TZ"):
        data["time_zone"] = first("TZ")
    bday_target = mapping.get("BDAY")
    if bday_target:
        put(bday_target, _birthday(first("BDAY")))
    if mapping.get("EMAIL") == "email" and props.get("EMAIL"):
        data["emails"] = [{"email": v, "label": _label(t, _EMAIL_LABELS)} for v, t in _ordered(props["EMAIL"]) if v]
    if mapping.get("TEL") == "phone" and props.get("TEL"):
        data["phones"] = [
            {"number": re.sub(r"^tel:", "", v.strip(), flags=re.IGNORECASE), "label": _label(t, _PHONE_LABELS)}
            for v, t in _ordered(props["TEL"])
            if v
        ]
    if mapping.get("ADR") == "address" and props.get("ADR"):
        addresses = []
        for (box, extended, street, city, region, code, country), types in _ordered(props["ADR"]):
            address = {"street": street, "extra": " ".join(p for p in (extended, box) if p.strip()), "city": city,
                       "region": region, "postcode": code, "country": country}  # fmt: skip
            address = {k: v for k, v in address.items() if v and v.strip()}
            if address:
                address["label"] = _label(types, {"work": "work", "home": "home", "other": "other"})
                addresses.append(address)
        if addresses:
            data["addresses"] = addresses
    url_target = mapping.get("URL")
    for url, _types in props.get("URL", []):
        network = _social_of(url)
        if network and mapping.get("X-SOCIALPROFILE") == "social":
            data.setdefault(network, url)
        elif url_target:
            put(url_target, url)
    if mapping.get("X-SOCIALPROFILE") == "social":
        for value, types in props.get("X-SOCIALPROFILE", []):
            network = next((_SOCIAL_TYPES[t] for t in types if t in _SOCIAL_TYPES), None) or _social_of(value)
            if network and value.strip():
                data.setdefault(network, value)
    if mapping.get("CATEGORIES") == "tags" and props.get("CATEGORIES"):
        tags = [t for values, _types in props["CATEGORIES"] for t in values if t.strip()]
        if tags:
            data["tags"] = tags
    if custom:
        data["custom"] = custom
    return data, company, ""
