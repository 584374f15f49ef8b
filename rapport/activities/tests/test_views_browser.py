"""The panels in Chromium: htmx forms, filter chips, load more on scroll, completing tasks, phone layout."""

import os
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from rapport.activities.models import Interaction, InteractionLink, Note, Task
from tests.factories import PASSWORD, TeamFactory, UserFactory, make_contact, role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("RAPPORT_SCREENSHOTS")  # a folder: save screenshots there to look at the pages


def shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()


def watch_console_errors(page) -> list[str]:
    """Script errors; a refused form (422) is an expected answer, which Chromium still logs."""
    errors: list[str] = []
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" and "status of 422" not in msg.text else None,
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


@pytest.fixture
def rep():
    return UserFactory(username="rita", role=role("sales_rep"), team=TeamFactory(name="Red"), time_zone="Europe/Paris")


@pytest.fixture
def ada(rep):
    return make_contact(rep, first_name="Ada", last_name="Lovelace", email="ada@example.com")


def history(contact, n):
    start = datetime(2025, 1, 1, tzinfo=UTC)
    items = Interaction.objects.bulk_create(
        Interaction(kind="email" if i % 3 else "call", occurred_at=start + timedelta(hours=i), subject=f"Message {i}",
                    body="Long body. " * (60 if i % 10 == 0 else 2), direction="in" if i % 2 else "out")
        for i in range(n)
    )  # fmt: skip
    InteractionLink.objects.bulk_create(
        InteractionLink(interaction=it, contact=contact, occurred_at=it.occurred_at, kind=it.kind) for it in items
    )


def test_timeline_logs_filters_and_loads_more_on_scroll(page, live_server, rep, ada):
    history(ada, 70)
    errors = watch_console_errors(page)
    sign_in(page, live_server, rep.username)
    page.goto(f"{live_server.url}/activities/contact/{ada.pk}/timeline/")
    entries = page.locator("ol.timeline > li.timeline-item")
    expect(entries).to_have_count(30)
    expect(entries.first).to_contain_text("Message 69")
    shot(page, "timeline")

    # scrolling to the end loads the older entries, twice
    page.locator("li.timeline-more").scroll_into_view_if_needed()
    expect(entries).to_have_count(60)
    page.locator("li.timeline-more").scroll_into_view_if_needed()
    expect(entries).to_have_count(70)
    expect(page.get_by_text("The beginning of the history.")).to_be_visible()

    # a chip filters by kind
    page.locator("label.chip", has_text="Call").click()
    expect(entries).to_have_count(24)
    expect(page.get_by_role("link", name="Show every kind")).to_be_visible()  # the panel was swapped
    expect(page.locator("label.chip", has_text="Call").locator("input")).to_be_checked()
    expect(page.locator("label.chip", has_text="Call").locator("input")).to_be_focused()  # focus survives the swap

    # the log form: refused, then done; the panel refreshes with the new entry on top
    page.get_by_text("Log an interaction", exact=True).click()
    form = page.locator(f"#log-contact-{ada.pk}")
    form.get_by_label("Kind").select_option("purchase")
    expect(form.get_by_label("Amount")).to_be_visible()
    form.get_by_role("button", name="Log interaction").click()
    expect(form.get_by_text("Give the amount or the product of the purchase.")).to_be_visible()
    form.get_by_label("Amount").fill("250")
    form.get_by_label("Currency").fill("EUR")
    form.get_by_label("Subject").fill("Annual licence")
    form.get_by_role("button", name="Log interaction").click()
    expect(page.locator(".toast")).to_contain_text("Logged.")
    expect(entries.first).to_contain_text("Annual licence")
    expect(entries.first).to_contain_text("250.00 EUR")
    assert Interaction.objects.filter(kind="purchase", created_by=rep).count() == 1
    assert errors == []


