"""The first API resources: me, users, teams, roles, permissions, tokens."""

import pytest

from rapport.core.models import AuditEntry
from rapport.users.access import OBJECT_TYPES
from rapport.users.enums import Feature
from rapport.users.models import APIToken, Role, Team, User
from tests.factories import APITokenFactory, TeamFactory, UserFactory, api_token, role

pytestmark = pytest.mark.django_db


class Api:
    """A client signed in with a bearer token of ``user``."""

    def __init__(self, client, user):
        self.client, self.user = client, user
        self.headers = {"Authorization": f"Bearer {api_token(user)}"}

    def get(self, url, params=None):
        return self.client.get(url, params or {}, headers=self.headers)

    def post(self, url, data=None):
        return self.client.post(url, data or {}, content_type="application/json", headers=self.headers)

    def patch(self, url, data):
        return self.client.patch(url, data, content_type="application/json", headers=self.headers)

    def delete(self, url):
        return self.client.delete(url, headers=self.headers)

    def ids(self, url, params=None):
        return [item["id"] for item in self.get(url, {"limit": 200, **(params or {})}).json()["items"]]


@pytest.fixture
def admin(client):
    return Api(client, UserFactory(username="admin", first_name="Ada", last_name="Min", role=role("admin")))


# --- me --------------------------------------------------------------------------------------


def test_me_shows_the_user_and_their_permissions(client):
    team = TeamFactory(name="Red")
    api = Api(client, UserFactory(username="me", role=role("manager"), team=team))
    body = api.get("/api/v1/me").json()
    assert body["username"] == "me" and body["team"] == {"id": team.pk, "name": "Red"}
    assert body["role"]["key"] == "manager"
    assert body["scopes"]["user"] == {"read": "all", "write": "team"}
    assert "import" in body["features"]


# --- users -----------------------------------------------------------------------------------


def test_users_list_filters(admin):
    red = TeamFactory(name="Red")
    names = {"first_name": "", "last_name": ""}  # no random names that could match the search
    anna = UserFactory(username="anna", team=red, role=role("manager"), **names)
    bob = UserFactory(username="bob", team=red, is_active=False, **names)
    carl = UserFactory(username="carl", email="carl@corp.test", **names)
    assert admin.ids("/api/v1/users", {"q": "ann"}) == [anna.pk]
    assert admin.ids("/api/v1/users", {"q": "CORP.test"}) == [carl.pk]
    assert admin.ids("/api/v1/users", {"team_id": red.pk}) == [anna.pk, bob.pk]
    assert admin.ids("/api/v1/users", {"role_id": role("manager").pk}) == [anna.pk]
    assert admin.ids("/api/v1/users", {"is_active": "false"}) == [bob.pk]
    assert admin.ids("/api/v1/users", {"ordering": "-username"}) == [carl.pk, bob.pk, anna.pk, admin.user.pk]


def test_invite_creates_a_user_without_password_and_records_it(admin):
    red = TeamFactory(name="Red")
    response = admin.post("/api/v1/users", {"email": "New@Example.test", "first_name": "New", "team_id": red.pk})
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "new@example.test" and body["username"] == "new@example.test"
    assert body["team"]["id"] == red.pk and body["role"]["key"] == "sales_rep"  # the default role
    assert response["Location"] == f"/api/v1/users/{body['id']}"
    user = User.objects.get(pk=body["id"])
    assert not user.has_usable_password()
    assert AuditEntry.objects.filter(action="create", object_type="user", object_id=str(user.pk)).exists()


def test_invite_with_a_role_needs_the_settings_feature(client, admin):
    manager = Api(client, UserFactory(role=role("manager"), team=TeamFactory(name="Red")))
    data = {"email": "x@example.test", "team_id": manager.user.team_id, "role_id": role("admin").pk}
    assert manager.post("/api/v1/users", data).status_code == 403
    assert not User.objects.filter(email="x@example.test").exists()
    assert admin.post("/api/v1/users", data).json()["role"]["key"] == "admin"


def test_invite_duplicate_is_a_conflict(admin):
    UserFactory(email="taken@example.test")
    response = admin.post("/api/v1/users", {"email": "TAKEN@example.test"})
    assert response.status_code == 409 and response.json()["errors"] == {
        "email": ["Another user has this email address."]
    }


