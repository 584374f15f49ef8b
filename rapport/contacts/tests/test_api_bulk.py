"""Bulk upsert (per-record results, good records kept when others fail) and bulk actions (the bulk feature)."""

import pytest
from django.db import connection

from rapport.contacts.models import Company, Contact, ContactTag
from rapport.core.models import AuditEntry
from tests.factories import TeamFactory, UserFactory, make_company, make_contact, role

from .api_client import Api, problem

pytestmark = pytest.mark.django_db

UPSERT = "/api/v1/contacts/bulk-upsert"
ACTIONS = "/api/v1/contacts/bulk-actions"


@pytest.fixture
def admin(client):
    return Api(client, UserFactory(username="admin", role=role("admin")))


def statuses(response) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.content
    return [(r["status"], r["code"]) for r in response.json()["results"]]


# --- bulk upsert -------------------------------------------------------------------------------


def test_mixed_records_keep_the_good_ones(admin):
    existing = make_contact(admin.user, email="ada@example.com", job_title="Engineer")
    response = admin.post(UPSERT, {"match": "email", "mode": "upsert", "records": [
        {"email": "ADA@example.com", "job_title": "CTO"},           # updates Ada
        {"email": "grace@example.com", "first_name": "Grace"},      # created
        {"email": "not an email", "first_name": "Bad"},             # a bad value
        {"email": "linus@example.com", "phones": [{"number": "12"}]},  # a bad value elsewhere
        {"first_name": 42},                                         # a wrong shape
        "just a string",                                            # not a record
        {"email": "alan@example.com", "first_name": "Alan", "favourite": "x"},  # unknown field
        {"email": "ada@example.com", "job_title": "CTO"},           # the same again: unchanged
    ]})  # fmt: skip
    assert statuses(response) == [
        ("updated", ""), ("created", ""), ("failed", "invalid"), ("failed", "invalid"),
        ("failed", "invalid"), ("failed", "invalid"), ("failed", "invalid"), ("unchanged", ""),
    ]  # fmt: skip
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"], body["failed"]) == (1, 1, 1, 5)
    results = body["results"]
    assert [r["index"] for r in results] == list(range(8))
    assert results[0]["id"] == existing.pk and results[7]["id"] == existing.pk
    assert results[2]["errors"] == {"emails[0]": ["Enter a valid email address."]}
    assert results[3]["errors"] == {"phones[0]": ["Enter a valid phone number."]}
    assert "first_name" in results[4]["errors"] and "favourite" in results[6]["errors"]
    existing.refresh_from_db()
    assert existing.job_title == "CTO"
    assert sorted(Contact.objects.values_list("email", flat=True)) == ["ada@example.com", "grace@example.com"]
    assert Contact.objects.get(pk=results[1]["id"]).first_name == "Grace"


def test_modes(admin):
    ada = make_contact(admin.user, email="ada@example.com", external_id="crm-1")
    records = [{"external_id": "crm-1", "job_title": "CTO"}, {"external_id": "crm-2", "first_name": "Grace"}]
    created = admin.post(UPSERT, {"match": "external_id", "mode": "create", "records": records})
    assert statuses(created) == [("failed", "exists"), ("created", "")]
    assert created.json()["results"][0]["id"] == ada.pk
    updated = admin.post(UPSERT, {"match": "external_id", "mode": "update", "records": [
        {"external_id": "crm-2", "job_title": "Admiral"}, {"external_id": "crm-3", "first_name": "Nobody"},
        {"first_name": "No key"},
    ]})  # fmt: skip
    assert statuses(updated) == [("updated", ""), ("failed", "not_found"), ("failed", "invalid")]
    assert Contact.objects.get(external_id="crm-2").job_title == "Admiral"
    assert not Contact.objects.filter(first_name__in=["Nobody", "No key"]).exists()
    # Without a match: plain creates.
    assert statuses(admin.post(UPSERT, {"records": [{"first_name": "Linus"}]})) == [("created", "")]


def test_match_by_id(admin):
    ada = make_contact(admin.user)
    response = admin.post(UPSERT, {"match": "id", "records": [
        {"id": ada.pk, "job_title": "CTO"}, {"id": 999999, "first_name": "Ghost"}, {"first_name": "New"},
        {"id": "abc"},
    ]})  # fmt: skip
    assert statuses(response) == [("updated", ""), ("failed", "not_found"), ("created", ""), ("failed", "invalid")]
    problem(admin.post(UPSERT, {"match": "id", "mode": "create", "records": [{"first_name": "X"}]}), 422)


