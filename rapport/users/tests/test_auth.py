"""Signing in and out, brute-force protection, password change and reset, deactivation."""

import re

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.urls import reverse

from rapport.core.models import AuditEntry
from rapport.users.services import user_update
from tests.factories import PASSWORD, UserFactory, role

pytestmark = pytest.mark.django_db


def login(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_rotates_the_session_and_logout_invalidates_it(client):
    user = UserFactory()
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    response = login(client, user.username)
    assert response.status_code == 302 and response.url == reverse("dashboard")
    after = client.session.session_key
    assert after and after != before
    assert client.get(reverse("dashboard")).status_code == 200

    client.post(reverse("logout"))
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=after).exists()
    assert client.get(reverse("dashboard")).status_code == 302


def test_passwords_are_hashed_with_argon2():
    from rapport import settings as production_settings

    # Tests use cheaper Argon2 costs; production hashes with Django's Argon2 hasher first.
    assert production_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    user = UserFactory()
    assert identify_hasher(user.password).algorithm == "argon2"


def test_login_and_failure_are_audited_without_the_password(client):
    user = UserFactory()
    login(client, user.username, "wrong password here")
    login(client, user.username)
    failed = AuditEntry.objects.get(action="login_failed")
    assert failed.actor_label == user.username and failed.ip == "10.0.0.1"
    assert "wrong password" not in str(failed.changes)
    assert AuditEntry.objects.filter(action="login", actor=user).exists()


def test_lockout_after_repeated_failures_per_username_and_address(client, settings):
    user = UserFactory()
    answers = [login(client, user.username, "not the password", ip="10.0.0.9").status_code for _ in range(5)]
    assert settings.AXES_FAILURE_LIMIT == 5
    assert answers == [200, 200, 200, 200, 429]  # the fifth failure locks
    # Locked: even the right password is refused from that address...
    locked = login(client, user.username, ip="10.0.0.9")
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    # ...while the real user, from another address, still gets in.
    from django.test import Client

    assert login(Client(), user.username, ip="10.0.0.10").status_code == 302


def test_lockout_answer_is_the_same_for_unknown_users(client, settings):
    known = UserFactory()
    answers = []
    for username in (known.username, "nobody-by-that-name"):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            login(client, username, "not the password", ip="10.0.0.20")
        response = login(client, username, "not the password", ip="10.0.0.20")
        answers.append((response.status_code, response.content.decode().replace(username, "")))
    assert answers[0][0] == answers[1][0] == 429
    csrf_token = re.compile(r"[A-Za-z0-9]{64}")
    assert csrf_token.sub("", answers[0][1]) == csrf_token.sub("", answers[1][1])


def test_lockout_lifts_after_the_cool_off(client, settings):
    from axes.models import AccessAttempt
    from django.utils import timezone

    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, user.username, "not the password", ip="10.0.0.30")
    assert login(client, user.username, ip="10.0.0.30").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timezone.timedelta(hours=2))
    assert login(client, user.username, ip="10.0.0.30").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_message(client):
    user = UserFactory()
    a = login(client, user.username, "not the password", ip="10.0.0.40").content.decode()
    b = login(client, "no-such-user", "not the password", ip="10.0.0.41").content.decode()
    message = "Please enter a correct username and password"
    assert message in a and message in b


def test_password_change_signs_out_other_sessions(client):
    from django.test import Client

    user = UserFactory()
    other = Client()
    assert login(other, user.username).status_code == 302
    assert login(client, user.username).status_code == 302
    new_password = "an entirely new passphrase 42"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200  # this session survives
    assert other.get(reverse("dashboard")).status_code == 302  # the other one is signed out
    assert AuditEntry.objects.filter(action="password_changed", actor=user).exists()


def test_deactivation_ends_sessions_at_once(client):
    admin = UserFactory(role=role("admin"))
    user = UserFactory()
    assert login(client, user.username).status_code == 302
    user_update(actor=admin, user=user, data={"is_active": False})
    assert client.get(reverse("dashboard")).status_code == 302
    assert login(client, user.username, ip="10.0.0.50").status_code == 200  # cannot sign in again


def test_password_reset_by_email_through_a_real_smtp_server(client, smtp_server, settings):
    user = UserFactory(email="reset.me@example.test")
    response = client.post(reverse("password_reset"), {"email": "Reset.Me@example.test"})
    assert response.status_code == 302
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "reset.me@example.test"
    link = re.search(r"http://\S+/password/reset/\S+/\S+/", message.get_content()).group(0)
    path = link.removeprefix(settings.BASE_URL)  # links are built from BASE_URL, never from the Host header
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    new_password = "a brand new passphrase 77"
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)
    assert AuditEntry.objects.filter(action="password_reset", object_id=str(user.pk)).exists()
    # The link works once.
    assert "invalid" in client.get(path, follow=True).content.decode()


def test_password_reset_does_not_reveal_whether_an_account_exists(client, smtp_server):
    UserFactory(email="known@example.test")
    known = client.post(reverse("password_reset"), {"email": "known@example.test"})
    unknown = client.post(reverse("password_reset"), {"email": "unknown@example.test"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert len(smtp_server.messages) == 1
