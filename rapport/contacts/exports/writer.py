"""Writing a list to CSV or Excel, one page of rows at a time.

Rows come from the list's own keyset pages (``ListSpec.page``, ``CHUNK`` rows and their prefetches per page),
so an export holds one page in memory however many rows it has. CSV is produced as a stream of text chunks;
Excel through openpyxl's write-only workbook, which spools rows to a temporary file until it is saved.

Every text cell that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return,
line feed and their full-width and small forms) is prefixed with a single quote (CSV injection).
"""

import csv
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .. import custom_values, normalize
from ..enums import FieldType
from ..selectors.lists import ListField, ListSpec

CHUNK = 500  # rows per page (ListSpec.page's maximum)
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}

# First characters that make Excel, LibreOffice or Google Sheets evaluate a cell, and their full-width
# (U+FF1D, U+FF0B, U+FF0D, U+FF20) and small (U+FE62, U+FE63, U+FE66) forms, which some of them fold.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20\ufe62\ufe63\ufe66")


def neutralize(text: str) -> str:
    """``text`` as a spreadsheet shows it, never as a formula: a leading trigger gets a ``'`` before it."""
    if text and text[0] in FORMULA_TRIGGERS:
        return "'" + text
    return text


# --- cell values ----------------------------------------------------------------------------------------


def _custom_value(cf, raw) -> Any:
    """A custom field's stored value in its natural type (numbers stay numbers, dates dates)."""
    if custom_values.is_empty(raw):
        return None
    kind = cf.field_type
    if kind in (FieldType.NUMBER, FieldType.MONEY, FieldType.PERCENT):
        return raw if isinstance(raw, int | float) and not isinstance(raw, bool) else str(raw)
    if kind == FieldType.DATE:
        try:
            return date.fromisoformat(raw)
        except (TypeError, ValueError):
            return str(raw)
    if kind == FieldType.DATETIME:
        try:
            return datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
        except (TypeError, ValueError):
            return str(raw)
    if kind == FieldType.BOOLEAN:
        return bool(raw)
    if kind == FieldType.MULTI_CHOICE:
        return ", ".join(str(v) for v in raw) if isinstance(raw, list) else str(raw)
    if kind == FieldType.PHONE:
        return normalize.format_phone(str(raw))
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else str(raw)


def cell_value(field: ListField, obj) -> Any:
    """The value of one cell, typed: str, bool, int, float, Decimal, date, datetime or None."""
    if field.custom is not None:
        return _custom_value(field.custom, (obj.custom or {}).get(field.custom.key))
    return field.cell(obj)


class Columns:
    """The columns of an export: the record id, then the list's columns."""

    def __init__(self, fields: list[ListField], *, time_zone: str = ""):
        self.fields = fields
        try:
            self.zone = zoneinfo.ZoneInfo(time_zone or settings.TIME_ZONE)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.zone = zoneinfo.ZoneInfo("UTC")

    @property
    def header(self) -> list[str]:
        return ["ID", *(f.label for f in self.fields)]

    @property
    def keys(self) -> list[str]:
        return [f.key for f in self.fields]

    def values(self, obj) -> list[Any]:
        out: list[Any] = [obj.pk]
        for field in self.fields:
            value = cell_value(field, obj)
            if isinstance(value, datetime):
                value = value.astimezone(self.zone) if value.tzinfo else value
            out.append(value)
        return out


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)  # a number is never a formula: -5 stays -5
    return neutralize(str(value))


def xlsx_cell(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | Decimal | date):
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.replace(tzinfo=None)  # Excel has no time zones: the user's local time
        return value
    # Characters XML cannot hold are dropped first, so that dropping them cannot uncover a formula.
    return neutralize(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


# --- rows ------------------------------------------------------------------------------------------------


def iter_pages(
    spec: ListSpec, queryset: QuerySet, fields: list[ListField], *, ordering: str | None, chunk: int = CHUNK
) -> Iterator[list]:
    """The rows of ``queryset`` in the list's order, as pages of ``chunk`` rows: one query per page plus
    the columns' prefetches, seeking past the previous page's last key (no OFFSET)."""
    queryset = spec.prepare(queryset, fields)
    cursor = None
    while True:
        rows, cursor = spec.page(queryset, ordering=ordering, cursor=cursor, limit=chunk)
        if rows:
            yield rows
        if cursor is None:
            return


class _Line:
    """A file-like object that hands back what csv.writer writes."""

    def write(self, text: str) -> str:
        return text


def csv_chunks(
    columns: Columns, pages: Iterable[list], *, progress: Callable[[int], None] | None = None
) -> Iterator[str]:
    """The CSV text, a page at a time, starting with a byte-order mark so that Excel reads it as UTF-8."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow([neutralize(h) for h in columns.header])
    done = 0
    for rows in pages:
        yield "".join(writer.writerow([csv_cell(v) for v in columns.values(obj)]) for obj in rows)
        done += len(rows)
        if progress is not None:
            progress(done)


def write_csv(path, columns: Columns, pages: Iterable[list], *, progress=None) -> int:
    """Write the CSV file; return the number of rows."""
    count = 0

    def counted(done):
        nonlocal count
        count = done
        if progress is not None:
            progress(done)

    with open(path, "w", encoding="utf-8", newline="") as out:
        for text in csv_chunks(columns, pages, progress=counted):
            out.write(text)
    return count


def write_xlsx(path, columns: Columns, pages: Iterable[list], *, title: str = "Export", progress=None) -> int:
    """Write the Excel workbook (write-only: rows are spooled to disk, not kept); return the number of rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for index, label in enumerate(columns.header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(len(label) + 4, 12), 40)
    bold = Font(bold=True)
    header = []
    for label in columns.header:
        cell = WriteOnlyCell(sheet, value=xlsx_cell(label))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for rows in pages:
        for obj in rows:
            sheet.append([xlsx_cell(v) for v in columns.values(obj)])
        count += len(rows)
        if progress is not None:
            progress(count)
    workbook.save(path)
    return count
