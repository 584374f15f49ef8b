"""Custom fields, field policies (mandatory built-in fields), tags and saved views through the API."""

import pytest

from rapport.contacts.models import Contact, CustomField, FieldPolicy, SavedView, Tag
from rapport.core.models import AuditEntry
from tests.factories import UserFactory, make_company, make_contact, role

from .api_client import Api, problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client):
    return Api(client, UserFactory(username="admin", role=role("admin")))


@pytest.fixture
def rep(client):
    return Api(client, UserFactory(username="rep", role=role("sales_rep")))


# --- custom fields -----------------------------------------------------------------------------

FIELDS = "/api/v1/custom-fields"


def test_custom_field_lifecycle(admin):
    response = admin.post(FIELDS, {
        "object_type": "contact", "label": "Plan tier", "field_type": "choice", "choices": ["Free", " Pro ", "Free"],
        "required": True, "help_text": "What they pay for",
    })  # fmt: skip
    assert response.status_code == 201, response.content
    field = response.json()
    assert response["Location"] == f"{FIELDS}/{field['id']}"
    assert (field["key"], field["choices"], field["required"], field["is_active"]) == (
        "plan_tier", ["Free", "Pro"], True, True
    )  # fmt: skip
    url = f"{FIELDS}/{field['id']}"
    assert admin.get(url).json() == field
    tag = admin.get(url)["ETag"]
    changed = admin.patch(url, {"label": "Plan", "choices": ["Free", "Pro", "Enterprise"]}, headers={"If-Match": tag})
    assert changed.status_code == 200 and changed.json()["choices"] == ["Free", "Pro", "Enterprise"]
    problem(admin.patch(url, {"label": "Stale"}, headers={"If-Match": tag}), 412)
    archived = admin.patch(url, {"is_active": False}).json()
    assert archived["is_active"] is False
    assert field["id"] not in admin.ids(FIELDS)
    assert field["id"] in admin.ids(FIELDS, {"include_archived": "true"})
    assert admin.delete(url).status_code == 204 and not CustomField.objects.exists()
    assert AuditEntry.objects.filter(object_type="custom_field", action="delete").exists()


def test_custom_field_list_filters(admin):
    ids = {}
    for object_type, label in (("contact", "A"), ("company", "B"), ("contact", "C")):
        ids[label] = admin.post(FIELDS, {"object_type": object_type, "label": label, "field_type": "text"}).json()["id"]
    assert admin.ids(FIELDS, {"object_type": "contact"}) == [ids["A"], ids["C"]]
    assert admin.ids(FIELDS, {"object_type": "company"}) == [ids["B"]]
    assert admin.ids(FIELDS, {"ordering": "-label"}) == [ids["C"], ids["B"], ids["A"]]
    problem(admin.get(FIELDS, {"object_type": "deal"}), 422)


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"object_type": "contact", "label": "X", "field_type": "choice"}, {"choices"}),
        ({"object_type": "contact", "label": "X", "field_type": "text", "key": "Bad Key"}, {"key"}),
        ({"object_type": "contact", "label": "X", "field_type": "reference"}, {"reference_type"}),
        ({"object_type": "contact", "label": "", "field_type": "text"}, {"label"}),
        ({"object_type": "deal", "label": "X", "field_type": "text"}, {"object_type"}),
        ({"object_type": "contact", "label": "X", "field_type": "colour"}, {"field_type"}),
        ({"object_type": "contact", "label": "X", "field_type": "money", "currency": "XXX1"}, {"currency"}),
        ({"object_type": "contact", "label": "X", "field_type": "text", "position": -1}, {"position"}),
    ],
)
def test_custom_field_validation(admin, data, fields):
    assert set(problem(admin.post(FIELDS, data), 422)["errors"]) == fields
    assert not CustomField.objects.exists()


def test_custom_field_keys_are_unique_per_object_type(admin):
    data = {"object_type": "contact", "label": "Plan", "field_type": "text"}
    assert admin.post(FIELDS, data).status_code == 201
    problem(admin.post(FIELDS, data), 409, "duplicate")
    assert admin.post(FIELDS, {**data, "object_type": "company"}).status_code == 201


def test_custom_field_key_and_type_cannot_change(admin):
    field = admin.post(FIELDS, {"object_type": "contact", "label": "Plan", "field_type": "text"}).json()
    problem(admin.patch(f"{FIELDS}/{field['id']}", {"field_type": "number"}), 422)
    assert CustomField.objects.get().field_type == "text"


def test_custom_fields_need_the_settings_feature(admin, rep):
    field = admin.post(FIELDS, {"object_type": "contact", "label": "Plan", "field_type": "text"}).json()
    url = f"{FIELDS}/{field['id']}"
    assert rep.get(url).status_code == 200 and rep.ids(FIELDS) == [field["id"]]  # everyone reads them
    problem(rep.post(FIELDS, {"object_type": "contact", "label": "Mine", "field_type": "text"}), 403)
    problem(rep.patch(url, {"label": "Changed"}), 403)
    problem(rep.delete(url), 403)
    assert list(CustomField.objects.values_list("label", flat=True)) == ["Plan"]
    problem(rep.get(f"{FIELDS}/999999"), 404)


