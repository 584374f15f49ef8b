"""The import pages: upload, mapping with field errors, preview, progress polling, report, undo."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.contacts.enums import JobStatus
from rapport.contacts.models import Contact, ImportJob
from rapport.core.worker import run_ready_tasks
from tests.factories import UserFactory, role

from .import_support import imports_var_dir  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db

CSV = "Name,Email,Phone,Company\nAda Lovelace,ada@x.test,+44 20 7946 0958,Engines\nBob,bad,,\n"


@pytest.fixture
def admin(client):
    user = UserFactory(role=role("admin"))
    client.force_login(user)
    return user


def upload(client, content=CSV, name="people.csv", object_type="contact"):
    return client.post(
        "/imports/new/", {"object_type": object_type, "file": SimpleUploadedFile(name, content.encode())}
    )


def mapping_data(job, **changes):
    data = {f"map-{i}": job.mapping[h] for i, h in enumerate(job.headers)}
    data.update({"options-mode": "create", "options-match_on": "", "options-tags": ""})
    data.update(changes)
    return data


def test_upload_map_preview_run_report_undo(client, admin):
    page = client.get("/imports/new/?type=company")
    assert page.status_code == 200 and b'value="company"' in page.content
    response = upload(client)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/mapping/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"Ada Lovelace" in page.content  # sample values
    assert b'<option value="full_name" selected>' in page.content

    response = client.post(f"/imports/{job.pk}/mapping/", mapping_data(job, **{"options-tags": "fair, 2026"}))
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/preview/"
    page = client.get(response["Location"])
    assert (
        page.status_code == 200 and b"Fails" in page.content and b"Email: Enter a valid email address." in page.content
    )

    response = client.post(f"/imports/{job.pk}/start/")
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    page = client.get(f"/imports/{job.pk}/")
    assert b'hx-trigger="every 1s"' in page.content  # polls while queued
    run_ready_tasks()
    refresh = client.get(f"/imports/{job.pk}/progress/?was=active", headers={"HX-Request": "true"})
    assert refresh["HX-Refresh"] == "true"
    page = client.get(f"/imports/{job.pk}/")
    assert b"every 1s" not in page.content and b"Report" in page.content and b"Row" in page.content
    assert b"Email: Enter a valid email address." in page.content
    assert sorted(Contact.objects.get().tags.values_list("name", flat=True)) == ["2026", "fair"]
    csv = client.get(f"/imports/{job.pk}/report.csv")
    assert b"".join(csv.streaming_content).decode("utf-8-sig").startswith("row,outcome,record_id,message")
    assert client.get("/imports/").status_code == 200

    confirm = client.get(f"/imports/{job.pk}/undo/")
    assert confirm.status_code == 200 and b"Undo import" in confirm.content
    client.post(f"/imports/{job.pk}/undo/")
    run_ready_tasks()
    job.refresh_from_db()
    assert job.status == JobStatus.UNDONE and not Contact.objects.exists()


def test_mapping_errors_are_shown_next_to_the_fields(client, admin):
    upload(client)
    job = ImportJob.objects.get()
    data = mapping_data(job, **{"map-2": "email", "map-1": "first_name", "map-0": "first_name",
                                "options-mode": "update"})  # fmt: skip
    page = client.post(f"/imports/{job.pk}/mapping/", data)
    assert page.status_code == 422
    assert b"is already mapped to this field" in page.content and b"has-error" in page.content
    data = mapping_data(job, **{"options-mode": "update"})
    page = client.post(f"/imports/{job.pk}/mapping/", data)
    assert page.status_code == 422 and b"Choose how to find the records to update." in page.content
    job.refresh_from_db()
    assert job.status == JobStatus.UPLOADED


def test_the_file_can_be_read_with_another_delimiter(client, admin):
    upload(client, "Name;Email\nAda;ada@x.test\n")
    job = ImportJob.objects.get()
    assert job.headers == ["Name", "Email"]
    client.post(f"/imports/{job.pk}/mapping/", {"file-encoding": "utf-8", "file-delimiter": ","})
    job.refresh_from_db()
    assert job.headers == ["Name;Email"] and job.delimiter == ","


def test_bad_uploads_show_an_error(client, admin, settings):
    page = upload(client, "", name="empty.csv")
    assert page.status_code == 422 and b"file is empty." in page.content
    page = client.post("/imports/new/", {"object_type": "contact"})
    assert page.status_code == 422 and b"field-error" in page.content
    settings.IMPORT_MAX_UPLOAD_MB = 1
    page = upload(client, "Name\n" + "Ada\n" * 400_000)
    assert page.status_code == 413 and b"larger than 1 MB" in page.content
    assert not ImportJob.objects.exists()


def test_pages_need_the_import_feature_and_the_job(client, admin):
    upload(client)
    job = ImportJob.objects.get()
    rep = UserFactory(role=role("sales_rep"))
    client.force_login(rep)
    assert client.get("/imports/").status_code == 403
    assert client.get("/imports/new/").status_code == 403
    marketer = UserFactory(role=role("marketer"))
    client.force_login(marketer)
    assert client.get(f"/imports/{job.pk}/").status_code == 404
    assert client.post(f"/imports/{job.pk}/start/").status_code == 404
    assert client.get("/imports/").status_code == 200
