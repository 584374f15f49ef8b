"""The permission matrix of the API: every built-in role x the record's relation to the actor x operation, on
users, teams and tokens. The expected answer comes from the roles' scope table by the simple rule below, not from
the access code under test; a refused request must leave the database exactly as it was."""

import pytest
from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_logged_in

from rapport.core.models import AuditEntry, IdempotencyRecord
from rapport.users.models import APIToken, Role, Team, User
from rapport.users.roles import BUILTIN_ROLES
from tests.factories import APITokenFactory, TeamFactory, UserFactory, role

pytestmark = pytest.mark.django_db

ROLE_KEYS = [spec.key for spec in BUILTIN_ROLES]
RELATIONS = ["own", "team", "other"]


def scope(role_key: str, object_type: str, operation: str) -> str:
    """Read straight from the table in rapport/users/roles.py: (read, write) per system object type."""
    spec = next(s for s in BUILTIN_ROLES if s.key == role_key)
    read, write = spec.system.get(object_type, ("none", "none"))
    return str(read if operation == "read" else write)


def reaches(scope_value: str, relation: str) -> bool:
    """all: every record; team: the actor's own and their team's; own: the actor's own; none: nothing."""
    return {
        "all": True,
        "team": relation in ("own", "team"),
        "own": relation == "own",
        "none": False,
    }[scope_value]


def expected_write(role_key: str, object_type: str, relation: str, success: int) -> int:
    """Allowed: success. Readable but not writable: 403. Not even readable: 404 (as if absent)."""
    if reaches(scope(role_key, object_type, "write"), relation):
        return success
    if reaches(scope(role_key, object_type, "read"), relation):
        return 403
    return 404


USER_FIELDS = [f.attname for f in User._meta.concrete_fields if f.name != "last_login"]


def db_state():
    """Everything these requests could change (logins and last use are not part of it)."""
    return (
        list(User.objects.order_by("pk").values(*USER_FIELDS)),
        list(Team.objects.order_by("pk").values()),
        list(Team.managers.through.objects.order_by("pk").values()),
        list(APIToken.objects.order_by("pk").values("pk", "user_id", "name", "revoked_at")),
        list(Role.objects.order_by("pk").values()),
        AuditEntry.objects.count(),
        IdempotencyRecord.objects.count(),
    )


class World:
    """The actor in team Home, managing team Managed; a teammate in Home and a stranger in Away; a token each."""

    def __init__(self, role_key: str):
        self.home, self.managed, self.away = (TeamFactory(name=n) for n in ("Home", "Managed", "Away"))
        self.actor = UserFactory(username="actor", role=role(role_key), team=self.home)
        self.managed.managers.add(self.actor)
        self.mate = UserFactory(username="mate", team=self.home)
        self.stranger = UserFactory(username="stranger", team=self.away)
        UserFactory(username="other_admin", role=role("admin"), team=self.away)  # never the last admin
        self.user = {"own": self.actor, "team": self.mate, "other": self.stranger}
        self.team = {"own": self.managed, "team": self.home, "other": self.away}
        self.token = {rel: APITokenFactory(user=u) for rel, u in self.user.items()}


@pytest.fixture
def login(client):
    # Session auth keeps the actor's tokens untouched (a bearer token would record its use).
    user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")

    def login(role_key: str) -> World:
        world = World(role_key)
        client.force_login(world.actor)
        return world

    yield login
    user_logged_in.connect(update_last_login, dispatch_uid="update_last_login")


def check(response, expected: int, before):
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert db_state() == before, "a refused request changed the database"


def ids(client, url: str) -> set[int]:
    body = client.get(url, {"limit": 200}).json()
    assert body["next"] is None
    return {item["id"] for item in body["items"]}


# --- read (get and list) -------------------------------------------------------------------------

READ_CASES = [
    ("user", "/api/v1/users", lambda w, rel: w.user[rel]),
    ("team", "/api/v1/teams", lambda w, rel: w.team[rel]),
    ("token", "/api/v1/tokens", lambda w, rel: w.token[rel]),
]


@pytest.mark.parametrize("role_key", ROLE_KEYS)
@pytest.mark.parametrize("relation", RELATIONS)
@pytest.mark.parametrize(("object_type", "url", "target"), READ_CASES, ids=[c[0] for c in READ_CASES])
def test_read(client, login, role_key, relation, object_type, url, target):
    world = login(role_key)
    record = target(world, relation)
    visible = reaches(scope(role_key, object_type, "read"), relation)
    before = db_state()
    check(client.get(f"{url}/{record.pk}"), 200 if visible else 404, before)
    assert (record.pk in ids(client, url)) is visible


# --- users -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role_key", ROLE_KEYS)
@pytest.mark.parametrize("relation", ["team", "other"])  # a new user is never the actor's own record
def test_user_invite(client, login, role_key, relation):
    world = login(role_key)
    team = world.team[relation] if relation == "other" else world.home
    allowed = reaches(scope(role_key, "user", "write"), relation)
    before = db_state()
    response = client.post(
        "/api/v1/users", {"email": "new@example.test", "team_id": team.pk}, content_type="application/json"
    )
    check(response, 201 if allowed else 403, before)
    assert User.objects.filter(email="new@example.test", team=team).exists() is allowed


@pytest.mark.parametrize("role_key", ROLE_KEYS)
@pytest.mark.parametrize("relation", RELATIONS)
def test_user_update(client, login, role_key, relation):
    world = login(role_key)
    target = world.user[relation]
    expected = expected_write(role_key, "user", relation, 200)
    before = db_state()
    response = client.patch(f"/api/v1/users/{target.pk}", {"first_name": "Changed"}, content_type="application/json")
    check(response, expected, before)
    target.refresh_from_db()
    assert (target.first_name == "Changed") is (expected == 200)


