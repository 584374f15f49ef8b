"""The automatic mapping of common exports' columns, and the checks of a mapping."""

import pytest

from rapport.contacts import services
from rapport.contacts.imports import mapping
from rapport.contacts.schema import RecordSchema
from rapport.core.errors import ApplicationError
from tests.factories import UserFactory, role

EMPTY = RecordSchema("contact")


def suggest(headers, object_type="contact", schema=None):
    return mapping.suggest(object_type, schema or RecordSchema(object_type), headers)


def test_google_contacts_export():
    headers = ["First Name", "Middle Name", "Last Name", "Name Prefix", "Name Suffix", "Birthday", "Notes",
               "Labels", "E-mail 1 - Label", "E-mail 1 - Value", "E-mail 2 - Label", "E-mail 2 - Value",
               "Phone 1 - Label", "Phone 1 - Value", "Address 1 - Street", "Address 1 - City",
               "Address 1 - Postal Code", "Address 1 - Country", "Address 1 - Formatted", "Organization Name",
               "Organization Title", "Organization Department", "Website 1 - Value"]  # fmt: skip
    got = suggest(headers)
    assert got["First Name"] == "first_name" and got["Middle Name"] == "middle_name" and got["Last Name"] == "last_name"
    assert got["Name Prefix"] == "prefix" and got["Name Suffix"] == "suffix" and got["Birthday"] == "birth_date"
    assert got["E-mail 1 - Value"] == "email" and got["E-mail 2 - Value"] == "email"
    assert got["E-mail 1 - Label"] == "" and got["Phone 1 - Label"] == "" and got["Address 1 - Formatted"] == ""
    assert got["Phone 1 - Value"] == "phone"
    assert got["Address 1 - Street"] == "address.street" and got["Address 1 - City"] == "address.city"
    assert got["Address 1 - Postal Code"] == "address.postcode" and got["Address 1 - Country"] == "address.country"
    assert got["Organization Name"] == "company" and got["Organization Title"] == "job_title"
    assert got["Organization Department"] == "department" and got["Website 1 - Value"] == "website"
    assert got["Labels"] == "tags" and got["Notes"] == ""


def test_outlook_export_tells_title_from_job_title():
    headers = ["Title", "First Name", "Last Name", "Company", "Job Title", "Business Street", "Business City",
               "Business State", "Business Postal Code", "Business Country/Region", "Home Street", "Home City",
               "Business Phone", "Home Phone", "Mobile Phone", "E-mail Address", "E-mail 2 Address", "Categories"]  # fmt: skip
    got = suggest(headers)
    assert got["Title"] == "prefix" and got["Job Title"] == "job_title"
    assert got["Business Street"] == "address:work.street" and got["Business State"] == "address:work.region"
    assert got["Business Country/Region"] == "address:work.country"
    assert got["Home Street"] == "address:home.street" and got["Home City"] == "address:home.city"
    assert got["Business Phone"] == "phone:work" and got["Home Phone"] == "phone:home"
    assert got["Mobile Phone"] == "phone:mobile"
    assert got["E-mail Address"] == "email" and got["E-mail 2 Address"] == "email"
    assert got["Categories"] == "tags" and got["Company"] == "company"


def test_salesforce_hubspot_pipedrive_zoho():
    sf = suggest(["Salutation", "First Name", "Last Name", "Title", "Account Name", "Mailing Street", "Mailing City",
                  "Mailing State/Province", "Mailing Zip/Postal Code", "Mailing Country", "Email", "Phone", "Mobile",
                  "Lead Source", "Contact ID"])  # fmt: skip
    assert sf["Salutation"] == "prefix" and sf["Title"] == "job_title" and sf["Account Name"] == "company"
    assert sf["Mailing Zip/Postal Code"] == "address.postcode" and sf["Mailing State/Province"] == "address.region"
    assert sf["Mobile"] == "phone:mobile" and sf["Lead Source"] == "lead_source" and sf["Contact ID"] == "external_id"
    hub = suggest(["Record ID", "First Name", "Last Name", "Email", "Phone Number", "Company Name", "Lifecycle Stage",
                   "Lead Status", "Street Address", "City", "State/Region", "Postal Code", "Country/Region", "Zip"])  # fmt: skip
    assert hub["Record ID"] == "external_id" and hub["Company Name"] == "company"
    assert hub["Lifecycle Stage"] == "lifecycle_stage" and hub["Lead Status"] == ""  # one column per field
    assert hub["Street Address"] == "address.street" and hub["Country/Region"] == "address.country"
    assert hub["Zip"] == "" and hub["Postal Code"] == "address.postcode"
    pipe = suggest(["Name", "Email - Work", "Email - Home", "Phone - Work", "Phone - Mobile", "Organization"])
    assert pipe == {"Name": "full_name", "Email - Work": "email:work", "Email - Home": "email:home",
                    "Phone - Work": "phone:work", "Phone - Mobile": "phone:mobile", "Organization": "company"}  # fmt: skip
    zoho = suggest(["Contact Owner", "First Name", "Secondary Email", "Mailing Zip", "Date of Birth", "Twitter"])
    assert zoho["Secondary Email"] == "email" and zoho["Mailing Zip"] == "address.postcode"
    assert zoho["Date of Birth"] == "birth_date" and zoho["Twitter"] == "x" and zoho["Contact Owner"] == ""


