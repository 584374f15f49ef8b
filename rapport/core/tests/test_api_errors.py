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


# --- answers made outside the routes (rapport.core.api_middleware) ----------------------------


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/nope", "/api/v1/users/", "/api/v1/teams/1/nope"])
def test_unknown_paths_are_a_404_problem(client, admin_headers, path):
    body = assert_problem(client.get(path, headers=admin_headers), 404, "not_found")
    assert body["detail"] and "<" not in body["detail"]


@pytest.mark.parametrize("record_id", ["abc", "1.5", "0", "-1", str(2**63)])
def test_an_impossible_id_is_a_422_naming_it(client, admin_headers, record_id):
    body = assert_problem(client.get(f"/api/v1/teams/{record_id}", headers=admin_headers), 422, "invalid")
    assert set(body["errors"]) == {"team_id"}


@pytest.mark.parametrize("params", [{"team_id": str(2**64)}, {"role_id": "0"}])
def test_an_impossible_id_in_a_filter_is_a_422(client, admin_headers, params):
    body = assert_problem(client.get("/api/v1/users", params, headers=admin_headers), 422, "invalid")
    assert set(body["errors"]) == set(params)


def test_an_impossible_id_in_a_body_is_a_422(client, admin_headers):
    response = client.post(
        "/api/v1/teams", {"name": "T", "manager_ids": [2**63]}, content_type="application/json", headers=admin_headers
    )
    body = assert_problem(response, 422, "invalid")
    assert set(body["errors"]) == {"manager_ids.0"}


def test_text_with_nul_characters_is_a_422_naming_the_field(client, admin_headers):
    # PostgreSQL cannot store NUL in text; refused up front on every database alike.
    response = client.post(
        "/api/v1/teams", {"name": "T", "description": "a\x00b"}, content_type="application/json", headers=admin_headers
    )
    assert assert_problem(response, 422, "invalid")["errors"] == {"description": ["Null characters are not allowed."]}
    response = client.post(
        "/api/v1/roles",
        {"name": "R", "scopes": {"user\x00": {"read": "all"}}},
        content_type="application/json",
        headers=admin_headers,
    )
    assert set(assert_problem(response, 422, "invalid")["errors"]) == {"scopes"}
    body = assert_problem(client.get("/api/v1/audit?object_type=a%00b", headers=admin_headers), 422, "invalid")
    assert set(body["errors"]) == {"object_type"}
    assert not Team.objects.exists()


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_a_time_beyond_what_utc_can_hold_is_a_422(client, admin_headers, at):
    body = assert_problem(client.get("/api/v1/audit", {"at_from": at}, headers=admin_headers), 422, "invalid")
    assert set(body["errors"]) == {"at_from"}


def test_a_time_with_a_large_offset_is_compared_in_utc(client, admin_headers):
    # PostgreSQL refuses offsets beyond 15:59 in a query; the filter passes the time in UTC.
    response = client.get("/api/v1/audit", {"at_to": "2020-01-01T00:00:00-19:45"}, headers=admin_headers)
    assert response.status_code == 200, response.content


def test_unknown_paths_are_a_404_problem_without_credentials_too(client):
    assert_problem(client.post("/api/v1/nope", {}, content_type="application/json"), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("put", "/api/v1/users/1", {"GET", "PATCH"}),
        ("delete", "/api/v1/users", {"GET", "POST"}),
        ("get", "/api/v1/tokens/1/revoke", {"POST"}),
        ("post", "/api/v1/me", {"GET"}),
        ("post", "/api/v1/openapi.json", {"GET", "HEAD"}),
        ("delete", "/api/v1/docs", {"GET", "HEAD"}),
    ],
)
def test_wrong_methods_are_a_405_problem_with_an_allow_header(client, admin_headers, method, path, allowed):
    response = getattr(client, method)(path, headers=admin_headers)
    body = assert_problem(response, 405, "method_not_allowed")
    assert {m.strip() for m in response["Allow"].split(",")} == allowed
    assert method.upper() in body["detail"]
    assert int(response["Content-Length"]) == len(response.content)


def test_other_paths_keep_their_own_error_pages(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


class FailingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise RuntimeError("secret internals")


def test_an_error_outside_the_routes_is_a_500_problem(client, admin_headers, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.FailingMiddleware"]
    client.raise_request_exception = False
    body = assert_problem(client.get("/api/v1/me", headers=admin_headers), 500, "server_error")
    assert "secret" not in body["detail"]
