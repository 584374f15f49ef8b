"""The audit log page: who may see it, filters, keyset pagination, changes shown as old -> new."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rapport.core import audit
from rapport.core.listing import keyset_page
from rapport.core.models import AuditEntry
from rapport.core.views import AUDIT_PAGE_SIZE
from tests.factories import TeamFactory, UserFactory, role

pytestmark = pytest.mark.django_db


@pytest.fixture
def red():
    return TeamFactory(name="Red")


@pytest.fixture
def admin(red):
    return UserFactory(username="admin", role=role("admin"), team=red)


def signed_in(client, user):
    client.force_login(user)
    return client


def entries(response):
    """The listed entries, without the sign-ins that force_login records."""
    return [e for e in response.context["page"].items if e.action != "login"]


def entry(actor, action="update", object_type="team", object_id="", changes=None):
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=actor.username,
        action=action,
        object_type=object_type,
        object_id=object_id,
        changes=changes or {},
    )


@pytest.mark.parametrize(("key", "status"), [("admin", 200), ("manager", 403), ("sales_rep", 403), ("read_only", 403)])
def test_who_may_see_the_audit_log(client, red, key, status):
    response = signed_in(client, UserFactory(role=role(key), team=red)).get(reverse("audit_list"))
    assert response.status_code == status


def test_a_team_scoped_audit_role_sees_only_its_teams_entries(client, red):
    from rapport.users.models import Role

    team_auditor = Role.objects.create(key="team_auditor", name="Team auditor", scopes={"audit": {"read": "team"}})
    manager = UserFactory(role=team_auditor, team=red)
    mate, outsider = UserFactory(team=red), UserFactory(team=TeamFactory(name="Blue"))
    audit.record(actor=mate, action="update", obj=mate)
    audit.record(actor=outsider, action="update", obj=outsider)
    shown = entries(signed_in(client, manager).get(reverse("audit_list")))
    assert {e.actor_id for e in shown} == {mate.pk}


def test_changes_are_shown_old_to_new_newest_first(client, admin):
    target = UserFactory(username="target")
    audit.record(actor=admin, action="create", obj=target)
    audit.record(actor=admin, action="update", obj=target, changes={"first_name": ["Old", "New"]})
    response = signed_in(client, admin).get(reverse("audit_list"))
    body = response.content.decode()
    assert "<del>Old</del>" in body and "<ins>New</ins>" in body
    assert [e.action for e in entries(response)][:2] == ["update", "create"]


def test_filters(client, admin, red):
    other = UserFactory(username="other")
    team = TeamFactory(name="Green")
    audit.record(actor=admin, action="create", obj=team)
    audit.record(actor=other, action="update", obj=other)
    audit.record(actor=other, action="token_created", object_type="token")
    client = signed_in(client, admin)
    url = reverse("audit_list")

    assert {e.actor_id for e in entries(client.get(url, {"actor": "OTHER"}))} == {other.pk}  # any case
    unknown = client.get(url, {"actor": "nobody-here"})
    assert unknown.context["form"].errors["actor"] == ["No user you can see has this username."]
    assert [e.action for e in entries(client.get(url, {"action": "token_created"}))] == ["token_created"]
    shown = entries(client.get(url, {"object_type": "team", "object_id": str(team.pk)}))
    assert [(e.object_type, e.object_id) for e in shown] == [("team", str(team.pk))]
    today = timezone.localdate()
    assert len(entries(client.get(url, {"date_from": today, "date_to": today}))) == 3
    assert entries(client.get(url, {"date_from": today + timedelta(days=1)})) == []
    assert entries(client.get(url, {"date_to": today - timedelta(days=1)})) == []
    response = client.get(url, {"date_from": today, "date_to": today - timedelta(days=1)})
    assert response.context["form"].errors["date_to"]
    assert "No entries match" in client.get(url, {"action": "nothing"}).content.decode()


def test_htmx_gets_the_results_fragment(client, admin):
    audit.record(actor=admin, action="update", obj=admin)
    response = signed_in(client, admin).get(
        reverse("audit_list"), {"action": "update"}, headers={"HX-Request": "true", "HX-Target": "audit-results"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and "update" in body


def test_keyset_pagination_walks_older_and_newer_without_gaps(client, admin):
    for i in range(AUDIT_PAGE_SIZE + 5):
        entry(admin, object_id=str(i))
    client = signed_in(client, admin)
    url = reverse("audit_list")
    first = client.get(url, {"object_type": "team"})
    page = first.context["page"]
    assert len(page.items) == AUDIT_PAGE_SIZE and page.next_cursor and page.prev_cursor is None
    assert 'rel="next"' in first.content.decode()
    second = client.get(url, {"object_type": "team", "after": page.next_cursor}).context["page"]
    assert len(second.items) == 5 and second.next_cursor is None and second.prev_cursor
    ids = [e.pk for e in page.items] + [e.pk for e in second.items]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == AUDIT_PAGE_SIZE + 5
    back = client.get(url, {"object_type": "team", "before": second.prev_cursor}).context["page"]
    assert [e.pk for e in back.items] == [e.pk for e in page.items]
    # A mangled cursor falls back to the first page.
    assert len(client.get(url, {"after": "%%%"}).context["page"].items) == AUDIT_PAGE_SIZE


def test_keyset_page_breaks_equal_timestamps_by_id(admin):
    instant = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=instant):
        made = [entry(admin, action="tie").pk for _ in range(5)]
    qs = AuditEntry.objects.filter(action="tie")
    assert set(qs.values_list("at", flat=True)) == {instant}
    first = keyset_page(qs, size=2)
    second = keyset_page(qs, after=first.next_cursor, size=2)
    third = keyset_page(qs, after=second.next_cursor, size=2)
    assert [e.pk for p in (first, second, third) for e in p.items] == sorted(made, reverse=True)
    assert third.next_cursor is None
    back = keyset_page(qs, before=third.prev_cursor, size=2)
    assert [e.pk for e in back.items] == [e.pk for e in second.items]


def test_query_count_does_not_grow_with_rows(client, admin):
    client = signed_in(client, admin)
    url = reverse("audit_list")

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        entry(admin, object_id=str(i), changes={"n": [i, i + 1]})
    few = queries()
    for i in range(40):
        entry(UserFactory(), changes={"n": [i, i + 1]})
    assert queries() == few


def test_related_records_are_shown_by_name_and_only_when_visible(client, admin, red):
    from rapport.users.models import Role
    from rapport.users.services import role_create, user_update

    secret_role = role_create(
        actor=admin,
        data={"name": "Auditor", "scopes": {"audit": {"read": "all", "write": "none"}}, "features": []},
    )
    user = UserFactory(team=red)
    user_update(actor=admin, user=user, data={"role_id": Role.objects.get(key="marketer").pk})

    html = signed_in(client, admin).get(reverse("audit_list"), {"object_type": "user"}).content.decode()
    assert "<del>Sales rep</del>" in html and "<ins>Marketer</ins>" in html

    # A custom role that reads the audit log but no teams sees the team's id, never its name.
    auditor = UserFactory(role=secret_role)
    blue = TeamFactory(name="Hidden Blue")
    user_update(actor=admin, user=user, data={"team_id": blue.pk})
    from django.test import Client

    html = signed_in(Client(), auditor).get(reverse("audit_list"), {"object_type": "user"}).content.decode()
    assert "Hidden Blue" not in html
    assert f"<del>#{red.pk}</del>" in html and f"<ins>#{blue.pk}</ins>" in html


def test_actions_are_shown_by_their_labels(client, admin):
    entry(admin, action="import_finished", object_type="importjob", object_id="7")
    html = signed_in(client, admin).get(reverse("audit_list")).content.decode()
    assert 'title="import_finished">Import finished</span>' in html
    assert '<option value="import_finished" label="Import finished">' in html
