"""Batch ingest of interactions: the same results as logging each item alone, in a number of queries that does
not grow with the batch, and an event stored meanwhile by another request still stored once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.activities import services
from rapport.activities.models import Interaction, InteractionLink
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def items(contacts, start: int, count: int, **extra) -> list[dict]:
    """``count`` emails on the contacts in turn, half by id and half by address."""
    out = []
    for i in range(start, start + count):
        contact = contacts[i % len(contacts)]
        target = {"contacts": [contact.pk]} if i % 2 else {"contact_emails": [contact.email.upper()]}
        out.append({"kind": "email", "subject": f"m{i}", "source": "mail", "external_id": f"m-{i}", **target, **extra})
    return out


@pytest.fixture
def people(rep, acme):
    return [make_contact(rep, first_name=f"P{i}", email=f"p{i}@example.com",
                         companies=[{"company": acme.pk}] if i % 2 else []) for i in range(6)]  # fmt: skip


def test_queries_do_not_grow_with_the_batch(rep, people):
    def ingest(batch):
        with CaptureQueriesContext(connection) as queries:
            results = services.interactions_ingest(actor=rep, items=batch)
        return results, len(queries)

    small, few = ingest(items(people, 0, 4))
    big, many = ingest(items(people, 4, 200))
    assert {r["status"] for r in small + big} == {"created"}
    assert many - few < 10  # 50 times the items: a few more insert statements (the database's parameter limit)
    again, repeated = ingest(items(people, 0, 204))
    assert {r["status"] for r in again} == {"duplicate"}
    assert [r["id"] for r in again] == [r["id"] for r in small + big]
    assert repeated <= few
    assert Interaction.objects.count() == 204


def test_the_batch_stores_what_logging_each_alone_stores(rep, people, acme):
    batch = items(people, 0, 4)
    results = services.interactions_ingest(actor=rep, items=batch)
    for item, result in zip(batch, results, strict=True):
        alone, created = services.interaction_log(actor=rep, data={**item, "external_id": item["external_id"] + "b"})
        assert created

        def links(pk):
            return set(InteractionLink.objects.filter(interaction_id=pk).values_list("contact_id", "company_id"))

        assert links(result["id"]) == links(alone.pk)
    # Contacts with a primary company put it on the company's timeline too.
    assert InteractionLink.objects.filter(company=acme).count() == 4


def test_duplicates_of_unseen_interactions_keep_their_ids_to_themselves(rep, outsider, people):
    theirs = make_contact(outsider, first_name="Theirs", email="theirs@example.com")
    services.interactions_ingest(actor=outsider, items=[
        {"kind": "call", "source": "pbx", "external_id": "c-1", "contacts": [theirs.pk]}])  # fmt: skip
    mine = {"kind": "call", "source": "pbx", "external_id": "c-2", "contacts": [people[0].pk]}
    results = services.interactions_ingest(actor=rep, items=[
        mine,
        {"kind": "call", "source": "pbx", "external_id": "c-1", "contacts": [people[1].pk]},  # sent by another
        {**mine, "subject": "again in the same batch"},
        {"kind": "call", "contacts": [theirs.pk]},
    ])  # fmt: skip
    assert [(r["status"], bool(r["id"])) for r in results] == [
        ("created", True), ("duplicate", False), ("duplicate", True), ("failed", False),
    ]  # fmt: skip
    assert results[2]["id"] == results[0]["id"] and "contacts" in results[3]["errors"]


def test_an_event_stored_meanwhile_is_stored_once(rep, people):
    """Another request stores an event of the batch between the look-up and the write: the items are logged one
    by one then, and that one is reported as a duplicate."""
    done = []

    def concurrent_insert(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not done and '"activities_interaction"' in sql and '"external_id" IN' in sql:
            done.append(True)
            services.interaction_log(actor=rep, data={"kind": "sms", "source": "mail", "external_id": "m-1",
                                                      "contacts": [people[0].pk]})  # fmt: skip
        return result

    with connection.execute_wrapper(concurrent_insert):
        results = services.interactions_ingest(actor=rep, items=items(people, 0, 3))
    assert [r["status"] for r in results] == ["created", "duplicate", "created"]
    assert Interaction.objects.get(external_id="m-1").kind == "sms"
    assert Interaction.objects.count() == 3
