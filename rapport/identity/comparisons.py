"""How far two person records agree, field by field: each comparison gives a level (0 is the strongest agreement,
the last one disagreement) or None when either record lacks the value, which then counts neither way.

Names are compared as a whole, so that a first and last name swapped, a nickname (Bob for Robert), an initial
(J. for John) or a typo each have their own level; the model learns how much each one is worth. Levels marked
as "term frequency" levels are worth more for rare values: two records both named Zbigniew Brzęczyszczykiewicz
are likelier the same person than two John Smiths (``fellegi_sunter`` uses ``value_frequency`` for them).
"""

from dataclasses import dataclass
from functools import lru_cache

from nicknames import NickNamer
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from .records import Person

CLOSE_NAME = 0.88  # Jaro-Winkler similarity from which two names count as a typo of each other
CLOSE_TEXT = 0.92


@dataclass(frozen=True)
class Comparison:
    field: str
    levels: tuple[str, ...]  # their labels, strongest agreement first
    compare: object  # (Person, Person) -> level index or None
    frequency_levels: frozenset = frozenset()  # levels whose weight depends on how common the value is


# --- names -------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _nickname_groups() -> dict[str, frozenset[str]]:
    """Each name -> the canonical names it stands for or is (``bob`` -> {robert}, ``robert`` -> {robert})."""
    namer = NickNamer()
    groups: dict[str, set[str]] = {}
    for canonical, nicks in namer.nickname_lookup.items():
        groups.setdefault(canonical, set()).add(canonical)
        for nick in nicks:
            groups.setdefault(nick, set()).add(canonical)
    return {name: frozenset(found) for name, found in groups.items()}


def same_person_name(a: str, b: str) -> bool:
    """Equal, or one a nickname of the other or both of one name (Bob, Bobby, Robert)."""
    if a == b:
        return True
    groups = _nickname_groups()
    return bool(groups.get(a, frozenset()) & groups.get(b, frozenset()))


def _equal(a: str, b: str) -> bool:
    """Equal, or one's words all among the other's (``garcia`` and ``garcia lopez``, ``jean`` and ``jean luc``)."""
    if a == b:
        return True
    wa, wb = a.split(), b.split()
    return (len(wa) != len(wb)) and (set(wa) <= set(wb) or set(wb) <= set(wa))


def _initial(a: str, b: str) -> bool:
    """One is an initial of the other (``j`` and ``john``)."""
    return (len(a) == 1 or len(b) == 1) and a[:1] == b[:1]


def _close(a: str, b: str) -> bool:
    return _equal(a, b) or JaroWinkler.similarity(a, b) >= CLOSE_NAME


NAME_LEVELS = ("exact", "swapped", "nickname", "initial or typo", "last name only", "first name only", "different")


def compare_names(a: Person, b: Person) -> int | None:
    if not (a.last and b.last) and not (a.first and b.first):
        return None
    if not (a.first and b.first):  # only the last names to go by
        if not (a.last and b.last):
            return None
        if _equal(a.last, b.last):
            return 4
        return 3 if _close(a.last, b.last) else 6
    if not (a.last and b.last):
        return 5 if same_person_name(a.first, b.first) else 6
    last_equal = _equal(a.last, b.last)
    if last_equal and _equal(a.first, b.first):
        return 0
    if _equal(a.first, b.last) and _equal(a.last, b.first):
        return 1
    if last_equal and same_person_name(a.first, b.first):
        return 2
    if (_close(a.last, b.last) and (_close(a.first, b.first) or _initial(a.first, b.first)
                                    or same_person_name(a.first, b.first))) or (
        _close(a.first, b.last) and _close(a.last, b.first)
    ):  # fmt: skip
        return 3
    if last_equal:
        return 4
    if same_person_name(a.first, b.first):
        return 5
    return 6


# --- date of birth -----------------------------------------------------------------------------------------------

BIRTH_LEVELS = ("exact", "day and month swapped", "one digit off", "different")


def compare_births(a: Person, b: Person) -> int | None:
    if a.birth is None or b.birth is None:
        return None
    if a.birth == b.birth:
        return 0
    if a.birth.year == b.birth.year and a.birth.month == b.birth.day and a.birth.day == b.birth.month:
        return 1
    if DamerauLevenshtein.distance(a.birth.strftime("%Y%m%d"), b.birth.strftime("%Y%m%d")) <= 1:
        return 2
    return 3


# --- emails, phones ----------------------------------------------------------------------------------------------

EMAIL_LEVELS = ("exact", "a typo", "different")


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _email_typo(x: str, y: str) -> bool:
    """One letter off. Not a different number, nor the same mailbox name at another provider: namesakes'
    addresses (``john.smith12@``, ``john.smith7@``; ``susan.johnson@`` at two employers) differ by no more, so
    such a likeness says little more than the names already do."""
    return _digits(x) == _digits(y) and DamerauLevenshtein.distance(x, y) <= 1


def compare_emails(a: Person, b: Person) -> int | None:
    if not (a.emails and b.emails):
        return None
    if set(a.emails) & set(b.emails):
        return 0
    return 1 if any(_email_typo(x, y) for x in a.emails for y in b.emails) else 2


PHONE_LEVELS = ("exact", "one digit off", "different")


def compare_phones(a: Person, b: Person) -> int | None:
    if not (a.phones and b.phones):
        return None
    if set(a.phones) & set(b.phones):
        return 0
    for x in a.phones:
        for y in b.phones:
            if DamerauLevenshtein.distance(x, y) <= 1:
                return 1
    return 2


# --- addresses, companies ----------------------------------------------------------------------------------------

ADDRESS_LEVELS = ("same place", "same street", "same postcode or city", "different")


def _address_level(x, y) -> int:
    same_area = (x.postcode and x.postcode == y.postcode) or (x.city and x.city == y.city)
    if (
        same_area
        and x.number
        and x.number == y.number
        and (not (x.street and y.street) or JaroWinkler.similarity(x.street, y.street) >= CLOSE_NAME)
    ):
        return 0
    if same_area and x.street and y.street and JaroWinkler.similarity(x.street, y.street) >= CLOSE_TEXT:
        return 1
    return 2 if same_area else 3


def compare_addresses(a: Person, b: Person) -> int | None:
    if not (a.addresses and b.addresses):
        return None
    return min(_address_level(x, y) for x in a.addresses for y in b.addresses)


COMPANY_LEVELS = ("same", "close", "different")


def compare_companies(a: Person, b: Person) -> int | None:
    if not (a.companies and b.companies):
        return None
    if set(a.companies) & set(b.companies):
        return 0
    close = any(JaroWinkler.similarity(x, y) >= CLOSE_TEXT for x in a.companies for y in b.companies)
    return 1 if close else 2


COMPARISONS: tuple[Comparison, ...] = (
    Comparison("name", NAME_LEVELS, compare_names, frozenset({0, 2, 4, 5})),
    Comparison("date_of_birth", BIRTH_LEVELS, compare_births),
    Comparison("email", EMAIL_LEVELS, compare_emails),
    Comparison("phone", PHONE_LEVELS, compare_phones),
    Comparison("address", ADDRESS_LEVELS, compare_addresses),
    Comparison("company", COMPANY_LEVELS, compare_companies),
)


def compare(a: Person, b: Person) -> tuple[int | None, ...]:
    """The level of every comparison (``COMPARISONS`` order)."""
    return tuple(c.compare(a, b) for c in COMPARISONS)
