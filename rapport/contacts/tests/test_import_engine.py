"""The import engine end to end: cleaning like the services, companies and tags, permissions, create/update/upsert,
per-row reports, batches (one transaction each, resumable), undo."""

from datetime import timedelta

import openpyxl
import pytest
from django.db.models.functions import Now
from django_tasks_db.models import DBTaskResult

from rapport.contacts import hooks, services, tasks
from rapport.contacts.enums import JobStatus
from rapport.contacts.imports import runner
from rapport.contacts.imports import services as imports
from rapport.contacts.imports.undo import run_undo
from rapport.contacts.models import (
    Company,
    CompanyDomain,
    Contact,
    ContactEmail,
    ContactPhone,
    ImportedRecord,
    ImportJob,
    ImportRow,
    Membership,
)
from rapport.core.errors import ApplicationError, PermissionDenied
from rapport.core.models import AuditEntry
from rapport.core.worker import recover_expired_leases
from tests.factories import TeamFactory, UserFactory, make_company, make_contact, role

from .import_support import imports_var_dir, outcomes, run_import, upload  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db

HEADER = "First Name,Last Name,E-mail Address,E-mail 2 Address,Mobile Phone,Company,Job Title,Business Street," \
    "Business City,Business Country/Region,Tags\n"  # fmt: skip


@pytest.fixture
def admin():
    return UserFactory(role=role("admin"), team=TeamFactory(name="North"))


def csv_of(*rows: str) -> str:
    return HEADER + "".join(r + "\n" for r in rows)


def test_rows_are_cleaned_and_derived_like_the_services_do(admin):
    job = upload(admin, csv_of(
        "  JEAN-LUC ,van der berg,JL@Example.COM,jl@home.test,(415) 555-2671,ACME,cto,12 Main St,paris,France,VIP;north",
    ))  # fmt: skip
    job = run_import(admin, job)
    assert job.status == JobStatus.DONE and job.created_count == 1 and job.failed_count == 0
    imported = Contact.objects.get()
    reference = make_contact(
        admin, first_name="  JEAN-LUC ", last_name="van der berg",
        emails=[{"email": "JL@Example.COM"}, {"email": "jl@home.test"}],
        phones=[{"number": "(415) 555-2671", "label": "mobile"}], companies=[Company.objects.get().pk],
        job_title="cto", addresses=[{"street": "12 Main St", "city": "paris", "country": "France", "label": "work"}],
        tags=["VIP", "north"],
    )  # fmt: skip
    fields = ("first_name", "last_name", "display_name", "email", "phone", "company_id", "job_title", "completeness",
              "owner_id", "team_id", "created_by_id")  # fmt: skip
    assert {f: getattr(imported, f) for f in fields} == {f: getattr(reference, f) for f in fields}
    assert imported.display_name == "Jean-Luc Van der Berg" and imported.phone == "+14155552671"
    for relation, columns in (("emails", ("email", "label", "is_primary")),
                              ("phones", ("number", "display", "label", "is_primary")),
                              ("addresses", ("label", "street", "city", "country", "is_primary"))):  # fmt: skip
        assert list(getattr(imported, relation).values_list(*columns)) == list(
            getattr(reference, relation).values_list(*columns)
        )
    assert sorted(imported.tags.values_list("name", flat=True)) == ["VIP", "north"]
    assert imported.memberships.get().is_primary


def test_good_rows_are_kept_and_bad_rows_reported_with_their_column(admin):
    job = upload(admin, csv_of(
        "Ada,Lovelace,ada@example.com,,,,,,,,",
        "Bad,Email,not-an-email,,,,,,,,",
        "Bad,Phone,bp@example.com,,12,,,,,,",
        ",,,,,,Engineer,,,,",
        "Grace,Hopper,grace@example.com,,,,,,,Atlantis,",
        "Alan,Turing,alan@example.com,,,,,,,,",
    ))  # fmt: skip
    job = run_import(admin, job)
    assert (job.created_count, job.failed_count, job.processed_rows, job.total_rows) == (2, 4, 6, 6)
    report = outcomes(job)
    assert report[3] == ("failed", "E-mail Address: Enter a valid email address.")
    assert report[4][0] == "failed" and report[4][1].startswith("Mobile Phone: Enter a valid phone number")
    assert report[5] == ("failed", "First Name: Give at least a name or an email address.")
    assert report[6] == ("failed", "Business Country/Region: Enter a country name or its ISO code.")
    assert set(Contact.objects.values_list("display_name", flat=True)) == {"Ada Lovelace", "Alan Turing"}


