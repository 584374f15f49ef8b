"""Reading import files as a stream of rows: CSV (any delimiter and encoding), Excel .xlsx (``xlsx``) and vCard
(``vcard``).

``open_reader(path, file_format, ...)`` detects what it needs (encoding, delimiter, the header row) and returns a
reader whose ``rows()`` yields ``(row_number, cells)`` for each non-empty row, or ``(row_number, RowError)``
for a row that cannot be read (ragged, too large, undecodable, a broken vCard): the caller reports it and goes
on. Files that cannot be read at all raise ``FileProblem`` with a message for the user.

Row numbers are those a spreadsheet shows: the header is row 1, the first data row is row 2 (for vCards: the
card's position in the file). Memory stays bounded whatever the file: lines are read in pieces of at most
``MAX_LINE`` characters and CSV cells are limited by the csv module's field size limit.
"""

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rapport.core.errors import ApplicationError

SAMPLE_BYTES = 256 * 1024
MAX_LINE = 1 << 20  # characters of one physical line; longer lines are reported, not read
MAX_CARD = 1 << 20  # characters of one vCard (photos and other binary parts are left out)
MAX_COLUMNS = 500
DELIMITERS = (",", ";", "\t", "|")
FORMATS = ("csv", "xlsx", "vcf")
_OVERSIZED = "\ue000rapport-oversized-line\ue000"


class FileProblem(ApplicationError):
    """The file as a whole cannot be imported (not a CSV, a damaged spreadsheet, no header...)."""

    def __init__(self, message: str):
        super().__init__("invalid_file", message, {"file": message}, status=422)


@dataclass(frozen=True)
class RowError:
    message: str


def detect_format(path: Path, file_name: str) -> str:
    """``csv``, ``xlsx`` or ``vcf`` from the file's first bytes, then its name."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if not head:
        raise FileProblem("The file is empty.")
    suffix = Path(file_name).suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        if suffix in (".xlsx", ".xlsm", ""):
            return "xlsx"
        raise FileProblem("This file is a compressed archive; upload a CSV, an Excel .xlsx or a vCard file.")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("Old Excel .xls files cannot be read: save the sheet as .xlsx or CSV first.")
    if suffix == ".xlsx":
        raise FileProblem("This is not an Excel .xlsx file (it is not a zip archive): save it again as .xlsx or CSV.")
    text = head.decode("latin-1").lstrip("\ufeff\xef\xbb\xbf\xff\xfe\x00 \r\n\t").upper()
    if suffix in (".vcf", ".vcard") or text.replace("\x00", "").startswith("BEGIN:VCARD"):
        return "vcf"
    return "csv"


def open_reader(path, file_format: str, *, encoding: str = "", delimiter: str = ""):
    path = Path(path)
    if not path.is_file():  # removed from disk (by an admin, a restore without var/imports, ...)
        raise FileProblem("The uploaded file is no longer on the server; upload it again.")
    if file_format == "csv":
        return CSVReader(path, encoding=encoding, delimiter=delimiter)
    if file_format == "xlsx":
        from .xlsx import XLSXReader

        return XLSXReader(path)
    if file_format == "vcf":
        from .vcard import VCardReader

        return VCardReader(path, encoding=encoding)
    raise FileProblem("Upload a CSV, an Excel .xlsx or a vCard (.vcf) file.")


# --- text files ----------------------------------------------------------------------------------------------


def _bom_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return ""


def detect_encoding(path: Path) -> str:
    """The file's text encoding: a byte order mark, else UTF-8 when the sample is valid UTF-8, else
    charset-normalizer's best guess."""
    with open(path, "rb") as f:
        sample = f.read(SAMPLE_BYTES)
    if not sample.strip():
        raise FileProblem("The file is empty.")
    if bom := _bom_encoding(sample):
        return bom
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=len(sample) < SAMPLE_BYTES)
    except UnicodeDecodeError:
        if _mostly_utf8(sample):
            return "utf-8"  # a few stray bytes of another encoding: those rows are reported, the rest is read
    else:
        if sample.count(b"\x00") * 100 <= len(sample):  # a stray NUL is no reason to doubt UTF-8 (cleaning drops it)
            return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None or best.encoding is None:
        raise FileProblem("This is not a text file in an encoding Rapport knows; save it as CSV (UTF-8).")
    encoding = codecs.lookup(best.encoding).name
    if b"\x00" in sample and not encoding.startswith("utf"):
        raise FileProblem("This looks like a binary file, not a CSV; save it as CSV (UTF-8).")
    return encoding