@pytest.mark.parametrize("role_key", ROLE_KEYS)
@pytest.mark.parametrize("relation", RELATIONS)
def test_user_deactivate(client, login, role_key, relation):
    world = login(role_key)
    target = world.user[relation]
    expected = expected_write(role_key, "user", relation, 200)
    if relation == "own" and expected == 200:
        expected = 403  # nobody deactivates themselves
    before = db_state()
    check(client.post(f"/api/v1/users/{target.pk}/deactivate"), expected, before)
    target.refresh_from_db()
    assert target.is_active is (expected != 200)


# --- teams -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role_key", ROLE_KEYS)
def test_team_create(client, login, role_key):
    login(role_key)
    allowed = scope(role_key, "team", "write") == "all"  # a new team belongs to nobody yet
    before = db_state()
    response = client.post("/api/v1/teams", {"name": "New team"}, content_type="application/json")
    check(response, 201 if allowed else 403, before)
    assert Team.objects.filter(name="New team").exists() is allowed


@pytest.mark.parametrize("role_key", ROLE_KEYS)
@pytest.mark.parametrize("relation", RELATIONS)
def test_team_update(client, login, role_key, relation):
    world = login(role_key)
    target = world.team[relation]
    expected = expected_write(role_key, "team", relation, 200)
    before = db_state()
    response = client.patch(f"/api/v1/teams/{target.pk}", {"description": "Changed"}, content_type="application/json")
    check(response, expected, before)
    target.refresh_from_db()
    assert (target.description == "Changed") is (expected == 200)


@pytest.mark.parametrize("role_key", ROLE_KEYS)
@pytest.mark.parametrize("relation", RELATIONS)
def test_team_delete(client, login, role_key, relation):
    world = login(role_key)
    target = world.team[relation]
    readable = reaches(scope(role_key, "team", "read"), relation)
    # Deleting a team takes the `all` write scope (managers edit the teams they lead but do not delete them).
    expected = 204 if scope(role_key, "team", "write") == "all" else 403 if readable else 404
    before = db_state()
    check(client.delete(f"/api/v1/teams/{target.pk}"), expected, before)
    assert Team.objects.filter(pk=target.pk).exists() is (expected != 204)


# --- tokens ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role_key", ROLE_KEYS)
@pytest.mark.parametrize("relation", RELATIONS)
def test_token_create(client, login, role_key, relation):
    world = login(role_key)
    owner = world.user[relation]
    # Tokens are personal: each user may create their own (when the role writes tokens), nobody else's.
    allowed = relation == "own" and reaches(scope(role_key, "token", "write"), relation)
    before = db_state()
    response = client.post("/api/v1/tokens", {"name": "made", "user_id": owner.pk}, content_type="application/json")
    check(response, 201 if allowed else 403, before)
    assert APIToken.objects.filter(user=owner, name="made").exists() is allowed


@pytest.mark.parametrize("role_key", ROLE_KEYS)
@pytest.mark.parametrize("relation", RELATIONS)
def test_token_revoke(client, login, role_key, relation):
    world = login(role_key)
    target = world.token[relation]
    expected = expected_write(role_key, "token", relation, 200)
    before = db_state()
    check(client.post(f"/api/v1/tokens/{target.pk}/revoke"), expected, before)
    target.refresh_from_db()
    assert (target.revoked_at is not None) is (expected == 200)


# --- a custom role -------------------------------------------------------------------------------


def test_custom_role_scopes_are_honoured(client):
    custom = Role.objects.create(
        key="team_lead",
        name="Team lead",
        scopes={
            "user": {"read": "team", "write": "own"},
            "team": {"read": "team", "write": "none"},
            "role": {"read": "none", "write": "none"},
            "token": {"read": "team", "write": "team"},
            "audit": {"read": "own", "write": "none"},
        },
    )
    world = World("read_only")
    world.actor.role = custom
    world.actor.save()
    client.force_login(world.actor)

    # Users: the actor and their teammate, read; only the actor's own profile, written.
    assert ids(client, "/api/v1/users") == {world.actor.pk, world.mate.pk}
    assert client.get(f"/api/v1/users/{world.stranger.pk}").status_code == 404

    def rename(user):
        return client.patch(f"/api/v1/users/{user.pk}", {"first_name": "X"}, content_type="application/json")

    before = db_state()
    check(rename(world.mate), 403, before)
    check(rename(world.stranger), 404, before)
    assert rename(world.actor).status_code == 200

    # Teams: their own team and the one they manage; counts only reach the users they may see.
    assert ids(client, "/api/v1/teams") == {world.home.pk, world.managed.pk}
    assert client.get(f"/api/v1/teams/{world.away.pk}").status_code == 404
    UserFactory(team=world.managed)  # a member of the managed team the actor cannot see
    assert client.get(f"/api/v1/teams/{world.managed.pk}").json()["member_count"] == 0
    assert client.get(f"/api/v1/teams/{world.home.pk}").json()["member_count"] == 2

    # Roles: none readable, not even their own, and none in the list.
    assert ids(client, "/api/v1/roles") == set()
    assert client.get(f"/api/v1/roles/{custom.pk}").status_code == 404

    # Tokens: their team's, read and revoked; a stranger's is absent.
    assert ids(client, "/api/v1/tokens") == {world.token["own"].pk, world.token["team"].pk}
    assert client.post(f"/api/v1/tokens/{world.token['team'].pk}/revoke").status_code == 200
    before = db_state()
    check(client.post(f"/api/v1/tokens/{world.token['other'].pk}/revoke"), 404, before)

    # Audit: only the entries of their own actions.
    assert {e["actor_id"] for e in client.get("/api/v1/audit").json()["items"]} == {world.actor.pk}
