import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rapport.core.models import AuditEntry
from rapport.users.auth import user_for_token
from rapport.users.demo import USERS, create_demo_users
from rapport.users.models import APIToken, Team, User
from tests.factories import UserFactory, role

pytestmark = pytest.mark.django_db


def test_createadmin_takes_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("RAPPORT_ADMIN_PASSWORD", "a long admin passphrase 9")
    call_command("createadmin", username="boss", email="Boss@Example.test", stdout=io.StringIO())
    user = User.objects.get(username="boss")
    assert user.email == "boss@example.test"
    assert user.role.key == "admin" and user.is_active
    assert user.check_password("a long admin passphrase 9")
    assert AuditEntry.objects.filter(action="create", object_id=str(user.pk)).exists()


def test_createadmin_refuses_a_weak_password_and_creates_nothing(monkeypatch):
    monkeypatch.setenv("RAPPORT_ADMIN_PASSWORD", "123")
    with pytest.raises(CommandError, match="too short"):
        call_command("createadmin", username="boss", email="boss@example.test")
    assert not User.objects.filter(username="boss").exists()


def test_createadmin_refuses_a_bad_email(monkeypatch):
    monkeypatch.setenv("RAPPORT_ADMIN_PASSWORD", "a long admin passphrase 9")
    with pytest.raises(CommandError, match="email"):
        call_command("createadmin", username="boss", email="not-an-email")


def test_token_create_prints_a_working_token_stored_hashed():
    user = UserFactory()
    out = io.StringIO()
    call_command("token", "create", user.username, "--name", "CI", stdout=out)
    raw = out.getvalue().strip()
    token = APIToken.objects.get(user=user)
    assert token.name == "CI" and raw.startswith("rap_")
    assert raw not in (token.key_hash, token.prefix) and len(token.key_hash) == 64
    assert user_for_token(raw) == user


def test_token_create_for_an_unknown_user_fails():
    with pytest.raises(CommandError, match="No user"):
        call_command("token", "create", "ghost")


def test_demo_creates_teams_and_users_once():
    admin = UserFactory(role=role("admin"))
    first = create_demo_users(actor=admin)
    assert len(first) == len(USERS)
    assert create_demo_users(actor=admin) == []
    assert Team.objects.count() == 4
    maria = User.objects.get(username="maria.gonzalez")
    assert maria.role.key == "manager" and maria in maria.team.managers.all()
    assert {u.role.key for u in first} == {"manager", "sales_rep", "marketer", "support_agent", "read_only"}
