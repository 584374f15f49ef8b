"""Interactions through the API: logging one (a re-sent one is recognised), batch ingest, lists, timelines."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.activities.models import Interaction, InteractionLink
from rapport.activities.services import interaction_log
from rapport.contacts.tests.api_client import Api, problem
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

URL = "/api/v1/interactions"
INGEST = "/api/v1/interactions/ingest"


@pytest.fixture
def api(client, rep):
    return Api(client, rep)


def log(actor, **data):
    return interaction_log(actor=actor, data={"kind": "call", **data})[0]


def test_log_an_interaction(api, ada, acme):
    response = api.post(URL, {
        "kind": "purchase", "occurred_at": "2026-03-01T10:00:00+02:00", "direction": "in", "channel": "Web Shop",
        "subject": "Order 42", "body": "Two licences", "amount": "199.90", "currency": "eur", "product": "Pro",
        "participants": [{"name": "Ada", "email": "ada@example.com"}], "contacts": [ada.pk],
        "source": "Shop", "external_id": "order-42", "data": {"cart": [1, 2]},
    })  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == f"{URL}/{body['id']}" and response["ETag"]
    assert body["occurred_at"] == "2026-03-01T08:00:00Z"
    assert (body["amount"], body["currency"], body["channel"], body["source"]) == ("199.90", "EUR", "web shop", "shop")
    assert body["contacts"] == [ada.pk] and body["companies"] == [acme.pk]  # also on the primary company's timeline
    assert body["participants"] == [{"name": "Ada", "email": "ada@example.com"}]
    assert body["data"] == {"cart": [1, 2]} and body["created_by"]["id"] == api.user.pk
    assert api.get(f"{URL}/{body['id']}").json() == body


def test_a_resent_interaction_is_stored_once(api, ada):
    data = {"kind": "email", "contacts": [ada.pk], "source": "gmail", "external_id": "msg-1", "subject": "Hi"}
    first = api.post(URL, data)
    again = api.post(URL, {**data, "subject": "Hi again"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Interaction.objects.count() == 1


def test_log_by_contact_email(api, ada):
    body = api.post(URL, {"kind": "email", "contact_emails": ["ADA@example.com"]}).json()
    assert body["contacts"] == [ada.pk]


ADA = object()  # stands for Ada's id in the cases below


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "pigeon", "contacts": ADA}, "kind"),
        ({"kind": "call"}, "contacts"),
        ({"kind": "call", "contacts": [999999]}, "contacts"),
        ({"kind": "call", "contact_emails": ["nobody@example.com"]}, "contact_emails"),
        ({"kind": "call", "contacts": [0]}, "contacts.0"),
        ({"kind": "purchase", "amount": "10", "contacts": ADA}, "currency"),
        ({"kind": "call", "external_id": "x", "contacts": ADA}, "source"),
        ({"kind": "call", "occurred_at": "2999-01-01T00:00:00Z", "contacts": ADA}, "occurred_at"),
        ({"kind": "call", "occurred_at": "9999-12-31T23:00:00-05:00", "contacts": ADA}, "occurred_at"),
        ({"kind": "call", "direction": "sideways", "contacts": ADA}, "direction"),
        ({"kind": "call", "participants": "everyone", "contacts": ADA}, "participants"),
    ],
)
def test_log_refuses_bad_input(api, ada, data, field):
    data = {k: [ada.pk] if v is ADA else v for k, v in data.items()}
    body = problem(api.post(URL, data), 422)
    assert field in body["errors"], body
    assert not Interaction.objects.exists()


def test_records_out_of_sight(client, outsider, ada, rep):
    outsider_api = Api(client, outsider)
    problem(outsider_api.post(URL, {"kind": "call", "contacts": [ada.pk]}), 422)
    mine = log(rep, contacts=[ada.pk], source="pbx", external_id="c-1")
    problem(outsider_api.get(f"{URL}/{mine.pk}"), 404)
    assert outsider_api.ids(URL) == []
    # Re-sending it names no record the outsider may see: refused, without showing it.
    theirs = make_contact(outsider, first_name="Theirs")
    problem(
        outsider_api.post(URL, {"kind": "call", "contacts": [theirs.pk], "source": "pbx", "external_id": "c-1"}), 409
    )


def test_other_records_of_an_interaction_stay_hidden(client, outsider, ada, rep):
    theirs = make_contact(outsider, first_name="Theirs")
    both = log(rep, contacts=[ada.pk])
    InteractionLink.objects.create(interaction=both, contact=theirs, occurred_at=both.occurred_at, kind="call")
    assert Api(client, rep).get(f"{URL}/{both.pk}").json()["contacts"] == [ada.pk]
    body = Api(client, outsider).get(f"{URL}/{both.pk}").json()
    assert body["contacts"] == [theirs.pk] and body["companies"] == []
    # Filtering on a contact out of sight shows nothing, not even what is visible through another record.
    assert Api(client, outsider).ids(URL, {"contact": ada.pk}) == []


# --- ingest ------------------------------------------------------------------------------------


def test_ingest_keeps_the_good_items_and_stores_each_event_once(api, ada, acme):
    items = [
        {"kind": "web_visit", "contacts": [ada.pk], "source": "site", "external_id": "v-1"},
        {"kind": "pigeon", "contacts": [ada.pk]},
        {"kind": "form", "companies": [acme.pk], "source": "site", "external_id": "f-1"},
        {"kind": "web_visit", "contacts": [ada.pk], "source": "site", "external_id": "v-1"},  # the same event
        {"kind": "chat", "contacts": ["x"]},
        42,
    ]
    response = api.post(INGEST, {"items": items})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(r["index"], r["status"]) for r in body["results"]] == [
        (0, "created"), (1, "failed"), (2, "created"), (3, "duplicate"), (4, "failed"), (5, "failed"),
    ]  # fmt: skip
    assert (body["created"], body["duplicate"], body["failed"]) == (2, 1, 3)
    assert body["results"][3]["id"] == body["results"][0]["id"]
    assert "kind" in body["results"][1]["errors"] and "contacts.0" in body["results"][4]["errors"]
    assert Interaction.objects.count() == 2
    # The whole batch again: nothing new.
    again = api.post(INGEST, {"items": items}).json()
    assert [r["status"] for r in again["results"]] == [
        "duplicate",
        "failed",
        "duplicate",
        "duplicate",
        "failed",
        "failed",
    ]
    assert Interaction.objects.count() == 2


def test_ingest_limits(api, ada):
    problem(api.post(INGEST, {"items": []}), 422)
    problem(api.post(INGEST, {"items": [{"kind": "call", "contacts": [ada.pk]}] * 1001}), 422)
    assert not Interaction.objects.exists()


def test_ingest_with_idempotency_key(api, ada):
    headers = {"Idempotency-Key": "batch-7"}
    data = {"items": [{"kind": "sms", "contacts": [ada.pk]}]}
    first = api.post(INGEST, data, headers=headers)
    again = api.post(INGEST, data, headers=headers)
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Interaction.objects.count() == 1


# --- lists and timelines -----------------------------------------------------------------------


def test_list_filters_and_pages(api, ada, acme, rep):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    grace = make_contact(rep, first_name="Grace")
    made = [
        log(rep, kind="call" if i % 2 else "email", contacts=[ada.pk if i < 4 else grace.pk],
            occurred_at=(start + timedelta(days=i)).isoformat(), source="pbx" if i == 0 else "")
        for i in range(6)
    ]  # fmt: skip
    newest_first = [m.pk for m in reversed(made)]
    assert api.ids(URL) == newest_first
    assert api.ids(URL, {"limit": 2}) == newest_first
    assert api.ids(URL, {"ordering": "occurred_at", "limit": 4}) == newest_first[::-1]
    assert api.ids(URL, {"contact": ada.pk}) == newest_first[2:]
    assert api.ids(URL, {"company": acme.pk}) == newest_first[2:]  # Ada's primary company
    assert api.ids(URL, {"kind": "call"}) == [made[5].pk, made[3].pk, made[1].pk]
    assert api.ids(URL, {"since": "2026-01-03T00:00:00Z", "until": "2026-01-05"}) == [made[3].pk, made[2].pk]
    assert api.ids(URL, {"source": "pbx"}) == [made[0].pk]
    problem(api.get(URL, {"kind": "pigeon"}), 422)
    problem(api.get(URL, {"since": "yesterday"}), 422)
    problem(api.get(URL, {"cursor": "forged"}), 422)


def test_timelines(api, ada, acme, rep):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    kinds = ("call", "email", "meeting")
    made = [
        log(rep, kind=kinds[i % 3], contacts=[ada.pk], occurred_at=(start + timedelta(hours=i)).isoformat())
        for i in range(7)
    ]
    company_only = log(rep, kind="note", companies=[acme.pk], occurred_at=(start - timedelta(hours=1)).isoformat())
    url = f"/api/v1/contacts/{ada.pk}/timeline"
    assert api.ids(url) == [m.pk for m in reversed(made)]
    assert api.ids(url, {"limit": 3}) == [m.pk for m in reversed(made)]
    calls_and_meetings = [m.pk for m in reversed(made) if m.kind in ("call", "meeting")]
    assert api.ids(url, {"kind": ["call", "meeting"], "limit": 2}) == calls_and_meetings
    company = api.ids(f"/api/v1/companies/{acme.pk}/timeline")
    assert company == [*(m.pk for m in reversed(made)), company_only.pk]
    first = api.get(url).json()["items"][0]
    assert first["contacts"] == [ada.pk] and first["companies"] == [acme.pk]
    problem(api.get(url, {"kind": "pigeon"}), 422)
    problem(api.get("/api/v1/contacts/999999/timeline"), 404)


@pytest.mark.parametrize("url", ["/api/v1/contacts/{ada}/timeline", "/api/v1/companies/{acme}/timeline", URL])
def test_query_count_does_not_grow_with_rows(api, ada, acme, rep, url):
    url = url.format(ada=ada.pk, acme=acme.pk)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url, {"limit": 200})
        return len(queries), len(response.json()["items"])

    def add(n):
        for i in range(n):
            log(rep, contacts=[ada.pk, make_contact(rep, first_name=f"P{i}").pk], companies=[acme.pk])

    add(2)
    count()  # the token's last use is recorded once a minute
    few, rows = count()
    add(20)
    many, more_rows = count()
    assert (rows, more_rows) == (2, 22) and many == few


def test_an_interaction_is_shown_only_to_who_may_see_one_of_its_records(client, rep, outsider, ada):
    seen = log(rep, contacts=[ada.pk])
    assert Api(client, rep).get(f"{URL}/{seen.pk}").status_code == 200
    assert Api(client, outsider).get(f"{URL}/{seen.pk}").status_code == 404
    assert Api(client, outsider).get(f"{URL}/999999").status_code == 404
