"""The data hub's settings pages: custom fields, mandatory fields and tags; only for the settings feature."""

import pytest
from django.urls import reverse

from rapport.contacts.models import CustomField, FieldPolicy, Tag
from rapport.contacts.services import custom_field_create
from rapport.core.models import AuditEntry
from tests.factories import UserFactory, make_company, make_contact, role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(role=role("admin"))


@pytest.fixture
def signed_in(client, admin):
    client.force_login(admin)
    return client


def field(admin, **data):
    return custom_field_create(
        actor=admin, data={"object_type": "contact", "field_type": "text", "label": "Tier", **data}
    )


# --- who may -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["manager", "sales_rep", "marketer", "support_agent", "read_only"])
def test_settings_pages_refuse_users_without_the_settings_feature(client, admin, key):
    cf = field(admin)
    tag = Tag.objects.create(name="vip")
    client.force_login(UserFactory(role=role(key)))
    gets = [
        reverse("settings_fields", args=["contact"]),
        reverse("settings_field_create", args=["company"]),
        reverse("settings_field_edit", args=[cf.pk]),
        reverse("settings_field_delete", args=[cf.pk]),
        reverse("settings_mandatory", args=["contact"]),
        reverse("settings_tags"),
        reverse("settings_tag_edit", args=[tag.pk]),
        reverse("settings_tag_delete", args=[tag.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 403, url
    posts = {
        reverse("settings_field_create", args=["contact"]): {"label": "Sneaky", "field_type": "text"},
        reverse("settings_field_edit", args=[cf.pk]): {"label": "Renamed"},
        reverse("settings_field_archive", args=[cf.pk]): {"active": "0"},
        reverse("settings_field_delete", args=[cf.pk]): {},
        reverse("settings_mandatory", args=["contact"]): {"required_fields": ["email"]},
        reverse("settings_tag_edit", args=[tag.pk]): {"name": "Renamed"},
        reverse("settings_tag_delete", args=[tag.pk]): {},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    cf.refresh_from_db()
    tag.refresh_from_db()
    assert (cf.label, cf.is_active, tag.name) == ("Tier", True, "vip")
    assert CustomField.objects.count() == 1 and not FieldPolicy.objects.exists()


def test_signed_out_users_are_sent_to_sign_in(client):
    response = client.get(reverse("settings_tags"))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_unknown_object_types_and_records_answer_404(signed_in):
    assert signed_in.get(reverse("settings_fields", args=["deal"])).status_code == 404
    assert signed_in.get(reverse("settings_mandatory", args=["deal"])).status_code == 404
    assert signed_in.get(reverse("settings_field_edit", args=[999])).status_code == 404
    assert signed_in.get(reverse("settings_tag_edit", args=[999])).status_code == 404


# --- custom fields -----------------------------------------------------------------------------------------


def test_list_per_object_type_with_archived_fields_apart(signed_in, admin):
    tier = field(admin, label="Tier")
    old = field(admin, label="Legacy id")
    field(admin, object_type="company", label="Segment")
    old.is_active = False
    old.save()
    response = signed_in.get(reverse("settings_fields", args=["contact"]))
    assert response.status_code == 200
    assert response.context["active"] == [tier] and response.context["archived"] == [old]
    body = response.content.decode()
    assert "Segment" not in body and "Unarchive" in body
    assert signed_in.get(reverse("settings_fields_home")).url == reverse("settings_fields", args=["contact"])


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"field_type": "text"}, {}),
        ({"field_type": "long_text"}, {}),
        ({"field_type": "number"}, {}),
        ({"field_type": "money", "currency": "eur"}, {"currency": "EUR"}),
        ({"field_type": "percent"}, {}),
        ({"field_type": "date"}, {}),
        ({"field_type": "datetime"}, {}),
        ({"field_type": "boolean"}, {}),
        ({"field_type": "choice", "choices": "Gold\r\nSilver\r\n\r\nGold\r\nBronze, plus"},
         {"choices": ["Gold", "Silver", "Bronze, plus"]}),
        ({"field_type": "multi_choice", "choices": "A\nB"}, {"choices": ["A", "B"]}),
        ({"field_type": "url"}, {}),
        ({"field_type": "email"}, {}),
        ({"field_type": "phone"}, {}),
        ({"field_type": "reference", "reference_type": "company"}, {"reference_type": "company"}),
    ],
)  # fmt: skip
def test_add_a_field_of_every_type(signed_in, data, expected):
    url = reverse("settings_field_create", args=["company"])
    response = signed_in.post(url, {"label": "Contract tier", "help_text": "Ask sales", "required": "on", **data})
    assert response.status_code == 302, response.context["form"].errors
    created = CustomField.objects.get()
    assert (created.object_type, created.key, created.label, created.field_type) == (
        "company", "contract_tier", "Contract tier", data["field_type"]
    )  # fmt: skip
    assert created.required and created.help_text == "Ask sales" and created.position == 1
    for name, value in expected.items():
        assert getattr(created, name) == value
    assert AuditEntry.objects.filter(object_type="custom_field", action="create").exists()


