"""Cleaning the values of custom fields, by field type. Values are stored in the record's ``custom`` JSON
in a form that sorts and compares correctly in SQL: numbers as JSON numbers, dates as ISO strings, date-times
as ISO strings in UTC, multiple choices as lists."""

from datetime import UTC
from typing import Any

from . import normalize
from .enums import FieldType
from .normalize import Invalid


def _choice(field, value) -> str:
    text = normalize.clean_text(value, max_length=200)
    if not text:
        return ""
    for option in field.choices:
        if option.lower() == text.lower():
            return option
    raise Invalid(f"Choose one of: {', '.join(field.choices)}.")


def _multi_choice(field, value) -> list[str]:
    if value in (None, ""):
        return []
    items = value if isinstance(value, list | tuple) else str(value).replace(";", ",").split(",")
    out = []
    for item in items:
        choice = _choice(field, item)
        if choice and choice not in out:
            out.append(choice)
    return out


def _number(value, **limits):
    number = normalize.clean_decimal(value, places=6, max_digits=24, **limits)
    if number is None:
        return None
    return int(number) if number == number.to_integral_value() else float(number)


def _datetime(value):
    moment = normalize.clean_datetime(value)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _date(value):
    day = normalize.clean_date(value)
    return day.isoformat() if day else None


def _reference(value):
    if value in (None, ""):
        return None
    if isinstance(value, dict):
        value = value.get("id")
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise Invalid("Enter the id of a record.") from None
    if not 0 < number < 2**63:
        raise Invalid("Enter the id of a record.")
    return number


CLEANERS = {
    FieldType.TEXT: lambda f, v: normalize.clean_text(v, max_length=500),
    FieldType.LONG_TEXT: lambda f, v: normalize.clean_long_text(v, max_length=10_000),
    FieldType.NUMBER: lambda f, v: _number(v),
    FieldType.MONEY: lambda f, v: _number(v),
    FieldType.PERCENT: lambda f, v: _number(v, minimum=-1000, maximum=1000),
    FieldType.DATE: lambda f, v: _date(v),
    FieldType.DATETIME: lambda f, v: _datetime(v),
    FieldType.BOOLEAN: lambda f, v: None if v in (None, "") else normalize.clean_bool(v),
    FieldType.CHOICE: _choice,
    FieldType.MULTI_CHOICE: _multi_choice,
    FieldType.URL: lambda f, v: normalize.clean_url(v),
    FieldType.EMAIL: lambda f, v: normalize.clean_email(v),
    FieldType.PHONE: lambda f, v: normalize.clean_phone(v)[0],
    FieldType.REFERENCE: lambda f, v: _reference(v),
}


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def clean_value(field, value: Any) -> Any:
    """The stored form of ``value`` for custom field ``field``; ``None`` for empty. Raises Invalid."""
    cleaned = CLEANERS[field.field_type](field, value)
    return None if is_empty(cleaned) else cleaned


def link_of(field, value: Any) -> str | None:
    """The href of a URL, email or phone value, or None when the stored value is not valid for the field's
    type (e.g. text kept from a deleted field whose key was reused): never a ``javascript:`` link."""
    try:
        if field.field_type == FieldType.URL:
            return normalize.clean_url(value) or None
        if field.field_type == FieldType.EMAIL:
            return f"mailto:{normalize.clean_email(value)}" if value else None
        if field.field_type == FieldType.PHONE:
            return f"tel:{normalize.clean_phone(value)[0]}" if value else None
    except (Invalid, TypeError):
        return None
    return None


def display_value(field, value: Any) -> str:
    """A value as text, for pages and exports. A stored value that no longer fits the field's type (the
    field was deleted and its key reused) is shown as plain text rather than failing."""
    if is_empty(value):
        return ""
    try:
        return _display(field, value)
    except (TypeError, ValueError):
        return str(value)


def _display(field, value: Any) -> str:
    if field.field_type == FieldType.BOOLEAN:
        return "Yes" if value else "No"
    if field.field_type == FieldType.MULTI_CHOICE:
        return ", ".join(value)
    if field.field_type == FieldType.MONEY and field.currency:
        return f"{value:,.2f} {field.currency}"
    if field.field_type == FieldType.PERCENT:
        return f"{value} %"
    if field.field_type == FieldType.PHONE:
        return normalize.format_phone(value)
    return str(value)
