"""Exports of the contact and company lists: formula neutralization, record access, the export feature, custom
field columns, Excel files that read back, background jobs for long lists, and streaming in bounded pages."""

import csv
import io
import math
from datetime import timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from rapport.contacts import exports, services
from rapport.contacts.enums import JobStatus
from rapport.contacts.exports import writer
from rapport.contacts.models import Contact, ExportJob
from rapport.contacts.selectors.lists import ListField
from rapport.core.models import AuditEntry
from rapport.core.worker import run_ready_tasks
from tests.factories import TeamFactory, UserFactory, api_token, make_company, make_contact, role

TRIGGERS = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"  # what spreadsheets evaluate (and the full-width forms)


@pytest.fixture(autouse=True)
def _exports_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def admin(db):
    return UserFactory(username="boss", role=role("admin"), time_zone="Europe/Paris")


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx(data: bytes):
    book = openpyxl.load_workbook(io.BytesIO(data))
    return book.worksheets[0]


def _content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- formula neutralization ----------------------------------------------------------------------------


@given(st.text())
def test_no_text_cell_can_start_a_formula(text):
    out = writer.neutralize(text)
    assert out == text or out == "'" + text  # nothing is lost: at most a quote is added
    assert not out or out[0] not in TRIGGERS
    assert set(TRIGGERS) <= writer.FORMULA_TRIGGERS
    assert (out != text) == (bool(text) and text[0] in writer.FORMULA_TRIGGERS)  # nothing else is touched
    for cell in (writer.csv_cell(text), writer.xlsx_cell(text)):
        assert not cell or cell[0] not in TRIGGERS


@pytest.mark.parametrize("value", ["=1+1", "+33 1 23", "-2", "@SUM(A1)", "\tx", "\rx", "\uff1dcmd", "\uff20x"])
def test_each_trigger_is_quoted(value):
    assert writer.neutralize(value) == "'" + value


def test_numbers_stay_numbers():
    assert writer.csv_cell(-5) == "-5" and writer.xlsx_cell(-5) == -5


@hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(min_size=1), min_size=1, max_size=8))
def test_written_files_hold_no_formula(tmp_path, texts):
    columns = writer.Columns([ListField("x", "X", "text", value=lambda o: o.x)])
    pages = [[SimpleNamespace(pk=i + 1, x=t) for i, t in enumerate(texts)]]
    path = tmp_path / "x.xlsx"
    writer.write_xlsx(path, columns, pages)
    sheet = openpyxl.load_workbook(path).worksheets[0]
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert len(cells) == len(texts)
    for cell, text in zip(cells, texts, strict=True):
        assert cell.data_type != "f"
        assert cell.value is None or str(cell.value)[0] not in TRIGGERS
        written = writer.xlsx_cell(text).replace("\r\n", "\n").replace("\r", "\n")  # XML reads line ends as LF
        assert (cell.value or "") == written
    rows = list(csv.reader(io.StringIO("".join(writer.csv_chunks(columns, pages))[1:])))
    for row, text in zip(rows[1:], texts, strict=True):
        assert row[1] == writer.neutralize(text)  # the text, whole, at most with a quote before it


def test_a_hostile_contact_is_exported_harmless(client, admin):
    make_contact(admin, first_name="Eve", last_name="Mallory", job_title="=HYPERLINK(\"http://x\",\"y\")",
                 phones=["+33 6 12 34 56 78"])  # fmt: skip
    client.force_login(admin)
    response = client.post(reverse("contact_export") + "?columns=job_title,phone")
    header, row = _csv(response)
    assert header == ["ID", "Name", "Job title", "Phone"]
    assert row[2] == '\'=HYPERLINK("http://x","y")'
    assert row[3] == "'+33 6 12 34 56 78"
    response = client.post(reverse("contact_export") + "?columns=job_title", {"format": "xlsx"})
    sheet = _xlsx(_content(response))
    cell = sheet.cell(row=2, column=3)
    assert cell.data_type == "s" and cell.value.startswith("'=")


# --- access and the export feature ---------------------------------------------------------------------


@pytest.fixture
def teams(db):
    red, blue = TeamFactory(name="Red"), TeamFactory(name="Blue")
    admin = UserFactory(role=role("admin"))
    rep = UserFactory(username="rep", role=role("sales_rep"), team=red)
    manager = UserFactory(username="manager", role=role("manager"), team=red)
    other = UserFactory(username="other", role=role("manager"), team=blue)
    mine = make_contact(admin, first_name="Mine", owner=rep.pk, team=red.pk)
    team_mate = make_contact(admin, first_name="Teammate", owner=manager.pk, team=red.pk)
    foreign = make_contact(admin, first_name="Foreign", owner=other.pk, team=blue.pk)
    return SimpleNamespace(rep=rep, manager=manager, other=other, mine=mine, team_mate=team_mate, foreign=foreign)


