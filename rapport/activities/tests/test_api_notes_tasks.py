"""Notes and tasks through the API: CRUD, filters, who may change what, ETag/If-Match, keyset pages."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.activities import services
from rapport.activities.models import Note, Task
from rapport.contacts.tests.api_client import Api, problem
from rapport.core.models import AuditEntry
from tests.factories import UserFactory, make_contact, role

pytestmark = pytest.mark.django_db

NOTES = "/api/v1/notes"
TASKS = "/api/v1/tasks"


@pytest.fixture
def api(client, rep):
    return Api(client, rep)


# --- notes -------------------------------------------------------------------------------------


def test_note_lifecycle(api, ada):
    response = api.post(NOTES, {"body": "  Met at the fair.\r\nLikes tea. ", "contact_id": ada.pk, "pinned": True})
    assert response.status_code == 201, response.content
    note = response.json()
    assert response["Location"] == f"{NOTES}/{note['id']}"
    assert note["body"] == "Met at the fair.\nLikes tea." and note["pinned"] is True
    assert note["contact"] == {"id": ada.pk, "display_name": "Ada Lovelace"} and note["company"] is None
    assert note["author"]["id"] == api.user.pk
    url = f"{NOTES}/{note['id']}"
    assert api.get(url).json() == note
    tag = api.get(url)["ETag"]
    assert api.patch(url, {"body": "Likes coffee."}, headers={"If-Match": tag}).json()["body"] == "Likes coffee."
    problem(api.patch(url, {"pinned": False}, headers={"If-Match": tag}), 412)
    problem(api.delete(url, headers={"If-Match": tag}), 412)
    assert api.delete(url).status_code == 204 and not Note.objects.exists()
    assert AuditEntry.objects.filter(object_type="note", action="delete").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"body": "  ", "contact_id": "ada"}, "body"),
        ({"body": "x"}, "contact"),
        ({"body": "x", "contact_id": 999999}, "contact"),
        ({"body": "x", "contact_id": "ada", "company_id": "acme"}, "contact"),
        ({"body": "x", "contact_id": 0}, "contact_id"),
        ({"contact_id": "ada"}, None),  # no body: named "payload" until core's _field_name keeps a field "body"
    ],
)
def test_note_validation(api, ada, acme, data, field):
    data = {k: {"ada": ada.pk, "acme": acme.pk}.get(v, v) for k, v in data.items()}
    errors = problem(api.post(NOTES, data), 422)["errors"]
    assert field in errors if field else errors
    assert not Note.objects.exists()


def test_notes_list_by_record_and_scope(client, api, ada, acme, rep, outsider, teammate):
    on_ada = services.note_create(actor=rep, data={"body": "one", "contact": ada.pk})
    on_acme = services.note_create(actor=rep, data={"body": "two", "company": acme.pk})
    theirs = services.note_create(actor=outsider, data={"body": "three", "contact": make_contact(outsider).pk})
    assert api.ids(NOTES) == [on_acme.pk, on_ada.pk]
    assert api.ids(NOTES, {"contact": ada.pk}) == [on_ada.pk]
    assert api.ids(NOTES, {"company": acme.pk}) == [on_acme.pk]
    assert api.ids(NOTES, {"ordering": "created_at", "limit": 1}) == [on_ada.pk, on_acme.pk]
    assert api.ids(NOTES, {"contact": make_contact(outsider).pk}) == []
    problem(api.get(f"{NOTES}/{theirs.pk}"), 404)
    # A teammate sees the note but may not change it (they may not change Ada, and did not write it).
    mate = Api(client, teammate)
    assert mate.get(f"{NOTES}/{on_ada.pk}").status_code == 200
    problem(mate.patch(f"{NOTES}/{on_ada.pk}", {"body": "mine"}), 403)
    problem(mate.delete(f"{NOTES}/{on_ada.pk}"), 403)
    on_ada.refresh_from_db()
    assert on_ada.body == "one"
    problem(Api(client, outsider).delete(f"{NOTES}/{on_ada.pk}"), 404)
    assert Note.objects.count() == 3


def test_notes_list_query_count(api, ada, rep):
    def count():
        with CaptureQueriesContext(connection) as queries:
            response = api.get(NOTES, {"limit": 200})
        return len(queries), len(response.json()["items"])

    def add(n):
        for _ in range(n):
            services.note_create(actor=rep, data={"body": "x", "contact": make_contact(rep).pk})

    add(2)
    count()
    few, rows = count()
    add(15)
    many, more_rows = count()
    assert (rows, more_rows) == (2, 17) and many == few


# --- tasks -------------------------------------------------------------------------------------


def test_task_lifecycle(api, ada, rep):
    response = api.post(TASKS, {
        "title": " Call back ", "description": "About the renewal", "due_at": "2030-05-01T09:00:00+02:00",
        "remind_at": "2030-05-01T08:00:00Z", "priority": "high", "contact_id": ada.pk,
    })  # fmt: skip
    assert response.status_code == 201, response.content
    task = response.json()
    assert (task["title"], task["due_at"], task["priority"], task["status"]) == (
        "Call back", "2030-05-01T07:00:00Z", "high", "open"
    )  # fmt: skip
    assert task["assignee"]["id"] == rep.pk and task["team"]["id"] == rep.team_id
    assert task["contact"] == {"id": ada.pk, "display_name": "Ada Lovelace"}
    url = f"{TASKS}/{task['id']}"
    assert api.get(url).json() == task
    tag = api.get(url)["ETag"]
    done = api.post(f"{url}/complete", headers={"If-Match": tag})
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["completed_at"]
    problem(api.post(f"{url}/complete", headers={"If-Match": tag}), 412)
    reopened = api.patch(url, {"status": "open", "title": "Call again"}).json()
    assert (reopened["status"], reopened["completed_at"], reopened["title"]) == ("open", None, "Call again")
    assert api.delete(url).status_code == 204 and not Task.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "title"),
        ({"title": " "}, "title"),
        ({"title": "x", "priority": "whenever"}, "priority"),
        ({"title": "x", "due_at": "soon"}, "due_at"),
        ({"title": "x", "assignee_id": 999999}, "assignee"),
        ({"title": "x", "contact_id": 999999}, "contact"),
        ({"title": "x", "status": "done"}, "status"),  # a new task is open
    ],
)
def test_task_validation(api, data, field):
    assert field in problem(api.post(TASKS, data), 422)["errors"]
    assert not Task.objects.exists()


def test_tasks_follow_the_assignees_scope(client, api, rep, teammate, outsider, manager):
    mine = services.task_create(actor=rep, data={"title": "Mine"})
    mates = services.task_create(actor=teammate, data={"title": "Mate's"})
    theirs = services.task_create(actor=outsider, data={"title": "Theirs"})
    problem(api.post(TASKS, {"title": "For the boss", "assignee_id": manager.pk}), 403)
    assert set(api.ids(TASKS)) == {mine.pk, mates.pk}
    problem(api.get(f"{TASKS}/{theirs.pk}"), 404)
    problem(api.patch(f"{TASKS}/{mates.pk}", {"title": "Taken"}), 403)
    problem(api.post(f"{TASKS}/{mates.pk}/complete"), 403)
    problem(api.delete(f"{TASKS}/{mates.pk}"), 403)
    mates.refresh_from_db()
    assert (mates.title, mates.status) == ("Mate's", "open")
    boss = Api(client, manager)
    assert boss.patch(f"{TASKS}/{mates.pk}", {"assignee_id": rep.pk}).json()["assignee"]["id"] == rep.pk
    read_only = Api(client, UserFactory(role=role("read_only")))
    problem(read_only.post(TASKS, {"title": "Nope"}), 403)


def test_task_filters_and_due_order(api, rep, ada, acme):
    now = datetime(2030, 1, 1, tzinfo=UTC)

    def task(title, days=None, **data):
        due = (now + timedelta(days=days)).isoformat() if days is not None else None
        return services.task_create(actor=rep, data={"title": title, "due_at": due, **data})

    later, someday, soon, other = task("later", 5), task("someday"), task("soon", 1), task("other", 3)
    someday2 = task("someday 2", contact=ada.pk)
    on_acme = task("acme", 2, company=acme.pk)
    services.task_update(actor=rep, task=other, data={"status": "done"})
    due_order = [soon.pk, on_acme.pk, other.pk, later.pk, someday.pk, someday2.pk]
    assert api.ids(TASKS) == due_order
    assert api.ids(TASKS, {"limit": 1}) == due_order  # page by page, the tasks without a date last
    assert api.ids(TASKS, {"limit": 4}) == due_order
    assert api.ids(TASKS, {"ordering": "-created_at", "limit": 2}) == sorted(due_order, reverse=True)
    assert api.ids(TASKS, {"status": "open"}) == [p for p in due_order if p != other.pk]
    assert api.ids(TASKS, {"status": "done"}) == [other.pk]
    assert api.ids(TASKS, {"assignee": "me", "contact": ada.pk}) == [someday2.pk]
    assert api.ids(TASKS, {"assignee": rep.pk, "company": acme.pk}) == [on_acme.pk]
    assert api.ids(TASKS, {"due_before": "2030-01-03T00:00:00Z"}) == [soon.pk]
    assert api.ids(TASKS, {"assignee": UserFactory().pk}) == []
    problem(api.get(TASKS, {"assignee": "you"}), 422)
    problem(api.get(TASKS, {"status": "late"}), 422)
    problem(api.get(TASKS, {"cursor": "forged"}), 422)
    cursor = api.get(TASKS, {"limit": 1, "ordering": "-created_at"}).json()["next"]
    problem(api.get(TASKS, {"limit": 1, "cursor": cursor}), 422)  # a cursor of another ordering


def test_tasks_list_query_count(api, rep, ada, acme):
    def count():
        with CaptureQueriesContext(connection) as queries:
            response = api.get(TASKS, {"limit": 200})
        return len(queries), len(response.json()["items"])

    def add(n):
        for i in range(n):
            services.task_create(actor=rep, data={"title": f"T{i}", "contact": ada.pk if i % 2 else None,
                                                  "company": None if i % 2 else acme.pk})  # fmt: skip

    add(2)
    count()
    few, rows = count()
    add(15)
    many, more_rows = count()
    assert (rows, more_rows) == (2, 17) and many == few


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/interactions"), ("post", "/api/v1/interactions"), ("get", "/api/v1/interactions/1"),
        ("post", "/api/v1/interactions/ingest"), ("get", "/api/v1/contacts/1/timeline"),
        ("get", "/api/v1/companies/1/timeline"), ("get", NOTES), ("post", NOTES), ("get", f"{NOTES}/1"),
        ("patch", f"{NOTES}/1"), ("delete", f"{NOTES}/1"), ("get", TASKS), ("post", TASKS), ("get", f"{TASKS}/1"),
        ("patch", f"{TASKS}/1"), ("delete", f"{TASKS}/1"), ("post", f"{TASKS}/1/complete"),
    ],
)  # fmt: skip
def test_every_route_needs_a_signed_in_user(client, method, url):
    response = getattr(client, method)(url, {}, content_type="application/json")
    problem(response, 401, "not_authenticated")
