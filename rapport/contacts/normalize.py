"""Clean data: the one normalization and validation of customer data, used by the UI, the API, imports and
integrations alike. Each ``clean_*`` returns the normalized value or raises ``Invalid`` with a message
that can be shown next to the field. Empty input gives an empty value; whether a field is required is
decided by the caller.

The common cases take fast paths (a plain email is checked by one regular expression, a country code by a
dictionary) because imports run these a million times; unusual values go to the full library check.
"""

import functools
import re
import unicodedata
import zoneinfo
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit, urlunsplit

import phonenumbers
import pycountry
from django.conf import settings
from django.utils.dateparse import parse_date, parse_datetime
from email_validator import EmailNotValidError, validate_email


class Invalid(ValueError):
    """A value that cannot be cleaned; the message names the problem, never the value."""


_SPACES = re.compile(r"\s+")


def clean_text(value, *, max_length: int = 200) -> str:
    """Trimmed, inner whitespace collapsed, control characters removed, length checked."""
    if value is None:
        return ""
    text = str(value)
    if text.isprintable() and "  " not in text:
        text = text.strip(" ")  # the common case: no whitespace but single ASCII spaces (isprintable says so)
    else:
        if not text.isprintable():
            text = "".join(ch for ch in text if ch.isprintable() or ch.isspace())
        text = _SPACES.sub(" ", text).strip()
    if len(text) > max_length:
        raise Invalid(f"At most {max_length} characters.")
    return text


def clean_long_text(value, *, max_length: int = 100_000) -> str:
    text = "" if value is None else str(value).replace("\r\n", "\n").strip()
    if len(text) > max_length:
        raise Invalid(f"At most {max_length} characters.")
    return text


# --- names -----------------------------------------------------------------------------------------

_PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "dos", "das", "y"}
)
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?", re.UNICODE)


def _case_word(word: str, *, first: bool) -> str:
    lower = word.lower()
    if not first and lower in _PARTICLES:
        return lower
    cased = lower[:1].title() + lower[1:]
    # O'Brien, D'Angelo; McDonald (Mac is ambiguous: Mack, Macy), so only Mc.
    if len(cased) > 2 and cased[1] in "'\u2019":
        cased = cased[:2] + cased[2].upper() + cased[3:]
    elif cased.startswith("Mc") and len(cased) > 2:
        cased = "Mc" + cased[2].upper() + cased[3:]
    return cased


def clean_name(value, *, max_length: int = 100, person: bool = True) -> str:
    """A name, trimmed and sensibly cased. For people, each word written ALL CAPS or all lower case is put in
    title case ("jean DUPONT" -> "Jean Dupont"; particles such as van/de stay lower case after the first
    word), while mixed case is kept as the person wrote it (McDonald, DeShawn). Other names (companies,
    cities) are only title-cased when written all lower case: "IBM" stays "IBM"."""
    text = clean_text(value, max_length=max_length)
    if not text:
        return text
    if not person:
        return _title(text) if text.islower() else text
    count = 0

    def repl(match):
        nonlocal count
        count += 1
        word = match.group(0)
        if len(word) > 1 and not (word.isupper() or word.islower()):
            return word
        return _case_word(word, first=count == 1)

    return _NAME_WORD.sub(repl, text)


def _title(text: str) -> str:
    count = 0

    def repl(match):
        nonlocal count
        count += 1
        return _case_word(match.group(0), first=count == 1)

    return _NAME_WORD.sub(repl, text)


def display_name(*, prefix="", first="", middle="", last="", suffix="") -> str:
    return " ".join(p for p in (prefix, first, middle, last, suffix) if p)


# --- email -----------------------------------------------------------------------------------------

_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_PLAIN_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[a-z]{{2,63}}")


