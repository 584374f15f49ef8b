"""``rapport import contacts|companies FILE``: the same engine in the foreground."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from rapport.contacts.enums import JobStatus
from rapport.contacts.models import Company, Contact, ImportJob
from tests.factories import TeamFactory, UserFactory, make_contact, role

from .import_support import imports_var_dir  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db


def run(*args, **options) -> str:
    out, err = StringIO(), StringIO()
    call_command("import", *args, stdout=out, stderr=err, **options)
    return out.getvalue()


@pytest.fixture
def admin():
    return UserFactory(username="boss", role=role("admin"), team=TeamFactory(name="HQ"))


def test_automatic_mapping_progress_and_summary(tmp_path, admin, settings):
    source = tmp_path / "people.csv"
    source.write_text("First Name,Last Name,Email,Phone\nAda,Lovelace,ada@x.test,+44 20 7946 0958\nBob,,bad,\n")
    report = tmp_path / "report.csv"
    out = run("contacts", str(source), tags="cli,batch", report=str(report))
    assert "Email -> email" in out and "Phone -> phone" in out
    assert "DONE: 2 rows" in out and "1 created" in out and "1 failed" in out
    assert "row 3: Email: Enter a valid email address." in out
    assert "row,outcome" in report.read_text(encoding="utf-8-sig")
    contact = Contact.objects.get()
    assert contact.owner == admin and sorted(contact.tags.values_list("name", flat=True)) == ["batch", "cli"]
    assert source.exists()  # the original is copied, never moved
    job = ImportJob.objects.get()
    assert job.status == JobStatus.DONE and not (settings.VAR_DIR / "imports" / job.file_path).exists()


def test_explicit_mapping_as_text_or_json_and_update_mode(tmp_path, admin):
    existing = make_contact(admin, first_name="Ada", email="ada@x.test")
    source = tmp_path / "update.csv"
    source.write_text("Mail;Role;Ignored\nada@x.test;Countess;x\nnobody@x.test;Ghost;y\n")
    out = run("contacts", str(source), mode="update", match="email", mapping="Mail=email,Role=job_title")
    assert "Ignored -> (ignored)" in out and "1 updated" in out and "1 failed" in out
    existing.refresh_from_db()
    assert existing.job_title == "Countess"
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"Mail": "email", "Role": "department"}))
    run("contacts", str(source), mode="upsert", match="email", mapping=str(mapping), user="boss")
    existing.refresh_from_db()
    assert existing.department == "Countess" and Contact.objects.filter(email="nobody@x.test").exists()


def test_companies_owner_and_team(tmp_path, admin):
    rep = UserFactory(username="rita", role=role("sales_rep"))
    team = TeamFactory(name="Field")
    source = tmp_path / "companies.csv"
    source.write_text("Company,Domain\nAcme,acme.test\n")
    run("companies", str(source), owner="rita", team="Field")
    acme = Company.objects.get()
    assert (acme.owner, acme.team, acme.domain) == (rep, team, "acme.test")


def test_errors_are_clear(tmp_path, admin, django_capture_on_commit_callbacks, settings):
    with pytest.raises(CommandError, match="No such file"):
        run("contacts", str(tmp_path / "missing.csv"))
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CommandError, match="empty"):
        run("contacts", str(empty))
    source = tmp_path / "x.csv"
    source.write_text("Name\nAda\n")
    with pytest.raises(CommandError, match="no such column"), django_capture_on_commit_callbacks(execute=True):
        run("contacts", str(source), mapping="Nope=email")
    with pytest.raises(CommandError, match="No active user"):
        run("contacts", str(source), user="ghost")
    with pytest.raises(CommandError, match="match"), django_capture_on_commit_callbacks(execute=True):
        run("contacts", str(source), mode="update")
    assert not ImportJob.objects.exists()
    assert not list((settings.VAR_DIR / "imports").iterdir())


def test_show_mapping_only(tmp_path, admin):
    source = tmp_path / "x.csv"
    source.write_text("Given Name,Family Name\nAda,Lovelace\n")
    out = run("contacts", str(source), show_mapping=True)
    assert "Given Name -> first_name" in out and "Family Name -> last_name" in out
    assert not ImportJob.objects.exists() and not Contact.objects.exists()