def test_companies_are_found_by_name_or_created_once(admin):
    acme = make_company(admin, name="Acme")
    job = upload(admin, csv_of(
        "Ada,One,a1@x.test,,,ACME,,,,,",
        "Ada,Two,a2@x.test,,,Newco,,,,,",
        "Ada,Three,a3@x.test,,,newco,,,,,",
    ))  # fmt: skip
    run_import(admin, job)
    newco = Company.objects.get(name="Newco")
    assert Company.objects.count() == 2
    assert dict(Contact.objects.values_list("last_name", "company_id")) == {"One": acme.pk, "Two": newco.pk,
                                                                           "Three": newco.pk}  # fmt: skip
    assert Membership.objects.filter(company=newco).count() == 2
    assert newco.owner == admin and newco.completeness > 0
    runs = set(ImportedRecord.objects.filter(job=job).values_list("object_type", "record_id", "last_record_id"))
    first, last = min(Contact.objects.values_list("pk", flat=True)), max(Contact.objects.values_list("pk", flat=True))
    assert runs == {("", first, last), ("company", newco.pk, None)}  # one run of contacts, one of companies


def test_owner_and_team_options_must_stay_within_the_importers_reach():
    team = TeamFactory(name="Team A")
    manager = UserFactory(role=role("manager"), team=team)
    colleague = UserFactory(role=role("sales_rep"), team=team)
    stranger = UserFactory(role=role("sales_rep"), team=TeamFactory(name="Team B"))
    job = upload(manager, csv_of("Ada,Lovelace,ada@x.test,,,,,,,,"))
    with pytest.raises(ApplicationError) as exc:
        imports.import_update(actor=manager, job=job, data={"options": {"owner": stranger.pk}})
    assert "options.owner" in exc.value.fields
    job = run_import(manager, job, options={"owner": colleague.pk, "tags": ["imported"]})
    contact = Contact.objects.get()
    assert (contact.owner_id, contact.team_id) == (colleague.pk, team.pk)
    assert list(contact.tags.values_list("name", flat=True)) == ["imported"]


def test_importing_needs_the_import_feature(settings):
    rep = UserFactory(role=role("sales_rep"))
    with pytest.raises(PermissionDenied):
        upload(rep, csv_of("Ada,Lovelace,ada@x.test,,,,,,,,"))
    assert not ImportJob.objects.exists()
    assert not list((settings.VAR_DIR / "imports").iterdir())  # the refused file is not kept


def test_update_touches_only_records_the_importer_may_write():
    team = TeamFactory(name="Team A")
    marketer = UserFactory(role=role("marketer"), team=team)  # reads all, writes own
    other = UserFactory(role=role("admin"))
    mine = make_contact(marketer, first_name="Ada", email="ada@x.test")
    theirs = make_contact(other, first_name="Bob", email="bob@x.test")
    job = upload(marketer, "Email,Job Title,Phone\nada@x.test,Countess,+44 20 7946 0958\nbob@x.test,Boss,\n"
                           "nobody@x.test,Ghost,\n")  # fmt: skip
    job = run_import(marketer, job, mode="update", match_on="email")
    assert (job.updated_count, job.failed_count) == (1, 2)
    report = outcomes(job)
    assert report[3] == ("failed", "Not found or not yours.") and report[4] == ("failed", "Not found or not yours.")
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.job_title == "Countess" and mine.phone == "+442079460958" and mine.first_name == "Ada"
    assert theirs.job_title == ""