def test_add_refusals_show_on_the_fields(signed_in, admin):
    url = reverse("settings_field_create", args=["contact"])
    response = signed_in.post(url, {"label": "", "field_type": "choice", "choices": ""})
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert errors["label"] and errors["choices"]
    response = signed_in.post(url, {"label": "Ref", "field_type": "reference"})
    assert response.status_code == 422 and response.context["form"].errors["reference_type"]
    response = signed_in.post(url, {"label": "Money", "field_type": "money", "currency": "ZZZ"})
    assert response.status_code == 422 and response.context["form"].errors["currency"]
    response = signed_in.post(url, {"label": "Bad key", "key": "9lives", "field_type": "text"})
    assert response.status_code == 422 and response.context["form"].errors["key"]
    field(admin, key="tier")
    response = signed_in.post(url, {"label": "Tier", "key": "tier", "field_type": "text"})
    assert response.status_code == 409 and response.context["form"].errors["key"] == ["This key is taken."]
    assert "This key is taken." in response.content.decode()
    assert CustomField.objects.count() == 1


def test_edit_label_help_required_choices_and_position(signed_in, admin):
    cf = field(admin, field_type="choice", choices=["A", "B"])
    url = reverse("settings_field_edit", args=[cf.pk])
    response = signed_in.get(url)
    form = response.context["form"]
    assert "key" not in form.fields and "field_type" not in form.fields and form["choices"].value() == "A\nB"
    response = signed_in.post(url, {"label": "Level", "help_text": "New help", "required": "on", "position": "7",
                                    "choices": "A\nB\nC", "key": "hacked", "field_type": "text"})  # fmt: skip
    assert response.status_code == 302
    cf.refresh_from_db()
    assert (cf.label, cf.help_text, cf.required, cf.position, cf.choices) == (
        "Level",
        "New help",
        True,
        7,
        ["A", "B", "C"],
    )
    assert (cf.key, cf.field_type) == ("tier", "choice")
    response = signed_in.post(url, {"label": "", "choices": ""})
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"label", "choices"}


def test_archive_unarchive_and_delete_with_confirmation(signed_in, admin):
    cf = field(admin)
    archive = reverse("settings_field_archive", args=[cf.pk])
    assert signed_in.get(archive).status_code == 405
    signed_in.post(archive, {"active": "0"})
    cf.refresh_from_db()
    assert not cf.is_active
    signed_in.post(archive, {"active": "1"})
    cf.refresh_from_db()
    assert cf.is_active
    delete = reverse("settings_field_delete", args=[cf.pk])
    response = signed_in.get(delete)
    assert response.status_code == 200 and "Delete the field “Tier”?" in response.content.decode()
    assert CustomField.objects.exists()
    response = signed_in.post(delete)
    assert response.status_code == 302 and not CustomField.objects.exists()


# --- mandatory fields ----------------------------------------------------------------------------------------


def test_mandatory_fields_per_object_type(signed_in, admin):
    url = reverse("settings_mandatory", args=["contact"])
    response = signed_in.get(url)
    choices = dict(response.context["form"].fields["required_fields"].choices)
    assert choices["email"] == "Email" and "domain" not in choices
    response = signed_in.post(url, {"required_fields": ["email", "owner"]})
    assert response.status_code == 302
    assert FieldPolicy.objects.get(object_type="contact").required_fields == ["email", "owner"]
    response = signed_in.get(url)
    assert response.context["form"]["required_fields"].value() == ["email", "owner"]
    response = signed_in.post(url, {"required_fields": ["domain"]})
    assert response.status_code == 422 and response.context["form"].errors["required_fields"]
    signed_in.post(reverse("settings_mandatory", args=["company"]), {"required_fields": ["domain"]})
    assert FieldPolicy.objects.get(object_type="company").required_fields == ["domain"]
    signed_in.post(url, {})
    assert FieldPolicy.objects.get(object_type="contact").required_fields == []


