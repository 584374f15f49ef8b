"""Hardening of sign-in and account security: client address behind proxies, email change, reset, logs."""

import io
import logging
import re
import runpy

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from rapport.core.models import AuditEntry
from rapport.core.worker import run_ready_tasks
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(client, username, password=PASSWORD, *, remote="10.0.0.1", xff=None):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


# --- 1. the client's address behind reverse proxies --------------------------------------------------


@pytest.mark.parametrize(
    ("proxy_count", "remote", "xff", "expected"),
    [
        (0, "10.0.0.1", "203.0.113.9", "10.0.0.1"),  # no proxy: the header is the client's own claim
        (1, "127.0.0.1", "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # what the one proxy saw
        (2, "127.0.0.1", "6.6.6.6, 203.0.113.9, 10.1.1.1", "203.0.113.9"),  # what the outer proxy saw
        (1, "127.0.0.1", "2001:DB8::1", "2001:db8::1"),
        (2, "127.0.0.1", "203.0.113.9", "127.0.0.1"),  # fewer entries than proxies: fall back
        (1, "127.0.0.1", "not-an-address", "127.0.0.1"),
        (1, "127.0.0.1", "", "127.0.0.1"),
    ],
)
def test_client_ip_is_the_address_the_outermost_trusted_proxy_saw(settings, proxy_count, remote, xff, expected):
    from rapport.core.net import client_ip

    settings.PROXY_COUNT = proxy_count
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=xff)
    assert client_ip(request) == expected


def test_without_proxies_a_spoofed_forwarded_for_neither_escapes_the_lock_nor_reaches_the_audit(settings):
    settings.PROXY_COUNT = 0
    user = UserFactory()
    attacker = Client()
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(attacker, user.username, "not the password", remote="10.0.0.9", xff=f"203.0.113.{i}")
    assert login(attacker, user.username, remote="10.0.0.9", xff="198.51.100.1").status_code == 429
    assert set(AuditEntry.objects.filter(action="login_failed").values_list("ip", flat=True)) == {"10.0.0.9"}


def test_behind_a_proxy_clients_are_locked_separately_and_audited_with_their_own_address(settings):
    settings.PROXY_COUNT = 1
    user = UserFactory()
    attacker = Client()
    # Every request comes from the proxy (REMOTE_ADDR); the attacker also forges entries left of the real one.
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(attacker, user.username, "not the password", remote="127.0.0.1", xff=f"10.9.9.{i}, 203.0.113.66")
    assert login(attacker, user.username, remote="127.0.0.1", xff="1.1.1.1, 203.0.113.66").status_code == 429
    # The real user, another client behind the same proxy, is not locked out.
    assert login(Client(), user.username, remote="127.0.0.1", xff="198.51.100.7").status_code == 302
    failed = set(AuditEntry.objects.filter(action="login_failed").values_list("ip", flat=True))
    assert failed == {"203.0.113.66"}
    assert AuditEntry.objects.get(action="login", actor=user).ip == "198.51.100.7"


# --- 2. changing one's email address -----------------------------------------------------------------


@pytest.fixture
def me(client):
    user = UserFactory(first_name="Ann", email="ann@example.test")
    client.force_login(user)
    return user


def account_post(client, **data):
    data = {"first_name": "Ann", "last_name": "", "email": "ann@example.test", "time_zone": "", **data}
    return client.post(reverse("account"), data)


def test_account_form_shows_the_current_password_field(client, me):
    body = client.get(reverse("account")).content.decode()
    assert 'name="current_password"' in body and 'autocomplete="current-password"' in body


@pytest.mark.parametrize("password", ["", "not my password"])
def test_email_change_without_the_right_password_saves_nothing(client, me, password):
    response = account_post(client, first_name="Anna", email="new@example.test", current_password=password)
    assert response.status_code == 422
    assert list(response.context["form"].errors) == ["current_password"]
    me.refresh_from_db()
    assert (me.first_name, me.email) == ("Ann", "ann@example.test")
    assert not DBTaskResult.objects.exists()


def test_other_changes_need_no_password_and_send_nothing(client, me):
    response = account_post(client, first_name="Anna", email="ANN@example.test")
    assert response.status_code == 302
    me.refresh_from_db()
    assert me.first_name == "Anna"
    assert not DBTaskResult.objects.exists()


def test_email_change_notifies_the_old_address(client, me, smtp_server):
    response = account_post(client, email="new@example.test", current_password=PASSWORD)
    assert response.status_code == 302
    me.refresh_from_db()
    assert me.email == "new@example.test"
    result = DBTaskResult.objects.get()
    assert result.task_path == "rapport.users.tasks.send_email_changed_notice"

    assert run_ready_tasks() == 1
    [message] = smtp_server.messages
    assert message["To"] == "ann@example.test"
    body = message.get_content()
    assert "email address of your Rapport account" in body and "If you did not" in body
    assert "new@example.test" not in body and "/password/reset/" not in body


