"""Logging an interaction from the timeline panel (htmx) and from its own page."""

import json

import pytest
from django.urls import reverse

from rapport.activities.forms import parse_participants
from rapport.activities.models import Interaction, InteractionLink
from rapport.activities.views import record_url

pytestmark = pytest.mark.django_db


def form_data(ada, **values):
    prefix = f"log-contact-{ada.pk}"
    return {f"{prefix}-{k}": v for k, v in values.items()}


def test_the_panel_logs_a_call_and_refreshes_the_timeline(client, rep, ada, acme, htmx):
    client.force_login(rep)
    url = reverse("interaction_log", args=["contact", ada.pk])
    data = form_data(ada, kind="call", direction="out", occurred_at="2026-04-01T09:15", subject="Follow-up",
                     body="Talked pricing.", channel="Phone", participants="Ada Lovelace <ADA@example.com>\nBob, CFO")  # fmt: skip
    response = client.post(url, data, **htmx)
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#timeline-contact-{ada.pk}" and response["HX-Reswap"] == "outerHTML"
    assert json.loads(response["HX-Trigger"])["rapport:toast"]["message"] == "Logged."
    assert "Follow-up" in response.content.decode()
    item = Interaction.objects.get()
    assert item.kind == "call" and item.direction == "out" and item.channel == "phone" and item.created_by == rep
    assert item.participants == [{"name": "Ada Lovelace", "email": "ada@example.com"}, {"name": "Bob", "role": "CFO"}]
    assert item.occurred_at.isoformat() == "2026-04-01T09:15:00+00:00"  # the user's zone (default UTC)
    assert set(InteractionLink.objects.values_list("contact_id", "company_id")) == {(ada.pk, None), (None, acme.pk)}


def test_the_time_typed_is_in_the_users_time_zone(client, rep, ada, htmx):
    rep.time_zone = "America/New_York"
    rep.save()
    client.force_login(rep)
    url = reverse("interaction_log", args=["contact", ada.pk])
    client.post(url, form_data(ada, kind="meeting", occurred_at="2026-07-01T09:00"), **htmx)
    assert Interaction.objects.get().occurred_at.isoformat() == "2026-07-01T13:00:00+00:00"


def test_refused_input_comes_back_with_field_errors_and_nothing_is_stored(client, rep, ada, htmx):
    client.force_login(rep)
    url = reverse("interaction_log", args=["contact", ada.pk])
    response = client.post(url, form_data(ada, kind="teleport", participants="Ada <not-an-email>"), **htmx)
    assert response.status_code == 422
    form = response.context["log_form"]
    assert form.errors["kind"] and "Line 1" in form.errors["participants"][0]
    assert f'id="log-contact-{ada.pk}"' in response.content.decode() and "HX-Retarget" not in response
    # the service's own checks land on the fields too (an unknown currency, a time too far ahead)
    response = client.post(url, form_data(ada, kind="purchase", amount="10", currency="XXZ",
                                          occurred_at="2099-01-01T00:00"), **htmx)  # fmt: skip
    assert response.status_code == 422
    errors = response.context["log_form"].errors
    assert errors["currency"] and errors["occurred_at"]
    assert not Interaction.objects.exists()


def test_a_purchase_needs_an_amount_or_a_product(client, rep, ada, htmx):
    client.force_login(rep)
    url = reverse("interaction_log", args=["contact", ada.pk])
    response = client.post(url, form_data(ada, kind="purchase"), **htmx)
    assert response.status_code == 422 and response.context["log_form"].errors["amount"]
    response = client.post(url, form_data(ada, kind="purchase", amount="99.90", currency="eur", product="Kit"), **htmx)
    assert response.status_code == 200
    item = Interaction.objects.get()
    assert (str(item.amount), item.currency, item.product) == ("99.90", "EUR", "Kit")


def test_purchase_fields_are_ignored_for_other_kinds(client, rep, ada, htmx):
    client.force_login(rep)
    url = reverse("interaction_log", args=["contact", ada.pk])
    client.post(url, form_data(ada, kind="call", amount="5", currency="EUR", product="X"), **htmx)
    item = Interaction.objects.get()
    assert item.amount is None and item.currency == "" and item.product == ""


def test_its_own_page_works_without_javascript(client, rep, ada):
    client.force_login(rep)
    url = reverse("interaction_log", args=["contact", ada.pk])
    response = client.get(url)
    assert response.status_code == 200 and "Log an interaction with Ada Lovelace" in response.content.decode()
    response = client.post(url, form_data(ada, kind="note", body="Met at the fair."))
    assert response.status_code == 302 and response["Location"] == record_url("contact", ada.pk)
    response = client.post(url, form_data(ada, kind=""))
    assert response.status_code == 422 and "<html" in response.content.decode()


def test_read_only_users_may_log_on_records_they_see(client, ada, htmx):
    from tests.factories import UserFactory, role

    reader = UserFactory(role=role("read_only"))
    client.force_login(reader)
    url = reverse("interaction_log", args=["contact", ada.pk])
    assert client.post(url, form_data(ada, kind="call", subject="Hi"), **htmx).status_code == 200
    assert Interaction.objects.get().created_by == reader


def test_participants_are_parsed_line_by_line():
    assert parse_participants("") == []
    assert parse_participants('ada@example.com\n\n  Grace Hopper  \n"Alan T" <alan@x.io>, host') == [
        {"email": "ada@example.com"},
        {"name": "Grace Hopper"},
        {"name": "Alan T", "email": "alan@x.io", "role": "host"},
    ]
    assert parse_participants("Lovelace, Ada <ada@x.io>") == [{"name": "Lovelace, Ada", "email": "ada@x.io"}]
    assert parse_participants('"Alan T" <alan@x.io>') == [{"name": "Alan T", "email": "alan@x.io"}]
    assert parse_participants("Bob, CFO") == [{"name": "Bob", "role": "CFO"}]
    with pytest.raises(Exception, match="Line 2"):
        parse_participants("ok@example.com\nbad <nope>")
