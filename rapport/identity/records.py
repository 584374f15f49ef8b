"""A person record as the matcher sees it: every value folded and canonicalised once, placeholders removed.

Canonical forms make the comparisons cheap and fair: names lower case without accents or punctuation; emails
with the provider's own equivalences (Gmail ignores dots and ``+tags``); phones as their last nine digits, so
that ``+44 20 7946 0958`` and ``020 7946 0958`` agree; postcodes without spaces. A value that says "nothing"
(``test@test.com``, ``N/A``, ``0000000000``, ``unknown``) is dropped here: it is neither agreement nor
disagreement, and it never joins two records.
"""

import re
from dataclasses import dataclass
from datetime import date

from rapport.contacts.search.text import fold

PHONE_KEY_DIGITS = 9

_NOT_LETTERS = re.compile(r"[^a-z\s]+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")

# Values people type when they have nothing to type (compared folded, without punctuation).
PLACEHOLDER_NAMES = frozenset({
    "na", "n a", "none", "null", "nil", "unknown", "unkown", "test", "tester", "testing", "xxx", "xx", "x", "asdf",
    "anonymous", "anon", "no name", "noname", "customer", "client", "user", "guest", "sample", "dummy", "fake",
    "mr", "mrs", "ms", "dr", "tbd", "tba", "nobody", "someone", "first", "last", "name", "firstname", "lastname",
    "do not use", "donotuse", "dont use", "delete", "deleted", "delete me", "duplicate", "dup", "do not contact",
    "not available", "not known", "none given", "not given", "refused", "private", "withheld", "no first name",
    "no last name", "test test", "test user", "john doe", "jane doe", "doe",
})  # fmt: skip
PLACEHOLDER_EMAIL_LOCALS = frozenset({
    "test", "tester", "testing", "none", "noemail", "no-email", "no.email", "nomail", "no", "na", "n/a", "null",
    "unknown", "noreply", "no-reply", "donotreply", "do-not-reply", "email", "mail", "example", "sample", "dummy",
    "fake", "asdf", "xxx", "x", "abc", "info", "nobody", "anonymous",
})  # fmt: skip
PLACEHOLDER_EMAIL_DOMAINS = frozenset({
    "test.com", "example.com", "example.org", "example.net", "test.test", "email.com", "none.com", "noemail.com",
    "nomail.com", "domain.com", "mail.com", "invalid", "localhost", "fake.com", "asdf.com", "xxx.com",
})  # fmt: skip
PLACEHOLDER_DATES = frozenset({date(1900, 1, 1), date(1901, 1, 1), date(1970, 1, 1), date(2000, 1, 1)})
PLACEHOLDER_TEXT = frozenset({"na", "n a", "none", "null", "unknown", "test", "xxx", "x", "tbd", "0", "00000"})

# Providers whose mailboxes ignore dots in the local part, and those that ignore a "+tag".
_DOTS_IGNORED = frozenset({"gmail.com", "googlemail.com"})
_PLUS_IGNORED = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "icloud.com", "me.com",
    "mac.com", "protonmail.com", "proton.me", "pm.me", "fastmail.com", "fastmail.fm", "yandex.ru", "yandex.com",
})  # fmt: skip
_DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}


@dataclass(frozen=True, slots=True)
class Address:
    number: str
    street: str  # folded, abbreviations expanded
    city: str
    postcode: str  # upper case, no spaces
    country: str


@dataclass(frozen=True, slots=True)
class Person:
    """One contact, ready to compare. ``key`` is the caller's id of the record."""

    key: object
    first: str = ""
    middle: str = ""
    last: str = ""
    birth: date | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    addresses: tuple[Address, ...] = ()
    companies: tuple[str, ...] = ()


def name_part(value) -> str:
    """A name folded to lower-case letters and single spaces (``Jean-Luc`` -> ``jean luc``, ``O'Brien`` ->
    ``obrien``); empty for a placeholder or a lone initial's dot."""
    text = fold(str(value or "")).replace("'", "").replace("\u2019", "")
    text = _SPACES.sub(" ", _NOT_LETTERS.sub(" ", text)).strip()
    return "" if text in PLACEHOLDER_NAMES else text