# --- tags --------------------------------------------------------------------------------------------------------


def test_tags_list_with_usage_search_and_constant_queries(signed_in, admin, django_assert_max_num_queries):
    make_contact(admin, tags=["VIP", "North"])
    make_contact(admin, first_name="Grace", tags=["VIP"])
    make_company(admin, tags=["VIP"])
    response = signed_in.get(reverse("settings_tags"))
    rows = {t.name: (t.contact_count, t.company_count) for t in response.context["page"]}
    assert rows == {"North": (1, 0), "VIP": (2, 1)}
    assert [t.name for t in signed_in.get(reverse("settings_tags"), {"q": "vi"}).context["page"]] == ["VIP"]
    assert "No tags match" in signed_in.get(reverse("settings_tags"), {"q": "zzz"}).content.decode()
    Tag.objects.bulk_create(Tag(name=f"bulk {i}") for i in range(40))
    with django_assert_max_num_queries(8):
        signed_in.get(reverse("settings_tags"))


def test_rename_and_recolor_a_tag(signed_in):
    tag = Tag.objects.create(name="vip")
    Tag.objects.create(name="North")
    url = reverse("settings_tag_edit", args=[tag.pk])
    assert signed_in.get(url).status_code == 200
    response = signed_in.post(url, {"name": "VIP customers", "color": "#dc2626"})
    assert response.status_code == 302
    tag.refresh_from_db()
    assert (tag.name, tag.color) == ("VIP customers", "#dc2626")
    assert "--tag-color: #dc2626" in signed_in.get(reverse("settings_tags")).content.decode()
    response = signed_in.post(url, {"name": "north", "color": ""})
    assert response.status_code == 409 and response.context["form"].errors["name"]
    response = signed_in.post(url, {"name": "", "color": "red; background: url(x)"})
    assert response.status_code == 422 and set(response.context["form"].errors) == {"name", "color"}
    tag.refresh_from_db()
    assert (tag.name, tag.color) == ("VIP customers", "#dc2626")


def test_odd_tag_colours_from_the_api_never_reach_a_style_attribute(signed_in):
    Tag.objects.create(name="odd", color="x;background:url(y)")
    body = signed_in.get(reverse("settings_tags")).content.decode()
    assert "url(y)" not in body and "odd" in body


def test_delete_a_tag_takes_it_off_records(signed_in, admin):
    contact = make_contact(admin, tags=["Old"])
    tag = Tag.objects.get(name="Old")
    url = reverse("settings_tag_delete", args=[tag.pk])
    assert signed_in.get(url).status_code == 200 and Tag.objects.exists()
    assert signed_in.post(url).status_code == 302
    assert not Tag.objects.exists() and not contact.tags.exists()


# --- in the browser ----------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_adds_a_choice_field_in_the_browser(page, live_server):
    import os

    from playwright.sync_api import expect

    from tests.factories import PASSWORD

    admin = UserFactory(username="root", role=role("admin"))
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}{reverse('settings_field_create', args=['contact'])}")
    choices = page.get_by_label("Choices")
    expect(choices).to_be_hidden()  # only choice fields have choices
    page.get_by_label("Type").select_option("choice")
    expect(choices).to_be_visible()
    expect(page.get_by_label("Currency")).to_be_hidden()
    page.get_by_label("Label").fill("Customer tier")
    page.get_by_role("button", name="Add field").click()
    expect(page.get_by_text("Give at least one choice.")).to_be_visible()
    page.get_by_label("Choices").fill("Gold\nSilver\nBronze")
    page.get_by_role("button", name="Add field").click()
    expect(page.get_by_role("link", name="Customer tier", exact=True)).to_be_visible()
    if folder := os.environ.get("RAPPORT_SCREENSHOTS"):
        page.screenshot(path=f"{folder}/settings_fields.png", full_page=True)
        make_contact(admin, first_name="Bare", last_name="")
        page.goto(f"{live_server.url}{reverse('data_quality')}")
        page.screenshot(path=f"{folder}/data_quality.png", full_page=True)
    assert CustomField.objects.get().choices == ["Gold", "Silver", "Bronze"]
    assert errors == []
