"""Imports hardened: Excel sheets whose declared dimension lies, uploads that leave no file behind when no job
takes it (and the periodic removal of what a crash left), and report cells a spreadsheet never runs."""

import csv
import io
import os
import re
import time
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rapport.contacts.imports import readers, report, services, uploads, xlsx
from rapport.contacts.imports.readers import FileProblem, RowError
from rapport.contacts.models import ImportJob, ImportRow
from rapport.contacts.tasks import prune_import_files
from rapport.core import scheduler
from tests.factories import UserFactory, api_token, role

from .import_support import imports_var_dir, upload  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db

PEOPLE = [["Email", "Name"], ["ada@x.test", "Ada"], ["bob@x.test", "Bob"], ["cy@x.test", "Cy"]]


def crafted_xlsx(path, rows, *, dimension: str | None = None, extra_xml: str = "") -> bytes:
    """An .xlsx of ``rows`` whose sheet declares ``dimension`` and holds ``extra_xml`` after its rows."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                if dimension:
                    text, found = re.subn(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{dimension}"/>', text)
                    assert found == 1
                text = text.replace("</sheetData>", extra_xml + "</sheetData>")
                data = text.encode()
            target.writestr(item, data)
    plain.unlink()
    return path.read_bytes()


def inline_row(number: int, values: dict[str, str]) -> str:
    cells = "".join(f'<c r="{col}{number}" t="inlineStr"><is><t>{v}</t></is></c>' for col, v in values.items())
    return f'<row r="{number}">{cells}</row>'


@pytest.fixture
def admin():
    return UserFactory(role=role("admin"))


def imported_files(settings) -> list:
    folder = settings.VAR_DIR / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


# --- Excel: the declared dimension is not trusted ------------------------------------------------------------


def test_a_sheet_declaring_the_whole_grid_uploads_with_its_real_rows(admin, tmp_path):
    # A1:XFD1048576 claims 16,384 columns and a million rows: the header was refused as too wide, and every
    # row would have been padded to 16,384 cells.
    data = crafted_xlsx(tmp_path / "grid.xlsx", PEOPLE, dimension="A1:XFD1048576")
    job = upload(admin, data, name="grid.xlsx")
    # Spreadsheets are not counted in the upload request (a few MB can hold a million rows): the run does it.
    assert (job.file_format, job.headers, job.total_rows) == ("xlsx", ["Email", "Name"], None)
    preview = services.import_preview(actor=admin, job=job)
    assert [r["row_number"] for r in preview] == [2, 3, 4]
    assert preview[0]["values"]["emails"][0]["email"] == "ada@x.test"
    reader = readers.open_reader(job.file_path, "xlsx")
    assert reader.estimate() == 3  # from the rows the sheet holds, not the million it declares
    assert all(len(cells) == 2 for _, cells in reader.rows())


def test_a_sheet_declaring_a_million_rows_reports_its_real_rows(admin, tmp_path):
    data = crafted_xlsx(tmp_path / "tall.xlsx", PEOPLE, dimension="A1:CV1000000")
    job = upload(admin, data, name="tall.xlsx")
    assert (job.headers, job.total_rows) == (["Email", "Name"], None)
    assert [cells for _, cells in readers.open_reader(job.file_path, "xlsx").rows()] == PEOPLE[1:]


def test_the_preview_reads_only_the_first_rows_of_a_file(admin, tmp_path):
    # Rows far down a file of blank lines are not read to fill the preview; the run imports them.
    blank = "," * (len(PEOPLE[0]) - 1) + "\n"
    text = ",".join(PEOPLE[0]) + "\n" + ",".join(PEOPLE[1]) + "\n" + blank * services.PREVIEW_SCAN
    text += ",".join(PEOPLE[2]) + "\n"
    job = upload(admin, text)
    assert [r["row_number"] for r in services.import_preview(actor=admin, job=job)] == [2]
    assert [n for n, _ in readers.open_reader(job.file_path, "csv").rows()] == [2, services.PREVIEW_SCAN + 3]


def test_a_dimension_too_small_loses_no_row_or_column(tmp_path):
    rows = [["Email", "Name", "City"], ["ada@x.test", "Ada", "London"], ["bob@x.test", "Bob", "Paris"]]
    path = tmp_path / "small.xlsx"
    crafted_xlsx(path, rows, dimension="A1:A1")
    reader = readers.open_reader(path, "xlsx")
    assert reader.headers == ["Email", "Name", "City"]
    assert list(reader.rows()) == [(2, rows[1]), (3, rows[2])]


def test_values_under_no_header_are_not_read(tmp_path):
    path = tmp_path / "wide.xlsx"
    crafted_xlsx(path, PEOPLE[:2], extra_xml=inline_row(3, {"A": "bob@x.test", "B": "Bob", "XFD": "stray"}))
    reader = readers.open_reader(path, "xlsx")
    assert list(reader.rows()) == [(2, ["ada@x.test", "Ada"]), (3, ["bob@x.test", "Bob"])]


def test_rows_numbered_past_excels_last_row_are_not_read(tmp_path):
    path = tmp_path / "far.xlsx"
    crafted_xlsx(path, PEOPLE[:2], extra_xml=inline_row(2_000_000_000, {"A": "far@x.test", "B": "Far"}))
    reader = readers.open_reader(path, "xlsx")
    assert list(reader.rows()) == [(2, ["ada@x.test", "Ada"])]
    assert reader.count() == 1


def test_the_header_and_a_first_row_are_looked_for_in_the_first_rows_only(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "SCAN_ROWS", 50)
    late_header = tmp_path / "late.xlsx"
    crafted_xlsx(late_header, [], extra_xml=inline_row(60, {"A": "Email"}) + inline_row(61, {"A": "a@x.test"}))
    with pytest.raises(FileProblem) as exc:
        readers.open_reader(late_header, "xlsx")
    assert "first 50 rows" in exc.value.message

    blank = "".join(f'<row r="{n}"><c r="A{n}" s="0"/></row>' for n in range(2, 40))
    no_rows = tmp_path / "blank.xlsx"
    crafted_xlsx(no_rows, [["Email"]], extra_xml=blank)
    assert readers.open_reader(no_rows, "xlsx").has_rows() is False

    # Past the rows looked at, the sheet goes on: whether it holds data is the run's to find out.
    more = "".join(f'<row r="{n}"><c r="A{n}" s="0"/></row>' for n in range(2, 80)) + inline_row(90, {"A": "z@x.test"})
    late_data = tmp_path / "late-data.xlsx"
    crafted_xlsx(late_data, [["Email"]], extra_xml=more)
    reader = readers.open_reader(late_data, "xlsx")
    assert reader.has_rows() is True
    assert list(reader.rows()) == [(90, ["z@x.test"])]


def test_a_sheet_damaged_midway_reports_the_row(tmp_path):
    path = tmp_path / "damaged.xlsx"
    crafted_xlsx(path, PEOPLE, extra_xml='<row r="9"><c r="A9" t="n"><v>not a number</v></c></row>')
    rows = list(readers.open_reader(path, "xlsx").rows())
    assert rows[:3] == [(2, PEOPLE[1]), (3, PEOPLE[2]), (4, PEOPLE[3])]
    # openpyxl fails before it says which row it was reading: the report names the first row not read.
    assert len(rows) == 4 and rows[3][0] == 5
    assert isinstance(rows[3][1], RowError) and "damaged" in rows[3][1].message


# --- uploads keep a file only for the job that took it -------------------------------------------------------


CSV = b"Name,Email\nAda,ada@x.test\n"


def test_an_upload_refused_for_its_csrf_token_keeps_no_file(admin, settings):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin)
    response = browser.post("/imports/new/", {"object_type": "contact", "file": SimpleUploadedFile("p.csv", CSV)})
    assert response.status_code == 403
    assert imported_files(settings) == [] and not ImportJob.objects.exists()


def test_uploads_that_create_no_job_keep_no_file(client, admin, settings):
    client.force_login(admin)
    elsewhere = client.post("/imports/new/", {"object_type": "contact", "other": SimpleUploadedFile("p.csv", CSV)})
    assert elsewhere.status_code == 422
    bad_type = client.post("/imports/new/", {"object_type": "deal", "file": SimpleUploadedFile("p.csv", CSV)})
    assert bad_type.status_code == 422
    assert imported_files(settings) == []

    made = client.post("/imports/new/", {"object_type": "contact", "file": SimpleUploadedFile("p.csv", CSV)})
    assert made.status_code == 302
    job = ImportJob.objects.get()
    assert [str(p) for p in imported_files(settings)] == [job.file_path]


def test_api_uploads_that_create_no_job_keep_no_file(client, admin, settings):
    headers = {"Authorization": f"Bearer {api_token(admin)}"}
    elsewhere = client.post("/api/v1/imports", {"other": SimpleUploadedFile("p.csv", CSV)}, headers=headers)
    assert elsewhere.status_code == 422 and "file" in elsewhere.json()["errors"]
    bad_format = client.post(
        "/api/v1/imports", {"file": SimpleUploadedFile("p.csv", CSV), "file_format": "pdf"}, headers=headers
    )
    assert bad_format.status_code == 422
    assert imported_files(settings) == []

    session = Client(enforce_csrf_checks=True)
    session.force_login(admin)
    refused = session.post("/api/v1/imports", {"file": SimpleUploadedFile("p.csv", CSV)})
    assert refused.status_code == 403
    assert imported_files(settings) == [] and not ImportJob.objects.exists()

    made = client.post("/api/v1/imports", {"file": SimpleUploadedFile("p.csv", CSV)}, headers=headers)
    assert made.status_code == 201
    assert [str(p) for p in imported_files(settings)] == [ImportJob.objects.get().file_path]


def _aged(path, days: float):
    when = time.time() - days * 86400
    os.utime(path, (when, when))
    return path


def test_old_files_no_job_refers_to_are_pruned(admin, settings):
    job = upload(admin, CSV, name="kept.csv")
    _aged(job.file_path, 3)
    orphan = uploads.new_path("orphan.csv")
    orphan.write_bytes(CSV)
    _aged(orphan, 2)
    recent = uploads.new_path("recent.csv")
    recent.write_bytes(CSV)  # an upload in progress, or one whose job is being created

    assert prune_import_files.call() == {"files": 1}
    assert imported_files(settings) == sorted([recent, uploads.imports_dir() / os.path.basename(job.file_path)])
    assert prune_import_files.call() == {"files": 0}
    assert scheduler.schedules()["rapport.contacts.tasks.prune_import_files"].task is prune_import_files


# --- the report ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("message", ["=HYPERLINK(1)", "\uff1dcmd|' /C calc'!A0", "\n=1+1", "@SUM(A1)", "-2+3"])
def test_report_cells_never_run_as_formulas(admin, message):
    job = upload(admin, CSV)
    ImportRow.objects.create(job=job, row_number=2, outcome="failed", message=message)
    rows = list(csv.reader(io.StringIO("".join(report.csv_lines(job)).lstrip("\ufeff"))))
    assert rows[1] == ["2", "failed", "", "'" + message]