def clean_email(value) -> str:
    """Lower-cased and checked for syntax (no DNS lookup). International addresses are accepted."""
    email = clean_text(value, max_length=320).lower()
    if not email:
        return ""
    local, _, domain = email.partition("@")
    # Domains with "--" (IDNA's "xn--" and the labels it reserves) are left to the library's rules.
    if len(email) <= 254 and len(local) <= 64 and "--" not in domain and _PLAIN_EMAIL.fullmatch(email):
        return email
    try:
        result = validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise Invalid("Enter a valid email address.") from None
    return result.normalized.lower()


# --- phone -----------------------------------------------------------------------------------------


def default_region() -> str:
    return settings.PHONE_DEFAULT_REGION


def clean_phone(value, *, region: str | None = None) -> tuple[str, str]:
    """``(E.164, as entered)``. Numbers without a country code are read in ``region`` (the configured
    default region unless given)."""
    display = clean_text(value, max_length=40)
    if not display:
        return "", ""
    if sum(map(str.isdigit, display)) < 4:
        raise Invalid("Enter a valid phone number.")
    region = (region or default_region()).upper()
    e164 = _fast_e164(display, region)
    if e164 is not None:
        return e164, display
    try:
        number = phonenumbers.parse(display, region)
    except phonenumbers.NumberParseException:
        raise Invalid("Enter a valid phone number.") from None
    if not phonenumbers.is_valid_number(number):
        raise Invalid("Enter a valid phone number (with its country code if it is not a local number).")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), display


# The fast path of clean_phone: a number written plainly (ASCII digits, spaces, dots, dashes, brackets, slashes and
# an optional leading +) is read with phonenumbers' own parsing steps and validity rules, minus the generic text
# handling (prefix text, letters, extensions, Unicode digits) that such input cannot need, and with each region's
# number patterns compiled once. Same result as ``parse`` + ``is_valid_number`` + E.164 formatting (tests compare
# the two); anything unusual, and every number it does not find valid, goes to the full parser.

_PLAIN_PHONE = re.compile(r"\+?\(?[0-9][0-9 ().\-/]*[0-9]", re.ASCII)
_PHONE_PUNCTUATION = str.maketrans("", "", " ().-/")
_TYPE_DESCS = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail",
               "fixed_line")  # fmt: skip


def _desc_regex(desc) -> str | None:
    """phonenumbers' _is_number_matching_desc as a regex: the desc's lengths (a lookahead), then its pattern."""
    if desc is None or not desc.national_number_pattern:
        return None
    lengths = tuple(desc.possible_length)
    if lengths and all(n <= 0 for n in lengths):
        return None  # "no numbers of this type"
    check = f"(?=(?:{'|'.join(f'[0-9]{{{n}}}' for n in lengths if n > 0)})\\Z)" if lengths else ""
    return f"{check}(?:{desc.national_number_pattern})"


_TYPE_REGEX: dict[int, tuple] = {}


def _type_regex(metadata):
    """One compiled regex per region: ``fullmatch`` is ``_number_type_helper(nsn, metadata) != UNKNOWN``.
    (Metadata objects are loaded once and kept by phonenumbers; each entry keeps its object, so ids stay unique.)"""
    entry = _TYPE_REGEX.get(id(metadata))
    if entry is None:
        general = _desc_regex(metadata.general_desc)
        descs = [getattr(metadata, name) for name in _TYPE_DESCS]
        if not metadata.same_mobile_and_fixed_line_pattern:
            descs.append(metadata.mobile)
        types = [r for r in map(_desc_regex, descs) if r]
        regex = None
        if general and types:
            regex = re.compile(f"(?={general}\\Z)(?:{'|'.join(types)})")
        entry = _TYPE_REGEX[id(metadata)] = (metadata, regex)
    return entry[1]


def _has_type(nsn: str, metadata) -> bool:
    regex = _type_regex(metadata)
    return regex is not None and regex.fullmatch(nsn) is not None


@functools.cache
def _phonenumbers():
    from phonenumbers import phonenumberutil
    from phonenumbers.phonemetadata import PhoneMetadata

    return phonenumberutil, PhoneMetadata