def test_upsert_creates_then_updates_and_undo_puts_everything_back(admin):
    existing = make_contact(admin, first_name="Ada", last_name="Lovelace", email="ada@x.test", job_title="Countess",
                            tags=["old"])  # fmt: skip
    before = Contact.objects.filter(pk=existing.pk).values().get()
    job = upload(admin, "Email,Email 2,First Name,Job Title,Phone,Company,Tags\n"
                        "ada@x.test,ada@work.test,,Analyst,+44 20 7946 0958,Engines,new\n"
                        "alan@x.test,,Alan,,,Bletchley,\n"
                        "alan@x.test,,,Codebreaker,,,\n")  # fmt: skip
    job = run_import(admin, job, mode="upsert", match_on="email")
    assert (job.created_count, job.updated_count, job.failed_count) == (1, 2, 0)
    existing.refresh_from_db()
    assert existing.job_title == "Analyst" and existing.first_name == "Ada"  # an empty cell changes nothing
    assert set(existing.emails.values_list("email", flat=True)) == {"ada@x.test", "ada@work.test"}
    assert existing.email == "ada@x.test" and existing.phone == "+442079460958"
    assert sorted(existing.tags.values_list("name", flat=True)) == ["new", "old"]
    assert existing.company.name == "Engines"
    alan = Contact.objects.get(email="alan@x.test")
    assert alan.job_title == "Codebreaker" and alan.company.name == "Bletchley"  # the second row updated the first's
    row = ImportRow.objects.get(job=job, row_number=2)
    assert row.outcome == "updated" and row.before["fields"]["job_title"] == "Countess"

    assert imports.can_undo(admin, job)
    imports.import_undo(actor=admin, job=job)
    job = run_undo(job.pk)
    assert job.status == JobStatus.UNDONE
    assert not Contact.objects.filter(email="alan@x.test").exists()
    assert set(Company.objects.values_list("name", flat=True)) == set()  # both created for this import, now unused
    existing.refresh_from_db()
    after = Contact.objects.filter(pk=existing.pk).values().get()
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }
    assert list(existing.emails.values_list("email", flat=True)) == ["ada@x.test"]
    assert list(existing.tags.values_list("name", flat=True)) == ["old"]
    assert not existing.phones.exists() and not existing.memberships.exists()
    assert (job.undo_total, job.undo_processed) == (3, 3) and not ImportedRecord.objects.filter(job=job).exists()
    assert AuditEntry.objects.filter(object_type="import", action="import_undone").exists()


def test_undo_keeps_records_out_of_the_undoers_reach():
    team = TeamFactory(name="Team A")
    manager = UserFactory(role=role("manager"), team=team)
    job = run_import(
        manager, upload(manager, csv_of("Ada,Lovelace,ada@x.test,,,,,,,,", "Alan,Turing,al@x.test,,,,,,,,"))
    )
    moved = Contact.objects.get(email="al@x.test")
    elsewhere = UserFactory(role=role("sales_rep"), team=TeamFactory(name="Team B"))
    Contact.objects.filter(pk=moved.pk).update(owner=elsewhere, team=elsewhere.team)
    imports.import_undo(actor=manager, job=job)
    run_undo(job.pk)
    assert list(Contact.objects.values_list("pk", flat=True)) == [moved.pk]


def test_an_external_id_can_be_used_once(admin):
    make_contact(admin, first_name="Old", external_id="X1")
    job = upload(admin, "Name,External ID\nAda,X1\nBob,X2\nCarl,X2\n")
    job = run_import(admin, job)
    assert outcomes(job) == {2: ("failed", "Another contact has this external id."),
                             4: ("failed", "Another contact has this external id.")}  # fmt: skip
    assert Contact.objects.get(external_id="X2").first_name == "Bob"


def test_mandatory_and_custom_fields(admin):
    services.field_policy_update(actor=admin, object_type="contact", required_fields=["phone"])
    services.custom_field_create(actor=admin, data={"object_type": "contact", "label": "Renewal", "key": "renewal",
                                                    "field_type": "date"})  # fmt: skip
    job = upload(
        admin, "Name,Phone,Renewal\nAda,+44 20 7946 0958,2027-01-31\nBob,,2027-01-31\nCarl,+1 415 555 2671,soon\n"
    )
    assert job.mapping["Renewal"] == "custom.renewal"
    job = run_import(admin, job)
    assert outcomes(job) == {3: ("failed", "Phone: Phone is required."),
                             4: ("failed", "Renewal: Enter a date as YYYY-MM-DD.")}  # fmt: skip
    assert Contact.objects.get().custom == {"renewal": "2027-01-31"}


