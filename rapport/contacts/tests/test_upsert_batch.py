"""Bulk writes in batches: ``hooks.batch``, the bulk upsert written a wave at a time (same results, audit and index
as one record at a time, in a number of queries that does not grow with the records but for their audit entries),
updates that change nothing, permission refusals first, and the bulk feature checked by the bulk services."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.contacts import hooks, search, services
from rapport.contacts.models import Company, Contact, ContactTag, Tag
from rapport.contacts.services.upsert import companies_upsert, contacts_upsert
from rapport.core.errors import PermissionDenied
from rapport.core.models import AuditEntry
from rapport.users.models import Role
from tests.factories import TeamFactory, UserFactory, make_company, make_contact, role

from .api_client import Api, problem

pytestmark = pytest.mark.django_db

UPSERT = "/api/v1/contacts/bulk-upsert"


@pytest.fixture
def admin():
    return UserFactory(username="admin", role=role("admin"))


@pytest.fixture
def heard():
    """What the ``records_changed`` listeners hear: ``[(object_type, ids)]``."""
    calls = []

    def listener(object_type, ids):
        calls.append((object_type, list(ids)))

    hooks.on_records_changed(listener)
    yield calls
    hooks._LISTENERS.remove(listener)


def person(i: int, **extra) -> dict:
    return {
        "first_name": f"Person{i}",
        "last_name": "Batch",
        "emails": [{"email": f"p{i}@example.test"}, {"email": f"p{i}@home.example.test", "label": "home"}],
        "phones": [{"number": f"+1 415 555 {i:04d}"}],
        "addresses": [{"street": "Main St", "number": str(i), "city": "Paris", "country": "FR"}],
        "tags": ["Batch", f"t{i % 3}"],
        "job_title": "Engineer",
        "lifecycle_stage": "lead",
        **extra,
    }


def stored(contact: Contact) -> dict:
    """Everything stored about a contact but its ids and times."""
    skip = {"id", "created_at", "updated_at", "stance_set_at", "external_id", "first_name", "display_name", "email",
            "phone"}  # fmt: skip
    return {
        "fields": {k: v for k, v in Contact.objects.filter(pk=contact.pk).values()[0].items() if k not in skip},
        "emails": [(e.email.split("@")[1], e.label, e.is_primary) for e in contact.emails.all()],
        "phones": [(p.label, p.is_primary) for p in contact.phones.all()],
        "addresses": [(a.street, a.city, a.country, a.is_primary) for a in contact.addresses.all()],
        "companies": list(contact.memberships.values_list("company_id", "role", "is_primary")),
        "tags": sorted(contact.tags.values_list("name", flat=True)),
    }


# --- hooks.batch -----------------------------------------------------------------------------------


def test_a_batch_tells_each_listener_once_per_type_when_it_ends(heard):
    hooks.records_changed("contact", [1])
    assert heard == [("contact", [1])]  # not batched: at once
    heard.clear()
    with hooks.batch():
        hooks.records_changed("contact", [3, 1])
        with hooks.batch():  # part of the outer batch
            hooks.records_changed("company", [7])
            hooks.records_changed("contact", [1, 2])
        assert heard == []
    assert heard == [("contact", [3, 1, 2]), ("company", [7])]
    heard.clear()
    with pytest.raises(RuntimeError), hooks.batch():
        hooks.records_changed("contact", [5])
        raise RuntimeError("rolled back")
    hooks.records_changed("contact", [6])
    assert heard == [("contact", [6])]  # nothing of the failed batch; batching ended with it


# --- bulk upsert: as one record at a time, in few queries ------------------------------------------


def test_bulk_created_contacts_are_stored_and_audited_as_single_ones(admin):
    acme = make_company(admin, name="Acme")
    payload = person(1, companies=[{"company": acme.pk, "role": "CTO"}], custom={})
    single = services.contact_create(actor=admin, data={**payload, "first_name": "Single"})
    results = contacts_upsert(actor=admin, records=[{**payload, "first_name": "Bulk"}], match=None, mode="create")
    assert results[0]["status"] == "created"
    bulk = Contact.objects.get(pk=results[0]["id"])
    assert stored(bulk) == stored(single)

    def audited(contact):
        changes = AuditEntry.objects.get(object_type="contact", object_id=str(contact.pk), action="create").changes
        return {k: v for k, v in changes.items() if k not in ("first_name", "display_name")}

    assert audited(bulk) == audited(single)


def test_bulk_updates_store_and_audit_what_single_updates_do(admin):
    services.custom_field_create(actor=admin, data={
        "object_type": "contact", "key": "score", "label": "Score", "field_type": "number"})  # fmt: skip
    acme, mate = make_company(admin, name="Acme"), UserFactory(role=role("sales_rep"), team=TeamFactory())
    one, two = (make_contact(admin, **person(i, custom={"score": 1})) for i in (1, 2))
    change = {
        "birth_date": "1990-02-03", "do_not_contact": True, "stance": "advocate", "owner": mate.pk,
        "custom": {"score": 7.5}, "phones": [{"number": "+33 6 12 34 56 78", "label": "mobile"}],
        "companies": [{"company": acme.pk, "role": "CEO"}], "tags": ["Batch", "vip"], "lifecycle_stage": "customer",
    }  # fmt: skip
    services.contact_update(actor=admin, contact=one, data=change)
    results = contacts_upsert(actor=admin, records=[{"id": two.pk, **change}], match="id", mode="update")
    assert results[0]["status"] == "updated"
    one.refresh_from_db()
    two.refresh_from_db()
    assert stored(two) == stored(one)
    assert two.updated_at > two.created_at and two.custom == {"score": 7.5}

    def audited(contact):  # the new values (the old ones differ: the two started with their own phone and tags)
        changes = AuditEntry.objects.get(object_type="contact", object_id=str(contact.pk), action="update").changes
        return {field: new for field, (_old, new) in changes.items()}

    assert audited(two) == audited(one)


def test_queries_do_not_grow_with_the_records_but_for_their_audit_entries(admin):
    def upsert(records):
        with CaptureQueriesContext(connection) as queries:
            results = contacts_upsert(actor=admin, records=records, match="external_id", mode="upsert")
        assert all(r["status"] in ("created", "updated") for r in results), results
        return len(queries)

    small = upsert([person(i, external_id=f"x{i}") for i in range(5)])
    big = upsert([person(i, external_id=f"x{i}") for i in range(5, 105)])
    assert big - small <= 100  # an audit entry for each more record, nothing else
    small = upsert([{"external_id": f"x{i}", "job_title": "Boss", "tags": ["new"]} for i in range(5)])
    big = upsert([{"external_id": f"x{i}", "job_title": "Chief", "tags": ["newer"]} for i in range(105)])
    assert big - small <= 100


def test_a_bulk_upsert_tells_the_listeners_once(admin, heard):
    existing = make_contact(admin, external_id="e1")
    heard.clear()
    records = [{"external_id": "e1", "job_title": "Boss"}, person(2, external_id="e2"), person(3, external_id="e3")]
    results = contacts_upsert(actor=admin, records=records, match="external_id", mode="upsert")
    assert [r["status"] for r in results] == ["updated", "created", "created"]
    assert heard == [("contact", [existing.pk, results[1]["id"], results[2]["id"]])]


def test_bulk_upserted_records_are_found_by_search(admin):
    results = contacts_upsert(actor=admin, records=[person(7, first_name="Zebulon")], match=None, mode="create")
    assert [hit.id for hit in search.search(actor=admin, q="zebulon")] == [results[0]["id"]]
    contacts_upsert(actor=admin, records=[{"id": results[0]["id"], "first_name": "Quentin"}], match="id",
                    mode="update")  # fmt: skip
    assert [hit.id for hit in search.search(actor=admin, q="quentin")] == [results[0]["id"]]
    assert search.search(actor=admin, q="zebulon") == []


def test_records_of_one_call_see_what_earlier_ones_wrote(admin):
    make_contact(UserFactory(role=role("admin")), first_name="Taken", job_title="X", external_id="t-1")
    services.field_policy_update(actor=admin, object_type="contact", required_fields=["job_title"])
    results = contacts_upsert(actor=admin, match="email", mode="upsert", records=[
        person(1, external_id="dup"),
        person(2, external_id="dup"),  # the record before took it a moment ago
        {"email": "p1@example.test", "job_title": "Second wave"},  # updates what the first created
        {"email": "p3@example.test", "first_name": "Ann", "external_id": "free"},  # refused (no job title)...
        {"email": "p4@example.test", "first_name": "Bo", "job_title": "X", "external_id": "free"},  # ...so it's free
        {"email": "p5@example.test", "first_name": "Cy", "job_title": "X", "external_id": "t-1"},
        {"email": "p6@example.test", "first_name": "Di", "job_title": "X", "tags": ["VIP"]},
        {"email": "p7@example.test", "first_name": "Ed", "job_title": "X", "tags": ["vip", "Batch"]},
    ])  # fmt: skip
    assert [(r["status"], r["code"]) for r in results] == [
        ("created", ""), ("failed", "duplicate"), ("updated", ""), ("failed", "invalid"), ("created", ""),
        ("failed", "duplicate"), ("created", ""), ("created", ""),
    ]  # fmt: skip
    assert results[2]["id"] == results[0]["id"] and "job_title" in results[3]["errors"]
    assert Contact.objects.get(pk=results[0]["id"]).job_title == "Second wave"
    assert Contact.objects.get(pk=results[4]["id"]).external_id == "free"
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Batch", "VIP", "t1"]  # one VIP, as first named
    assert ContactTag.objects.filter(tag__name="VIP").count() == 2


def test_an_external_id_given_up_by_one_record_can_be_taken_by_the_next(admin):
    old = make_contact(admin, first_name="Old", email="old@example.test", external_id="A")
    results = contacts_upsert(actor=admin, match="email", mode="upsert", records=[
        {"email": "old@example.test", "external_id": "B"},
        {"email": "new@example.test", "first_name": "New", "external_id": "A"},
        {"email": "other@example.test", "first_name": "Other", "external_id": "B"},
    ])  # fmt: skip
    assert [(r["status"], r["code"]) for r in results] == [("updated", ""), ("created", ""), ("failed", "duplicate")]
    assert Contact.objects.get(pk=old.pk).external_id == "B"
    assert Contact.objects.get(external_id="A").first_name == "New"


def test_references_are_checked_once_for_the_call(admin):
    services.custom_field_create(actor=admin, data={
        "object_type": "contact", "key": "referrer", "label": "Referrer", "field_type": "reference",
        "reference_type": "contact",
    })  # fmt: skip
    hidden = make_contact(UserFactory(role=role("sales_rep"), team=TeamFactory()), first_name="Hidden")
    rep = UserFactory(role=role("sales_rep"), team=TeamFactory())
    mine = make_contact(rep, first_name="Mine")
    records = [
        {"first_name": "A", "custom": {"referrer": mine.pk}},
        {"first_name": "B", "custom": {"referrer": hidden.pk}},
        {"first_name": "C", "custom": {"referrer": 2**64}},
        {"first_name": "D", "custom": {"referrer": mine.pk}},
    ]
    with CaptureQueriesContext(connection) as queries:
        results = contacts_upsert(actor=rep, records=records, match=None, mode="create")
    assert [(r["status"], r["code"]) for r in results] == [
        ("created", ""), ("failed", "invalid"), ("failed", "invalid"), ("created", ""),
    ]  # fmt: skip
    assert results[1]["errors"] == {"custom.referrer": ["Choose an existing, visible record."]}
    assert "custom.referrer" in results[2]["errors"]
    assert sum('"contacts_contact"."id" IN' in q["sql"] for q in queries) <= 2  # not one look-up per record


def test_a_record_written_meanwhile_fails_alone(admin):
    """Another request takes an external id between the look-up and the write: the records are written one by
    one then, and only the one whose external id was taken fails."""
    other = UserFactory(role=role("admin"))
    done = []

    def concurrent_insert(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not done and '"external_id" IN' in sql:  # right after the call looked the external ids up
            done.append(True)
            make_contact(other, first_name="Meanwhile", external_id="race-2")
        return result

    records = [person(i, external_id=f"race-{i}") for i in range(1, 4)]
    with connection.execute_wrapper(concurrent_insert):
        results = contacts_upsert(actor=admin, records=records, match="external_id", mode="upsert")
    assert [(r["status"], r["code"]) for r in results] == [("created", ""), ("failed", "duplicate"), ("created", "")]
    assert Contact.objects.get(external_id="race-2").first_name == "Meanwhile"
    assert sorted(Contact.objects.filter(last_name="Batch").values_list("external_id", flat=True)) == [
        "race-1",
        "race-3",
    ]
    assert set(Tag.objects.values_list("name", flat=True)) >= {"Batch", "t1", "t0"}


def test_companies_bulk_upsert_in_waves(admin, heard):
    acme = make_company(admin, name="Acme", domain="acme.test")
    heard.clear()
    results = companies_upsert(actor=admin, match="domain", mode="upsert", records=[
        {"domain": "acme.test", "industry": "Software", "tags": ["Gold"]},
        {"name": "Beta", "domain": "beta.test", "parent": acme.pk},
        {"domain": "beta.test", "industry": "Retail"},
        {"domain": "acme.test", "industry": "Software", "tags": ["gold"]},  # nothing changes
    ])  # fmt: skip
    assert [r["status"] for r in results] == ["updated", "created", "updated", "unchanged"]
    beta = Company.objects.get(domain="beta.test")
    assert (beta.industry, beta.parent_id) == ("Retail", acme.pk)
    assert list(acme.tags.values_list("name", flat=True)) == ["Gold"]
    assert heard == [("company", [acme.pk, beta.pk])]


# --- updates that change nothing ---------------------------------------------------------------------


def test_an_update_that_changes_nothing_stores_nothing(admin, heard):
    acme = make_company(admin, name="Acme", domain="acme.test", tags=["x"])
    contact = make_contact(admin, **person(1, companies=[{"company": acme.pk}], external_id="n-1"))
    before = Contact.objects.get(pk=contact.pk).updated_at
    entries = AuditEntry.objects.count()
    heard.clear()
    same = person(1, companies=[{"company": acme.pk}], external_id="n-1")
    services.contact_update(actor=admin, contact=contact, data=same)
    services.company_update(actor=admin, company=acme, data={"name": "Acme", "domain": "acme.test", "tags": ["X"]})
    results = contacts_upsert(actor=admin, records=[same], match="external_id", mode="update")
    assert results[0]["status"] == "unchanged"
    assert Contact.objects.get(pk=contact.pk).updated_at == before
    assert AuditEntry.objects.count() == entries
    assert heard == []
    # A change the audit does not show (an email's label) is still a change: stored, re-indexed.
    services.contact_update(actor=admin, contact=contact, data={"emails": [
        {"email": "p1@example.test"}, {"email": "p1@home.example.test", "label": "private"}]})  # fmt: skip
    assert Contact.objects.get(pk=contact.pk).updated_at > before
    assert contact.emails.get(email="p1@home.example.test").label == "private"
    assert heard == [("contact", [contact.pk])]


# --- permissions ------------------------------------------------------------------------------------------


def test_read_only_users_are_refused_creating_before_their_input_is_checked(client):
    reader = Api(client, UserFactory(role=role("read_only")))
    problem(reader.post("/api/v1/contacts", {"first_name": "Nope"}), 403, "permission_denied")
    problem(reader.post("/api/v1/contacts", {"email": "not an email"}), 403, "permission_denied")
    problem(reader.post("/api/v1/companies", {"name": ""}), 403, "permission_denied")
    body = reader.post(UPSERT, {"records": [{"first_name": "Nope"}, {"email": "bad"}]}).json()
    assert [(r["status"], r["code"]) for r in body["results"]] == [("failed", "permission_denied")] * 2
    assert not Contact.objects.exists() and not Company.objects.exists()


@pytest.fixture
def no_bulk():
    """A sales rep's scopes without the bulk feature."""
    rep = role("sales_rep")
    custom = Role.objects.create(key="rep-no-bulk", name="Rep without bulk", scopes=rep.scopes, features=[])
    return UserFactory(role=custom, team=TeamFactory())


