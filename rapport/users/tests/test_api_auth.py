"""API authentication: bearer tokens and the browser session with its CSRF check."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from rapport.users.auth import LAST_USED_RESOLUTION
from rapport.users.models import APIToken, Team
from tests.factories import UserFactory, api_token, role

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def assert_401(response):
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"


def test_valid_token_authenticates_and_records_its_last_use(client):
    user = UserFactory()
    raw = api_token(user)
    response = client.get("/api/v1/me", headers=bearer(raw), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200 and response.json()["username"] == user.username
    token = APIToken.objects.get(user=user)
    assert token.last_used_at is not None and token.last_used_ip == "10.1.2.3"


def test_last_use_is_written_at_most_once_a_minute(client, django_assert_num_queries):
    user = UserFactory()
    raw = api_token(user)
    client.get("/api/v1/me", headers=bearer(raw))
    first = APIToken.objects.get(user=user).last_used_at
    client.get("/api/v1/me", headers=bearer(raw))
    assert APIToken.objects.get(user=user).last_used_at == first
    APIToken.objects.filter(user=user).update(last_used_at=timezone.now() - LAST_USED_RESOLUTION - timedelta(seconds=1))
    client.get("/api/v1/me", headers=bearer(raw))
    assert APIToken.objects.get(user=user).last_used_at > first


@pytest.mark.parametrize("header", ["Bearer rap_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "rap_no_scheme"])
def test_bad_or_missing_credentials_answer_401(client, header):
    assert_401(client.get("/api/v1/me", headers={"Authorization": header}))
    assert_401(client.get("/api/v1/me"))


def test_revoked_token_is_refused(client):
    user = UserFactory()
    raw = api_token(user)
    APIToken.objects.filter(user=user).update(revoked_at=timezone.now())
    assert_401(client.get("/api/v1/me", headers=bearer(raw)))


def test_token_of_a_deactivated_user_is_refused(client):
    user = UserFactory()
    raw = api_token(user)
    user.is_active = False
    user.save()
    assert_401(client.get("/api/v1/users", headers=bearer(raw)))


def test_unsafe_request_with_a_bad_token_answers_401_not_a_csrf_error():
    csrf_client = Client(enforce_csrf_checks=True)
    user = UserFactory(role=role("admin"))
    raw = api_token(user)
    APIToken.objects.filter(user=user).update(revoked_at=timezone.now())
    response = csrf_client.post("/api/v1/teams", {"name": "X"}, content_type="application/json", headers=bearer(raw))
    assert_401(response)
    assert not Team.objects.exists()


def test_token_requests_need_no_csrf_token():
    csrf_client = Client(enforce_csrf_checks=True)
    raw = api_token(UserFactory(role=role("admin")))
    response = csrf_client.post("/api/v1/teams", {"name": "X"}, content_type="application/json", headers=bearer(raw))
    assert response.status_code == 201


def test_session_auth_reads_without_and_writes_only_with_the_csrf_token():
    csrf_client = Client(enforce_csrf_checks=True)
    admin = UserFactory(role=role("admin"))
    csrf_client.force_login(admin)
    assert csrf_client.get("/api/v1/me").json()["id"] == admin.pk

    refused = csrf_client.post("/api/v1/teams", {"name": "X"}, content_type="application/json")
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "csrf_failed"
    assert not Team.objects.exists()

    token = "k" * 32  # what a page's {% csrf_token %} hands the browser: a secret both in cookie and header
    csrf_client.cookies["csrftoken"] = token
    accepted = csrf_client.post(
        "/api/v1/teams", {"name": "X"}, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 201
    assert Team.objects.filter(name="X").exists()


def test_session_of_a_deactivated_user_is_refused(client):
    user = UserFactory()
    client.force_login(user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert_401(client.get("/api/v1/me"))
