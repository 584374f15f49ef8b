"""Every API error is an RFC 9457 problem document with our stable ``code``."""

import pytest

from rapport.users import selectors
from rapport.users.models import Team
from tests.factories import TeamFactory, UserFactory, api_token, role

pytestmark = pytest.mark.django_db

PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "errors"}


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) == PROBLEM_KEYS
    assert body["status"] == status and body["code"] == code
    assert body["type"].endswith(f"/problems/{code}")
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], dict)
    assert all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in body["errors"].values())
    return body


@pytest.fixture
def admin_headers():
    return {"Authorization": f"Bearer {api_token(UserFactory(role=role('admin')))}"}


def test_401_without_credentials(client):
    assert_problem(client.get("/api/v1/users"), 401, "not_authenticated")


def test_403_when_the_role_does_not_allow_it(client):
    headers = {"Authorization": f"Bearer {api_token(UserFactory(role=role('read_only')))}"}
    assert_problem(
        client.post("/api/v1/teams", {"name": "T"}, content_type="application/json", headers=headers),
        403,
        "permission_denied",
    )


def test_404_for_a_missing_record(client, admin_headers):
    assert_problem(client.get("/api/v1/users/999999", headers=admin_headers), 404, "not_found")


def test_409_with_field_errors(client, admin_headers):
    TeamFactory(name="Taken")
    body = assert_problem(
        client.post("/api/v1/teams", {"name": "taken"}, content_type="application/json", headers=admin_headers),
        409,
        "duplicate",
    )
    assert body["errors"] == {"name": ["This name is taken."]}


def test_412_on_a_stale_if_match(client, admin_headers):
    team = TeamFactory(name="T")
    assert_problem(
        client.patch(
            f"/api/v1/teams/{team.pk}",
            {"description": "new"},
            content_type="application/json",
            headers={**admin_headers, "If-Match": '"stale"'},
        ),
        412,
        "precondition_failed",
    )


def test_422_from_schema_validation_names_the_field(client, admin_headers):
    body = assert_problem(
        client.post(
            "/api/v1/users", {"first_name": "No email"}, content_type="application/json", headers=admin_headers
        ),
        422,
        "invalid",
    )
    assert set(body["errors"]) == {"email"}


def test_422_from_service_validation_names_the_field(client, admin_headers):
    body = assert_problem(
        client.post("/api/v1/users", {"email": "not-an-email"}, content_type="application/json", headers=admin_headers),
        422,
        "invalid",
    )
    assert body["errors"] == {"email": ["Enter a valid email address."]}


def test_malformed_query_is_422_and_unparsable_body_400(client, admin_headers):
    body = assert_problem(client.get("/api/v1/users?is_active=maybe", headers=admin_headers), 422, "invalid")
    assert set(body["errors"]) == {"is_active"}
    assert_problem(
        client.post("/api/v1/teams", "{not json", content_type="application/json", headers=admin_headers),
        400,
        "bad_request",
    )
    assert not Team.objects.exists()


def test_unexpected_errors_are_a_500_problem_without_internals(client, admin_headers, monkeypatch, caplog):
    def boom(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "user_list", boom)
    body = assert_problem(client.get("/api/v1/users", headers=admin_headers), 500, "server_error")
    assert "secret" not in body["detail"]
    assert "secret internals" in caplog.text  # logged for the operator
