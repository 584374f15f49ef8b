"""The clean-data functions: examples of what users type, and properties that must hold for any input."""

import string

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rapport.contacts import normalize
from rapport.contacts.normalize import Invalid


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  ada  LOVELACE ", "Ada Lovelace"),
        ("o'brien", "O'Brien"),
        ("MCDONALD", "McDonald"),
        ("jean-luc", "Jean-Luc"),
        ("ludwig van beethoven", "Ludwig van Beethoven"),
        ("DeShawn", "DeShawn"),  # mixed case is kept as written
        ("", ""),
    ],
)
def test_names(raw, expected):
    assert normalize.clean_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(" Ada@Example.COM ", "ada@example.com"), ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
     ("josé@exämple.de", "josé@exämple.de")],
)  # fmt: skip
def test_emails(raw, expected):
    assert normalize.clean_email(raw) == expected


@pytest.mark.parametrize(
    "raw", ["plainaddress", "a@b", "a..b@example.com", ".a@example.com", "a@-example.com", "a b@x.com"]
)
def test_invalid_emails(raw):
    with pytest.raises(Invalid):
        normalize.clean_email(raw)


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [("(415) 555-2671", "US", "+14155552671"), ("+33 6 12 34 56 78", "US", "+33612345678"),
     ("06 12 34 56 78", "FR", "+33612345678"), ("0049 30 901820", "DE", "+4930901820")],
)  # fmt: skip
def test_phones(raw, region, e164):
    assert normalize.clean_phone(raw, region=region) == (e164, raw)


@pytest.mark.parametrize("raw", ["12", "abc", "+1 555", "00000000000000000000"])
def test_invalid_phones(raw):
    with pytest.raises(Invalid):
        normalize.clean_phone(raw, region="US")


def test_phone_search_keys_find_any_format():
    assert "33612345678" in normalize.phone_search_keys("+33 6 12 34 56 78")
    assert "612345678" in normalize.phone_search_keys("06 12 34 56 78", region="FR")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("https://www.Acme.com/about?x=1", "acme.com"), ("sales@acme.co.uk", "acme.co.uk"), ("ACME.io", "acme.io"),
     ("münchen.de", "xn--mnchen-3ya.de")],
)  # fmt: skip
def test_domains(raw, expected):
    assert normalize.clean_domain(raw) == expected


def test_urls_and_social_profiles():
    assert normalize.clean_url("Acme.com/") == "https://acme.com"
    assert normalize.clean_url("http://Acme.com:8080/a") == "http://acme.com:8080/a"
    assert normalize.clean_social("x", "@acme") == "https://x.com/acme"
    assert normalize.clean_social("linkedin", "linkedin.com/in/ada") == "https://linkedin.com/in/ada"
    for bad in ("javascript:alert(1)", "ftp://x.com", "http://"):
        with pytest.raises(Invalid):
            normalize.clean_url(bad)


@pytest.mark.parametrize(
    ("raw", "code"),
    [("fr", "FR"), ("DEU", "DE"), ("Germany", "DE"), ("united kingdom", "GB"), ("UK", "GB"), ("Côte d'Ivoire", "CI"),
     ("USA", "US")],
)  # fmt: skip
def test_countries(raw, code):
    assert normalize.clean_country(raw) == code


def test_language_time_zone_currency_dates_numbers():
    assert normalize.clean_language("PT_br") == "pt-BR"
    assert normalize.clean_time_zone("europe/paris") == "Europe/Paris"
    assert normalize.clean_currency("eur") == "EUR"
    assert str(normalize.clean_date("2026-02-28")) == "2026-02-28"
    assert str(normalize.clean_decimal("1,234.5")) == "1234.50"
    for cleaner, bad in ((normalize.clean_language, "xx-YY1"), (normalize.clean_time_zone, "Mars/Base"),
                         (normalize.clean_currency, "XYZ"), (normalize.clean_date, "2026-02-30"),
                         (normalize.clean_decimal, "NaN"), (normalize.clean_bool, "maybe")):  # fmt: skip
        with pytest.raises(Invalid):
            cleaner(bad)


# --- properties ------------------------------------------------------------------------------------------

_local = st.text(alphabet=string.ascii_letters + string.digits + "._+-!#$%&'*/=?^`{|}~", min_size=1, max_size=70)
_domain = st.text(alphabet=string.ascii_lowercase + string.digits + "-.", min_size=1, max_size=40)


@settings(max_examples=400, deadline=None)
@given(_local, _domain, st.sampled_from(["com", "org", "de", "co", "museum", "x1"]))
@example("0", "00--0", "com")  # labels reserved by IDNA (two characters, then "--") are refused by the library
def test_email_fast_path_agrees_with_the_library(local, domain, tld):
    """The regular-expression fast path accepts only what email-validator accepts, normalized the same way."""
    raw = f"{local}@{domain}.{tld}"
    try:
        expected = validate_email(raw.lower(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        expected = None
    try:
        got = normalize.clean_email(raw)
    except Invalid:
        got = None
    assert got == expected


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_cleaners_never_fail_unexpectedly(text):
    """Any input either cleans or raises Invalid (never another exception), and cleaning is idempotent."""
    for cleaner in (normalize.clean_name, normalize.clean_email, normalize.clean_domain, normalize.clean_url,
                    normalize.clean_country, normalize.clean_language, normalize.clean_time_zone,
                    normalize.clean_date, normalize.clean_decimal, normalize.clean_bool,
                    lambda v: normalize.clean_phone(v, region="DE")[0]):  # fmt: skip
        try:
            once = cleaner(text)
        except Invalid:
            continue
        if cleaner in (normalize.clean_name, normalize.clean_email, normalize.clean_domain, normalize.clean_url):
            assert cleaner(once) == once


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"\+?[0-9 ()./-]{4,25}", fullmatch=True), st.sampled_from(["US", "FR", "DE", "GB", "IN"]))
def test_valid_phones_are_e164_and_stable(raw, region):
    try:
        e164, display = normalize.clean_phone(raw, region=region)
    except Invalid:
        return
    assert e164.startswith("+") and e164[1:].isdigit() and len(e164) <= 20  # the column's width
    assert normalize.clean_phone(e164)[0] == e164
    assert display == normalize.clean_text(raw, max_length=40)