def test_patch_changes_only_what_is_sent(admin):
    user = UserFactory(first_name="Ann", last_name="Lee", role=role("sales_rep"))
    response = admin.patch(f"/api/v1/users/{user.pk}", {"first_name": "Anne", "role_id": role("marketer").pk})
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.role.key) == ("Anne", "Lee", "marketer")
    assert AuditEntry.objects.filter(action="role_changed", object_id=str(user.pk)).exists()


def test_patch_with_invalid_values(admin):
    user = UserFactory()
    response = admin.patch(f"/api/v1/users/{user.pk}", {"time_zone": "Mars/Base", "team_id": 999999})
    assert response.status_code == 422
    assert set(response.json()["errors"]) <= {"time_zone", "team_id"}


def test_deactivate_stops_the_users_tokens(client, admin):
    user = UserFactory()
    users_api = Api(client, user)
    assert users_api.get("/api/v1/me").status_code == 200
    response = admin.post(f"/api/v1/users/{user.pk}/deactivate")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert users_api.get("/api/v1/me").status_code == 401
    # Reactivation is a PATCH.
    assert admin.patch(f"/api/v1/users/{user.pk}", {"is_active": True}).json()["is_active"] is True


def test_the_last_admin_cannot_be_deactivated(client, admin):
    other = Api(client, UserFactory(role=role("admin")))
    assert other.post(f"/api/v1/users/{admin.user.pk}/deactivate").status_code == 200
    # `other` is now the only active admin; nobody can deactivate them (not even themselves).
    third = Api(client, UserFactory(role=role("manager")))
    assert third.post(f"/api/v1/users/{other.user.pk}/deactivate").status_code == 403


# --- teams -----------------------------------------------------------------------------------


def test_team_crud(admin):
    lead = UserFactory()
    response = admin.post("/api/v1/teams", {"name": "Red", "description": "Sales", "manager_ids": [lead.pk]})
    assert response.status_code == 201
    body = response.json()
    assert body["managers"] == [{"id": lead.pk, "username": lead.username, "display_name": lead.display_name}]
    team_id = body["id"]
    UserFactory.create_batch(2, team_id=team_id)
    assert admin.get(f"/api/v1/teams/{team_id}").json()["member_count"] == 2
    assert admin.patch(f"/api/v1/teams/{team_id}", {"manager_ids": []}).json()["managers"] == []
    assert admin.ids("/api/v1/teams", {"q": "re"}) == [team_id]
    assert admin.delete(f"/api/v1/teams/{team_id}").status_code == 204
    assert not Team.objects.filter(pk=team_id).exists()
    assert User.objects.filter(team__isnull=True).count() >= 2  # members stay, without a team
    assert admin.get(f"/api/v1/teams/{team_id}").status_code == 404


def test_team_with_invisible_or_missing_managers_is_invalid(admin):
    response = admin.post("/api/v1/teams", {"name": "Red", "manager_ids": [999999]})
    assert response.status_code == 422 and set(response.json()["errors"]) == {"manager_ids"}


# --- roles and permissions -------------------------------------------------------------------


def test_permissions_list_what_a_role_editor_needs(admin):
    body = admin.get("/api/v1/permissions").json()
    assert [t["key"] for t in body["object_types"]] == list(OBJECT_TYPES)
    assert [s["value"] for s in body["scopes"]] == ["all", "team", "own", "none"]
    assert {f["value"] for f in body["features"]} == {str(f) for f in Feature}
    assert {o["value"] for o in body["operations"]} == {"read", "write"}