def test_generic_spreadsheets_and_close_spellings():
    got = suggest(["full name", "E-Mail", "Tel.", "ZIP code", "Country", "Emial Adress", "Whatever"])
    assert got["full name"] == "full_name" and got["E-Mail"] == "email" and got["Tel."] == "phone"
    assert got["ZIP code"] == "address.postcode" and got["Country"] == "address.country"
    assert got["Emial Adress"] == "email"  # fuzzy
    assert got["Whatever"] == ""


@pytest.mark.django_db
def test_custom_fields_are_recognised_by_label_and_key():
    admin = UserFactory(role=role("admin"))
    services.custom_field_create(
        actor=admin, data={"object_type": "contact", "label": "Lead Status", "field_type": "text"}
    )
    services.custom_field_create(actor=admin, data={"object_type": "contact", "label": "Renewal", "key": "renewal_date",
                                                    "field_type": "date"})  # fmt: skip
    schema = RecordSchema.load("contact")
    got = mapping.suggest("contact", schema, ["Lead Status", "renewal_date", "Lifecycle Stage"])
    assert got == {"Lead Status": "custom.lead_status", "renewal_date": "custom.renewal_date",
                   "Lifecycle Stage": "lifecycle_stage"}  # fmt: skip


def test_companies():
    got = suggest(["Company Name", "Domain", "Website", "Industry", "Number of Employees", "Annual Revenue", "Phone",
                   "City", "Account ID"], "company")  # fmt: skip
    assert got == {"Company Name": "name", "Domain": "domain", "Website": "website", "Industry": "industry",
                   "Number of Employees": "size_band", "Annual Revenue": "annual_revenue", "Phone": "phone",
                   "City": "address.city", "Account ID": "external_id"}  # fmt: skip


def test_validate_refuses_unknown_columns_fields_and_doubles():
    headers = ["First", "Last", "Mail", "Mail 2"]
    ok = mapping.validate("contact", EMPTY, headers, {"First": "first_name", "Mail": "email", "Mail 2": "email"})
    assert ok == {"First": "first_name", "Last": "", "Mail": "email", "Mail 2": "email"}
    with pytest.raises(ApplicationError) as exc:
        mapping.validate("contact", EMPTY, headers, {"First": "first_name", "Last": "first_name", "Nope": "email",
                                                     "Mail": "password", "Mail 2": "custom.nope"})  # fmt: skip
    assert set(exc.value.fields) == {"mapping.Last", "mapping.Nope", "mapping.Mail", "mapping.Mail 2"}
    with pytest.raises(ApplicationError):
        mapping.validate("contact", EMPTY, headers, ["first_name"])


def test_check_ready_needs_something_useful():
    with pytest.raises(ApplicationError):
        mapping.check_ready("contact", {"A": ""}, "create", "")
    with pytest.raises(ApplicationError) as exc:
        mapping.check_ready("contact", {"A": "job_title"}, "create", "")
    assert "name or an email" in str(exc.value.fields)
    with pytest.raises(ApplicationError) as exc:
        mapping.check_ready("contact", {"A": "first_name"}, "update", "email")
    assert "match_on" in exc.value.fields
    with pytest.raises(ApplicationError):
        mapping.check_ready("company", {"A": "name"}, "upsert", "email")
    mapping.check_ready("contact", {"A": "email:work"}, "upsert", "email")
    mapping.check_ready("company", {"A": "name"}, "update", "name")
