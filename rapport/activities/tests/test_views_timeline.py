"""The timeline panel: entries, filters, load more by cursor, record access, and its speed on a long history."""

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rapport.activities.models import Interaction, InteractionLink
from rapport.activities.services import interaction_log
from rapport.activities.views import record_url

pytestmark = pytest.mark.django_db


def log(actor, contact, **data):
    data.setdefault("kind", "call")
    interaction, _ = interaction_log(actor=actor, data={"contacts": [contact.pk], **data})
    return interaction


def bulk_history(contact, n: int, *, start=None, kind="email"):
    """``n`` interactions on the contact's timeline, one a minute, written in bulk (fast set-up)."""
    start = start or datetime(2025, 1, 1, tzinfo=UTC)
    items = Interaction.objects.bulk_create(
        Interaction(kind=kind, occurred_at=start + timedelta(minutes=i), subject=f"Message {i}") for i in range(n)
    )
    InteractionLink.objects.bulk_create(
        InteractionLink(interaction=it, contact=contact, occurred_at=it.occurred_at, kind=it.kind) for it in items
    )
    return items


def timeline_url(contact, **params):
    from django.utils.http import urlencode

    url = reverse("timeline", args=["contact", contact.pk])
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


def test_panel_lists_interactions_newest_first_with_their_details(client, rep, ada, htmx):
    log(rep, ada, subject="Intro call", direction="out", occurred_at="2026-03-01T10:00:00Z", channel="Zoom",
        participants=[{"name": "Ada Lovelace", "email": "ada@example.com", "role": "CTO"}])  # fmt: skip
    log(rep, ada, kind="purchase", subject="Order 42", amount="1234.5", currency="EUR", product="Engine",
        occurred_at="2026-03-02T10:00:00Z", source="shop", direction="in")  # fmt: skip
    log(rep, ada, kind="email", subject="<script>alert(1)</script>", body="x" * 1000, occurred_at="2026-03-03T10:00Z")
    client.force_login(rep)
    response = client.get(timeline_url(ada), **htmx)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and f'id="timeline-contact-{ada.pk}"' in body
    assert [i.subject for i in response.context["items"]] == ["<script>alert(1)</script>", "Order 42", "Intro call"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body
    assert "1,234.50 EUR" in body and "Engine" in body and "From shop" in body
    assert "Outbound" in body and "Inbound" in body and "Via zoom" in body
    assert "Ada Lovelace" in body and "(CTO)" in body
    assert 'class="collapsible"' in body  # the long body is folded
    assert f"Logged by {rep.display_name}" in body


def test_times_show_in_the_users_time_zone(client, rep, ada, htmx):
    rep.time_zone = "Asia/Tokyo"
    rep.save()
    log(rep, ada, occurred_at="2026-03-01T23:30:00Z")
    client.force_login(rep)
    body = client.get(timeline_url(ada), **htmx).content.decode()
    assert "2 Mar 2026, 08:30" in body  # 23:30 UTC is 08:30 the next day in Tokyo


def test_filter_chips_by_kind(client, rep, ada, htmx):
    log(rep, ada, kind="call", subject="A call")
    log(rep, ada, kind="email", subject="An email")
    log(rep, ada, kind="meeting", subject="A meeting")
    client.force_login(rep)
    response = client.get(timeline_url(ada, kind=["call", "meeting", "bogus"]), **htmx)
    assert sorted(i.subject for i in response.context["items"]) == ["A call", "A meeting"]
    body = response.content.decode()
    assert 'value="call" checked' in body and 'value="email">' in body
    response = client.get(timeline_url(ada, kind="purchase"), **htmx)
    assert response.context["items"] == [] and "Nothing of these kinds" in response.content.decode()


def test_load_more_pages_with_the_cursor(client, rep, ada, htmx):
    bulk_history(ada, 75)
    client.force_login(rep)
    first = client.get(timeline_url(ada), **htmx)
    assert len(first.context["items"]) == 30 and first.context["items"][0].subject == "Message 74"
    assert 'hx-trigger="click, revealed"' in first.content.decode()
    second = client.get(first.context["more_url"], **htmx)
    body = second.content.decode()
    assert 'class="card' not in body  # only the next entries, appended in place of the "load more" item
    assert [i.subject for i in second.context["items"]][:2] == ["Message 44", "Message 43"]
    third = client.get(second.context["more_url"], **htmx)
    assert len(third.context["items"]) == 15 and third.context["next_cursor"] is None
    assert "The beginning of the history." in third.content.decode()
    seen = [i.pk for r in (first, second, third) for i in r.context["items"]]
    assert len(seen) == len(set(seen)) == 75


def test_load_more_keeps_the_kind_filter(client, rep, ada, htmx):
    bulk_history(ada, 40, kind="email")
    bulk_history(ada, 40, kind="call", start=datetime(2025, 6, 1, tzinfo=UTC))
    client.force_login(rep)
    first = client.get(timeline_url(ada, kind="email"), **htmx)
    assert "kind=email" in first.context["more_url"]
    second = client.get(first.context["more_url"], **htmx)
    assert {i.kind for i in second.context["items"]} == {"email"} and len(second.context["items"]) == 10


def test_a_bad_cursor_is_a_clear_error_not_a_500(client, rep, ada, htmx):
    client.force_login(rep)
    response = client.get(timeline_url(ada, cursor="garbage"), **htmx)
    assert response.status_code == 422
    assert "start again" in response.content.decode()
    response = client.get(timeline_url(ada, cursor="garbage"))
    assert response.status_code == 422 and "<html" in response.content.decode()


def test_full_page_without_htmx_wraps_the_panel(client, rep, ada):
    log(rep, ada, subject="Hello")
    client.force_login(rep)
    response = client.get(timeline_url(ada))
    body = response.content.decode()
    assert response.status_code == 200 and "<html" in body and "Timeline of Ada Lovelace" in body
    assert record_url("contact", ada.pk) in body


def test_company_timeline_shows_what_was_logged_on_its_people(client, rep, ada, acme, htmx):
    log(rep, ada, subject="Spoke to Ada")
    client.force_login(rep)
    response = client.get(reverse("timeline", args=["company", acme.pk]), **htmx)
    assert [i.subject for i in response.context["items"]] == ["Spoke to Ada"]


def test_records_out_of_scope_answer_404(client, rep, outsider, ada, acme, htmx):
    log(rep, ada, subject="Secret")
    client.force_login(outsider)
    for name in ("timeline", "notes_panel", "tasks_panel", "interaction_log"):
        for object_type, pk in (("contact", ada.pk), ("company", acme.pk)):
            assert client.get(reverse(name, args=[object_type, pk]), **htmx).status_code == 404, name
            assert client.get(reverse(name, args=[object_type, pk])).status_code == 404, name
    assert client.post(reverse("interaction_log", args=["contact", ada.pk]), {}).status_code == 404
    assert client.post(reverse("notes_panel", args=["contact", ada.pk]), {}).status_code == 404
    assert client.post(reverse("tasks_panel", args=["contact", ada.pk]), {}).status_code == 404
    assert client.get(reverse("timeline", args=["deal", ada.pk])).status_code == 404
    assert client.get(reverse("timeline", args=["contact", 999999])).status_code == 404


def test_signed_out_users_are_sent_to_sign_in(client, ada):
    response = client.get(timeline_url(ada))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_query_count_does_not_grow_with_the_history(client, rep, ada, htmx):
    client.force_login(rep)
    bulk_history(ada, 5)
    client.get(timeline_url(ada), **htmx)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        client.get(timeline_url(ada), **htmx)
    bulk_history(ada, 200, start=datetime(2025, 3, 1, tzinfo=UTC))
    with CaptureQueriesContext(connection) as many:
        response = client.get(timeline_url(ada), **htmx)
    assert len(response.context["items"]) == 30
    assert len(many) == len(few) <= 8
    with CaptureQueriesContext(connection) as more:
        client.get(response.context["more_url"], **htmx)
    assert len(more) <= len(few)


def test_stays_fast_with_ten_thousand_interactions(client, rep, ada, htmx):
    bulk_history(ada, 10_000)
    client.force_login(rep)
    client.get(timeline_url(ada), **htmx)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(timeline_url(ada), **htmx)
    first_page = time.perf_counter() - started
    url = response.context["more_url"]
    for _ in range(50):  # 50 pages down: the cursor seeks, it does not skip rows
        response = client.get(url, **htmx)
        url = response.context["more_url"]
    started = time.perf_counter()
    deep = client.get(url, **htmx)
    deep_page = time.perf_counter() - started
    assert deep.context["items"][0].subject == f"Message {10_000 - 51 * 30 - 1}"
    assert len(queries) <= 8
    print(f"timeline, 10,000 interactions: first page {first_page * 1000:.0f} ms, page 52 {deep_page * 1000:.0f} ms")
    assert first_page < 1.0 and deep_page < 1.0, (first_page, deep_page)


def test_purchase_amounts_keep_their_decimals(client, rep, ada, htmx):
    log(rep, ada, kind="purchase", amount=Decimal("0.10"), currency="USD", product="Pen")
    client.force_login(rep)
    assert "0.10 USD" in client.get(timeline_url(ada), **htmx).content.decode()


def test_now_is_the_default_time(client, rep, ada, htmx):
    before = timezone.now()
    item = log(rep, ada, subject="Now")
    assert item.occurred_at >= before
