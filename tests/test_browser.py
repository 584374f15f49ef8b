"""End to end in Debian's Chromium: sign in, walk the navigation, use the account pages, sign out."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, TeamFactory, UserFactory, role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username, password=PASSWORD):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()


def watch_console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_admin_signs_in_walks_the_navigation_and_signs_out(page, live_server):
    admin = UserFactory(username="ada", role=role("admin"), team=TeamFactory(name="Sales"))
    errors = watch_console_errors(page)
    sign_in(page, live_server, admin.username)

    links = page.locator("nav.sidebar a")
    targets = [(links.nth(i).inner_text().strip(), links.nth(i).get_attribute("href")) for i in range(links.count())]
    assert len(targets) >= 5, targets  # dashboard, users, teams, roles, audit log, account...
    for label, href in targets:
        response = page.goto(f"{live_server.url}{href}")
        assert response.status == 200, (label, href)
        expect(page.locator("h1").first).to_be_visible()
        current = page.locator("nav.sidebar a[aria-current='page']")
        expect(current).to_have_count(1)
    assert errors == []

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name=re.compile("Sign in"))).to_be_visible()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login/"))


def test_wrong_password_shows_an_error_and_keeps_the_username(page, live_server):
    user = UserFactory(username="bob")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page.get_by_label("Username")).to_have_value("bob")


def test_a_sales_rep_sees_no_admin_pages(page, live_server):
    rep = UserFactory(username="rita", role=role("sales_rep"))
    sign_in(page, live_server, rep.username)
    nav = page.locator("nav.sidebar")
    expect(nav.get_by_role("link", name="Roles")).to_have_count(0)
    expect(nav.get_by_role("link", name="Audit log")).to_have_count(0)
    response = page.goto(f"{live_server.url}/settings/audit/")
    assert response.status in (403, 404)


def test_phone_layout_opens_the_menu(browser, live_server):
    user = UserFactory(username="phil", role=role("admin"))
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, user.username)
        sidebar = page.locator("nav.sidebar")
        toggle = page.locator("button.menu-toggle")
        expect(toggle).to_be_visible()
        expect(sidebar).to_be_hidden()
        toggle.click()
        expect(sidebar).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "true")
    finally:
        context.close()