def canonical_email(value) -> str:
    """Lower case, the provider's equivalences applied (``J.Smith+crm@GoogleMail.com`` -> ``jsmith@gmail.com``);
    empty when it is not an address or a placeholder."""
    text = str(value or "").strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain:
        return ""
    domain = _DOMAIN_ALIASES.get(domain, domain)
    if domain in _PLUS_IGNORED:
        local = local.split("+", 1)[0]
    if domain in _DOTS_IGNORED:
        local = local.replace(".", "")
    if len(set(local.replace(".", ""))) < 2 or local in PLACEHOLDER_EMAIL_LOCALS or domain in PLACEHOLDER_EMAIL_DOMAINS:
        return ""  # "a@a.com", "xxx@", "test@test.com"
    return f"{local}@{domain}"


def phone_key(value) -> str:
    """The last nine digits: the subscriber number with or without its country code or trunk prefix. Empty for
    too few digits or a placeholder (one digit repeated, a run like 123456789)."""
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    if len(digits) < 7:
        return ""
    key = digits[-PHONE_KEY_DIGITS:]
    if len(set(key)) <= 2 or key in "01234567890123456789" or key in "98765432109876543210":
        return ""
    return key


_STREET_WORDS = {
    "st": "street", "str": "strasse", "rd": "road", "ave": "avenue", "av": "avenue", "blvd": "boulevard",
    "ln": "lane", "dr": "drive", "ct": "court", "pl": "place", "sq": "square", "hwy": "highway", "pk": "park",
    "mt": "mount", "ste": "sainte", "bd": "boulevard", "straße": "strasse", "n": "north", "s": "south",
    "e": "east", "w": "west",
}  # fmt: skip


def street_key(value) -> str:
    words = _SPACES.sub(" ", _NOT_ALNUM.sub(" ", fold(str(value or "")).replace("ß", "ss"))).split()
    return " ".join(_STREET_WORDS.get(w, w) for w in words)


def plain(value) -> str:
    """Folded, punctuation and spaces collapsed; empty for a placeholder."""
    text = _SPACES.sub(" ", _NOT_ALNUM.sub(" ", fold(str(value or "")))).strip()
    return "" if text in PLACEHOLDER_TEXT else text


def postcode_key(value) -> str:
    text = _NOT_ALNUM.sub("", fold(str(value or "")))
    return "" if not text or text in PLACEHOLDER_TEXT or set(text) == {"0"} else text.upper()


_COMPANY_SUFFIXES = frozenset({
    "inc", "incorporated", "ltd", "limited", "llc", "llp", "lp", "plc", "corp", "corporation", "co", "company",
    "gmbh", "ag", "kg", "ohg", "ug", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "oy", "ab", "as", "aps", "kk",
    "pty", "pte", "sl", "se", "group", "holding", "holdings", "the", "and",
})  # fmt: skip


def company_key(value) -> str:
    """A company name without punctuation, legal form or "the" (``The Acme Co., Ltd.`` -> ``acme``)."""
    words = [w for w in plain(value).split() if w not in _COMPANY_SUFFIXES]
    return " ".join(words)


def birth_date(value) -> date | None:
    if isinstance(value, date):
        found = value
    else:
        try:
            found = date.fromisoformat(str(value or "").strip()[:10])
        except ValueError:
            return None
    return None if found in PLACEHOLDER_DATES else found


def person(
    key, *, first="", middle="", last="", birth=None, emails=(), phones=(), addresses=(), companies=()
) -> Person:
    """A ``Person`` from raw values (addresses as mappings with number, street, city, postcode, country)."""
    if name_part(f"{first} {middle} {last}") == "":  # "Do not use", "Test Test": the name as a whole says nothing
        first = middle = last = ""
    return Person(
        key=key,
        first=name_part(first),
        middle=name_part(middle),
        last=name_part(last),
        birth=birth_date(birth),
        emails=_unique(canonical_email(e) for e in emails),
        phones=_unique(phone_key(p) for p in phones),
        addresses=_unique(_address(a) for a in addresses),
        companies=_unique(company_key(c) for c in companies),
    )


def _address(raw) -> Address | None:
    found = Address(
        number=plain(raw.get("number", "")),
        street=street_key(raw.get("street", "")),
        city=plain(raw.get("city", "")),
        postcode=postcode_key(raw.get("postcode", "")),
        country=str(raw.get("country", "") or "").strip().upper()[:2],
    )
    return found if (found.street or found.city or found.postcode) else None


def _unique(values) -> tuple:
    return tuple(dict.fromkeys(v for v in values if v))