@functools.cache
def _regions_of(cc: int) -> tuple:
    """The regions sharing a country code, with their metadata and leading-digits regex (as
    ``_region_code_for_number_from_list`` walks them)."""
    pnu, metadata_for = _phonenumbers()
    out = []
    for region in pnu.COUNTRY_CODE_TO_REGION_CODE.get(cc, ()):
        metadata = metadata_for.metadata_for_region(region.upper(), None)
        leading = re.compile(metadata.leading_digits) if metadata is not None and metadata.leading_digits else None
        out.append((region, metadata, leading))
    return tuple(out)


def _is_valid(cc: int, nsn: str) -> bool:
    """``phonenumbers.is_valid_number`` of the number (cc, national significant number)."""
    pnu, metadata_for = _phonenumbers()
    regions = _regions_of(cc)
    if not regions:
        return False
    region = None
    if len(regions) == 1:
        region = regions[0][0]
    else:
        for candidate, metadata, leading in regions:
            if metadata is None:
                continue
            if leading is not None:
                if leading.match(nsn):
                    region = candidate
                    break
            elif _has_type(nsn, metadata):
                region = candidate
                break
    if region is None:
        return False
    metadata = metadata_for.metadata_for_region_or_calling_code(cc, region.upper())
    if metadata is None or (
        region != pnu.REGION_CODE_FOR_NON_GEO_ENTITY and cc != pnu.country_code_for_valid_region(region)
    ):
        return False
    return _has_type(nsn, metadata)


def _fast_e164(display: str, region: str) -> str | None:
    """The E.164 form of a valid, plainly written number; None to let the full parser decide."""
    if len(display) > 250 or not _PLAIN_PHONE.fullmatch(display):
        return None
    pnu, metadata_for = _phonenumbers()
    number = display[1:] if display[0] == "(" else display  # parse starts at the first + or digit
    metadata = metadata_for.metadata_for_region(region, None)
    if metadata is None or not pnu._is_viable_phone_number(number):
        return None
    extracted = True
    if number[0] == "+":
        full = number[1:].translate(_PHONE_PUNCTUATION)
        if len(full) <= pnu._MIN_LENGTH_FOR_NSN:
            return None
        cc, nsn = pnu._extract_country_code(full)
    else:
        full = number.translate(_PHONE_PUNCTUATION)
        idd = metadata.international_prefix
        stripped, rest = pnu._parse_prefix_as_idd(pnu.re_compile(idd), full) if idd else (False, full)
        if stripped:
            if len(rest) <= pnu._MIN_LENGTH_FOR_NSN:
                return None
            cc, nsn = pnu._extract_country_code(rest)
        else:
            cc, nsn = 0, ""
            code = str(metadata.country_code)
            if full.startswith(code):
                general = metadata.general_desc
                _, potential, _ = pnu._maybe_strip_national_prefix_carrier_code(full[len(code) :], metadata)
                if (
                    not pnu._match_national_number(full, general, False)
                    and pnu._match_national_number(potential, general, False)
                ) or pnu._test_number_length(full, metadata) == pnu.ValidationResult.TOO_LONG:
                    cc, nsn = metadata.country_code, potential
            if cc == 0:
                cc, nsn, extracted = metadata.country_code, full, False
    if cc == 0:
        return None  # an unknown country code: the full parser has its own ways with those
    if extracted:
        number_region = pnu.region_code_for_country_code(cc)
        if number_region != region:
            metadata = metadata_for.metadata_for_region_or_calling_code(cc, number_region)
    if len(nsn) < pnu._MIN_LENGTH_FOR_NSN or metadata is None:
        return None
    _, potential, _ = pnu._maybe_strip_national_prefix_carrier_code(nsn, metadata)
    if pnu._test_number_length(potential, metadata) not in (
        pnu.ValidationResult.TOO_SHORT, pnu.ValidationResult.IS_POSSIBLE_LOCAL_ONLY, pnu.ValidationResult.INVALID_LENGTH,
    ):  # fmt: skip
        nsn = potential
    if not pnu._MIN_LENGTH_FOR_NSN <= len(nsn) <= pnu._MAX_LENGTH_FOR_NSN or not _is_valid(cc, nsn):
        return None
    return f"+{cc}{nsn}"


