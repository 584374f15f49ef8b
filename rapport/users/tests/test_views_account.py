"""My account: profile, and personal API tokens (shown once, stored hashed, revocable)."""

import re

import pytest
from django.urls import reverse

from rapport.core.models import AuditEntry
from rapport.users.auth import user_for_token
from rapport.users.models import APIToken, Role, hash_token
from tests.factories import PASSWORD, UserFactory, role

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def me():
    return UserFactory(first_name="Ann", last_name="Able")


def test_account_page_shows_and_saves_my_profile(client, me):
    client = signed_in(client, me)
    response = client.get(reverse("account"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="Ann"' in body and reverse("password_change") in body and reverse("token_list") in body
    response = client.post(
        reverse("account"),
        {
            "first_name": "Anna",
            "last_name": "Able",
            "email": "anna@example.test",
            "time_zone": "Asia/Tokyo",
            "current_password": PASSWORD,
        },
    )
    assert response.status_code == 302
    me.refresh_from_db()
    assert (me.first_name, me.email, me.time_zone) == ("Anna", "anna@example.test", "Asia/Tokyo")


def test_account_shows_field_errors_and_saves_nothing(client, me):
    other = UserFactory()
    client = signed_in(client, me)
    response = client.post(reverse("account"), {"first_name": "X", "email": "bad", "time_zone": "Mars/Base"})
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "email" in errors and "time_zone" in errors
    response = client.post(reverse("account"), {"first_name": "X", "email": other.email, "current_password": PASSWORD})
    assert response.status_code == 409
    assert response.context["form"].errors["email"] == ["Another user has this email address."]
    me.refresh_from_db()
    assert me.first_name == "Ann"


def test_account_is_read_only_without_user_write_scope(client):
    frozen = Role.objects.create(key="frozen", name="Frozen", scopes={"user": {"read": "own", "write": "none"}})
    user = UserFactory(role=frozen, first_name="Fred")
    client = signed_in(client, user)
    response = client.get(reverse("account"))
    assert response.status_code == 200 and not response.context["can_edit"]
    response = client.post(reverse("account"), {"first_name": "Changed", "email": user.email})
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.first_name == "Fred"


def test_token_is_shown_once_and_stored_hashed(client, me):
    client = signed_in(client, me)
    assert "No API tokens" in client.get(reverse("token_list")).content.decode()
    created = client.post(reverse("token_list"), {"name": "Sync"})
    # Post/redirect/get: reloading the page after creating a token cannot create a second one.
    assert created.status_code == 302 and created.url == reverse("token_list")
    response = client.get(created.url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    raw = response.context["raw_token"]
    body = response.content.decode()
    assert raw.startswith("rap_") and raw in body and 'data-copy-target="#new-token"' in body
    token = APIToken.objects.get(user=me)
    assert token.key_hash == hash_token(raw) and raw not in (token.key_hash, token.prefix)
    assert user_for_token(raw) == me

    again = client.get(reverse("token_list")).content.decode()
    assert raw not in again and "Sync" in again and token.prefix in again
    assert "rapport_new_token" not in client.session  # the raw value left the session when shown
    assert raw not in str(list(AuditEntry.objects.values_list("changes", flat=True)))


def test_token_name_is_required(client, me):
    response = signed_in(client, me).post(reverse("token_list"), {"name": ""})
    assert response.status_code == 422 and response.context["form"].errors["name"]
    assert not APIToken.objects.exists()


def test_token_list_shows_only_my_tokens(client, me):
    from rapport.users.services import token_create

    token_create(actor=me, name="Mine")
    other = UserFactory(role=role("admin"))
    token_create(actor=other, name="Theirs")
    body = signed_in(client, other).get(reverse("token_list")).content.decode()
    assert "Theirs" in body and "Mine" not in body


def test_revoke_with_confirmation(client, me):
    from rapport.users.services import token_create

    token, raw = token_create(actor=me, name="Old")
    client = signed_in(client, me)
    assert client.get(reverse("token_revoke", args=[token.pk])).status_code == 200
    token.refresh_from_db()
    assert token.is_active
    response = client.post(reverse("token_revoke", args=[token.pk]), follow=True)
    assert response.status_code == 200 and "Revoked" in response.content.decode()
    token.refresh_from_db()
    assert not token.is_active and user_for_token(raw) is None
    assert AuditEntry.objects.filter(action="token_revoked", object_id=str(token.pk)).exists()


def test_someone_elses_token_answers_404_even_to_an_admin(client, me):
    from rapport.users.services import token_create

    token, _raw = token_create(actor=me, name="Mine")
    for actor in (UserFactory(), UserFactory(role=role("admin"))):
        response = signed_in(client, actor).post(reverse("token_revoke", args=[token.pk]))
        assert response.status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_token_creation_refused_without_token_scope(client):
    no_tokens = Role.objects.create(key="no_tokens", name="No tokens", scopes={"user": {"read": "own", "write": "own"}})
    client = signed_in(client, UserFactory(role=no_tokens))
    response = client.get(reverse("token_list"))
    assert response.status_code == 200 and not re.search(r"Create token", response.content.decode())
    assert client.post(reverse("token_list"), {"name": "x"}).status_code == 403
    assert not APIToken.objects.exists()


def test_account_page_opens_for_a_role_that_cannot_read_users(client):
    from rapport.users.services import role_create

    admin = UserFactory(role=role("admin"))
    blind = role_create(actor=admin, data={"name": "Blind", "scopes": {}, "features": []})
    user = UserFactory(role=blind, first_name="Bea")
    response = signed_in(client, user).get(reverse("account"))
    assert response.status_code == 200
    assert not response.context["can_edit"]
    assert 'value="Bea"' in response.content.decode()
