"""The fast path of ``normalize.clean_phone`` (plainly written numbers, millions of them in imports) must give
exactly what phonenumbers' full parse, validation and formatting give: compared here on generated numbers."""

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import phonenumberutil as pnu

from rapport.contacts import normalize
from rapport.contacts.normalize import Invalid

REGIONS = sorted(pnu.SUPPORTED_REGIONS)
CODES = sorted(pnu.COUNTRY_CODE_TO_REGION_CODE)


def reference(value: str, region: str):
    """clean_phone as it is written without its fast path: the full parser, its validity, E.164."""
    display = normalize.clean_text(value, max_length=40)
    if not display:
        return "", ""
    if sum(ch.isdigit() for ch in display) < 4:
        return "invalid"
    try:
        number = phonenumbers.parse(display, region)
    except phonenumbers.NumberParseException:
        return "invalid"
    if not phonenumbers.is_valid_number(number):
        return "not valid"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), display


def actual(value: str, region: str):
    try:
        return normalize.clean_phone(value, region=region)
    except Invalid as exc:
        return "not valid" if "country code" in str(exc) else "invalid"


digits = st.text("0123456789", min_size=1, max_size=4)
separators = st.sampled_from(["", " ", "-", ".", "/", " - "])


@st.composite
def plain_numbers(draw):
    """Numbers as people type them: from example numbers of every region (some digits changed), or made up."""
    kind = draw(st.integers(0, 3))
    if kind == 0:
        region = draw(st.sampled_from(REGIONS))
        kinds = [pnu.PhoneNumberType.FIXED_LINE, pnu.PhoneNumberType.MOBILE, pnu.PhoneNumberType.TOLL_FREE]
        example = phonenumbers.example_number_for_type(region, draw(st.sampled_from(kinds)))
        if example is None:
            return "+1 415 555 2671"
        formats = [phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.NATIONAL,
                   phonenumbers.PhoneNumberFormat.E164]  # fmt: skip
        text = list(phonenumbers.format_number(example, draw(st.sampled_from(formats))))
        for _ in range(draw(st.integers(0, 2))):
            positions = [i for i, ch in enumerate(text) if ch.isdigit()]
            text[draw(st.sampled_from(positions))] = draw(st.sampled_from("0123456789"))
        return "".join(text)
    parts = draw(st.lists(digits, min_size=2, max_size=5))
    body = draw(separators).join(parts)
    if kind == 1:
        return f"+{draw(st.sampled_from(CODES))}{draw(separators)}{body}"
    if kind == 2:
        prefix = draw(st.sampled_from(["00", "011 ", "0", "(0)", "1 ", "+1 (", "("]))
        return prefix + body
    return f"({draw(digits)}) {body}"


@settings(max_examples=1500, deadline=None)
@given(value=plain_numbers(), region=st.sampled_from(["US", "GB", "FR", "DE", "IT", "CA", "AU", "BR", "IN", "CH",
                                                      "JP", "NL", "AG", "GG", "001", "XX"]))  # fmt: skip
def test_the_fast_path_agrees_with_the_full_parser(value, region):
    assert actual(value, region) == reference(value, region)


@settings(max_examples=500, deadline=None)
@given(value=st.text(max_size=30), region=st.sampled_from(["US", "GB", "DE"]))
def test_any_text_gets_the_same_answer(value, region):
    assert actual(value, region) == reference(value, region)


@pytest.mark.parametrize(
    ("value", "region", "e164"),
    [
        ("(415) 555-2671", "US", "+14155552671"),
        ("1 415 555 2671", "US", "+14155552671"),
        ("011 44 20 7946 0958", "US", "+442079460958"),
        ("+44 (0)20 7946 0958", "US", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("+39 06 6982 0000", "US", "+390669820000"),  # Italian leading zero kept
        ("+1 242 359 1234", "US", "+12423591234"),  # the Bahamas share +1
    ],
)
def test_known_numbers(value, region, e164):
    assert normalize._fast_e164(value, region) == e164
    assert normalize.clean_phone(value, region=region)[0] == e164