def test_batches_tell_listeners_and_write_one_audit_entry_each(admin, settings):
    settings.IMPORT_BATCH_SIZE = 2
    calls = []
    hooks.on_records_changed(lambda object_type, ids: calls.append((object_type, len(ids))))
    try:
        job = run_import(admin, upload(admin, csv_of(*[f"P{i},Q,p{i}@x.test,,,,,,,," for i in range(5)])))
    finally:
        hooks._LISTENERS.pop()
    assert calls == [("contact", 2), ("contact", 2), ("contact", 1)]
    entries = AuditEntry.objects.filter(object_type="import", object_id=str(job.pk))
    assert entries.filter(action="import_batch").count() == 3
    assert entries.filter(action="import_finished").get().changes["created"] == 5
    assert not AuditEntry.objects.filter(object_type="contact").exists()  # no entry per row


def test_a_failure_in_a_batch_leaves_no_half_batch_and_the_run_resumes(admin, settings):
    """An error inside the third batch's transaction (here a listener failing, as a crash would): the batch is
    rolled back whole, the job stops; resumed, it goes on after the committed rows and imports nothing twice."""
    settings.IMPORT_BATCH_SIZE = 3
    job = upload(admin, csv_of(*[f"P{i},Q,p{i}@x.test,,+1 415 555 {2600 + i},Co{i % 2},,,,,," for i in range(10)]))
    imports.import_start(actor=admin, job=job)
    seen = []

    def crash(object_type, ids):
        seen.append(object_type)
        if len([s for s in seen if s == "contact"]) == 3:
            raise RuntimeError("worker lost")

    hooks.on_records_changed(crash)
    try:
        with pytest.raises(RuntimeError):
            runner.run(job.pk)
    finally:
        hooks._LISTENERS.remove(crash)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.processed_rows == 6 and job.created_count == 6
    assert Contact.objects.count() == 6 and ContactPhone.objects.count() == 6
    imports.import_resume(actor=admin, job=job)
    job = runner.run(job.pk)
    assert (job.status, job.processed_rows, job.created_count) == (JobStatus.DONE, 10, 10)
    assert Contact.objects.count() == 10 == ContactEmail.objects.count()
    assert sorted(Contact.objects.values_list("first_name", flat=True)) == sorted(f"P{i}" for i in range(10))
    assert Company.objects.count() == 2


def test_an_import_whose_worker_keeps_getting_lost_is_marked_failed_and_can_be_resumed(admin, settings):
    """Lease recovery gives the task up after WORKER_MAX_ATTEMPTS lost runs: the job must not stay "running"."""
    settings.WORKER_MAX_ATTEMPTS = 2
    job = upload(admin, csv_of("Ada,Lovelace,ada@x.test,,,,,,,,"))
    imports.import_start(actor=admin, job=job)
    task = DBTaskResult.objects.get(task_path=tasks.run_import.module_path)
    task.claim("w1")
    DBTaskResult.objects.filter(pk=task.pk).update(worker_ids=["w0", "w1"], started_at=Now() - timedelta(hours=1))
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)

    recover_expired_leases(lease=60)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "WorkerLost" in job.error and job.finished_at is not None
    imports.import_resume(actor=admin, job=job)
    assert runner.run(job.pk).status == JobStatus.DONE and Contact.objects.get().first_name == "Ada"


def test_a_second_run_does_not_import_a_batch_twice(admin):
    job = upload(admin, csv_of("Ada,Lovelace,ada@x.test,,,,,,,,", "Alan,Turing,al@x.test,,,,,,,,"))
    imports.import_start(actor=admin, job=job)
    runner.run(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)  # as if a stale worker still ran it
    job.refresh_from_db()
    schema = runner.RecordSchema.load("contact")
    plan = runner.build_plan(job, schema, admin.pk)
    ctx = runner.writer.Context(job=job, actor=admin, plan=plan, owner_id=admin.pk, team_id=None, option_tags=[])
    prepared = [runner.prepare(plan, 2, ["Ada", "Lovelace", "ada@x.test", "", "", "", "", "", "", "", ""])]
    assert runner.write_batch(ctx, 0, prepared) is False  # processed_rows is 2, not 0: refused
    assert Contact.objects.count() == 2


