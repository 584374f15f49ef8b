"""The audit log over the API: read-only, filtered, scoped like every other record."""

from datetime import UTC, datetime, timedelta

import pytest

from rapport.core import audit
from rapport.core.models import AuditEntry
from tests.factories import TeamFactory, UserFactory, api_token, role

pytestmark = pytest.mark.django_db


def headers(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(user)}"}


def ids(client, user, **params) -> list[int]:
    response = client.get("/api/v1/audit", {"limit": 200, **params}, headers=headers(user))
    assert response.status_code == 200, response.content
    return [e["id"] for e in response.json()["items"]]


@pytest.fixture
def log():
    red, blue = TeamFactory(name="Red"), TeamFactory(name="Blue")
    admin = UserFactory(role=role("admin"), team=blue)
    manager = UserFactory(role=role("manager"), team=red)
    rep = UserFactory(role=role("sales_rep"), team=red)
    outsider = UserFactory(team=blue)
    entries = {
        "rep_update": audit.record(actor=rep, action="update", obj=rep, changes={"first_name": ["A", "B"]}),
        "manager_create": audit.record(actor=manager, action="create", obj=red),
        "outsider_update": audit.record(actor=outsider, action="update", obj=outsider),
        "admin_delete": audit.record(actor=admin, action="delete", obj=blue),
    }
    return {"admin": admin, "manager": manager, "rep": rep, "outsider": outsider, **entries}


def test_admin_sees_everything_newest_first(client, log):
    expected = [log[k].pk for k in ("admin_delete", "outsider_update", "manager_create", "rep_update")]
    assert ids(client, log["admin"]) == expected


def test_a_team_audit_scope_sees_its_teams_entries_and_others_see_none(client, log):
    from rapport.users.models import Role

    # Built-in managers do not read the audit log (it shows values of records beyond their scope); a
    # custom role may grant the team scope: the entries made by the team's members.
    log["manager"].role = Role.objects.create(key="team_audit", name="Team audit", scopes={"audit": {"read": "team"}})
    log["manager"].save()
    assert set(ids(client, log["manager"])) == {log["rep_update"].pk, log["manager_create"].pk}
    assert ids(client, log["rep"]) == []  # sales reps have no audit scope: an empty log, not an error
    other = headers(log["rep"])
    assert client.get(f"/api/v1/audit/{log['rep_update'].pk}", headers=other).status_code == 404


def test_filters(client, log):
    admin = log["admin"]
    assert ids(client, admin, actor_id=log["rep"].pk) == [log["rep_update"].pk]
    assert set(ids(client, admin, action="update")) == {log["rep_update"].pk, log["outsider_update"].pk}
    assert ids(client, admin, object_type="team", object_id=str(log["manager_create"].object_id)) == [
        log["manager_create"].pk
    ]
    at = log["outsider_update"].at
    assert set(ids(client, admin, at_from=at.isoformat())) == {log["outsider_update"].pk, log["admin_delete"].pk}
    assert log["outsider_update"].pk not in ids(client, admin, at_to=at.isoformat())
    naive = (at + timedelta(days=1)).astimezone(UTC).replace(tzinfo=None).isoformat()  # no offset: UTC
    assert ids(client, admin, at_from=naive) == []
    assert client.get("/api/v1/audit", {"at_from": "yesterday"}, headers=headers(admin)).status_code == 422


def test_get_one_entry(client, log):
    entry = log["rep_update"]
    body = client.get(f"/api/v1/audit/{entry.pk}", headers=headers(log["admin"])).json()
    assert body["action"] == "update" and body["actor_id"] == log["rep"].pk
    assert body["changes"] == {"first_name": ["A", "B"]}
    assert datetime.fromisoformat(body["at"].replace("Z", "+00:00")) - entry.at < timedelta(milliseconds=1)


def test_the_log_is_read_only_over_the_api(client, log):
    entry = log["rep_update"]
    h = headers(log["admin"])
    assert client.delete(f"/api/v1/audit/{entry.pk}", headers=h).status_code == 405
    assert client.patch(f"/api/v1/audit/{entry.pk}", {}, content_type="application/json", headers=h).status_code == 405
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
