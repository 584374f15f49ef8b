"""The data-quality page: missing key fields per object type, and the records to complete, within access."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.contacts.views.settings import record_url
from tests.factories import TeamFactory, UserFactory, make_company, make_contact, role

pytestmark = pytest.mark.django_db


@pytest.fixture
def red():
    return TeamFactory(name="Red")


@pytest.fixture
def rep(red):
    return UserFactory(role=role("sales_rep"), team=red)


@pytest.fixture
def outsider():
    return UserFactory(role=role("sales_rep"), team=TeamFactory(name="Blue"))


def page(client, **params):
    return client.get(reverse("data_quality"), params)


def test_summary_counts_only_visible_records(client, rep, outsider):
    make_contact(rep, first_name="Ada", email="ada@example.com", phone="+442079460958")
    make_contact(rep, first_name="Bob", last_name="")
    make_contact(outsider, first_name="Hidden")
    client.force_login(rep)
    response = page(client)
    assert response.status_code == 200 and response.context["object_type"] == "contact"
    summary = {item["key"]: item["count"] for item in response.context["summary"]}
    assert response.context["total"] == 2
    assert summary["email"] == 1 and summary["phone"] == 1 and summary["last_name"] == 1 and summary["owner"] == 0
    assert {i["key"]: i["share"] for i in response.context["summary"]}["email"] == 50
    body = response.content.decode()
    assert "Hidden" not in body and "No email" in body


def test_records_missing_a_field_link_to_their_page(client, rep):
    ada = make_contact(rep, first_name="Ada", email="ada@example.com")
    bob = make_contact(rep, first_name="Bob")
    client.force_login(rep)
    response = page(client, type="contact", missing="email")
    assert [r.pk for r in response.context["rows"]] == [bob.pk]
    body = response.content.decode()
    assert f'href="{record_url("contact", bob.pk)}"' in body and record_url("contact", ada.pk) not in body
    assert "Email" in response.context["rows"][0].missing_labels


def test_threshold_lists_the_least_complete_first(client, rep):
    full = make_contact(rep, first_name="Full", last_name="Person", email="f@example.com", phone="+442079460958",
                        job_title="CTO", lifecycle_stage="lead", addresses=[{"city": "Paris"}])  # fmt: skip
    bare = make_contact(rep, first_name="Bare", last_name="")
    client.force_login(rep)
    rows = page(client, below="100").context["rows"]
    assert [r.pk for r in rows] == [bare.pk, full.pk] and rows[0].completeness < rows[1].completeness
    assert [r.pk for r in page(client, below="30").context["rows"]] == [bare.pk]
    assert [r.pk for r in page(client, below="100", sort="name").context["rows"]] == [bare.pk, full.pk]


def test_companies_tab(client, rep):
    make_company(rep, name="Acme", domain="acme.test")
    bare = make_company(rep, name="Bare Ltd")
    client.force_login(rep)
    response = page(client, type="company", missing="domain")
    assert response.context["object_type"] == "company" and [r.pk for r in response.context["rows"]] == [bare.pk]
    assert {i["key"] for i in response.context["summary"]} >= {"domain", "industry", "website"}
    assert record_url("company", bare.pk) in response.content.decode()


def test_bad_input_never_breaks_the_page(client, rep):
    make_contact(rep)
    client.force_login(rep)
    response = page(client, missing="nonsense", below="abc", type="deal")
    assert response.status_code == 200 and response.context["form"].errors
    assert response.context["object_type"] == "contact"
    response = page(client, cursor="not-a-cursor")
    assert response.status_code == 200 and "out of date" in response.content.decode()


def test_keyset_pages_and_constant_query_count(client, rep):
    for i in range(5):
        make_contact(rep, first_name=f"P{i}", last_name="")
    client.force_login(rep)
    page(client)
    with CaptureQueriesContext(connection) as few:
        page(client)
    for i in range(55):
        make_contact(rep, first_name=f"Q{i:02d}", last_name="", addresses=[{"city": "Oslo"}] if i % 2 else [])
    with CaptureQueriesContext(connection) as many:
        first = page(client)
    assert len(many) == len(few)
    assert len(first.context["rows"]) == 50 and first.context["next_cursor"]
    second = page(client, cursor=first.context["next_cursor"])
    assert len(second.context["rows"]) == 10
    seen = {r.pk for r in first.context["rows"]} | {r.pk for r in second.context["rows"]}
    assert len(seen) == 60


def test_htmx_filters_get_only_the_results(client, rep):
    make_contact(rep)
    client.force_login(rep)
    response = client.get(reverse("data_quality"), {"missing": "email"}, HTTP_HX_REQUEST="true",
                          HTTP_HX_TARGET="quality-results")  # fmt: skip
    body = response.content.decode()
    assert "<html" not in body and "<table" in body


def test_users_who_read_no_records_are_refused(client):
    from rapport.users.models import Role

    blind = Role.objects.create(key="blind", name="Blind", scopes={})
    client.force_login(UserFactory(role=blind))
    assert page(client).status_code == 403
