"""Turning record fields and what people type into search tokens, the same way on both sides.

A token is lower case, without accents, made of letters, digits and ``. @ _ + -``: an email address, a domain
or ``jean-pierre`` stays whole (and its parts are indexed too), so ``acme.com`` and ``jo.smith@acme.com`` can be
searched as typed. Both backends only ever see these tokens, so query syntax characters (quotes, ``*``, ``^``,
``NEAR``, ``:``, ``&``) never reach the database's query parser as syntax.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass, field

import phonenumbers

from .. import normalize

MAX_QUERY_CHARS = 200  # what is read of a query; the rest is ignored
MAX_WORDS = 8  # words of a query that count
MAX_TOKEN_CHARS = 100
FUZZY_MIN = 3  # words shorter than this are never corrected
DIGIT_PREFIX_MIN = 6  # digit strings shorter than this only match whole (a 4-digit prefix matches half the phones)
VOCABULARY_MAX = 30  # longest word kept in the vocabulary of typo corrections

_KEEP = re.compile(r"[^\w.@+\-]+")  # what splits a text into words (apostrophes go: o'brien -> obrien)
_EDGE = ".@+-_"
_PARTS = re.compile(r"[.@+\-_]+")
_PHONE_QUERY = re.compile(r"\+?[\d\s().\-/]+")


def fold(text: str) -> str:
    """Lower case without accents (``Chloé`` -> ``chloe``); other scripts are kept as they are."""
    text = str(text)
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def words(text: str) -> list[str]:
    """The words of a text as tokens: folded, apostrophes dropped, split on anything else than ``\\w.@+-``."""
    folded = fold(text).replace("'", "").replace("\u2019", "")
    out = []
    for raw in _KEEP.split(folded):
        word = raw.strip(_EDGE)
        if word:
            out.append(word[:MAX_TOKEN_CHARS])
    return out


def tokens(text: str) -> list[str]:
    """Every token a text is found under: each word, and the parts of words joined by punctuation
    (``jean-pierre`` -> ``jean-pierre jean pierre``; ``acme.co.uk`` -> ``acme.co.uk acme co uk``)."""
    return list(_tokens(text)) if len(text) < 100 else list(_tokens.__wrapped__(text))


@functools.lru_cache(maxsize=50_000)
def _tokens(text: str) -> tuple[str, ...]:  # names, companies, job titles repeat: re-indexing a million is faster
    out = []
    for word in words(text):
        out.append(word)
        if not word.isalnum():
            out.extend(p for p in _PARTS.split(word) if p)
    return tuple(out)


def email_tokens(email: str) -> list[str]:
    """An address's local part as words and its domain whole and by labels: ``jo.smith@acme.com`` is found by
    ``jo``, ``smith``, ``acme.com`` and ``acme`` (and ``jo.smith@acme.com`` typed whole: see ``parse``). Whole
    addresses and local parts are not tokens: each is unique, and a prefix query (``jo``) would have to gather
    every one of them."""
    email = fold(email).strip()
    local, at, domain = email.rpartition("@")
    if not at:
        return tokens(email)
    return [*(p for w in words(local) for p in (_PARTS.split(w) if not w.isalnum() else (w,)) if p),
            *domain_tokens(domain)]  # fmt: skip


def domain_tokens(domain: str) -> list[str]:
    """A domain and its labels but the last one (``acme.co.uk`` -> ``acme.co.uk acme co``): a top-level
    domain on its own would match every record."""
    return list(_domain_tokens(domain))


@functools.lru_cache(maxsize=50_000)
def _domain_tokens(domain: str) -> tuple[str, ...]:
    domain = fold(domain).strip().strip(".")
    if not domain:
        return ()
    labels = [p for p in domain.split(".") if p]
    return (*words(domain), *(w for label in labels[:-1] for w in words(label)))


def phone_tokens(e164: str) -> list[str]:
    """The digit strings a stored (E.164) number is found under: international, national significant number and
    national form with its trunk prefix (``+33612345678`` -> ``33612345678 612345678 0612345678``). Stored
    numbers are E.164, whose country codes no other code begins: the split needs no full parse (imports index a
    million numbers)."""
    digits = "".join(ch for ch in str(e164) if ch.isdigit())
    if not digits:
        return []
    keys = [digits]
    for size in (1, 2, 3):
        prefix = _trunk_prefix(digits[:size]) if len(digits) > size else None
        if prefix is not None:
            national = digits[size:]
            keys += [national, prefix + national] if prefix else [national]
            break
    return list(dict.fromkeys(keys))


@functools.cache
def _trunk_prefix(country_code: str) -> str | None:
    """The national (trunk) prefix of a country calling code ("" if none), None if it is not one."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(country_code))
    if not regions:
        return None
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(regions[0])
    prefix = (metadata.national_prefix if metadata else "") or ""
    return prefix if prefix.isdigit() else ""