def test_role_crud(admin):
    data = {
        "name": "Auditor",
        "scopes": {"audit": {"read": "all", "write": "none"}, "user": {"read": "all"}},
        "features": ["export"],
    }
    response = admin.post("/api/v1/roles", data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["key"] == "auditor" and not body["is_builtin"]
    assert body["scopes"]["audit"] == {"read": "all", "write": "none"}
    assert body["scopes"]["team"] == {"read": "none", "write": "none"}
    assert body["features"] == ["export"] and body["user_count"] == 0
    role_id = body["id"]
    assert admin.patch(f"/api/v1/roles/{role_id}", {"description": "Reads the log"}).json()["description"]
    UserFactory(role_id=role_id)
    assert admin.get(f"/api/v1/roles/{role_id}").json()["user_count"] == 1
    assert admin.delete(f"/api/v1/roles/{role_id}").json()["code"] == "role_in_use"
    User.objects.filter(role_id=role_id).update(role=role("read_only"))
    assert admin.delete(f"/api/v1/roles/{role_id}").status_code == 204
    assert not Role.objects.filter(pk=role_id).exists()


def test_role_validation(admin):
    too_wide = admin.post("/api/v1/roles", {"name": "X", "scopes": {"user": {"read": "own", "write": "all"}}})
    assert too_wide.status_code == 422 and "scopes.user" in too_wide.json()["errors"]
    unknown = admin.post("/api/v1/roles", {"name": "X", "scopes": {"spaceship": {"read": "all"}}})
    assert unknown.status_code == 422
    bad_scope = admin.post("/api/v1/roles", {"name": "X", "scopes": {"user": {"read": "most"}}})
    assert bad_scope.status_code == 422
    assert not Role.objects.filter(name="X").exists()


def test_builtin_roles_cannot_be_changed_or_deleted(admin):
    builtin = role("sales_rep")
    assert admin.patch(f"/api/v1/roles/{builtin.pk}", {"name": "Seller"}).json()["code"] == "builtin_role"
    assert admin.delete(f"/api/v1/roles/{builtin.pk}").status_code == 409


def test_only_settings_managers_edit_roles(client):
    manager = Api(client, UserFactory(role=role("manager")))
    assert manager.post("/api/v1/roles", {"name": "Mine"}).status_code == 403
    assert manager.get(f"/api/v1/roles/{role('admin').pk}").status_code == 200  # everyone reads roles


# --- tokens ----------------------------------------------------------------------------------


def test_token_is_shown_once_and_works(client):
    user = UserFactory()
    api = Api(client, user)
    response = api.post("/api/v1/tokens", {"name": "laptop"})
    assert response.status_code == 201
    body = response.json()
    raw = body["token"]
    assert raw.startswith("rap_") and body["prefix"] == raw[:12] and body["user"]["id"] == user.pk
    assert "token" not in api.get(f"/api/v1/tokens/{body['id']}").json()
    assert raw not in api.get("/api/v1/tokens").content.decode()
    assert raw not in str(list(APIToken.objects.values()))  # only the hash is stored
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200


def test_revoked_token_stops_working(client):
    user = UserFactory()
    api = Api(client, user)
    created = api.post("/api/v1/tokens", {"name": "ci"}).json()
    revoked = api.post(f"/api/v1/tokens/{created['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["is_active"] is False
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {created['token']}"}).status_code == 401
    assert api.ids("/api/v1/tokens", {"active": "false"}) == [created["id"]]
    # Revoking again changes nothing.
    assert api.post(f"/api/v1/tokens/{created['id']}/revoke").json()["revoked_at"] == revoked.json()["revoked_at"]


def test_token_list_filters(admin):
    mine = APITokenFactory(user=admin.user)
    other_user = UserFactory()
    theirs = APITokenFactory(user=other_user)
    own_auth_token = APIToken.objects.get(user=admin.user, name="test token")
    assert set(admin.ids("/api/v1/tokens")) == {mine.pk, theirs.pk, own_auth_token.pk}
    assert set(admin.ids("/api/v1/tokens", {"mine": "true"})) == {mine.pk, own_auth_token.pk}
    assert admin.ids("/api/v1/tokens", {"user_id": other_user.pk}) == [theirs.pk]


def test_token_for_an_unknown_user_is_invalid(admin):
    response = admin.post("/api/v1/tokens", {"name": "x", "user_id": 999999})
    assert response.status_code == 422 and set(response.json()["errors"]) == {"user_id"}


def test_tokens_are_personal_even_for_admins(admin):
    for user in (UserFactory(), UserFactory(is_active=False)):
        response = admin.post("/api/v1/tokens", {"name": "x", "user_id": user.pk})
        assert response.status_code == 403 and "personal" in response.json()["detail"]
        assert not APIToken.objects.filter(user=user).exists()


def test_patch_refuses_null_where_null_means_nothing(admin):
    user = UserFactory(first_name="Ann")
    response = admin.patch(f"/api/v1/users/{user.pk}", {"is_active": None, "first_name": None})
    assert response.status_code == 422 and set(response.json()["errors"]) == {"is_active", "first_name"}
    user.refresh_from_db()
    assert user.is_active and user.first_name == "Ann"
    # team_id: null is meaningful: no team.
    user.team = TeamFactory(name="Red")
    user.save()
    assert admin.patch(f"/api/v1/users/{user.pk}", {"team_id": None}).json()["team"] is None
