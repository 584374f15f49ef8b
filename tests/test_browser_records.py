"""End to end in Chromium: create a contact through the form (adding a second email row), open its card, edit
a field in place; filter the list with the filter builder."""

import re

import pytest
from playwright.sync_api import expect

from rapport.contacts.models import Contact
from tests.factories import PASSWORD, TeamFactory, UserFactory, make_company, make_contact, role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()


def page_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_create_a_contact_and_open_its_card(page, live_server):
    admin = UserFactory(username="ada", role=role("admin"), team=TeamFactory(name="Sales"))
    make_company(admin, name="Analytical Engines")
    errors = page_errors(page)
    sign_in(page, live_server, admin.username)

    page.goto(f"{live_server.url}/contacts/")
    expect(page.get_by_role("heading", name="No contacts yet")).to_be_visible()
    page.get_by_role("link", name="New contact").first.click()
    expect(page.get_by_role("heading", level=1, name="New contact")).to_be_visible()
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_label("Job title").fill("Rear admiral")
    emails = page.locator("#rows-emails")
    emails.get_by_label("Email").first.fill("grace@navy.test")
    # a second email row, added in the page (no reload), becomes the primary one
    emails.get_by_role("button", name="Add an email address").click()
    second = emails.locator("[data-row]").nth(1)
    expect(second.get_by_label("Email")).to_be_focused()
    second.get_by_label("Email").fill("not-an-email")
    second.get_by_label("Primary").check()
    page.get_by_label("Lifecycle stage").select_option("lead")
    page.get_by_role("button", name="Create contact").click()

    # refused: the message sits under the wrong address, and everything typed is still there
    expect(page.get_by_role("alert")).to_contain_text("need your attention")
    expect(page.locator("#id_emails-1-email_error")).to_contain_text("Enter a valid email address")
    expect(page.get_by_label("Job title")).to_have_value("Rear admiral")
    page.locator("#id_emails-1-email").fill("grace.hopper@navy.test")
    companies = page.locator("#rows-companies")
    companies.get_by_label("Company").first.fill("Analytical")
    companies.get_by_label("Company").first.fill("Analytical Engines")
    page.get_by_role("button", name="Create contact").click()

    expect(page.get_by_role("heading", level=1, name="Grace Hopper")).to_be_visible()
    contact = Contact.objects.get()
    assert contact.email == "grace.hopper@navy.test" and contact.emails.count() == 2
    expect(page).to_have_url(re.compile(rf"/contacts/{contact.pk}/$"))
    expect(page.locator("#field-emails")).to_contain_text("grace@navy.test")
    expect(page.locator("#field-companies")).to_contain_text("Analytical Engines")
    expect(page.locator(".subtitle")).to_contain_text("Rear admiral at Analytical Engines")

    # edit the job title in place: the form opens focused, Escape cancels, Save saves
    field = page.locator("#field-job_title")
    field.get_by_role("link", name="Edit job title").click()
    editor = field.get_by_role("textbox")
    expect(editor).to_be_focused()
    page.keyboard.press("Escape")
    expect(field).to_contain_text("Rear admiral")
    expect(field.get_by_role("link", name="Edit job title")).to_be_focused()
    field.get_by_role("link", name="Edit job title").click()
    page.locator("#field-job_title").get_by_role("textbox").fill("Computer scientist")
    page.locator("#field-job_title").get_by_role("button", name="Save").click()
    expect(page.locator("#field-job_title")).to_contain_text("Computer scientist")
    expect(page.locator(".toast", has_text="Job title saved.")).to_be_visible()
    contact.refresh_from_db()
    assert contact.job_title == "Computer scientist"
    assert errors == []


def test_filter_the_list_with_the_builder(page, live_server):
    admin = UserFactory(username="ada", role=role("admin"), team=TeamFactory(name="Sales"))
    make_contact(admin, first_name="Lena", lifecycle_stage="lead")
    make_contact(admin, first_name="Carl", lifecycle_stage="customer")
    errors = page_errors(page)
    sign_in(page, live_server, admin.username)
    page.goto(f"{live_server.url}/contacts/")
    results = page.locator("#record-results")
    expect(results).to_contain_text("2 contacts")

    page.get_by_role("button", name="Filters").click()
    page.locator("#ff-0").select_option("lifecycle_stage")
    page.locator("#filter-panel").get_by_label("Customer").check()  # the value widget came with the field
    page.get_by_role("button", name="Apply filters").click()
    expect(results).to_contain_text("1 contact")
    expect(results.get_by_role("link", name="Carl Lovelace", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/contacts/\?lifecycle_stage=customer$"))

    # removing the filter's chip lists everyone again; typing a search narrows the results
    results.get_by_role("link", name=re.compile("Remove the filter")).click()
    expect(results).to_contain_text("2 contacts")
    page.get_by_label("Search contacts", exact=True).fill("len")
    expect(results).to_contain_text("1 contact")
    expect(results.get_by_role("link", name="Lena Lovelace", exact=True)).to_be_visible()
    assert errors == []