def test_a_failed_email_change_enqueues_no_notice(client, me):
    other = UserFactory(email="taken@example.test")
    response = account_post(client, email=other.email, current_password=PASSWORD)
    assert response.status_code == 409
    me.refresh_from_db()
    assert me.email == "ann@example.test"
    assert not DBTaskResult.objects.exists()


# --- 3. and 4. password reset: invited users, the lock, links from BASE_URL -------------------------


def reset_link(message) -> str:
    return re.search(r"https?://\S+/password/reset/\S+/\S+/", message.get_content()).group(0)


def complete_reset(client, link, base_url, new_password):
    form_page = client.get(link.removeprefix(base_url), follow=True)
    assert form_page.status_code == 200
    data = {"new_password1": new_password, "new_password2": new_password}
    return client.post(form_page.redirect_chain[-1][0], data)


def test_invited_users_can_use_forgot_your_password(client, settings, smtp_server):
    invited = UserFactory(email="invited@example.test")
    invited.set_unusable_password()
    invited.save()
    gone = UserFactory(email="gone@example.test", is_active=False)
    gone.set_unusable_password()
    gone.save()
    client.post(reverse("password_reset"), {"email": "Invited@example.test"})
    client.post(reverse("password_reset"), {"email": "gone@example.test"})
    [message] = smtp_server.messages  # the deactivated user gets nothing
    assert message["To"] == "invited@example.test"
    new_password = "my first real passphrase 31"
    assert complete_reset(client, reset_link(message), settings.BASE_URL, new_password).status_code == 302
    invited.refresh_from_db()
    assert invited.check_password(new_password)


def test_a_password_reset_lifts_the_sign_in_lock(client, settings, smtp_server):
    user = UserFactory(email="locked@example.test")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(Client(), user.username, "not the password", remote="10.0.0.60")
    assert login(Client(), user.username, remote="10.0.0.60").status_code == 429
    client.post(reverse("password_reset"), {"email": user.email})
    new_password = "after the lock passphrase 58"
    assert (
        complete_reset(client, reset_link(smtp_server.messages[0]), settings.BASE_URL, new_password).status_code == 302
    )
    assert login(Client(), user.username, new_password, remote="10.0.0.60").status_code == 302


def test_reset_links_point_to_base_url_whatever_the_host_header(client, settings, smtp_server):
    settings.ALLOWED_HOSTS = ["crm.example.com", "evil.example"]
    settings.BASE_URL = "https://crm.example.com"
    UserFactory(email="victim@example.test")
    client.post(reverse("password_reset"), {"email": "victim@example.test"}, HTTP_HOST="evil.example")
    [message] = smtp_server.messages
    assert reset_link(message).startswith("https://crm.example.com/password/reset/")
    assert "evil.example" not in message.get_content()


# --- 5. logs and first-start secrets -----------------------------------------------------------------


def test_axes_logs_no_usernames_or_addresses(caplog):
    user = UserFactory(username="secret-username")
    caplog.set_level(logging.INFO)  # the root logger; the "axes" logger keeps its configured level
    login(Client(), user.username, "not the password", remote="10.77.0.1")
    assert not [r for r in caplog.records if r.name.startswith("axes")]
    assert "secret-username" not in caplog.text and "10.77.0.1" not in caplog.text


def test_start_prints_the_admin_password_only_on_the_first_start(settings, tmp_path, monkeypatch):
    from rapport.core.management.commands import start

    settings.VAR_DIR = tmp_path
    # No migrations, demo data or server here: only the first-start set-up and what it prints.
    monkeypatch.setattr(start, "call_command", lambda name, *args, **kwargs: None)
    first, second = io.StringIO(), io.StringIO()
    call_command("start", no_worker=True, no_demo=True, stdout=first)
    credentials = tmp_path / "initial-admin.txt"
    password = re.search(r"password: (\S+)", credentials.read_text()).group(1)
    assert password in first.getvalue()
    call_command("start", no_worker=True, no_demo=True, stdout=second)
    assert password not in second.getvalue()
    assert str(credentials) in second.getvalue()


def test_without_smtp_emails_go_to_files_under_var_not_to_the_log(tmp_path, monkeypatch, settings):
    for name in ("EMAIL_URL", "EMAIL_HOST", "EMAIL_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RAPPORT_VAR_DIR", str(tmp_path))
    production = runpy.run_path(str(settings.PACKAGE_DIR / "settings.py"))
    assert production["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert production["EMAIL_FILE_PATH"] == tmp_path / "mail"

    settings.EMAIL_BACKEND = production["EMAIL_BACKEND"]
    settings.EMAIL_FILE_PATH = production["EMAIL_FILE_PATH"]
    mail.send_mail("Reset", "a secret link", None, ["someone@example.test"])
    [written] = (tmp_path / "mail").iterdir()
    assert "a secret link" in written.read_text()