def test_ambiguous_keys_and_repeated_keys(admin):
    make_contact(admin.user, first_name="One", phones=["+14155552671"])
    make_contact(admin.user, first_name="Two", phones=["+1 415 555 2671"])
    response = admin.post(UPSERT, {"match": "phone", "records": [
        {"phone": "(415) 555-2671", "job_title": "X"},
        {"phone": "+33 6 12 34 56 78", "first_name": "Jean"},
        {"phone": "+33612345678", "job_title": "Boss"},
    ]})  # fmt: skip
    assert statuses(response) == [("failed", "ambiguous"), ("created", ""), ("updated", "")]
    results = response.json()["results"]
    assert results[1]["id"] == results[2]["id"]  # one record, not two
    jean = Contact.objects.get(first_name="Jean")
    assert jean.job_title == "Boss"
    assert not Contact.objects.filter(job_title="X").exists()


def test_records_the_actor_may_not_change_fail_alone(client):
    red = TeamFactory(name="Red")
    rep = Api(client, UserFactory(role=role("sales_rep"), team=red))
    mate = UserFactory(role=role("sales_rep"), team=red)
    theirs = make_contact(mate, email="theirs@example.com")
    hidden = make_contact(UserFactory(role=role("admin")), email="hidden@example.com", external_id="h-1")
    response = rep.post(UPSERT, {"match": "email", "records": [
        {"email": "theirs@example.com", "job_title": "Changed"},
        {"email": "mine@example.com", "first_name": "Mine"},
        {"email": "hidden@example.com", "external_id": "h-1"},  # not visible: a new record, but its id is taken
    ]})  # fmt: skip
    assert statuses(response) == [("failed", "permission_denied"), ("created", ""), ("failed", "duplicate")]
    theirs.refresh_from_db()
    hidden.refresh_from_db()
    assert theirs.job_title == "" and Contact.objects.filter(email="hidden@example.com").count() == 1
    assert Contact.objects.get(email="mine@example.com").owner == rep.user


def test_refused_calls(admin):
    problem(admin.post(UPSERT, {"match": "email", "records": []}), 422)
    problem(admin.post(UPSERT, {"match": "fax", "records": [{"first_name": "X"}]}), 422)
    problem(admin.post(UPSERT, {"mode": "update", "records": [{"first_name": "X"}]}), 422)  # update needs a match
    problem(admin.post(UPSERT, {"records": [{"first_name": "X"}] * 1001}), 422)
    assert not Contact.objects.exists()


def test_a_thousand_records_in_one_call(admin):
    existing = [make_contact(admin.user, first_name=f"P{i}", external_id=f"x-{i}") for i in range(3)]
    records = [{"external_id": f"x-{i}", "first_name": f"P{i}", "job_title": "Updated"} for i in range(1000)]
    lookups = []

    def spy(execute, sql, params, many, context):
        if '"external_id" IN' in sql:
            lookups.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        response = admin.post(UPSERT, {"match": "external_id", "records": records})
    body = response.json()
    assert (body["created"], body["updated"], body["failed"]) == (997, 3, 0)
    assert Contact.objects.count() == 1000
    assert all(c.job_title == "Updated" for c in Contact.objects.filter(pk__in=[e.pk for e in existing]))
    assert len(lookups) == 1  # the existing records are found in one query, not one per record


def test_idempotency_key_replays_the_results(admin):
    headers = {"Idempotency-Key": "batch-1"}
    data = {"match": "email", "records": [{"email": "ada@example.com", "first_name": "Ada"}]}
    first = admin.post(UPSERT, data, headers=headers)
    again = admin.post(UPSERT, data, headers=headers)
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Contact.objects.count() == 1


def test_companies_by_domain_and_name(admin):
    acme = make_company(admin.user, name="Acme", domain="acme.com")
    response = admin.post("/api/v1/companies/bulk-upsert", {"match": "domain", "records": [
        {"domain": "https://www.acme.com", "industry": "Software"}, {"name": "Beta", "domain": "beta.io"},
        {"domain": "beta.io", "industry": "Retail"}, {"name": "No domain"}, {"domain": "nope nope", "name": "Bad"},
    ]})  # fmt: skip
    assert statuses(response) == [
        ("updated", ""),
        ("created", ""),
        ("updated", ""),
        ("created", ""),
        ("failed", "invalid"),
    ]
    acme.refresh_from_db()
    assert acme.industry == "Software" and Company.objects.get(domain="beta.io").industry == "Retail"
    response = admin.post("/api/v1/companies/bulk-upsert", {"match": "name", "mode": "update", "records": [
        {"name": "ACME", "size_band": "11-50"}, {"name": "Gamma", "industry": "X"}, {"name": "beta", "size_band": "0"},
    ]})  # fmt: skip
    assert statuses(response) == [("updated", ""), ("failed", "not_found"), ("failed", "invalid")]
    acme.refresh_from_db()
    assert acme.size_band == "11-50"


