"""/api/v1/imports: upload, configure, preview, start, report, undo; problems for bad input and refused access."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.contacts.enums import JobStatus
from rapport.contacts.models import Contact, ImportJob
from rapport.core.worker import run_ready_tasks
from tests.factories import TeamFactory, UserFactory, api_token, role

from .import_support import imports_var_dir  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db

CSV = (
    "First Name,Last Name,E-mail Address,Mobile Phone,Company,Tags\n"
    "ada,LOVELACE,ada@example.com,+44 20 7946 0958,Analytical Engines,vip\n"
    "Grace,Hopper,not-an-email,,Navy,\n"
    "Alan,Turing,alan@example.com,(415) 555-2671,,\n"
)


def kept_files() -> list:
    from django.conf import settings

    folder = settings.VAR_DIR / "imports"
    return list(folder.iterdir()) if folder.exists() else []


class Api:
    def __init__(self, client, user):
        self.client = client
        self.headers = {"Authorization": f"Bearer {api_token(user)}"}

    def upload(self, content=CSV, name="people.csv", **fields):
        data = {"file": SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content), **fields}
        return self.client.post("/api/v1/imports", data, headers=self.headers)

    def get(self, url):
        return self.client.get(f"/api/v1{url}", headers=self.headers)

    def post(self, url, **headers):
        return self.client.post(f"/api/v1{url}", headers={**self.headers, **headers})

    def patch(self, url, data):
        return self.client.patch(f"/api/v1{url}", data, content_type="application/json", headers=self.headers)


@pytest.fixture
def admin():
    return UserFactory(role=role("admin"), team=TeamFactory(name="North"))


@pytest.fixture
def api(client, admin):
    return Api(client, admin)


def test_the_whole_flow(api):
    response = api.upload(object_type="contact")
    assert response.status_code == 201, response.json()
    job = response.json()
    assert response["Location"].endswith(f"/imports/{job['id']}")
    assert job["headers"] == ["First Name", "Last Name", "E-mail Address", "Mobile Phone", "Company", "Tags"]
    assert job["mapping"]["E-mail Address"] == "email" and job["mapping"]["Mobile Phone"] == "phone:mobile"
    assert (job["status"], job["total_rows"], job["encoding"], job["delimiter"]) == ("uploaded", 3, "utf-8", ",")
    url = f"/imports/{job['id']}"

    patched = api.patch(url, {"mapping": {**job["mapping"], "Tags": None}, "options": {"tags": ["api"]}})
    assert patched.status_code == 200, patched.json()
    assert patched.json()["mapping"]["Tags"] == "" and patched.json()["options"]["tags"] == ["api"]

    preview = api.get(f"{url}/preview?limit=2").json()["rows"]
    assert [r["ok"] for r in preview] == [True, False]
    assert preview[0]["values"]["first_name"] == "Ada" and preview[0]["values"]["company"] == "Analytical Engines"
    assert preview[1]["message"] == "E-mail Address: Enter a valid email address."

    started = api.post(f"{url}/start")
    assert started.status_code == 202 and started.json()["status"] == "queued"
    assert api.post(f"{url}/start").status_code == 409
    assert run_ready_tasks() == 1
    done = api.get(url).json()
    assert (done["status"], done["created_count"], done["failed_count"], done["processed_rows"]) == ("done", 2, 1, 3)

    report = api.get(f"{url}/report").json()
    assert report["items"] == [{"id": report["items"][0]["id"], "row_number": 3, "outcome": "failed",
                                "record_id": None, "message": "E-mail Address: Enter a valid email address."}]  # fmt: skip
    assert api.get(f"{url}/report?outcome=updated").json()["items"] == []
    csv = api.get(f"{url}/report.csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert b"".join(csv.streaming_content).decode("utf-8-sig").splitlines()[1] == (
        "3,failed,,E-mail Address: Enter a valid email address."
    )
    assert sorted(Contact.objects.get(last_name="Lovelace").tags.values_list("name", flat=True)) == ["api"]

    undo = api.post(f"{url}/undo")
    assert undo.status_code == 202 and undo.json()["status"] == "undoing" and undo.json()["undo_total"] == 2
    assert run_ready_tasks() == 1
    undone = api.get(url).json()
    assert (undone["status"], undone["undo_processed"]) == ("undone", 2)
    assert not Contact.objects.exists()
    assert api.post(f"{url}/undo").status_code == 409

    listed = api.get("/imports?status=undone").json()
    assert [j["id"] for j in listed["items"]] == [job["id"]]


def test_fields_lists_what_columns_can_go_to(api):
    fields = api.get("/imports/fields?object_type=company").json()
    assert {"key": "domain", "label": "Domain", "group": "Company"} in fields
    assert any(f["key"] == "address:home.city" for f in fields)
    assert api.get("/imports/fields?object_type=deal").status_code == 422


@pytest.mark.parametrize(
    ("content", "name", "detail"),
    [
        (b"", "empty.csv", "empty"),
        (b"Name,Email\n", "header.csv", "no rows"),
        (b"Name\nAda\n", "fake.xlsx", "not an Excel"),
        (b"PK\x03\x04garbage", "broken.xlsx", "not a zip"),
        (b"Hello\r\nWorld\r\n", "cards.vcf", "no vCards"),
    ],
)
def test_bad_files_answer_422_and_keep_nothing(api, content, name, detail, settings):
    response = api.upload(content, name=name)
    assert response.status_code == 422, response.json()
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert detail in body["detail"] and body["errors"]["file"]
    assert not ImportJob.objects.exists()
    assert not kept_files()


def test_uploads_over_the_limit_answer_413_without_keeping_the_file(api, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    response = api.upload("Name\n" + "Ada Lovelace\n" * 120_000)
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert not ImportJob.objects.exists()
    assert not kept_files()


def test_a_request_without_a_file(api, client):
    response = client.post("/api/v1/imports", {"object_type": "contact"}, headers=api.headers)
    assert response.status_code == 422 and "file" in response.json()["errors"]
    response = client.post("/api/v1/imports", {"x": 1}, content_type="application/json", headers=api.headers)
    assert response.status_code == 422
    assert api.upload(object_type="deal").status_code == 422


def test_patch_validates_every_part(api):
    job = api.upload().json()
    url = f"/imports/{job['id']}"
    bad = api.patch(url, {"mapping": {"Nope": "email", "Tags": "password"}})
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"mapping.Nope", "mapping.Tags"}
    assert api.patch(url, {"mode": "merge"}).status_code == 422
    assert api.patch(url, {"match_on": "domain"}).status_code == 422  # a company key
    assert api.patch(url, {"options": {"owner": 999999}}).status_code == 422
    assert api.patch(url, {"delimiter": ";"}).json()["headers"] == [
        "First Name,Last Name,E-mail Address,Mobile Phone,Company,Tags"
    ]
    assert api.patch(url, {"delimiter": ","}).json()["mapping"]["E-mail Address"] == "email"
    assert api.patch(url, {"mode": "update"}).status_code == 200
    started = api.post(f"{url}/start")
    assert started.status_code == 422 and "match_on" in started.json()["errors"]


def test_access(client, api, admin):
    job = api.upload().json()
    url = f"/api/v1/imports/{job['id']}"
    rep = UserFactory(role=role("sales_rep"))
    rep_headers = {"Authorization": f"Bearer {api_token(rep)}"}
    assert client.get("/api/v1/imports", headers=rep_headers).json()["items"] == []
    assert client.get(url, headers=rep_headers).status_code == 404
    refused = client.post("/api/v1/imports", {"file": SimpleUploadedFile("a.csv", CSV.encode())}, headers=rep_headers)
    assert refused.status_code == 403
    marketer = UserFactory(role=role("marketer"))
    marketer_headers = {"Authorization": f"Bearer {api_token(marketer)}"}
    assert client.get(url, headers=marketer_headers).status_code == 404  # another user's import
    other_admin = Api(client, UserFactory(role=role("admin")))
    assert other_admin.get(f"/imports/{job['id']}").status_code == 200  # settings managers see every import
    assert other_admin.post(f"/imports/{job['id']}/start").status_code == 403  # but only its owner runs it
    assert client.get(url).status_code == 401
    assert ImportJob.objects.get().status == JobStatus.UPLOADED