def test_bulk_services_need_the_bulk_feature(no_bulk):
    contact = make_contact(no_bulk, first_name="Mine", tags=["keep"])
    company = make_company(no_bulk, name="Mine")
    calls = [
        lambda: services.contacts_bulk_update(actor=no_bulk, ids=[contact.pk], data={"lifecycle_stage": "customer"}),
        lambda: services.contacts_bulk_tag(actor=no_bulk, ids=[contact.pk], add=["new"]),
        lambda: services.contacts_bulk_tag(actor=no_bulk, ids=[contact.pk], remove=["keep"]),
        lambda: services.contacts_bulk_delete(actor=no_bulk, ids=[contact.pk]),
        lambda: services.companies_bulk_update(actor=no_bulk, ids=[company.pk], data={"owner": no_bulk.pk}),
        lambda: services.companies_bulk_tag(actor=no_bulk, ids=[company.pk], add=["new"]),
        lambda: services.companies_bulk_delete(actor=no_bulk, ids=[company.pk]),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    contact.refresh_from_db()
    assert contact.lifecycle_stage == "" and list(contact.tags.values_list("name", flat=True)) == ["keep"]
    assert Company.objects.filter(pk=company.pk).exists()


def test_bulk_actions_are_batched(admin, heard):
    contacts = [make_contact(admin, first_name=f"P{i}") for i in range(30)]
    ids = [c.pk for c in contacts]
    heard.clear()
    with CaptureQueriesContext(connection) as queries:
        assert services.contacts_bulk_update(actor=admin, ids=ids, data={"lifecycle_stage": "customer"}) == 30
    assert len(queries) < 30 + 30  # an audit entry each, and a few queries for them all
    assert heard == [("contact", ids)]
    assert AuditEntry.objects.filter(action="update", object_type="contact").count() == 30
    heard.clear()
    assert services.contacts_bulk_delete(actor=admin, ids=ids) == 30
    assert [(t, sorted(i)) for t, i in heard] == [("contact", ids)] and not Contact.objects.exists()
    assert AuditEntry.objects.filter(action="delete", object_type="contact").count() == 30