def test_big_files_are_cleaned_in_worker_processes(admin, settings):
    settings.IMPORT_BATCH_SIZE = 40
    settings.IMPORT_WORKERS = 2
    settings.IMPORT_POOL_MIN_ROWS = 1
    rows = [f"P{i},Q{i},p{i}@x.test,,+1 415 555 {1000 + i},Co{i % 7},,,,,tag{i % 3}" for i in range(300)]
    rows[150] = "Bad,Row,nope,,,,,,,,"
    job = run_import(admin, upload(admin, csv_of(*rows)))
    assert (job.created_count, job.failed_count) == (299, 1)
    assert outcomes(job)[152][0] == "failed"
    assert Contact.objects.filter(first_name="P299", phone="+14155551299").exists()
    assert Company.objects.count() == 7


def test_vcards(admin):
    from .test_import_readers import VCARDS

    job = upload(admin, VCARDS.encode(), name="people.vcf")
    assert job.file_format == "vcf" and job.mapping["EMAIL"] == "email" and job.mapping["NOTE"] == ""
    job = run_import(admin, job)
    assert (job.created_count, job.failed_count) == (2, 2)
    ada = Contact.objects.get(last_name="Lovelace")
    assert (ada.first_name, ada.middle_name, ada.prefix, ada.job_title, ada.department) == (
        "Ada", "King", "Countess", "Mathematician", "R&D",
    )  # fmt: skip
    assert ada.email == "ada@home.test"  # PREF first
    assert list(ada.phones.values_list("number", "label")) == [("+442079460958", "mobile"), ("+14155552671", "work")]
    assert ada.addresses.get().city == "London" and ada.linkedin == "https://www.linkedin.com/in/ada"
    assert str(ada.birth_date) == "1815-12-10" and ada.company.name == "Analytical Engines"
    alan = Contact.objects.get(last_name="Turing")
    assert alan.birth_date is None and alan.phone == "+441625000000"
    assert outcomes(job) == {3: ("failed", "This vCard is damaged and cannot be read."),
                             4: ("failed", "This vCard has no END:VCARD (the file is cut).")}  # fmt: skip


def test_xlsx(admin, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["Given Name", "Family Name", "E-mail 1 - Value", "Phone 1 - Value", "Notes"])
    book.active.append(["Ada", "Lovelace", "ada@x.test", 4155552671, '=HYPERLINK("http://evil")'])
    book.active.append(["=1+1", "Turing", "alan@x.test", None, None])
    path = tmp_path / "book.xlsx"
    book.save(path)
    job = run_import(admin, upload(admin, path.read_bytes(), name="book.xlsx"))
    assert job.created_count == 2
    assert Contact.objects.get(last_name="Lovelace").phone == "+14155552671"
    assert Contact.objects.get(last_name="Turing").first_name == "=1+1"  # text, never evaluated


def test_companies_import_and_update_by_domain(admin):
    job = upload(admin, "Company Name,Domain,Employees,Industry,Phone\nAcme,https://www.acme.test/x,250,Tools,"
                        "+1 415 555 2671\nGlobex,globex.test,12000,,\nNo domain,,abc,,\n", object_type="company")  # fmt: skip
    job = run_import(admin, job)
    assert (job.created_count, job.failed_count) == (2, 1)
    acme = Company.objects.get(name="Acme")
    assert (acme.domain, acme.size_band, acme.phone) == ("acme.test", "201-500", "+14155552671")
    assert Company.objects.get(name="Globex").size_band == "5001+"
    job = run_import(admin, upload(admin, "Domain,Industry\nacme.test,Hardware\nnowhere.test,Air\n",
                                   object_type="company"), mode="update", match_on="domain")  # fmt: skip
    acme.refresh_from_db()
    assert acme.industry == "Hardware" and (job.updated_count, job.failed_count) == (1, 1)
    assert CompanyDomain.objects.filter(company=acme).count() == 1


def test_starting_twice_or_changing_a_started_import_is_refused(admin):
    job = upload(admin, csv_of("Ada,Lovelace,ada@x.test,,,,,,,,"))
    imports.import_start(actor=admin, job=job)
    with pytest.raises(ApplicationError) as exc:
        imports.import_start(actor=admin, job=job)
    assert exc.value.status == 409
    with pytest.raises(ApplicationError):
        imports.import_update(actor=admin, job=job, data={"mode": "update"})
    other = UserFactory(role=role("admin"))
    with pytest.raises(PermissionDenied):
        imports.import_preview(actor=other, job=job)