def _mostly_utf8(sample: bytes) -> bool:
    """Whether the non-ASCII text of a sample is UTF-8 but for a few bytes (at most one in ten characters)."""
    text = sample.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ch > "\x7f") - bad
    return b"\x00" not in sample and good > 0 and bad * 10 <= good


def _check_encoding(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name if encoding else ""
    except LookupError:
        raise FileProblem(f"Unknown encoding {encoding[:40]!r}.") from None


class _BoundedLines:
    """The file's lines, each at most MAX_LINE characters: a longer line is skipped and replaced by a marker
    line (``oversized`` counts them), so one huge cell never takes more memory than that. ``quotes`` counts the
    quote characters read since the caller last reset it, to find the end of a quoted cell that was too large."""

    def __init__(self, f):
        self.f = f
        self.oversized = 0
        self.quotes = 0
        self._lines = self._read()

    def __iter__(self):
        return self._lines

    def _read(self):
        readline = self.f.readline
        while True:
            line = readline(MAX_LINE)
            if not line:
                return
            if len(line) >= MAX_LINE and not line.endswith(("\n", "\r")):
                while True:
                    rest = readline(MAX_LINE)
                    if not rest or rest.endswith(("\n", "\r")):
                        break
                self.oversized += 1
                yield _OVERSIZED + "\n"
                continue
            if "\x00" in line:
                line = line.replace("\x00", "")  # PostgreSQL cannot store NUL; no text means one
            if '"' in line:
                self.quotes += line.count('"')
            yield line

    def skip_quoted(self) -> None:
        """After a cell too large for the csv module: when the record stopped inside quotes, skip its lines up to
        the one that closes them, so the next record starts where it should."""
        while self.quotes % 2:
            if next(self._lines, None) is None:
                return


def _bounded_lines(f) -> Iterator[str]:
    return iter(_BoundedLines(f))


def _blank(cells) -> bool:
    return not any(c.strip() for c in cells if c)


def unique_headers(cells: list) -> list[str]:
    """Header names, made unique (a repeated ``Email`` becomes ``Email (2)``) and never empty."""
    out, seen = [], set()
    for i, raw in enumerate(cells):
        text = "".join(ch for ch in str(raw if raw is not None else "") if ch.isprintable() or ch.isspace())
        name = " ".join(text.replace("\ufeff", "").split())[:200] or f"Column {i + 1}"
        candidate, n = name, 1
        while candidate.casefold() in seen:
            n += 1
            candidate = f"{name} ({n})"
        seen.add(candidate.casefold())
        out.append(candidate)
    return out


class CSVReader:
    format = "csv"

    def __init__(self, path: Path, *, encoding: str = "", delimiter: str = ""):
        self.path = path
        self.encoding = _check_encoding(encoding) or detect_encoding(path)
        if delimiter and delimiter not in DELIMITERS:
            raise FileProblem("Choose a delimiter among comma, semicolon, tab and vertical bar.")
        self.delimiter = delimiter or self._sniff_delimiter()
        self.headers, self.header_row = self._read_header()

    def _open(self):
        # Bytes that are not valid in the encoding become U+FFFD; rows holding one are reported (never guessed).
        return open(self.path, encoding=self.encoding, errors="replace", newline="")

    def _sample_lines(self) -> list[str]:
        with self._open() as f:
            text = f.read(SAMPLE_BYTES)
        lines = text.splitlines(keepends=True)
        if len(text) >= SAMPLE_BYTES and len(lines) > 1:
            lines = lines[:-1]  # probably cut
        return lines[:200]

    def _sniff_delimiter(self) -> str:
        """The delimiter that splits the header into most columns while keeping the next rows as wide."""
        lines = self._sample_lines()
        best, best_score = ",", (0.0, 0)
        for delimiter in DELIMITERS:
            try:
                rows = [r for r in csv.reader(lines, delimiter=delimiter) if not _blank(r)][:50]
            except csv.Error:
                continue
            if not rows or len(rows[0]) < 2:
                continue
            width = len(rows[0])
            consistent = sum(1 for r in rows if len(r) == width) / len(rows)
            score = (round(consistent, 1), width)
            if score > best_score:
                best, best_score = delimiter, score
        return best

    def _records(self, f) -> Iterator[tuple[int, list[str] | RowError]]:
        lines = _BoundedLines(f)
        reader = csv.reader(lines, delimiter=self.delimiter)
        number = oversized = 0
        while True:
            lines.quotes = 0
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                lines.skip_quoted()
                oversized = lines.oversized
                reason = "A cell is larger than 128 KB." if "field limit" in str(exc) else "The row is not valid CSV."
                yield number, RowError(reason)
                continue
            number += 1
            if lines.oversized != oversized:
                oversized = lines.oversized
                yield number, RowError(f"The row is longer than {MAX_LINE // (1 << 20)} MB.")
                continue
            yield number, cells

    def _read_header(self):
        with self._open() as f:
            for number, cells in self._records(f):
                if isinstance(cells, RowError):
                    raise FileProblem(f"The header row cannot be read: {cells.message}")
                if _blank(cells):
                    continue
                if len(cells) > MAX_COLUMNS:
                    raise FileProblem(f"The file has more than {MAX_COLUMNS} columns.")
                if any("\ufffd" in c for c in cells):
                    raise FileProblem(
                        f"The header is not valid {self.encoding} text: choose the file's encoding (e.g. cp1252)."
                    )
                return unique_headers(cells), number
        raise FileProblem("The file is empty.")

    def rows(self, *, last: int | None = None) -> Iterator[tuple[int, list[str] | RowError]]:
        """``(row number, cells)`` of the data rows, blank ones skipped; up to row ``last`` when given."""
        width = len(self.headers)
        with self._open() as f:
            for number, cells in self._records(f):
                if number <= self.header_row:
                    continue
                if last is not None and number > last:
                    return
                if isinstance(cells, RowError):
                    yield number, cells
                    continue
                if _blank(cells):
                    continue
                if len(cells) != width:
                    extra = cells[width:]
                    if len(cells) < width or any(c.strip() for c in extra):
                        yield number, RowError(f"This row has {len(cells)} cells; the header has {width}.")
                        continue
                    cells = cells[:width]
                if any("\ufffd" in c for c in cells):
                    yield number, RowError(f"The row holds bytes that are not valid {self.encoding} text.")
                    continue
                yield number, cells

    def count(self) -> int:
        return sum(1 for _ in self.rows())

    def estimate(self) -> int:
        """About how many rows the file has, from its size and the length of the lines of its first MB."""
        return _estimate(self.path, b"\n", self.header_row)

    def has_rows(self) -> bool:
        return next(iter(self.rows()), None) is not None


def _estimate(path: Path, marker: bytes, skip: int) -> int:
    size = path.stat().st_size
    with open(path, "rb") as f:
        sample = f.read(1 << 20)
    found = sample.count(marker)
    if not found or len(sample) >= size:
        return max(found - skip, 0)
    return max(round(found * size / len(sample)) - skip, 0)