def phone_search_keys(value: str, *, region: str | None = None) -> list[str]:
    """Digit strings under which a phone number written in any format can be found (E.164 digits and the
    national number), for search."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if not digits:
        return []
    keys = [digits]
    try:
        number = phonenumbers.parse(value, (region or default_region()).upper())
    except phonenumbers.NumberParseException:
        return keys
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]
    national = str(number.national_number)
    return list(dict.fromkeys([e164, national, *keys]))


def format_phone(e164: str) -> str:
    """An E.164 number in international format, for display."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# --- domains and URLs ------------------------------------------------------------------------------

_DOMAIN = re.compile(rf"(?:{_LABEL}\.)+[a-z][a-z0-9-]{{1,62}}")


def _idna(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise Invalid("Enter a valid domain.") from None


def clean_domain(value) -> str:
    """A bare lower-case domain from a domain, a URL or an email address: ``https://www.Acme.com/x`` and
    ``sales@acme.com`` both give ``acme.com``."""
    text = clean_text(value, max_length=300).lower()
    if not text:
        return ""
    if "@" in text and "/" not in text:
        text = text.rpartition("@")[2]
    if "//" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        raise Invalid("Enter a valid domain.") from None
    host = host.strip(".")
    if host.startswith("www."):
        host = host[4:]
    if not host.isascii():
        host = _idna(host)
    if len(host) > 253 or not _DOMAIN.fullmatch(host):
        raise Invalid("Enter a valid domain, such as example.com.")
    return host


def clean_url(value) -> str:
    """An absolute http(s) URL with a lower-case host; ``acme.com`` becomes ``https://acme.com``."""
    text = clean_text(value, max_length=300)
    if not text:
        return ""
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise Invalid("Enter a valid URL.") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise Invalid("Enter a valid http or https URL.")
    host = parts.hostname.lower()
    if not host.isascii():
        host = _idna(host)
    if not _DOMAIN.fullmatch(host) and host != "localhost":
        raise Invalid("Enter a valid URL.")
    netloc = host if port is None else f"{host}:{port}"
    path = parts.path if parts.path not in ("", "/") else ""
    return urlunsplit((parts.scheme.lower(), netloc, path, parts.query, ""))


_SOCIAL_HOSTS = {
    "linkedin": "https://www.linkedin.com/in/",
    "x": "https://x.com/",
    "facebook": "https://www.facebook.com/",
    "instagram": "https://www.instagram.com/",
}
_HANDLE = re.compile(r"@?[A-Za-z0-9_.-]{1,100}")


def clean_social(network: str, value) -> str:
    """A profile URL; a bare handle (``@acme`` or ``acme``) becomes the network's profile URL."""
    text = clean_text(value, max_length=300)
    if not text:
        return ""
    if network in _SOCIAL_HOSTS and "/" not in text and "." not in text.lstrip("@") and _HANDLE.fullmatch(text):
        return _SOCIAL_HOSTS[network] + text.lstrip("@")
    return clean_url(text)


# --- places, languages, zones, money ----------------------------------------------------------------


@functools.cache
def _country_index() -> dict[str, str]:
    index = {}
    for country in pycountry.countries:
        for name in (country.alpha_2, country.alpha_3, country.name, getattr(country, "common_name", ""),
                     getattr(country, "official_name", "")):  # fmt: skip
            if name:
                index[_fold(name)] = country.alpha_2
    # Names people write that the standard does not use.
    for alias, code in {"uk": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "great britain": "GB",
                        "usa": "US", "united states of america": "US", "america": "US", "holland": "NL",
                        "deutschland": "DE", "espana": "ES", "italia": "IT", "suisse": "CH", "schweiz": "CH",
                        "osterreich": "AT", "belgique": "BE", "belgie": "BE", "nederland": "NL", "brasil": "BR",
                        "south korea": "KR", "korea": "KR", "russia": "RU", "czech republic": "CZ",
                        "ivory coast": "CI", "vietnam": "VN", "iran": "IR", "syria": "SY", "taiwan": "TW",
                        "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ", "moldova": "MD", "laos": "LA",
                        "macedonia": "MK", "turkey": "TR"}.items():  # fmt: skip
        index[alias] = code
    return index


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower().replace(".", "").split())


