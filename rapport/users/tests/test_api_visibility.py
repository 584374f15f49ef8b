"""Users a record refers to are shown only within the actor's user read scope: a team's managers and a token's owner.

Only custom roles can read teams or tokens more widely than users (the built-in roles read all users).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.users.models import Role
from tests.factories import APITokenFactory, TeamFactory, UserFactory, api_token, role

pytestmark = pytest.mark.django_db


@pytest.fixture
def custom_role():
    """Reads every team and token, but only their own user; writes teams (managers included) and tokens."""
    return Role.objects.create(
        key="team_admin",
        name="Team admin",
        scopes={
            "user": {"read": "own", "write": "own"},
            "team": {"read": "all", "write": "all"},
            "token": {"read": "all", "write": "all"},
        },
    )


@pytest.fixture
def world(custom_role):
    actor = UserFactory(username="actor", role=custom_role)
    stranger = UserFactory(username="stranger", first_name="Secret", last_name="Person")
    team = TeamFactory(name="Red")
    team.managers.add(actor, stranger)
    return {
        "actor": actor,
        "stranger": stranger,
        "team": team,
        "headers": {"Authorization": f"Bearer {api_token(actor)}"},
    }


def _manager_ids(team_json) -> set[int]:
    return {m["id"] for m in team_json["managers"]}


def test_team_managers_outside_the_user_scope_are_not_shown(client, world):
    actor, headers, team = world["actor"], world["headers"], world["team"]
    body = client.get(f"/api/v1/teams/{team.pk}", headers=headers).json()
    assert body["managers"] == [{"id": actor.pk, "username": "actor", "display_name": actor.display_name}]
    listed = client.get("/api/v1/teams", headers=headers).json()["items"]
    assert [_manager_ids(t) for t in listed] == [{actor.pk}]
    assert "Secret" not in str(listed)


def test_team_writes_answer_with_the_visible_managers_only(client, world):
    actor, headers, team = world["actor"], world["headers"], world["team"]
    url = f"/api/v1/teams/{team.pk}"
    tag = client.get(url, headers=headers)["ETag"]
    # The ETag the actor read is the one the write compares with (it hashes what the actor sees).
    response = client.patch(
        url, {"description": "new"}, content_type="application/json", headers={**headers, "If-Match": tag}
    )
    assert response.status_code == 200, response.content
    assert _manager_ids(response.json()) == {actor.pk}
    assert set(team.managers.values_list("pk", flat=True)) == {actor.pk, world["stranger"].pk}  # untouched

    created = client.post(
        "/api/v1/teams", {"name": "Blue", "manager_ids": [actor.pk]}, content_type="application/json", headers=headers
    )
    assert created.status_code == 201 and _manager_ids(created.json()) == {actor.pk}


def test_admins_see_every_manager(client, world):
    headers = {"Authorization": f"Bearer {api_token(UserFactory(role=role('admin')))}"}
    team = world["team"]
    body = client.get(f"/api/v1/teams/{team.pk}", headers=headers).json()
    assert _manager_ids(body) == {world["actor"].pk, world["stranger"].pk}


def test_a_token_of_a_user_outside_the_user_scope_shows_no_owner(client, world):
    actor, headers = world["actor"], world["headers"]
    theirs = APITokenFactory(user=world["stranger"])
    body = client.get(f"/api/v1/tokens/{theirs.pk}", headers=headers).json()
    assert body["user"] is None
    listed = {t["id"]: t["user"] for t in client.get("/api/v1/tokens", headers=headers).json()["items"]}
    assert listed[theirs.pk] is None
    assert [owner["id"] for owner in listed.values() if owner] == [actor.pk]  # their own token shows its owner
    assert "stranger" not in str(listed)

    revoked = client.post(f"/api/v1/tokens/{theirs.pk}/revoke", headers=headers)
    assert revoked.status_code == 200 and revoked.json()["user"] is None


def test_a_new_token_shows_its_owner_if_visible(client, world):
    response = client.post(
        "/api/v1/tokens", {"name": "mine"}, content_type="application/json", headers=world["headers"]
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["user"]["id"] == world["actor"].pk and body["token"].startswith("rap_")


def _queries(client, url, headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, {"limit": 200}, headers=headers).status_code == 200
    return len(queries)


def test_lists_cost_the_same_number_of_queries_whatever_their_length(client, world):
    """No query per row: the visible managers are prefetched, the owner's visibility is a subquery."""
    headers = world["headers"]
    APITokenFactory(user=world["stranger"])
    client.get("/api/v1/me", headers=headers)  # the token's first use is recorded once: not part of the count
    few = {url: _queries(client, url, headers) for url in ("/api/v1/teams", "/api/v1/tokens")}
    for n in range(5):
        team = TeamFactory(name=f"More {n}")
        team.managers.add(world["actor"], UserFactory())
        APITokenFactory(user=UserFactory())
        APITokenFactory(user=world["actor"])
    many = {url: _queries(client, url, headers) for url in ("/api/v1/teams", "/api/v1/tokens")}
    assert many == few
