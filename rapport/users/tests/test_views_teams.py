"""The teams admin pages: list, create, edit (managers picker), delete."""

import pytest
from django.urls import reverse

from rapport.users.models import Team
from tests.factories import TeamFactory, UserFactory, role

pytestmark = pytest.mark.django_db


@pytest.fixture
def red():
    return TeamFactory(name="Red")


@pytest.fixture
def admin(red):
    return UserFactory(role=role("admin"), team=red)


def signed_in(client, user):
    client.force_login(user)
    return client


def test_list_shows_teams_with_managers_and_member_count(client, admin, red):
    lead = UserFactory(first_name="Lena", last_name="Lead", team=red, role=role("manager"))
    red.managers.add(lead)
    TeamFactory(name="Blue")
    response = signed_in(client, UserFactory(role=role("sales_rep"))).get(reverse("team_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Lena Lead" in body and "Blue" in body
    teams = {t.name: t for t in response.context["page"]}
    assert teams["Red"].member_count == 2 and teams["Blue"].member_count == 0
    assert response.context["writable"] == set() and "New team" not in body


def test_list_searches_and_sorts(client, admin):
    TeamFactory(name="Blue")
    client = signed_in(client, admin)
    assert [t.name for t in client.get(reverse("team_list"), {"q": "blu"}).context["page"]] == ["Blue"]
    assert [t.name for t in client.get(reverse("team_list"), {"sort": "-name"}).context["page"]] == ["Red", "Blue"]
    assert [t.name for t in client.get(reverse("team_list"), {"sort": "-members"}).context["page"]] == ["Red", "Blue"]
    assert "No teams match" in client.get(reverse("team_list"), {"q": "zzz"}).content.decode()


def test_admin_creates_a_team_with_managers(client, admin):
    lead = UserFactory()
    client = signed_in(client, admin)
    assert client.get(reverse("team_create")).status_code == 200
    response = client.post(reverse("team_create"), {"name": "Green", "description": "Growth", "managers": [lead.pk]})
    assert response.status_code == 302
    team = Team.objects.get(name="Green")
    assert list(team.managers.all()) == [lead]


def test_create_shows_field_errors_and_creates_nothing(client, admin, red):
    client = signed_in(client, admin)
    response = client.post(reverse("team_create"), {"name": ""})
    assert response.status_code == 422 and response.context["form"].errors["name"]
    response = client.post(reverse("team_create"), {"name": "red"})
    assert response.status_code == 409
    assert response.context["form"].errors["name"] == ["This name is taken."]
    assert "This name is taken." in response.content.decode()
    assert Team.objects.count() == 1


def test_non_admins_cannot_create_teams(client, red):
    for key in ("manager", "sales_rep"):
        client = signed_in(client, UserFactory(role=role(key), team=red))
        assert client.get(reverse("team_create")).status_code == 403
        assert client.post(reverse("team_create"), {"name": "Sneaky"}).status_code == 403
    assert not Team.objects.filter(name="Sneaky").exists()


def test_manager_edits_their_team_but_not_its_managers_nor_other_teams(client, red):
    manager = UserFactory(role=role("manager"), team=red)
    red.managers.add(manager)
    blue = TeamFactory(name="Blue")
    client = signed_in(client, manager)
    form = client.get(reverse("team_edit", args=[red.pk])).context["form"]
    assert "managers" not in form.fields
    response = client.post(reverse("team_edit", args=[red.pk]), {"name": "Red team", "description": "x"})
    assert response.status_code == 302
    red.refresh_from_db()
    assert red.name == "Red team" and list(red.managers.all()) == [manager]

    assert client.get(reverse("team_edit", args=[blue.pk])).status_code == 403
    assert client.post(reverse("team_edit", args=[blue.pk]), {"name": "Mine"}).status_code == 403
    blue.refresh_from_db()
    assert blue.name == "Blue"
    assert client.get(reverse("team_edit", args=[999999])).status_code == 404


def test_teams_outside_read_scope_answer_404(client, red):
    from rapport.users.models import Role

    blind = Role.objects.create(key="blind", name="Blind", scopes={"team": {"read": "own", "write": "own"}})
    response = signed_in(client, UserFactory(role=blind, team=red)).get(reverse("team_edit", args=[red.pk]))
    assert response.status_code == 404


def test_admin_changes_managers_and_deletes_a_team(client, admin, red):
    member = UserFactory(team=red)
    client = signed_in(client, admin)
    response = client.post(reverse("team_edit", args=[red.pk]), {"name": "Red", "managers": [member.pk]})
    assert response.status_code == 302
    assert list(red.managers.all()) == [member]

    assert client.get(reverse("team_delete", args=[red.pk])).status_code == 200
    assert Team.objects.filter(pk=red.pk).exists()
    response = client.post(reverse("team_delete", args=[red.pk]))
    assert response.status_code == 302
    assert not Team.objects.filter(pk=red.pk).exists()
    member.refresh_from_db()
    assert member.team is None and member.is_active


def test_manager_cannot_delete_their_team(client, red):
    manager = UserFactory(role=role("manager"), team=red)
    red.managers.add(manager)
    assert signed_in(client, manager).post(reverse("team_delete", args=[red.pk])).status_code == 403
    assert Team.objects.filter(pk=red.pk).exists()


def test_list_query_count_does_not_grow_with_rows(client, admin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(client, admin)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("team_list")).status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    for i in range(8):
        team = TeamFactory(name=f"Extra {i}")
        team.managers.add(UserFactory(team=team))
    assert queries() == few


def test_managers_outside_the_users_read_scope_are_not_shown(client):
    from rapport.users.models import Role
    from rapport.users.services import team_update

    admin = UserFactory(role=role("admin"))
    team = TeamFactory(name="Hidden managers")
    hidden = UserFactory(first_name="Hidden", last_name="Person")
    team_update(actor=admin, team=team, data={"manager_ids": [hidden.pk]})
    narrow = Role.objects.create(key="narrow", name="Narrow", scopes={"team": {"read": "all"}, "user": {"read": "own"}})
    viewer = UserFactory(role=narrow)
    client.force_login(viewer)
    listing = client.get(reverse("team_list")).content.decode()
    detail = client.get(reverse("team_edit", args=[team.pk])).content.decode()
    assert "Hidden managers" in listing
    assert "Hidden Person" not in listing and "Hidden Person" not in detail
    client.force_login(admin)
    assert "Hidden Person" in client.get(reverse("team_list")).content.decode()
