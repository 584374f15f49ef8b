"""The roles pages: list, read-only built-in roles, create/edit/copy/delete custom roles with the scope matrix."""

import pytest
from django.urls import reverse

from rapport.core.models import AuditEntry
from rapport.users import access
from rapport.users.models import Role
from tests.factories import UserFactory, role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(role=role("admin"))


def signed_in(client, user):
    client.force_login(user)
    return client


def matrix(default=("none", "none"), **overrides):
    """POST data for every scope radio: ``overrides`` as object_type=(read, write)."""
    data = {}
    for key in access.OBJECT_TYPES:
        read, write = overrides.get(key, default)
        data[f"read__{key}"], data[f"write__{key}"] = read, write
    return data


def test_list_shows_builtin_roles(client, admin):
    response = signed_in(client, admin).get(reverse("role_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Sales rep" in body and "Built-in" in body and "New role" in body


def test_list_is_readable_but_not_manageable_for_a_sales_rep(client):
    response = signed_in(client, UserFactory()).get(reverse("role_list"))
    assert response.status_code == 200
    assert "New role" not in response.content.decode()


def test_builtin_role_is_shown_read_only_and_cannot_be_changed(client, admin):
    builtin = role("sales_rep")
    before = (builtin.name, builtin.scopes, builtin.features)
    client = signed_in(client, admin)
    response = client.get(reverse("role_edit", args=[builtin.pk]))
    assert response.status_code == 200 and response.context["read_only"]
    body = response.content.decode()
    assert "Built-in roles cannot be changed" in body
    assert 'name="read__user"' in body and "disabled" in body
    assert 'type="submit">Save role' not in body

    response = client.post(reverse("role_edit", args=[builtin.pk]), {"name": "Hacked", **matrix(("all", "all"))})
    assert response.status_code == 409
    builtin.refresh_from_db()
    assert (builtin.name, builtin.scopes, builtin.features) == before
    assert client.post(reverse("role_delete", args=[builtin.pk])).status_code == 302
    assert Role.objects.filter(pk=builtin.pk).exists()


def test_admin_creates_a_custom_role_from_the_matrix(client, admin):
    client = signed_in(client, admin)
    page = client.get(reverse("role_create"))
    assert page.status_code == 200 and 'class="scope-grid"' in page.content.decode()
    response = client.post(
        reverse("role_create"),
        {
            "name": "Auditor",
            "description": "Reads",
            "features": ["export"],
            **matrix(("all", "none"), token=("own", "own")),
        },
    )
    assert response.status_code == 302
    created = Role.objects.get(name="Auditor")
    assert not created.is_builtin and created.features == ["export"]
    assert created.scope("user", "read") == "all" and created.scope("user", "write") == "none"
    assert created.scope("token", "write") == "own"
    assert AuditEntry.objects.filter(action="create", object_type="role", object_id=str(created.pk)).exists()


def test_role_validation_errors_appear_next_to_the_row_and_nothing_is_saved(client, admin):
    client = signed_in(client, admin)
    response = client.post(reverse("role_create"), {"name": "Wide", **matrix(user=("own", "all"))})
    assert response.status_code == 422
    assert response.context["form"].errors["write__user"] == [
        "The write scope cannot reach further than the read scope."
    ]
    assert 'id="scope-user-error"' in response.content.decode()
    response = client.post(reverse("role_create"), {"name": "", **matrix()})
    assert response.status_code == 422 and response.context["form"].errors["name"]
    response = client.post(reverse("role_create"), {"name": "Sales rep", **matrix()})
    assert response.status_code == 409 and response.context["form"].errors["name"] == ["This name is taken."]
    assert not Role.objects.filter(is_builtin=False).exists()


def test_copy_starts_from_the_source_and_saves_a_new_role(client, admin):
    source = role("marketer")
    client = signed_in(client, admin)
    form = client.get(reverse("role_copy", args=[source.pk])).context["form"]
    assert form.initial["name"] == "Copy of Marketer"
    assert form.initial["read__user"] == source.scope("user", "read")
    data = {"name": "Marketer plus", "features": source.features, **matrix()}
    for key in access.OBJECT_TYPES:
        data[f"read__{key}"], data[f"write__{key}"] = source.scope(key, "read"), source.scope(key, "write")
    assert client.post(reverse("role_copy", args=[source.pk]), data).status_code == 302
    copy = Role.objects.get(name="Marketer plus")
    assert copy.scopes == source.scopes and sorted(copy.features) == sorted(source.features)


def test_admin_edits_and_deletes_a_custom_role(client, admin):
    custom = Role.objects.create(key="custom", name="Custom", scopes={}, features=[])
    client = signed_in(client, admin)
    response = client.get(reverse("role_edit", args=[custom.pk]))
    assert response.status_code == 200 and not response.context["read_only"]
    response = client.post(reverse("role_edit", args=[custom.pk]), {"name": "Custom 2", **matrix(role=("all", "none"))})
    assert response.status_code == 302
    custom.refresh_from_db()
    assert custom.name == "Custom 2" and custom.scope("role", "read") == "all"

    holder = UserFactory(role=custom)
    response = client.post(reverse("role_delete", args=[custom.pk]), follow=True)
    assert "Users still have this role" in response.content.decode()
    assert Role.objects.filter(pk=custom.pk).exists()
    holder.delete()
    assert client.get(reverse("role_delete", args=[custom.pk])).status_code == 200
    assert client.post(reverse("role_delete", args=[custom.pk])).status_code == 302
    assert not Role.objects.filter(pk=custom.pk).exists()


@pytest.mark.parametrize("key", ["manager", "sales_rep", "read_only"])
def test_without_the_settings_feature_roles_are_read_only(client, key):
    custom = Role.objects.create(key="custom", name="Custom", scopes={}, features=[])
    client = signed_in(client, UserFactory(role=role(key)))
    response = client.get(reverse("role_edit", args=[custom.pk]))
    assert response.status_code == 200 and response.context["read_only"]
    assert client.get(reverse("role_create")).status_code == 403
    assert client.post(reverse("role_create"), {"name": "Mine", **matrix()}).status_code == 403
    assert client.post(reverse("role_edit", args=[custom.pk]), {"name": "Mine", **matrix()}).status_code == 403
    assert client.post(reverse("role_copy", args=[custom.pk]), {"name": "Mine", **matrix()}).status_code == 403
    assert client.post(reverse("role_delete", args=[custom.pk])).status_code == 403
    custom.refresh_from_db()
    assert custom.name == "Custom" and not Role.objects.filter(name="Mine").exists()


def test_unknown_role_is_404(client, admin):
    assert signed_in(client, admin).get(reverse("role_edit", args=[999999])).status_code == 404