def clean_country(value) -> str:
    """An ISO 3166-1 alpha-2 code from a code (``de``, ``DEU``) or an English or common name."""
    text = clean_text(value, max_length=100)
    if not text:
        return ""
    code = _country_index().get(_fold(text))
    if code is None:
        raise Invalid("Enter a country name or its ISO code.")
    return code


def clean_currency(value) -> str:
    code = clean_text(value, max_length=3).upper()
    if code and pycountry.currencies.get(alpha_3=code) is None:
        raise Invalid("Enter an ISO 4217 currency code, such as EUR.")
    return code


_LANGUAGE = re.compile(r"([a-zA-Z]{2,3})(?:[-_]([a-zA-Z]{2}|\d{3}))?")


def clean_language(value) -> str:
    """A BCP 47 language tag of a language and optional region: ``EN`` → ``en``, ``pt_br`` → ``pt-BR``."""
    text = clean_text(value, max_length=10)
    if not text:
        return ""
    match = _LANGUAGE.fullmatch(text)
    if not match or pycountry.languages.get(**{f"alpha_{len(match.group(1))}": match.group(1).lower()}) is None:
        raise Invalid("Enter a language code, such as en or pt-BR.")
    return match.group(1).lower() + (f"-{match.group(2).upper()}" if match.group(2) else "")


@functools.cache
def _zones() -> dict[str, str]:
    return {zone.lower(): zone for zone in zoneinfo.available_timezones()}


def clean_time_zone(value) -> str:
    text = clean_text(value, max_length=64)
    if not text:
        return ""
    zone = _zones().get(text.lower())
    if zone is None:
        raise Invalid("Enter a time zone such as Europe/Paris.")
    return zone


def clean_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = clean_text(value, max_length=40)
    try:
        parsed = parse_date(text)
    except ValueError:
        parsed = None
    if parsed is None:
        raise Invalid("Enter a date as YYYY-MM-DD.")
    return parsed


def clean_datetime(value) -> datetime | None:
    from django.utils import timezone

    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = parse_datetime(clean_text(value, max_length=40))
        except ValueError:
            parsed = None
        if parsed is None:
            raise Invalid("Enter a date and time in ISO 8601, such as 2026-05-01T14:30:00Z.")
    try:
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, timezone.get_current_timezone())
        parsed.astimezone(UTC)  # a time UTC cannot hold (year 9999 west of Greenwich) is refused here
    except (OverflowError, ValueError):
        raise Invalid("This time is out of range.") from None
    return parsed


def clean_decimal(value, *, max_digits: int = 18, places: int = 2, minimum=None, maximum=None) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, float | int | Decimal):
        text = str(value)
    else:
        text = clean_text(value, max_length=40).replace(",", "").replace(" ", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise Invalid("Enter a number.") from None
    if not number.is_finite():
        raise Invalid("Enter a number.")
    try:
        number = number.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:
        raise Invalid("The number is too large.") from None
    if len(number.as_tuple().digits) > max_digits:
        raise Invalid("The number is too large.")
    if minimum is not None and number < minimum:
        raise Invalid(f"Enter a number of at least {minimum}.")
    if maximum is not None and number > maximum:
        raise Invalid(f"Enter a number of at most {maximum}.")
    return number


def clean_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = clean_text(value, max_length=10).lower()
    if text in ("1", "true", "yes", "y", "on", "x", "t"):
        return True
    if text in ("", "0", "false", "no", "n", "off", "f"):
        return False
    raise Invalid("Enter yes or no.")
