"""End to end in Chromium: upload a CSV, accept the suggested mapping, preview, run, watch the progress turn into
the report, open an imported contact."""

import re

import pytest
from playwright.sync_api import expect

from rapport.contacts.models import Contact
from rapport.core.worker import run_ready_tasks
from tests.factories import UserFactory, role
from tests.test_browser import sign_in, watch_console_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "Given Name,Family Name,E-mail 1 - Value,Phone 1 - Value,Organization 1 - Name\n"
    "Ada,Lovelace,ada@engines.test,+44 20 7946 0958,Analytical Engines\n"
    "Grace,Hopper,not-an-email,,US Navy\n"
    "alan,TURING,alan@bletchley.test,(415) 555-2671,\n"
)


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def test_import_a_csv_through_the_pages(page, live_server):
    UserFactory(username="ada", role=role("admin"))
    errors = watch_console_errors(page)
    sign_in(page, live_server, "ada")

    page.goto(f"{live_server.url}/imports/")
    page.get_by_role("link", name="Import contacts").first.click()
    expect(page.get_by_role("heading", level=1, name="New import")).to_be_visible()
    page.get_by_label("File").set_input_files(
        files=[{"name": "google.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    page.get_by_role("button", name="Upload and map columns").click()

    expect(page.get_by_role("heading", level=1, name="Map the columns")).to_be_visible()
    expect(page.get_by_label("Field for column E-mail 1 - Value")).to_have_value("email")
    expect(page.get_by_label("Field for column Organization 1 - Name")).to_have_value("company")
    page.get_by_label("Tags for every record").fill("browser")
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_role("heading", level=1, name="Preview")).to_be_visible()
    expect(page.get_by_text("E-mail 1 - Value: Enter a valid email address.")).to_be_visible()
    page.get_by_role("button", name="Start the import").click()

    expect(page.get_by_role("heading", level=1, name=re.compile("Import of google.csv"))).to_be_visible()
    run_ready_tasks()  # the worker's part, in this process
    # The progress card polls, then reloads the page with the report.
    expect(page.get_by_role("heading", level=2, name="Report")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("E-mail 1 - Value: Enter a valid email address.")).to_be_visible()
    expect(page.locator(".stat", has_text="Created")).to_contain_text("2")
    expect(page.locator(".stat", has_text="Failed")).to_contain_text("1")

    alan = Contact.objects.get(email="alan@bletchley.test")
    assert alan.display_name == "Alan Turing" and alan.phone == "+14155552671"
    response = page.goto(f"{live_server.url}/contacts/{alan.pk}/")
    assert response.status == 200
    expect(page.get_by_text("Alan Turing").first).to_be_visible()
    assert errors == []