def test_without_the_export_feature_the_answer_is_403(client, teams):
    client.force_login(teams.rep)  # sales reps do not export
    response = client.post(reverse("contact_export"))
    assert response.status_code == 403
    headers = {"Authorization": f"Bearer {api_token(teams.rep)}"}
    response = client.post("/api/v1/exports", {"object_type": "contact"}, content_type="application/json",
                           headers=headers)  # fmt: skip
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert not ExportJob.objects.exists()
    assert not AuditEntry.objects.filter(action="export").exists()


def test_an_export_holds_only_what_the_user_may_see(client, teams):
    teams.rep.role.features = [*teams.rep.role.features, "export"]  # a sales rep allowed to export
    teams.rep.role.save()
    client.force_login(teams.rep)
    rows = _csv(client.post(reverse("contact_export")))
    assert sorted(r[1] for r in rows[1:]) == ["Mine Lovelace", "Teammate Lovelace"]
    # Selected ids cannot reach outside the scope either.
    ids = f"{teams.foreign.pk},{teams.mine.pk}"
    rows = _csv(client.post(reverse("contact_export"), {"ids": ids}))
    assert [r[0] for r in rows[1:]] == [str(teams.mine.pk)]
    rows = _csv(client.post(reverse("contact_export") + "?owner=me"))
    assert [r[1] for r in rows[1:]] == ["Mine Lovelace"]


def test_the_export_is_audited_without_personal_data(client, admin):
    make_contact(admin, first_name="Grace", last_name="Hopper", emails=["grace@navy.example"], lifecycle_stage="lead")
    client.force_login(admin)
    response = client.post(reverse("contact_export") + "?q=grace&email=grace@navy&lifecycle_stage=lead")
    assert len(_csv(response)) == 2
    entry = AuditEntry.objects.get(action="export")
    assert entry.object_type == "contact" and entry.actor == admin
    assert entry.changes["rows"] == 1
    assert entry.changes["filters"] == {"q": "…", "email": "…", "lifecycle_stage": "lead"}
    assert "grace" not in str(entry.changes).lower()


def test_invalid_parameters_show_an_error_page(client, admin):
    client.force_login(admin)
    response = client.post(reverse("contact_export") + "?colour=red&ordering=email")
    assert response.status_code == 422
    assert b"Unknown filter." in response.content
    response = client.post(reverse("contact_export") + "?columns=nope")
    assert response.status_code == 422 and b"Unknown column" in response.content
    response = client.post(reverse("contact_export"), {"format": "pdf"})
    assert response.status_code == 422
    assert client.get(reverse("contact_export")).status_code == 405


# --- columns, order, custom fields, Excel -------------------------------------------------------------


@pytest.fixture
def custom(admin):
    services.custom_field_create(
        actor=admin,
        data={
            "object_type": "company",
            "label": "Plan",
            "key": "plan",
            "field_type": "choice",
            "choices": ["Starter", "Enterprise"],
        },
    )
    services.custom_field_create(
        actor=admin,
        data={"object_type": "company", "label": "ARR", "key": "arr", "field_type": "money", "currency": "EUR"},
    )
    services.custom_field_create(actor=admin, data={"object_type": "company", "label": "Renewal", "key": "renewal",
                                                    "field_type": "date"})  # fmt: skip
    big = make_company(admin, name="Globex", custom={"plan": "Enterprise", "arr": "120000.50", "renewal": "2026-09-30"})
    small = make_company(admin, name="Initech", custom={"plan": "Starter", "arr": "900"}, tags=["vip"])
    return big, small


def test_custom_field_columns_filters_and_order(client, admin, custom):
    client.force_login(admin)
    url = reverse("company_export") + "?columns=cf.plan,cf.arr,cf.renewal,tags&ordering=-cf.arr"
    header, *rows = _csv(client.post(url))
    assert header == ["ID", "Name", "Plan", "ARR", "Renewal", "Tags"]
    assert rows == [
        [str(custom[0].pk), "Globex", "Enterprise", "120000.5", "2026-09-30", ""],
        [str(custom[1].pk), "Initech", "Starter", "900", "", "vip"],
    ]
    header, *rows = _csv(client.post(reverse("company_export") + "?cf.plan=Starter&columns=cf.plan"))
    assert [r[1] for r in rows] == ["Initech"]