# --- field policies ----------------------------------------------------------------------------


def test_field_policy(admin, rep):
    url = "/api/v1/field-policies/contact"
    body = admin.get(url).json()
    assert body["object_type"] == "contact" and body["required_fields"] == []
    assert body["choices"]["email"] == "Email"
    tag = admin.get(url)["ETag"]
    response = admin.put(url, {"required_fields": ["email", "last_name"]}, headers={"If-Match": tag})
    assert response.status_code == 200 and response.json()["required_fields"] == ["email", "last_name"]
    assert response["ETag"] != tag
    problem(admin.put(url, {"required_fields": []}, headers={"If-Match": tag}), 412, "precondition_failed")
    problem(admin.put(url, {"required_fields": ["shoe_size"]}), 422)
    problem(rep.put(url, {"required_fields": []}), 403)
    assert FieldPolicy.objects.get(object_type="contact").required_fields == ["email", "last_name"]
    problem(admin.get("/api/v1/field-policies/deal"), 422)
    # Now enforced on every write.
    assert set(problem(admin.post("/api/v1/contacts", {"first_name": "Ada"}), 422)["errors"]) == {
        "email", "last_name"
    }  # fmt: skip


# --- tags --------------------------------------------------------------------------------------


def test_tags(admin, rep):
    contact = make_contact(admin.user, tags=["VIP", "north"])
    make_company(admin.user, tags=["vip", "partner"])
    vip = Tag.objects.get(name="VIP")
    assert sorted(t["name"] for t in admin.get("/api/v1/tags").json()["items"]) == ["VIP", "north", "partner"]
    assert admin.ids("/api/v1/tags", {"q": "ip"}) == [vip.pk]
    url = f"/api/v1/tags/{vip.pk}"
    tag = admin.get(url)["ETag"]
    problem(rep.patch(url, {"name": "Gold"}), 403)
    renamed = admin.patch(url, {"name": "Gold", "color": "yellow"}, headers={"If-Match": tag})
    assert renamed.json() | {"name": "Gold", "color": "yellow"} == renamed.json()
    problem(admin.patch(url, {"name": "Platinum"}, headers={"If-Match": tag}), 412)
    problem(admin.patch(url, {"name": "NORTH"}), 409, "duplicate")
    problem(admin.patch(url, {"name": " "}), 422)
    assert set(contact.tags.values_list("name", flat=True)) == {"Gold", "north"}
    problem(rep.delete(url), 403)
    assert admin.delete(url).status_code == 204
    assert set(contact.tags.values_list("name", flat=True)) == {"north"}
    problem(admin.get(url), 404)


# --- saved views -------------------------------------------------------------------------------

VIEWS = "/api/v1/saved-views"


def test_saved_views(admin, rep):
    response = rep.post(VIEWS, {
        "object_type": "contact", "name": "My leads", "filters": {"lifecycle_stage": "lead", "owner": "me"},
        "columns": ["display_name", "email"], "ordering": "-created_at",
    })  # fmt: skip
    assert response.status_code == 201, response.content
    view = response.json()
    assert view["owner"]["id"] == rep.user.pk and view["shared"] is False
    url = f"{VIEWS}/{view['id']}"
    assert rep.get(url).json() == view
    problem(admin.get(url), 404)  # private
    shared = admin.post(VIEWS, {"object_type": "company", "name": "Big ones", "shared": True}).json()
    assert rep.ids(VIEWS) == [shared["id"], view["id"]]
    assert rep.ids(VIEWS, {"object_type": "contact"}) == [view["id"]]
    problem(rep.patch(f"{VIEWS}/{shared['id']}", {"name": "Mine now"}), 403)
    problem(rep.delete(f"{VIEWS}/{shared['id']}"), 403)
    tag = rep.get(url)["ETag"]
    assert rep.patch(url, {"name": "Leads", "columns": ["display_name"]}, headers={"If-Match": tag}).status_code == 200
    problem(rep.patch(url, {"name": "Stale"}, headers={"If-Match": tag}), 412)
    assert rep.delete(url).status_code == 204
    assert list(SavedView.objects.values_list("name", flat=True)) == ["Big ones"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"filters": {"shoe_size": "42"}}, "filters"),
        ({"columns": ["nope"]}, "columns"),
        ({"ordering": "email_opt_in"}, "ordering"),
        ({"name": ""}, "name"),
        ({"object_type": "deal"}, "object_type"),
    ],
)
def test_saved_view_validation(rep, data, field):
    assert field in problem(rep.post(VIEWS, {"object_type": "contact", "name": "V", **data}), 422)["errors"]
    assert not SavedView.objects.exists()


def test_sharing_a_view_needs_the_bulk_feature(client):
    read_only = Api(client, UserFactory(role=role("read_only")))
    problem(read_only.post(VIEWS, {"object_type": "contact", "name": "V", "shared": True}), 403)
    assert read_only.post(VIEWS, {"object_type": "contact", "name": "V"}).status_code == 201
    assert not SavedView.objects.filter(shared=True).exists()
    assert Contact.objects.count() == 0
