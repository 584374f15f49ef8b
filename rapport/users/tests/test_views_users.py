"""The users admin pages: list, invite, edit, deactivate/reactivate, bulk actions; and the form error helper."""

import pytest
from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.urls import reverse

from rapport.core.errors import Conflict, NotFound, PermissionDenied, validation_error
from rapport.core.forms import apply_application_error
from rapport.core.models import AuditEntry
from rapport.users.models import User
from tests.factories import TeamFactory, UserFactory, role

pytestmark = pytest.mark.django_db

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def red():
    return TeamFactory(name="Red")


@pytest.fixture
def blue():
    return TeamFactory(name="Blue")


@pytest.fixture
def admin(red):
    return UserFactory(username="admin", role=role("admin"), team=red)


@pytest.fixture
def manager(red):
    return UserFactory(username="manager", role=role("manager"), team=red)


@pytest.fixture
def rep(red):
    return UserFactory(username="rep", role=role("sales_rep"), team=red)


def signed_in(client, user):
    client.force_login(user)
    return client


def snapshot(user):
    user.refresh_from_db()
    return (user.username, user.email, user.first_name, user.team_id, user.role_id, user.is_active)


# --- list ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "manager", "rep"])
def test_list_renders_for_every_role_with_read_access(client, request, who):
    actor = request.getfixturevalue(who)
    response = signed_in(client, actor).get(reverse("user_list"))
    assert response.status_code == 200
    assert actor.username in response.content.decode()
    assert ("Invite user" in response.content.decode()) == (who != "rep")


def test_list_requires_sign_in(client):
    response = client.get(reverse("user_list"))
    assert response.status_code == 302 and reverse("login") in response.url


def test_list_searches_filters_and_sorts(client, admin, red, blue):
    UserFactory(username="zoe", first_name="Zoe", team=blue)
    UserFactory(username="adam", first_name="Adam", team=red, is_active=False)
    client = signed_in(client, admin)

    page = client.get(reverse("user_list"), {"q": "zoe"}).context["page"]
    assert [u.username for u in page] == ["zoe"]
    page = client.get(reverse("user_list"), {"team": blue.pk}).context["page"]
    assert [u.username for u in page] == ["zoe"]
    page = client.get(reverse("user_list"), {"status": "inactive"}).context["page"]
    assert [u.username for u in page] == ["adam"]
    page = client.get(reverse("user_list"), {"role": role("admin").pk}).context["page"]
    assert [u.username for u in page] == ["admin"]
    page = client.get(reverse("user_list"), {"sort": "-username"}).context["page"]
    assert [u.username for u in page] == ["zoe", "admin", "adam"]
    response = client.get(reverse("user_list"), {"sort": "-username"})
    assert 'aria-sort="descending"' in response.content.decode()


def test_list_shows_an_empty_state_for_no_match(client, admin):
    response = signed_in(client, admin).get(reverse("user_list"), {"q": "nobody-has-this"})
    assert "No users match" in response.content.decode()


