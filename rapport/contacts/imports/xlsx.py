"""The first worksheet of an Excel .xlsx workbook as a stream of rows (openpyxl's read-only mode).

The dimension a sheet declares is not trusted: producers write it wrong, too small (rows and columns past it
would be lost) or far too large (``A1:XFD1048576`` would pad every row to 16,384 cells). It is reset, and rows
are read as the file holds them: data rows as wide as the header (a value under no header could not be mapped to
anything), never past Excel's own last row. Finding the header and checking that data follows it read at most
``SCAN_ROWS`` rows, so an upload answers quickly whatever the sheet declares or holds; counting all the rows is
left to the background run.
"""

import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from .readers import MAX_COLUMNS, FileProblem, RowError, _blank, unique_headers

EXCEL_MAX_ROWS = 1_048_576  # the last row Excel has; rows numbered past it are not read
SCAN_ROWS = 10_000  # rows read to find the header, and to find a data row after it
SAMPLE_BYTES = 1 << 20
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s/>]")


def _cell_text(value) -> str:
    """A cell as text. Formulas are kept as their text (``=SUM(A1:A3)``), never evaluated."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, int | Decimal):
        return str(value)
    return str(value)


@contextmanager
def _first_sheet(path: Path):
    """The workbook's first worksheet, its declared dimension dropped; the workbook is closed on leaving."""
    import openpyxl

    workbook = None
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
        sheet = next(ws for ws in workbook.worksheets if hasattr(ws, "iter_rows"))
    except Exception:
        if workbook is not None:
            workbook.close()
        raise FileProblem("This Excel file cannot be read: it is damaged or not an .xlsx workbook.") from None
    try:
        sheet.reset_dimensions()
        yield sheet
    finally:
        workbook.close()


def _rows(sheet, *, width: int, first: int = 1, last: int = EXCEL_MAX_ROWS) -> Iterator[tuple[int, tuple | None]]:
    """``(row number, values)`` of rows ``first``..``last``, each ``width`` values wide, blank rows included;
    ``(number, None)`` where the file is damaged, and nothing after it."""
    iterator = sheet.iter_rows(min_row=first, max_row=last, max_col=width, values_only=True)
    number = first - 1
    while True:
        try:
            values = next(iterator)
        except StopIteration:
            return
        except Exception:  # openpyxl raises whatever its XML parser or converters raise
            yield number + 1, None
            return
        number += 1
        yield number, values


def _filled(values: tuple) -> list[str] | None:
    """The row's cells as text, or None when it is blank."""
    if values.count(None) == len(values):  # most blank rows, without converting them
        return None
    cells = [_cell_text(v) for v in values]
    return None if _blank(cells) else cells


DAMAGED = "The spreadsheet is damaged from this row on."


class XLSXReader:
    format = "xlsx"
    encoding = ""
    delimiter = ""

    def __init__(self, path: Path):
        self.path = path
        if not zipfile.is_zipfile(path):
            raise FileProblem("This is not an Excel .xlsx file (it is not a zip archive): save it again as .xlsx.")
        with _first_sheet(path) as sheet:
            self.headers, self.header_row = self._read_header(sheet)

    @staticmethod
    def _read_header(sheet) -> tuple[list[str], int]:
        for number, values in _rows(sheet, width=MAX_COLUMNS + 1, last=SCAN_ROWS):
            if values is None:
                raise FileProblem(f"The spreadsheet is damaged at row {number}.")
            cells = _filled(values)
            if cells is None:
                continue
            while not cells[-1].strip():
                cells.pop()
            if len(cells) > MAX_COLUMNS:
                raise FileProblem(f"The sheet has more than {MAX_COLUMNS} columns.")
            return unique_headers(cells), number
        raise FileProblem(f"The spreadsheet is empty: its first {SCAN_ROWS:,} rows hold no header.")

    def rows(self, *, last: int | None = None) -> Iterator[tuple[int, list[str] | RowError]]:
        """``(row number, cells)`` of the data rows, blank ones skipped; up to row ``last`` when given."""
        with _first_sheet(self.path) as sheet:
            rows = _rows(sheet, width=len(self.headers), first=self.header_row + 1, last=last or EXCEL_MAX_ROWS)
            for number, values in rows:
                if values is None:
                    yield number, RowError(DAMAGED)
                    return
                cells = _filled(values)
                if cells is not None:
                    yield number, cells

    def count(self) -> int:
        """The data rows, read through: for the background run, never in a request."""
        return sum(1 for _ in self.rows())

    def estimate(self) -> int:
        """About how many rows the sheet has, from the row elements in the first MB of its XML and the XML's
        size (the dimension the sheet declares can be anything)."""
        try:
            with _first_sheet(self.path) as sheet, zipfile.ZipFile(self.path) as archive:
                # openpyxl keeps the sheet's place in the archive under this name only
                info = archive.getinfo(sheet._worksheet_path.lstrip("/"))
                with archive.open(info) as f:
                    sample = f.read(SAMPLE_BYTES)
        except (FileProblem, KeyError, AttributeError, OSError, zipfile.BadZipFile):
            return 0
        found = len(_ROW_TAG.findall(sample))
        if len(sample) < SAMPLE_BYTES or not found:
            return max(found - self.header_row, 0)
        return max(round(found * info.file_size / len(sample)) - self.header_row, 0)

    def has_rows(self) -> bool:
        """Whether a data row follows the header within SCAN_ROWS rows; True as well when those rows are blank
        but the sheet goes on (the run finds out) or is damaged there (the run reports it)."""
        last = self.header_row + SCAN_ROWS
        with _first_sheet(self.path) as sheet:
            for number, values in _rows(sheet, width=len(self.headers), first=self.header_row + 1, last=last):
                if values is None or _filled(values) is not None or number >= last:
                    return True
        return False
