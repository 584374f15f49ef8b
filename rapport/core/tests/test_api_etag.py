"""ETag on reads, If-Match on PATCH/DELETE (and the state-changing POSTs on one record): 412 when stale."""

import pytest

from rapport.core.models import AuditEntry
from rapport.users.models import APIToken, Team
from tests.factories import APITokenFactory, TeamFactory, UserFactory, api_token, role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(role=role("admin"))


@pytest.fixture
def headers(admin):
    return {"Authorization": f"Bearer {api_token(admin)}"}


def patch(client, url, data, headers, if_match=None):
    extra = {"If-Match": if_match} if if_match is not None else {}
    return client.patch(url, data, content_type="application/json", headers={**headers, **extra})


def test_reads_carry_a_stable_etag_that_changes_with_the_record(client, headers):
    team = TeamFactory(name="Red")
    url = f"/api/v1/teams/{team.pk}"
    first = client.get(url, headers=headers)["ETag"]
    assert first.startswith('"') and first.endswith('"')
    assert client.get(url, headers=headers)["ETag"] == first
    updated = patch(client, url, {"description": "new"}, headers)
    assert updated["ETag"] != first
    assert client.get(url, headers=headers)["ETag"] == updated["ETag"]


@pytest.mark.parametrize(
    "url",
    ["/api/v1/me", "/api/v1/users/{admin}", "/api/v1/roles/{role}", "/api/v1/tokens/{token}", "/api/v1/audit/{entry}"],
)
def test_every_single_record_read_has_an_etag(client, headers, admin, url):
    token = APITokenFactory(user=admin)
    TeamFactory()
    client.post("/api/v1/teams", {"name": "Audited"}, content_type="application/json", headers=headers)
    entry = AuditEntry.objects.first()
    url = url.format(admin=admin.pk, role=admin.role_id, token=token.pk, entry=entry.pk)
    response = client.get(url, headers=headers)
    assert response.status_code == 200 and response["ETag"]


@pytest.mark.parametrize("if_match", ["*", "{tag}", '"nope", {tag}'])
def test_if_match_forms_that_match(client, headers, if_match):
    team = TeamFactory(name="Red")
    url = f"/api/v1/teams/{team.pk}"
    tag = client.get(url, headers=headers)["ETag"]
    assert patch(client, url, {"description": "one"}, headers, if_match=if_match.format(tag=tag)).status_code == 200
    team.refresh_from_db()
    assert team.description == "one"


def test_a_stale_if_match_is_refused_and_changes_nothing(client, headers):
    team = TeamFactory(name="Red")
    url = f"/api/v1/teams/{team.pk}"
    stale = client.get(url, headers=headers)["ETag"]
    assert patch(client, url, {"description": "first writer"}, headers, if_match=stale).status_code == 200
    audit_count = AuditEntry.objects.count()
    for tag in (stale, f"W/{stale}"):  # weak tags never match
        response = patch(client, url, {"description": "second writer"}, headers, if_match=tag)
        assert response.status_code == 412
        assert response.json()["code"] == "precondition_failed"
    team.refresh_from_db()
    assert team.description == "first writer"
    assert AuditEntry.objects.count() == audit_count


def test_stale_delete_deactivate_and_revoke_are_refused(client, headers, admin):
    team, user, token = TeamFactory(name="Red"), UserFactory(), APITokenFactory(user=admin)
    stale = {**headers, "If-Match": '"stale"'}
    assert client.delete(f"/api/v1/teams/{team.pk}", headers=stale).status_code == 412
    assert client.post(f"/api/v1/users/{user.pk}/deactivate", headers=stale).status_code == 412
    assert client.post(f"/api/v1/tokens/{token.pk}/revoke", headers=stale).status_code == 412
    assert Team.objects.filter(pk=team.pk).exists()
    user.refresh_from_db()
    assert user.is_active
    assert APIToken.objects.get(pk=token.pk).revoked_at is None

    current = {**headers, "If-Match": client.get(f"/api/v1/teams/{team.pk}", headers=headers)["ETag"]}
    assert client.delete(f"/api/v1/teams/{team.pk}", headers=current).status_code == 204
    assert not Team.objects.filter(pk=team.pk).exists()


def test_out_of_scope_records_are_404_before_any_precondition(client):
    rep = UserFactory(role=role("sales_rep"))
    stranger_token = APITokenFactory()
    headers = {"Authorization": f"Bearer {api_token(rep)}", "If-Match": '"whatever"'}
    assert client.post(f"/api/v1/tokens/{stranger_token.pk}/revoke", headers=headers).status_code == 404


# --- If-None-Match: 304 Not Modified on reads ----------------------------------------------------


def get(client, url, headers, if_none_match=None):
    extra = {"If-None-Match": if_none_match} if if_none_match is not None else {}
    return client.get(url, headers={**headers, **extra})


@pytest.mark.parametrize("if_none_match", ["{tag}", "W/{tag}", '"nope", {tag}', "*"])
def test_if_none_match_with_the_current_etag_answers_304_without_a_body(client, headers, if_none_match):
    team = TeamFactory(name="Red")
    url = f"/api/v1/teams/{team.pk}"
    tag = client.get(url, headers=headers)["ETag"]
    response = get(client, url, headers, if_none_match=if_none_match.format(tag=tag))
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == tag


def test_if_none_match_with_another_etag_answers_the_record(client, headers):
    team = TeamFactory(name="Red")
    url = f"/api/v1/teams/{team.pk}"
    stale = client.get(url, headers=headers)["ETag"]
    assert get(client, url, headers, if_none_match='"nope"').status_code == 200
    patch(client, url, {"description": "new"}, headers)
    response = get(client, url, headers, if_none_match=stale)
    assert response.status_code == 200
    assert response.json()["description"] == "new" and response["ETag"] != stale


@pytest.mark.parametrize(
    "url",
    ["/api/v1/me", "/api/v1/users/{admin}", "/api/v1/roles/{role}", "/api/v1/tokens/{token}", "/api/v1/audit/{entry}"],
)
def test_every_single_record_read_honours_if_none_match(client, headers, admin, url):
    token = APITokenFactory(user=admin)
    client.post("/api/v1/teams", {"name": "Audited"}, content_type="application/json", headers=headers)
    url = url.format(admin=admin.pk, role=admin.role_id, token=token.pk, entry=AuditEntry.objects.first().pk)
    tag = client.get(url, headers=headers)["ETag"]
    assert get(client, url, headers, if_none_match=tag).status_code == 304


def test_if_none_match_changes_nothing_else(client, headers):
    team = TeamFactory(name="Red")
    url = f"/api/v1/teams/{team.pk}"
    tag = client.get(url, headers=headers)["ETag"]
    # Lists have no ETag; errors and writes are answered as usual.
    assert get(client, "/api/v1/teams", headers, if_none_match="*").status_code == 200
    assert get(client, "/api/v1/teams/999999", headers, if_none_match="*").status_code == 404
    assert client.get(url, headers={"If-None-Match": tag}).status_code == 401
    response = client.patch(
        url, {"description": "new"}, content_type="application/json", headers={**headers, "If-None-Match": tag}
    )
    assert response.status_code == 200


def test_the_openapi_document_declares_if_none_match_on_reads_with_an_etag(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path, methods in paths.items():
        for method, operation in methods.items():
            has_etag = "ETag" in operation["responses"].get("200", {}).get("headers", {})
            declared = any(p["name"] == "If-None-Match" for p in operation.get("parameters", []))
            assert declared == (method == "get" and has_etag), f"{method} {path}"
            assert ("304" in operation["responses"]) == declared, f"{method} {path}"