def test_list_answers_htmx_with_the_results_fragment(client, admin):
    response = signed_in(client, admin).get(
        reverse("user_list"), {"q": "adm"}, headers={"HX-Request": "true", "HX-Target": "user-results"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and "admin" in body


def test_list_paginates(client, admin):
    UserFactory.create_batch(30)
    client = signed_in(client, admin)
    first = client.get(reverse("user_list"))
    assert len(first.context["page"]) == 25 and 'rel="next"' in first.content.decode()
    second = client.get(reverse("user_list"), {"page": 2})
    assert len(second.context["page"]) == 6


def test_list_is_forbidden_without_user_read_scope(client):
    from rapport.users.models import Role

    nobody = Role.objects.create(key="nobody", name="Nobody", scopes={})
    response = signed_in(client, UserFactory(role=nobody)).get(reverse("user_list"))
    assert response.status_code == 403


# --- invite --------------------------------------------------------------------------------------


def test_invite_creates_the_user_and_emails_them(
    client, admin, red, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE_TASKS
    client = signed_in(client, admin)
    assert client.get(reverse("user_invite")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("user_invite"),
            {"email": "New@Example.test", "first_name": "New", "team": red.pk, "role": role("marketer").pk},
        )
    assert response.status_code == 302 and response.url == reverse("user_list")
    user = User.objects.get(email="new@example.test")
    assert user.team == red and user.role.key == "marketer" and not user.has_usable_password()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["new@example.test"]
    assert "/password/reset/" in mailoutbox[0].body
    assert AuditEntry.objects.filter(action="create", object_type="user", object_id=str(user.pk)).exists()


def test_invite_shows_field_errors_and_creates_nothing(client, admin, mailoutbox):
    client = signed_in(client, admin)
    response = client.post(reverse("user_invite"), {"email": "not an email"})
    assert response.status_code == 422
    assert "Enter a valid email address." in response.content.decode()
    assert response.context["form"].errors["email"]

    response = client.post(reverse("user_invite"), {"email": admin.email.upper(), "role": role("sales_rep").pk})
    assert response.status_code == 409
    assert response.context["form"].errors["email"] == ["Another user has this email address."]
    assert 'class="field has-error"' in response.content.decode()
    assert User.objects.count() == 1 and mailoutbox == []


def test_manager_invites_into_their_team_with_roles_no_stronger_than_theirs(client, manager, red, blue):
    client = signed_in(client, manager)
    from rapport.users.models import Role

    Role.objects.create(key="wide", name="Wide", scopes={"user": {"read": "all", "write": "all"}})
    Role.objects.create(key="exporter", name="Exporter", features=["export", "settings"])
    form = client.get(reverse("user_invite")).context["form"]
    offered = {r.key for r in form.fields["role"].queryset}
    assert {"sales_rep", "manager"} <= offered
    assert not offered & {"admin", "wide", "exporter"}  # a wider scope or a feature the manager lacks
    assert list(form.fields["team"].queryset) == [red]
    sales_rep = role("sales_rep")
    response = client.post(
        reverse("user_invite"), {"email": "mate@example.test", "team": blue.pk, "role": sales_rep.pk}
    )
    assert response.status_code == 422 and response.context["form"].errors["team"]
    assert not User.objects.filter(email="mate@example.test").exists()
    admin_role = role("admin")
    response = client.post(
        reverse("user_invite"), {"email": "mate@example.test", "team": red.pk, "role": admin_role.pk}
    )
    assert response.status_code == 422 and response.context["form"].errors["role"]
    assert not User.objects.filter(email="mate@example.test").exists()
    response = client.post(reverse("user_invite"), {"email": "mate@example.test", "team": red.pk, "role": sales_rep.pk})
    assert response.status_code == 302
    assert User.objects.get(email="mate@example.test").role.key == "sales_rep"


def test_rep_cannot_invite(client, rep):
    client = signed_in(client, rep)
    assert client.get(reverse("user_invite")).status_code == 403
    assert client.post(reverse("user_invite"), {"email": "x@example.test"}).status_code == 403
    assert not User.objects.filter(email="x@example.test").exists()


# --- edit ----------------------------------------------------------------------------------------


def test_admin_edits_profile_team_and_role(client, admin, rep, blue):
    client = signed_in(client, admin)
    assert client.get(reverse("user_edit", args=[rep.pk])).status_code == 200
    response = client.post(
        reverse("user_edit", args=[rep.pk]),
        {
            "username": "rep2",
            "email": "rep2@example.test",
            "first_name": "Rita",
            "last_name": "Rep",
            "time_zone": "Europe/Paris",
            "team": blue.pk,
            "role": role("support_agent").pk,
        },
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert (rep.username, rep.team, rep.role.key, rep.time_zone) == ("rep2", blue, "support_agent", "Europe/Paris")
    assert AuditEntry.objects.filter(action="role_changed", object_id=str(rep.pk)).exists()


def test_edit_shows_service_field_errors_and_changes_nothing(client, admin, rep, manager):
    before = snapshot(rep)
    client = signed_in(client, admin)
    data = {"username": manager.username, "email": rep.email, "role": rep.role_id}
    response = client.post(reverse("user_edit", args=[rep.pk]), data)
    assert response.status_code == 409
    assert response.context["form"].errors["username"] == ["This username is taken."]
    assert "This username is taken." in response.content.decode()
    assert snapshot(rep) == before


def test_edit_out_of_scope_is_404_and_read_only_is_403(client, manager, rep, blue):
    outsider = UserFactory(team=blue)
    client = signed_in(client, manager)
    # The manager reads every user but writes only their team's.
    assert client.get(reverse("user_edit", args=[outsider.pk])).status_code == 403
    before = snapshot(outsider)
    data = {"username": "hacked", "email": outsider.email}
    assert client.post(reverse("user_edit", args=[outsider.pk]), data).status_code == 403
    assert snapshot(outsider) == before
    assert client.get(reverse("user_edit", args=[rep.pk])).status_code == 200
    assert client.get(reverse("user_edit", args=[999999])).status_code == 404


def test_users_outside_read_scope_answer_404(client, red, blue):
    from rapport.users.models import Role

    own_only = Role.objects.create(
        key="own_only", name="Own only", scopes={"user": {"read": "own", "write": "own"}}, features=[]
    )
    actor = UserFactory(role=own_only, team=red)
    other = UserFactory(team=red)
    client = signed_in(client, actor)
    assert client.get(reverse("user_edit", args=[other.pk])).status_code == 404
    assert client.post(reverse("user_deactivate", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.is_active
    assert [u.pk for u in client.get(reverse("user_list")).context["page"]] == [actor.pk]


def test_manager_edit_form_has_no_team_or_role(client, manager, rep):
    form = signed_in(client, manager).get(reverse("user_edit", args=[rep.pk])).context["form"]
    assert "team" not in form.fields and "role" not in form.fields


# --- deactivate / reactivate ---------------------------------------------------------------------


def test_deactivate_and_reactivate_with_confirmation(client, admin, rep):
    client = signed_in(client, admin)
    confirm = client.get(reverse("user_deactivate", args=[rep.pk]))
    assert confirm.status_code == 200 and "Deactivate" in confirm.content.decode()
    rep.refresh_from_db()
    assert rep.is_active  # a GET changes nothing

    response = client.post(reverse("user_deactivate", args=[rep.pk]))
    assert response.status_code == 302
    rep.refresh_from_db()
    assert not rep.is_active
    assert AuditEntry.objects.filter(action="deactivated", object_id=str(rep.pk)).exists()

    client.post(reverse("user_reactivate", args=[rep.pk]))
    rep.refresh_from_db()
    assert rep.is_active


def test_deactivating_the_last_admin_is_refused_with_a_message(client, admin):
    from rapport.users.models import Role

    # A custom role as powerful as admin, but not the admin role: the last admin must stay.
    deputy_role = Role.objects.create(
        key="deputy", name="Deputy", scopes=role("admin").scopes, features=role("admin").features
    )
    deputy = UserFactory(role=deputy_role)
    response = signed_in(client, deputy).post(reverse("user_deactivate", args=[admin.pk]), follow=True)
    assert response.status_code == 200
    assert "at least one active admin" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active


def test_nobody_deactivates_themselves(client, admin):
    UserFactory(role=role("admin"))
    response = signed_in(client, admin).post(reverse("user_deactivate", args=[admin.pk]))
    assert response.status_code == 403
    admin.refresh_from_db()
    assert admin.is_active


def test_sales_rep_cannot_deactivate(client, rep, manager):
    response = signed_in(client, rep).post(reverse("user_deactivate", args=[manager.pk]))
    assert response.status_code == 403
    manager.refresh_from_db()
    assert manager.is_active


def test_bulk_deactivate_changes_only_what_the_actor_may(client, manager, rep, blue):
    mate = UserFactory(team=manager.team)
    outsider = UserFactory(team=blue)
    client = signed_in(client, manager)
    response = client.post(
        reverse("user_bulk"), {"action": "deactivate", "ids": [rep.pk, mate.pk, outsider.pk, "x"]}, follow=True
    )
    assert response.status_code == 200
    states = dict(User.objects.filter(pk__in=[rep.pk, mate.pk, outsider.pk]).values_list("pk", "is_active"))
    assert states == {rep.pk: False, mate.pk: False, outsider.pk: True}
    assert "2 users deactivated." in response.content.decode()


def test_bulk_needs_the_bulk_feature(client, blue):
    from rapport.users.models import Role

    no_bulk = Role.objects.create(key="no_bulk", name="No bulk", scopes=role("admin").scopes, features=[])
    target = UserFactory(team=blue)
    response = signed_in(client, UserFactory(role=no_bulk)).post(
        reverse("user_bulk"), {"action": "deactivate", "ids": [target.pk]}
    )
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.is_active


# --- navigation ----------------------------------------------------------------------------------


def test_navigation_shows_the_areas_the_user_may_read_and_marks_the_current_one(client, admin, rep):
    response = signed_in(client, admin).get(reverse("user_edit", args=[rep.pk]))
    labels = [label for label, _url, _key in response.context["nav_items"]]
    assert labels == ["Dashboard", "Contacts", "Companies", "My tasks", "Data quality", "Imports", "Exports",
                      "Data settings", "Users", "Teams", "Roles", "Audit log", "Account"]  # fmt: skip
    assert f'<a href="{reverse("user_list")}" aria-current="page">Users</a>' in response.content.decode()

    response = signed_in(client, rep).get(reverse("dashboard"))
    labels = [label for label, _url, _key in response.context["nav_items"]]
    assert "Audit log" not in labels and "Roles" not in labels and "Users" in labels
    assert "Contacts" in labels and "Imports" not in labels and "Data settings" not in labels


# --- apply_application_error ---------------------------------------------------------------------


class _Form(forms.Form):
    team = forms.CharField(required=False)
    managers = forms.CharField(required=False)
    name = forms.CharField(required=False)


def _bound():
    form = _Form({"team": "x"})
    assert form.is_valid()
    return form


def test_apply_application_error_maps_fields_and_http_errors():
    form = _bound()
    apply_application_error(form, validation_error({"team_id": "Bad team.", "manager_ids": "Bad.", "other": "O."}))
    assert form.errors["team"] == ["Bad team."] and form.errors["managers"] == ["Bad."]
    assert form.non_field_errors() == ["O."]

    form = _bound()
    apply_application_error(form, Conflict("x", "Not now."))
    assert form.non_field_errors() == ["Not now."]

    form = _bound()
    apply_application_error(form, validation_error({"scopes.user": "Too wide."}), field_map={"scopes.user": "name"})
    assert form.errors["name"] == ["Too wide."]

    with pytest.raises(Http404):
        apply_application_error(_bound(), NotFound())
    with pytest.raises(DjangoPermissionDenied):
        apply_application_error(_bound(), PermissionDenied())


def test_list_query_count_does_not_grow_with_rows(client, admin, red, blue):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(client, admin)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("user_list")).status_code == 200
        return len(ctx.captured_queries)

    UserFactory.create_batch(2, team=red)
    few = queries()
    UserFactory.create_batch(10, team=blue, role=role("marketer"))
    assert queries() == few
