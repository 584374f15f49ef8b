"""The report of an import as CSV: one line per row that was not simply created (failed, skipped, updated, or
created with a note), streamed in keyset pages. Messages quote the file's cells, so they are neutralized like
an export's cells: a spreadsheet never runs them as formulas."""

import csv
import io
from collections.abc import Iterator

from ..exports.writer import neutralize
from ..models import ImportJob, ImportRow

HEADER = ["row", "outcome", "record_id", "message"]
PAGE = 5000


def csv_lines(job: ImportJob) -> Iterator[str]:
    buffer = io.StringIO()
    out = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    out.writerow(HEADER)
    yield "\ufeff" + flush()  # a BOM, so spreadsheets read UTF-8
    last = -1
    while True:
        rows = list(
            ImportRow.objects.filter(job=job, row_number__gt=last)
            .order_by("row_number")
            .values_list("row_number", "outcome", "record_id", "message")[:PAGE]
        )
        if not rows:
            break
        for number, outcome, record_id, message in rows:
            out.writerow([number, outcome, record_id or "", neutralize(message or "")])
        last = rows[-1][0]
        yield flush()


def file_name(job: ImportJob) -> str:
    return f"import-{job.pk}-report.csv"
