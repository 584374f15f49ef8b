"""The permission matrix of the contacts and companies API: every built-in role x the record's relation to the actor
(own, the team's, another team's) x operation. The expected answer comes from the roles' scope table by the simple
rule below, not from the access code under test; a refused request must leave the database exactly as it was."""

import pytest
from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_logged_in

from rapport.contacts.models import (
    Address,
    Company,
    CompanyDomain,
    CompanyTag,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Membership,
)
from rapport.core.models import AuditEntry, IdempotencyRecord
from rapport.users.roles import BUILTIN_ROLES
from tests.factories import TeamFactory, UserFactory, make_company, make_contact, role

pytestmark = pytest.mark.django_db

ROLE_KEYS = [spec.key for spec in BUILTIN_ROLES]
RELATIONS = ["own", "team", "other"]
OBJECT_TYPES = {"contact": "/api/v1/contacts", "company": "/api/v1/companies"}


def scope(role_key: str, operation: str) -> str:
    """Read straight from the table in rapport/users/roles.py: (read, write) on every business object type."""
    spec = next(s for s in BUILTIN_ROLES if s.key == role_key)
    return str(spec.records[0] if operation == "read" else spec.records[1])


def reaches(scope_value: str, relation: str) -> bool:
    """all: every record; team: the actor's own and their team's; own: the actor's own; none: nothing."""
    return {"all": True, "team": relation in ("own", "team"), "own": relation == "own", "none": False}[scope_value]


def expected_write(role_key: str, relation: str, success: int) -> int:
    """Allowed: success. Readable but not writable: 403. Not even readable: 404 (as if absent)."""
    if reaches(scope(role_key, "write"), relation):
        return success
    if reaches(scope(role_key, "read"), relation):
        return 403
    return 404


def db_state():
    """Everything these requests could change."""
    return (
        list(Contact.objects.order_by("pk").values()),
        list(Company.objects.order_by("pk").values()),
        *(list(model.objects.order_by("pk").values()) for model in (ContactEmail, ContactPhone, Address, Membership)),
        *(list(model.objects.order_by("pk").values()) for model in (CompanyDomain, ContactTag, CompanyTag)),
        AuditEntry.objects.count(),
        IdempotencyRecord.objects.count(),
    )


class World:
    """The actor in team Home with a teammate; a stranger in team Away; a contact and a company of each."""

    def __init__(self, role_key: str):
        self.home, self.away = TeamFactory(name="Home"), TeamFactory(name="Away")
        self.actor = UserFactory(username="actor", role=role(role_key), team=self.home)
        self.mate = UserFactory(username="mate", team=self.home)
        self.stranger = UserFactory(username="stranger", team=self.away)
        admin = UserFactory(username="boss", role=role("admin"), team=self.away)
        owners = {"own": self.actor, "team": self.mate, "other": self.stranger}
        self.records = {"contact": {}, "company": {}}
        for relation, owner in owners.items():
            company = make_company(admin, name=f"{relation} company", owner=owner.pk, domain=f"{relation}.test")
            self.records["company"][relation] = company
            self.records["contact"][relation] = make_contact(
                admin, first_name=relation, owner=owner.pk, email=f"{relation}@example.test", tags=["t"],
                companies=[{"company": company.pk}],
            )  # fmt: skip


@pytest.fixture
def login(client):
    user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")

    def login(role_key: str) -> World:
        world = World(role_key)
        client.force_login(world.actor)
        return world

    yield login
    user_logged_in.connect(update_last_login, dispatch_uid="update_last_login")


def check(response, expected: int, before):
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert db_state() == before, "a refused request changed the database"


def listed(client, url: str) -> set[int]:
    body = client.get(url, {"limit": 200}).json()
    assert body["next"] is None
    return {item["id"] for item in body["items"]}


@pytest.mark.parametrize("role_key", ROLE_KEYS)
@pytest.mark.parametrize("relation", RELATIONS)
@pytest.mark.parametrize("object_type", OBJECT_TYPES)
def test_read(client, login, role_key, relation, object_type):
    world = login(role_key)
    record = world.records[object_type][relation]
    url = OBJECT_TYPES[object_type]
    visible = reaches(scope(role_key, "read"), relation)
    before = db_state()
    check(client.get(f"{url}/{record.pk}"), 200 if visible else 404, before)
    assert (record.pk in listed(client, url)) is visible
    check(client.get(f"/api/v1/{url.rsplit('/', 1)[1]}/{record.pk}/timeline"), 200 if visible else 404, before)


