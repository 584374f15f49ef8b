"""Guards against taking over or out-ranking accounts, found by a security review."""

import pytest
from django.db import IntegrityError, transaction

from rapport.core.errors import Conflict, PermissionDenied
from rapport.core.models import AuditEntry
from rapport.users.models import APIToken, User
from rapport.users.services import team_delete, token_create, user_invite, user_update
from tests.factories import TeamFactory, UserFactory, role

pytestmark = pytest.mark.django_db


@pytest.fixture
def red():
    return TeamFactory(name="Red")


@pytest.fixture
def manager(red):
    return UserFactory(role=role("manager"), team=red)


def test_a_manager_cannot_touch_an_admin_in_their_team(manager, red):
    boss = UserFactory(role=role("admin"), team=red, email="boss@example.test")
    for data in ({"email": "mine@example.test"}, {"is_active": False}, {"first_name": "X"}):
        with pytest.raises(PermissionDenied):
            user_update(actor=manager, user=boss, data=data)
    boss.refresh_from_db()
    assert boss.email == "boss@example.test" and boss.is_active and boss.first_name != "X"


def test_a_manager_cannot_change_a_teammates_sign_in_details(manager, red):
    rep = UserFactory(team=red, username="rep", email="rep@example.test")
    for data in ({"email": "mine@example.test"}, {"username": "taken-over"}):
        with pytest.raises(PermissionDenied):
            user_update(actor=manager, user=rep, data=data)
    user_update(actor=manager, user=rep, data={"first_name": "Renamed", "email": "REP@example.test"})  # same email
    rep.refresh_from_db()
    assert (rep.username, rep.email, rep.first_name) == ("rep", "rep@example.test", "Renamed")


def test_an_admin_may_change_sign_in_details_and_the_old_address_is_told(red):
    from django_tasks_db.models import DBTaskResult

    admin = UserFactory(role=role("admin"))
    rep = UserFactory(team=red, email="old@example.test")
    user_update(actor=admin, user=rep, data={"email": "new@example.test"})
    rep.refresh_from_db()
    assert rep.email == "new@example.test"
    notice = DBTaskResult.objects.get(task_path="rapport.users.tasks.send_email_changed_notice")
    assert notice.args_kwargs["args"] == [rep.pk, "old@example.test"]


def test_a_manager_cannot_invite_someone_stronger(manager, red):
    with pytest.raises(PermissionDenied):
        user_invite(actor=manager, data={"email": "a@example.test", "team_id": red.pk, "role_id": role("admin").pk})
    assert not User.objects.filter(email="a@example.test").exists()
    invited = user_invite(actor=manager, send_email=False, data={"email": "b@example.test", "team_id": red.pk})
    assert invited.role.key == "sales_rep"


def test_deactivation_revokes_tokens_for_good(manager, red):
    rep = UserFactory(team=red)
    token, _raw = token_create(actor=rep, name="sync")
    user_update(actor=manager, user=rep, data={"is_active": False})
    user_update(actor=manager, user=rep, data={"is_active": True})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(action="token_revoked", object_id=str(token.pk)).exists()


def test_nobody_creates_tokens_for_others(red):
    admin = UserFactory(role=role("admin"))
    rep = UserFactory(team=red)
    with pytest.raises(PermissionDenied):
        token_create(actor=admin, user=rep, name="impersonate")
    assert not APIToken.objects.exists()


def test_the_last_admin_stays(red):
    from rapport.users.models import Role

    admin = UserFactory(role=role("admin"))
    ops_role = Role.objects.create(
        key="ops", name="Ops", scopes={"user": {"read": "all", "write": "all"}, "role": {"read": "all"}},
        features=["settings"],
    )  # fmt: skip
    ops = UserFactory(role=ops_role)
    with pytest.raises(Conflict, match="at least one active admin"):
        user_update(actor=ops, user=admin, data={"is_active": False})
    with pytest.raises(Conflict, match="at least one active admin"):
        user_update(actor=ops, user=admin, data={"role_id": role("read_only").pk})
    admin.refresh_from_db()
    assert admin.is_active and admin.role.key == "admin"
    second = UserFactory(role=role("admin"))
    user_update(actor=ops, user=admin, data={"is_active": False})  # another admin remains: allowed
    assert User.objects.filter(role__key="admin", is_active=True).get() == second


def test_names_are_unique_whatever_their_case():
    UserFactory(username="bob", email="bob@example.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="BOB", email="other@example.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="other", email="BOB@example.test")
    TeamFactory(name="Sales")
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamFactory(name="SALES")


def test_deleting_a_team_records_each_member_leaving_it(red):
    admin = UserFactory(role=role("admin"))
    members = [UserFactory(team=red) for _ in range(2)]
    red_pk = red.pk
    team_delete(actor=admin, team=red)
    for member in members:
        member.refresh_from_db()
        assert member.team_id is None
        entry = AuditEntry.objects.get(action="update", object_type="user", object_id=str(member.pk))
        assert entry.changes == {"team": [red_pk, None]}
