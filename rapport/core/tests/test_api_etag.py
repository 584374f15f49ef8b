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