def is_number(token: str) -> bool:
    return token.isdigit()


def can_prefix(token: str) -> bool:
    """Whether a query token may match as a prefix (short digit strings only match whole)."""
    return not token.isdigit() or len(token) >= DIGIT_PREFIX_MIN


def vocabulary_words(text_tokens) -> set[str]:
    """The tokens worth correcting typos towards: alphabetic words of a sensible length."""
    return {t for t in text_tokens if FUZZY_MIN <= len(t) <= VOCABULARY_MAX and t.isalpha()}


def deletions(word: str) -> set[str]:
    """The word with one letter left out, each way (for finding words one typo away)."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))} if len(word) > 1 else set()


def variants(word: str) -> set[str]:
    """What a vocabulary word is filed under: itself and its deletions. Two words are one typo apart (an
    insertion, a deletion, a substitution or a swap of neighbours) only if their variants meet."""
    return {word} | deletions(word)


# --- queries ------------------------------------------------------------------------------------------------


@dataclass
class Word:
    """A word of a query: its token, and the tokens it may stand for (phone keys, typo corrections)."""

    token: str
    alternatives: list[str] = field(default_factory=list)  # matched whole, as well as the token
    parts: list[str] = field(default_factory=list)  # ``jo.smith``: also matched by all of ``jo`` and ``smith``


@dataclass
class Query:
    text: str  # the query as read (folded, trimmed), for ranking
    words: list[Word]
    phone: bool = False  # a phone number: its words are alternative digit keys

    def __bool__(self) -> bool:
        return bool(self.words)


def parse(q) -> Query:
    """A query from what someone typed. Never fails: anything that is not a word is ignored. An email address
    becomes the words of its local part and its domain (``jo.smith@acme.com``: ``jo smith acme.com``)."""
    text = str(q or "")[:MAX_QUERY_CHARS]
    text = "".join(ch for ch in text if ch.isprintable() or ch.isspace())
    stripped = text.strip()
    if _PHONE_QUERY.fullmatch(stripped) and sum(ch.isdigit() for ch in stripped) >= DIGIT_PREFIX_MIN:
        keys = phone_query_keys(stripped)
        if keys:
            return Query(text=keys[0], words=[Word(keys[0], alternatives=keys[1:])], phone=True)
    found = []
    for word in words(stripped):
        local, at, domain = word.rpartition("@")
        if at:  # an address: its local part's words, and its domain
            found += [p for p in _PARTS.split(local) if p] + ([domain] if domain else [])
        else:
            found.append(word)
    found = list(dict.fromkeys(found))[:MAX_WORDS]
    out = []
    for token in found:
        parts = [p for p in _PARTS.split(token) if p] if not token.isalnum() else []
        out.append(Word(token, parts=parts if len(parts) > 1 else []))
    return Query(text=" ".join(fold(stripped).split()), words=out)


def phone_query_keys(text: str) -> list[str]:
    """Digit strings to look a typed number up by: as typed, and as read in the default region (international
    digits and national number), so ``0612 345 678`` and ``+33 6 12 34 56 78`` both find ``+33612345678``."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits:
        return []
    keys = [digits]
    for candidate in (text, "+" + digits if text.strip().startswith("+") else None):
        if not candidate:
            continue
        try:
            number = phonenumbers.parse(candidate, normalize.default_region())
        except phonenumbers.NumberParseException:
            continue
        keys.append(f"{number.country_code}{number.national_number}")
        keys.append(str(number.national_number))
    return [k for k in dict.fromkeys(keys) if k and len(k) <= MAX_TOKEN_CHARS]
