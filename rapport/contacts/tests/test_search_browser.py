"""The header's search box in Chromium: typeahead suggestions as a combobox, driven with the keyboard."""

import re

import pytest
from playwright.sync_api import expect

from rapport.contacts.search.backends import get_backend
from tests.factories import PASSWORD, UserFactory, make_company, make_contact, role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _empty_index():
    get_backend().clear()


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()


def test_typeahead_with_the_keyboard(page, live_server):
    admin = UserFactory(username="ada", role=role("admin"))
    john = make_contact(admin, first_name="John", last_name="Smith", emails=["john@acme.com"])
    make_company(admin, name="Johnson Industries")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server, "ada")
    page.wait_for_load_state("load")  # the "/" shortcut exists once rapport.js has run

    page.keyboard.press("/")
    box = page.get_by_role("combobox", name="Search contacts and companies")
    expect(box).to_be_focused()
    box.press_sequentially("joh", delay=30)
    listbox = page.get_by_role("listbox", name="Search suggestions")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    options = listbox.get_by_role("option")
    expect(options).to_have_count(3)  # John Smith, Johnson Industries, "See all results"
    expect(options.first).to_contain_text("John Smith")
    expect(page.locator("#global-search-status")).to_contain_text("2 suggestions")

    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "search-option-1")
    expect(options.first).to_have_attribute("aria-selected", "true")
    box.press("ArrowDown")
    box.press("ArrowUp")
    expect(box).to_have_attribute("aria-activedescendant", "search-option-1")
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("joh")

    box.press("ArrowDown")  # opens again on the first suggestion
    expect(listbox).to_be_visible()
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/contacts/{john.pk}/$"))

    # Enter with no suggestion chosen: the results page.
    page.wait_for_load_state("load")
    page.keyboard.press("/")
    box = page.get_by_role("combobox", name="Search contacts and companies")
    box.fill("jhon smiht")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=jhon\+smiht$"))
    expect(page.get_by_role("link", name="John Smith")).to_be_visible()
    expect(page.get_by_text("spelling corrected")).to_be_visible()
    assert errors == []