def test_xlsx_reads_back_with_types(client, admin, custom):
    client.force_login(admin)
    response = client.post(reverse("company_export") + "?columns=cf.arr,cf.renewal,created_at", {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "companies-" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    sheet = _xlsx(_content(response))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("ID", "Name", "ARR", "Renewal", "Created")
    globex = next(r for r in rows[1:] if r[1] == "Globex")
    assert globex[2] == 120000.5 and globex[3].date().isoformat() == "2026-09-30"
    created = custom[0].created_at.astimezone(ZoneInfo("Europe/Paris")).replace(tzinfo=None)
    assert abs((globex[4] - created).total_seconds()) < 1  # the exporting user's local time
    assert len(rows) == 3


# --- large exports: background jobs --------------------------------------------------------------------


def _bulk_contacts(actor, n: int, **fields) -> None:
    Contact.objects.bulk_create(
        [Contact(display_name=f"Person {i:07d}", first_name="Person", last_name=f"{i:07d}", owner=actor,
                 email=f"p{i}@x.example", **fields) for i in range(n)],
        batch_size=2000,
    )  # fmt: skip


def test_a_long_list_goes_to_a_job_and_its_file_is_complete(client, admin, settings):
    settings.EXPORT_DIRECT_LIMIT = 50
    _bulk_contacts(admin, 1234)
    client.force_login(admin)
    response = client.post(reverse("contact_export") + "?columns=email&ordering=-display_name", {"format": "csv"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("export_detail", args=[job.pk])
    assert job.status == JobStatus.QUEUED and job.owner == admin
    page = client.get(reverse("export_detail", args=[job.pk]))
    assert b"every 2s" in page.content  # the progress card polls while the job runs
    assert client.get(reverse("export_download", args=[job.pk])).status_code == 302  # not ready: back to progress

    assert run_ready_tasks() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.processed_rows == job.total_rows == 1234
    page = client.get(reverse("export_detail", args=[job.pk]))
    assert b"every 2s" not in page.content and b"Download CSV" in page.content
    download = client.get(reverse("export_download", args=[job.pk]))
    header, *rows = _csv(download)
    assert header == ["ID", "Name", "Email"] and len(rows) == 1234
    assert rows[0][1] == "Person 0001233" and rows[-1][1] == "Person 0000000"
    assert len({r[0] for r in rows}) == 1234
    entry = AuditEntry.objects.get(action="export")
    assert entry.changes["rows"] == 1234 and entry.changes["job"] == job.pk
    assert client.get(reverse("export_list")).status_code == 200

    # Only its owner downloads it, even an admin cannot.
    client.force_login(UserFactory(role=role("admin")))
    assert client.get(reverse("export_download", args=[job.pk])).status_code == 404
    assert client.get(reverse("export_detail", args=[job.pk])).status_code == 404


def test_a_job_whose_owner_lost_the_feature_fails(admin, settings):
    settings.EXPORT_DIRECT_LIMIT = 1
    _bulk_contacts(admin, 3)
    plan = exports.plan_export(actor=admin, object_type="contact")
    job = exports.export_queue(plan)
    admin.role = role("sales_rep")
    admin.save()
    run_ready_tasks()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "permission" in job.error
    assert not job.file_path and list((settings.VAR_DIR / "exports").iterdir()) == []


def test_old_exports_are_deleted(admin, settings):
    plan = exports.plan_export(actor=admin, object_type="contact")
    old = exports.export_queue(plan, run_now=True)
    new = exports.export_queue(plan, run_now=True)
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    old_file = settings.VAR_DIR / old.file_path
    assert old_file.is_file()
    assert exports.exports_prune() == {"jobs": 1, "files": 1}
    assert not old_file.exists() and (settings.VAR_DIR / new.file_path).is_file()
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [new.pk]


# --- streaming in bounded pages ------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1200, 2400])
def test_rows_are_read_a_page_at_a_time(admin, n):
    _bulk_contacts(admin, n, lifecycle_stage="lead")
    plan = exports.plan_export(actor=admin, object_type="contact", columns="email,tags,city,owner,company")
    biggest = 0
    with CaptureQueriesContext(connection) as queries:
        for page in plan.pages():
            biggest = max(biggest, len(page))
            writer.Columns(plan.fields).values(page[0])
    pages = math.ceil(n / writer.CHUNK)
    assert biggest == writer.CHUNK
    main = [q for q in queries if 'FROM "contacts_contact"' in q["sql"]]
    # One query per page of 500 (plus, from the second page on, one reading the cursor row's sort key back),
    # never one per row and never the whole table.
    assert len(main) == 2 * pages - 1
    assert len(queries) == pages * 3 + pages - 1  # the page, its tags and its addresses (owner, company joined)


def test_csv_stream_is_produced_page_by_page(admin):
    _bulk_contacts(admin, 1100)
    plan = exports.plan_export(actor=admin, object_type="contact")
    chunks = list(writer.csv_chunks(plan.columns_writer(), plan.pages()))
    assert len(chunks) == 1 + 3  # the header, then one chunk per page
    assert sum(c.count("\n") for c in chunks) == 1101


# --- the API -------------------------------------------------------------------------------------------


def test_api_export_small_is_done_at_once(client, admin, custom):
    headers = {"Authorization": f"Bearer {api_token(admin)}"}
    body = {"object_type": "company", "format": "xlsx", "columns": ["cf.plan"], "ordering": "name",
            "filters": {"cf.plan": ["Starter", "Enterprise"]}}  # fmt: skip
    response = client.post("/api/v1/exports", body, content_type="application/json", headers=headers)
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["status"] == "done" and job["total_rows"] == 2 and job["download_url"].endswith("/download")
    assert response["Location"].endswith(f"/exports/{job['id']}")
    assert client.get(f"/api/v1/exports/{job['id']}", headers=headers).json()["progress"] == 100
    download = client.get(job["download_url"], headers=headers)
    rows = list(_xlsx(_content(download)).iter_rows(values_only=True))
    assert rows == [
        ("ID", "Name", "Plan"),
        (custom[0].pk, "Globex", "Enterprise"),
        (custom[1].pk, "Initech", "Starter"),
    ]
    listing = client.get("/api/v1/exports", headers=headers).json()
    assert [j["id"] for j in listing["items"]] == [job["id"]]


def test_api_export_large_is_a_job(client, admin, settings):
    settings.EXPORT_DIRECT_LIMIT = 10
    _bulk_contacts(admin, 25)
    headers = {"Authorization": f"Bearer {api_token(admin)}"}
    response = client.post("/api/v1/exports", {"object_type": "contact", "ids": None}, content_type="application/json",
                           headers=headers)  # fmt: skip
    job = response.json()
    assert response.status_code == 201 and job["status"] == "queued" and job["download_url"] is None
    download = client.get(f"/api/v1/exports/{job['id']}/download", headers=headers)
    assert download.status_code == 409 and download.json()["code"] == "not_ready"
    run_ready_tasks()
    assert len(_csv(client.get(f"/api/v1/exports/{job['id']}/download", headers=headers))) == 26
    stranger = {"Authorization": f"Bearer {api_token(UserFactory(role=role('admin')))}"}
    assert client.get(f"/api/v1/exports/{job['id']}", headers=stranger).status_code == 404
    assert client.get(f"/api/v1/exports/{job['id']}/download", headers=stranger).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"object_type": "contact", "columns": ["nope"]}, "columns"),
        ({"object_type": "contact", "filters": {"nope": "x"}}, "nope"),
        ({"object_type": "contact", "ordering": "tags"}, "ordering"),
        ({"object_type": "deal"}, "object_type"),
        ({"object_type": "contact", "format": "pdf"}, "format"),
    ],
)
def test_api_refuses_invalid_exports(client, admin, body, field):
    headers = {"Authorization": f"Bearer {api_token(admin)}"}
    response = client.post("/api/v1/exports", body, content_type="application/json", headers=headers)
    assert response.status_code == 422 and field in response.json()["errors"]
    assert not ExportJob.objects.exists()


# --- the command line ----------------------------------------------------------------------------------


def test_export_command(admin, tmp_path):
    make_contact(admin, first_name="Lead", lifecycle_stage="lead")
    make_contact(admin, first_name="Customer", lifecycle_stage="customer")
    out = io.StringIO()
    target = tmp_path / "leads.xlsx"
    call_command("export", "contacts", str(target), "--filter", "lifecycle_stage=lead", "--columns",
                 "lifecycle_stage", stdout=out)  # fmt: skip
    assert "Exported 1 contacts" in out.getvalue()
    rows = list(openpyxl.load_workbook(target).worksheets[0].iter_rows(values_only=True))
    assert rows[1][1:] == ("Lead Lovelace", "Lead")
    out = io.StringIO()
    call_command("export", "contacts", "-", "--user", admin.username, stdout=out, stderr=io.StringIO())
    assert len(list(csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff"))))) == 3