@pytest.mark.parametrize("role_key", ROLE_KEYS)
@pytest.mark.parametrize("relation", RELATIONS)
@pytest.mark.parametrize("object_type", OBJECT_TYPES)
def test_update(client, login, role_key, relation, object_type):
    world = login(role_key)
    record = world.records[object_type][relation]
    expected = expected_write(role_key, relation, 200)
    before = db_state()
    response = client.patch(
        f"{OBJECT_TYPES[object_type]}/{record.pk}", {"external_id": "changed"}, content_type="application/json"
    )
    check(response, expected, before)
    record.refresh_from_db()
    assert (record.external_id == "changed") is (expected == 200)


@pytest.mark.parametrize("role_key", ROLE_KEYS)
@pytest.mark.parametrize("relation", RELATIONS)
@pytest.mark.parametrize("object_type", OBJECT_TYPES)
def test_delete(client, login, role_key, relation, object_type):
    world = login(role_key)
    record = world.records[object_type][relation]
    expected = expected_write(role_key, relation, 204)
    before = db_state()
    check(client.delete(f"{OBJECT_TYPES[object_type]}/{record.pk}"), expected, before)
    assert type(record).objects.filter(pk=record.pk).exists() is (expected != 204)


@pytest.mark.parametrize("role_key", ROLE_KEYS)
@pytest.mark.parametrize("relation", RELATIONS)
@pytest.mark.parametrize("object_type", OBJECT_TYPES)
def test_create(client, login, role_key, relation, object_type):
    """A new record owned by the actor, a teammate or a stranger: allowed within the write scope, else 422 naming
    the owner, to whom the actor may not give records; read-only users may create nothing: 403 before their input
    is even read."""
    world = login(role_key)
    owner = {"own": world.actor, "team": world.mate, "other": world.stranger}[relation]
    name = {"contact": "first_name", "company": "name"}[object_type]
    write = scope(role_key, "write")
    expected = 201 if reaches(write, relation) else 403 if write == "none" else 422
    before = db_state()
    response = client.post(
        OBJECT_TYPES[object_type], {name: "Created", "owner_id": owner.pk}, content_type="application/json"
    )
    check(response, expected, before)
    model = Contact if object_type == "contact" else Company
    assert model.objects.filter(**{name: "Created"}, owner=owner).exists() is (expected == 201)


@pytest.mark.parametrize("role_key", ROLE_KEYS)
@pytest.mark.parametrize("object_type", OBJECT_TYPES)
def test_bulk_actions_reach_only_writable_records(client, login, role_key, object_type):
    world = login(role_key)
    records = world.records[object_type]
    writable = {rel for rel in RELATIONS if reaches(scope(role_key, "write"), rel)}
    before = db_state()
    response = client.post(
        f"{OBJECT_TYPES[object_type]}/bulk-actions",
        {"ids": [r.pk for r in records.values()], "action": "delete"},
        content_type="application/json",
    )
    if role_key == "read_only":  # no bulk feature
        check(response, 403, before)
        return
    check(response, 200, before)
    assert response.json()["affected"] == len(writable)
    for relation, record in records.items():
        assert type(record).objects.filter(pk=record.pk).exists() is (relation not in writable)


@pytest.mark.parametrize("role_key", ROLE_KEYS)
def test_bulk_upsert_matches_only_visible_records(client, login, role_key):
    world = login(role_key)
    records = [{"email": f"{rel}@example.test", "job_title": "Upserted"} for rel in RELATIONS]
    response = client.post(
        "/api/v1/contacts/bulk-upsert", {"match": "email", "mode": "update", "records": records},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    for relation, result in zip(RELATIONS, response.json()["results"], strict=True):
        contact = world.records["contact"][relation]
        expected = expected_write(role_key, relation, 200)
        status = {200: "updated", 403: "failed", 404: "failed"}[expected]
        code = {200: "", 403: "permission_denied", 404: "not_found"}[expected]
        assert (result["status"], result["code"]) == (status, code), (relation, result)
        contact.refresh_from_db()
        assert (contact.job_title == "Upserted") is (expected == 200)
