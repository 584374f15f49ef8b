"""In Chromium: the list's count arrives after the page, and "select all N matching" extends a bulk action from
the ticked page to every matching contact the user may change."""

import pytest
from playwright.sync_api import expect

from rapport.contacts.models import Contact
from tests.factories import PASSWORD, TeamFactory, UserFactory, make_contact, role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_select_all_matching_tags_every_match_across_pages(page, live_server):
    admin = UserFactory(username="ada", role=role("admin"), team=TeamFactory(name="Sales"))
    for i in range(30):
        make_contact(admin, first_name=f"Lead{i:02}", lifecycle_stage="lead")
    make_contact(admin, first_name="Customer", lifecycle_stage="customer")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()

    page.goto(f"{live_server.url}/contacts/?lifecycle_stage=lead&limit=25")
    results = page.locator("#record-results")
    expect(results.locator("#list-count")).to_have_text("30 contacts")  # counted after the page showed
    page.get_by_label("Select every contact on this page").check()
    offer = page.get_by_role("button", name="Select all 30 matching contacts")
    expect(offer).to_be_visible()
    offer.click()
    expect(page.locator("[data-matching-chosen]")).to_contain_text("All 30 matching contacts are selected")
    page.locator("#bulk-action").select_option("tag_add")
    page.locator("#bulk-tag").fill("spring")
    page.locator("#bulk-form").get_by_role("button", name="Apply").click()
    expect(page.get_by_text("30 contacts tagged")).to_be_visible()
    assert Contact.objects.filter(tags__name="spring").count() == 30
    assert not Contact.objects.filter(tags__name="spring", lifecycle_stage="customer").exists()

    # unticking a row goes back to the ticked rows only
    page.get_by_label("Select every contact on this page").check()
    page.get_by_role("button", name="Select all 30 matching contacts").click()
    page.locator('input[name="ids"]').first.uncheck()
    expect(page.locator("[data-select-matching]")).to_be_hidden()
    assert page.locator("[data-all-matching]").input_value() == ""
    assert errors == []