# --- bulk actions ------------------------------------------------------------------------------


def test_bulk_actions(admin):
    manager = UserFactory(role=role("manager"), team=TeamFactory(name="Red"))
    people = [make_contact(admin.user, first_name=f"P{i}", tags=["old"]) for i in range(3)]
    ids = [p.pk for p in people]

    def act(action, **data):
        response = admin.post(ACTIONS, {"ids": ids, "action": action, **data})
        assert response.status_code == 200, response.content
        return response.json()

    assert act("assign", owner_id=manager.pk) == {"action": "assign", "affected": 3}
    assert set(Contact.objects.values_list("owner_id", "team_id")) == {(manager.pk, manager.team_id)}
    assert act("tag", tags=["VIP", "north"])["affected"] == 3
    assert act("untag", tags=["old"])["affected"] == 3
    assert set(Contact.objects.get(pk=ids[0]).tags.values_list("name", flat=True)) == {"VIP", "north"}
    assert act("set_stage", lifecycle_stage="customer")["affected"] == 3
    assert set(Contact.objects.values_list("lifecycle_stage", flat=True)) == {"customer"}
    assert act("delete") == {"action": "delete", "affected": 3}
    assert not Contact.objects.exists()
    assert AuditEntry.objects.filter(action="delete", object_type="contact").count() == 3


def test_bulk_actions_leave_what_the_actor_may_not_change(client):
    red = TeamFactory(name="Red")
    rep = Api(client, UserFactory(role=role("sales_rep"), team=red))
    mine = make_contact(rep.user, first_name="Mine")
    mates = make_contact(UserFactory(role=role("sales_rep"), team=red), first_name="Mate's")
    response = rep.post(ACTIONS, {"ids": [mine.pk, mates.pk, 999999], "action": "tag", "tags": ["vip"]})
    assert response.json()["affected"] == 1
    assert list(ContactTag.objects.values_list("contact_id", flat=True)) == [mine.pk]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"action": "assign"}, "owner_id"),
        ({"action": "tag"}, "tags"),
        ({"action": "tag", "tags": []}, "tags"),
        ({"action": "set_stage"}, "lifecycle_stage"),
        ({"action": "delete", "tags": ["x"]}, "tags"),
        ({"action": "assign", "owner_id": 999999}, "owner"),
        ({"action": "merge"}, "action"),
    ],
)
def test_bulk_actions_refuse_wrong_input(admin, data, field):
    contact = make_contact(admin.user)
    assert field in problem(admin.post(ACTIONS, {"ids": [contact.pk], **data}), 422)["errors"]
    assert Contact.objects.filter(pk=contact.pk, owner=admin.user).exists()


def test_bulk_actions_need_the_bulk_feature(client):
    read_only = Api(client, UserFactory(role=role("read_only")))
    contact = make_contact(UserFactory(role=role("admin")))
    problem(read_only.post(ACTIONS, {"ids": [contact.pk], "action": "delete"}), 403, "permission_denied")
    company = make_company(UserFactory(role=role("admin")))
    problem(read_only.post("/api/v1/companies/bulk-actions", {"ids": [company.pk], "action": "delete"}), 403)
    assert Contact.objects.filter(pk=contact.pk).exists() and Company.objects.filter(pk=company.pk).exists()


def test_company_bulk_actions(admin):
    companies = [make_company(admin.user, name=f"C{i}") for i in range(2)]
    ids = [c.pk for c in companies]
    url = "/api/v1/companies/bulk-actions"
    team = TeamFactory(name="Red")
    assert admin.post(url, {"ids": ids, "action": "assign", "team_id": team.pk}).json()["affected"] == 2
    assert set(Company.objects.values_list("team_id", flat=True)) == {team.pk}
    assert admin.post(url, {"ids": ids, "action": "tag", "tags": ["vip"]}).json()["affected"] == 2
    problem(admin.post(url, {"ids": ids, "action": "set_stage", "lifecycle_stage": "lead"}), 422)
    assert admin.post(url, {"ids": ids, "action": "delete"}).json()["affected"] == 2
    assert not Company.objects.exists()