def test_notes_add_edit_pin_delete(page, live_server, rep, ada):
    errors = watch_console_errors(page)
    sign_in(page, live_server, rep.username)
    page.goto(f"{live_server.url}/activities/contact/{ada.pk}/notes/")
    panel = page.locator(f"#notes-contact-{ada.pk}")
    panel.get_by_role("button", name="Add note").click()
    expect(panel.get_by_text("This field is required.")).to_be_visible()
    panel.get_by_label("Note").fill("Prefers email.\nCall only after 3 pm.")
    panel.get_by_role("button", name="Add note").click()
    expect(panel.locator("li.note")).to_have_count(1)
    note = Note.objects.get()
    panel.get_by_role("link", name=re.compile("^Edit")).click()
    panel.locator(f"#note-{note.pk} textarea").fill("Prefers email only.")
    panel.get_by_role("button", name="Save note").click()
    expect(panel.locator("li.note")).to_contain_text("Prefers email only.")
    panel.get_by_role("button", name=re.compile("^Pin")).click()
    expect(panel.locator("li.note.is-pinned")).to_have_count(1)
    shot(page, "notes")
    page.once("dialog", lambda dialog: dialog.accept())
    panel.get_by_role("button", name=re.compile("^Delete")).click()
    expect(panel.locator("li.note")).to_have_count(0)
    assert not Note.objects.exists() and errors == []


def test_tasks_quick_add_complete_and_my_tasks(page, live_server, rep, ada):
    errors = watch_console_errors(page)
    sign_in(page, live_server, rep.username)
    page.goto(f"{live_server.url}/activities/contact/{ada.pk}/tasks/")
    panel = page.locator(f"#tasks-contact-{ada.pk}")
    panel.get_by_text("Add a task", exact=True).click()
    panel.get_by_label("Title").fill("Send the proposal")
    panel.get_by_label("Due date").fill("2020-01-02")
    panel.get_by_label("Due time").fill("10:00")
    panel.get_by_label("Reminder").select_option("60")
    panel.get_by_role("button", name="Add task").click()
    expect(panel.locator("li.task")).to_have_count(1)
    expect(panel.locator("li.task")).to_contain_text("Overdue")
    expect(panel.locator("li.task")).to_contain_text("Thu 2 Jan 2020, 10:00")  # as typed, in Paris time
    task = Task.objects.get()
    assert task.due_at == datetime(2020, 1, 2, 9, 0, tzinfo=UTC)
    shot(page, "tasks_panel")

    page.goto(f"{live_server.url}/tasks/")
    expect(page.get_by_role("heading", name=re.compile("Overdue"))).to_be_visible()
    shot(page, "my_tasks")
    page.get_by_role("button", name="Complete “Send the proposal”").click()
    expect(page.locator(f"#task-{task.pk}.is-done")).to_be_visible()
    task.refresh_from_db()
    assert task.status == "done"
    page.get_by_role("button", name="Reopen “Send the proposal”").click()
    expect(page.locator(f"#task-{task.pk}:not(.is-done)")).to_be_visible()
    assert errors == []


def test_phone_layout_has_no_sideways_scroll(browser, live_server, rep, ada):
    history(ada, 5)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, rep.username)
        for path in (f"/activities/contact/{ada.pk}/timeline/", f"/activities/contact/{ada.pk}/tasks/", "/tasks/"):
            page.goto(f"{live_server.url}{path}")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, path
        page.goto(f"{live_server.url}/activities/contact/{ada.pk}/timeline/")
        page.get_by_text("Log an interaction", exact=True).click()
        shot(page, "timeline_phone")
    finally:
        context.close()


def test_the_contact_card_loads_the_three_panels(page, live_server, rep, ada):
    """The card (contacts app) embeds the panels by URL name; they load, and work in place."""
    from django.urls import reverse

    url = reverse("contact_detail", args=[ada.pk])
    history(ada, 3)
    errors = watch_console_errors(page)
    sign_in(page, live_server, rep.username)
    page.goto(f"{live_server.url}{url}")
    for panel_id in (f"#timeline-contact-{ada.pk}", f"#tasks-contact-{ada.pk}", f"#notes-contact-{ada.pk}"):
        expect(page.locator(f"section{panel_id}")).to_be_visible()
    expect(page.locator("li.timeline-item")).to_have_count(3)
    notes = page.locator(f"#notes-contact-{ada.pk}")
    notes.get_by_label("Note").fill("Added from the card")
    notes.get_by_role("button", name="Add note").click()
    expect(page.locator(f"#notes-contact-{ada.pk} li.note")).to_contain_text("Added from the card")
    shot(page, "contact_card")
    assert errors == []
