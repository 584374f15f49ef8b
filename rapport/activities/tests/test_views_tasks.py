"""Tasks: a record's panel (quick add, complete, edit), My tasks, the team's tasks, and reminders."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rapport.activities.models import Task
from rapport.activities.services import task_create
from rapport.activities.tasks import send_task_reminders
from tests.factories import UserFactory, make_contact, role

pytestmark = pytest.mark.django_db


def quick(contact, **values):
    return {f"task-contact-{contact.pk}-{k}": v for k, v in values.items()}


def edit(task, **values):
    return {f"task-edit-{task.pk}-{k}": v for k, v in values.items()}


def new_task(actor, **data):
    return task_create(actor=actor, data={"title": "Call back", **data})


# --- the panel ---------------------------------------------------------------------------------------


def test_quick_add_with_due_time_and_reminder_in_the_users_zone(client, rep, ada, htmx):
    rep.time_zone = "Europe/Berlin"
    rep.save()
    client.force_login(rep)
    url = reverse("tasks_panel", args=["contact", ada.pk])
    response = client.post(url, quick(ada, title="Send the quote", due_date="2026-06-10", due_time="09:30",
                                      priority="high", assignee=rep.pk, remind="60"), **htmx)  # fmt: skip
    assert response.status_code == 200, response.context["task_form"].errors
    assert json.loads(response["HX-Trigger"])["rapport:toast"]["message"] == "Task added."
    task = Task.objects.get()
    assert task.contact_id == ada.pk and task.assignee == rep and task.priority == "high"
    assert task.due_at == datetime(2026, 6, 10, 7, 30, tzinfo=UTC)  # 09:30 in Berlin (summer time)
    assert task.remind_at == task.due_at - timedelta(hours=1)
    body = response.content.decode()
    assert "Send the quote" in body and "Wed 10 Jun 2026, 09:30" in body and "High priority" in body


def test_a_date_without_time_is_due_at_five_pm(client, rep, ada, htmx):
    client.force_login(rep)
    client.post(
        reverse("tasks_panel", args=["contact", ada.pk]),
        quick(ada, title="T", due_date="2026-06-10", assignee=rep.pk, priority="low"),
        **htmx,
    )
    assert Task.objects.get().due_at == datetime(2026, 6, 10, 17, 0, tzinfo=UTC)


def test_quick_add_refusals_show_on_the_fields(client, rep, ada, htmx):
    client.force_login(rep)
    url = reverse("tasks_panel", args=["contact", ada.pk])
    response = client.post(url, quick(ada, title="", due_time="10:00", remind="15"), **htmx)
    assert response.status_code == 422
    errors = response.context["task_form"].errors
    assert errors["title"] and errors["due_date"] and errors["remind"]
    assert response.context["form_open"] and f'id="task-add-contact-{ada.pk}" open' in response.content.decode()
    response = client.post(url, quick(ada, title="T", remind="custom"), **htmx)
    assert response.context["task_form"].errors["remind_at"]
    assert not Task.objects.exists()


def test_a_sales_rep_cannot_give_a_task_to_someone_else(client, rep, teammate, ada, htmx):
    client.force_login(rep)
    url = reverse("tasks_panel", args=["contact", ada.pk])
    form = client.get(url, **htmx).context["task_form"]
    assert list(form.fields["assignee"].queryset) == [rep]
    response = client.post(url, quick(ada, title="T", assignee=teammate.pk), **htmx)
    assert response.status_code == 422 and response.context["task_form"].errors["assignee"]
    assert not Task.objects.exists()


def test_panel_shows_open_tasks_of_the_record_only(client, rep, ada, acme, htmx):
    due = new_task(rep, contact=ada.pk, title="Due", due_at="2020-01-01T10:00:00Z")
    later = new_task(rep, contact=ada.pk, title="Later", due_at="2099-01-01T10:00:00Z")
    done = new_task(rep, contact=ada.pk, title="Done", status="done")
    new_task(rep, company=acme.pk, title="On the company")
    client.force_login(rep)
    response = client.get(reverse("tasks_panel", args=["contact", ada.pk]), **htmx)
    assert [t.pk for t in response.context["tasks"]] == [due.pk, later.pk]
    assert done.pk not in [t.pk for t in response.context["tasks"]]
    body = response.content.decode()
    assert "Overdue" in body and "is-overdue" in body


def test_complete_from_the_panel_refreshes_the_panel(client, rep, ada, htmx):
    task = new_task(rep, contact=ada.pk)
    client.force_login(rep)
    response = client.post(reverse("task_complete", args=[task.pk]), {"where": "panel"}, **htmx)
    assert response.status_code == 200 and response["HX-Retarget"] == f"#tasks-contact-{ada.pk}"
    assert response.context["tasks"] == []
    task.refresh_from_db()
    assert task.status == "done" and task.completed_at is not None
    assert client.get(reverse("task_complete", args=[task.pk])).status_code == 405


def test_complete_and_reopen_from_a_list_swap_the_row(client, rep, htmx):
    task = new_task(rep)
    client.force_login(rep)
    response = client.post(reverse("task_complete", args=[task.pk]), {"where": "list"}, **htmx)
    body = response.content.decode()
    assert response["HX-Retarget"] == f"#task-{task.pk}" and "is-done" in body and "Reopen" in body
    response = client.post(reverse("task_reopen", args=[task.pk]), {"where": "list"}, **htmx)
    task.refresh_from_db()
    assert task.status == "open" and task.completed_at is None and "Complete" in response.content.decode()
    response = client.post(reverse("task_complete", args=[task.pk]), {"next": "/tasks/?x=1"})
    assert response.status_code == 302 and response["Location"] == "/tasks/?x=1"


def test_edit_in_the_panel(client, rep, ada, htmx):
    task = new_task(rep, contact=ada.pk, due_at="2026-05-01T08:00:00Z")
    client.force_login(rep)
    url = reverse("task_edit", args=[task.pk])
    response = client.get(url, {"where": "panel"}, **htmx)
    form = response.context["form"]
    assert form["due_date"].value().isoformat() == "2026-05-01" and f'id="task-{task.pk}"' in response.content.decode()
    response = client.post(url, {**edit(task, title="", status="open", priority="normal"), "where": "panel"}, **htmx)
    assert response.status_code == 422 and response.context["form"].errors["title"]
    response = client.post(url, {**edit(task, title="Renamed", status="in_progress", priority="urgent",
                                        description="Details", assignee=rep.pk), "where": "panel"}, **htmx)  # fmt: skip
    assert response.status_code == 200 and response["HX-Retarget"] == f"#tasks-contact-{ada.pk}"
    task.refresh_from_db()
    assert (task.title, task.status, task.priority, task.description) == ("Renamed", "in_progress", "urgent", "Details")
    assert task.due_at is None  # the date was cleared


def test_saving_a_task_does_not_resend_its_reminder(client, rep, htmx):
    """The form shows times to the minute: an untouched reminder (even one with seconds) is not a change."""
    task = new_task(rep, remind_at="2026-01-01T08:00:30Z", due_at="2026-01-01T09:00:00Z")
    Task.objects.filter(pk=task.pk).update(reminded_at=timezone.now())
    client.force_login(rep)
    url = reverse("task_edit", args=[task.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["due_date"], data["due_time"] = "2026-01-01", "09:00"
    data["remind_at"] = "2026-01-01T08:00"
    data["title"] = "Renamed"
    response = client.post(url, {f"task-edit-{task.pk}-{k}": v for k, v in data.items()})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.title == "Renamed" and task.reminded_at is not None


def test_full_edit_page_and_delete(client, rep, htmx):
    task = new_task(rep)
    client.force_login(rep)
    url = reverse("task_edit", args=[task.pk])
    response = client.get(url)
    assert response.status_code == 200 and "<html" in response.content.decode()
    data = edit(task, title="Page edit", status="open", priority="low", assignee=rep.pk)
    response = client.post(url, {**data, "next": "/tasks/"})
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    assert client.get(reverse("task_delete", args=[task.pk])).status_code == 200
    response = client.post(reverse("task_delete", args=[task.pk]))
    assert response.status_code == 302 and not Task.objects.exists()


def test_delete_from_the_panel(client, rep, ada, htmx):
    task = new_task(rep, contact=ada.pk)
    client.force_login(rep)
    response = client.post(reverse("task_delete", args=[task.pk]), {"where": "panel"}, **htmx)
    assert response.status_code == 200 and response["HX-Retarget"] == f"#tasks-contact-{ada.pk}"
    assert not Task.objects.exists()


def test_task_permissions(client, rep, teammate, outsider, ada, htmx):
    """A teammate sees the rep's task (team read) but may not change it; an outsider does not see it."""
    task = new_task(rep, contact=ada.pk)
    client.force_login(teammate)
    response = client.get(reverse("tasks_panel", args=["contact", ada.pk]), **htmx)
    assert response.context["writable"] == set() and "Complete “Call back”" not in response.content.decode()
    for name in ("task_complete", "task_reopen", "task_delete", "task_edit"):
        assert client.post(reverse(name, args=[task.pk]), **htmx).status_code == 403, name
    client.force_login(outsider)
    for name in ("task_complete", "task_reopen", "task_delete", "task_edit"):
        assert client.post(reverse(name, args=[task.pk]), **htmx).status_code == 404, name
    assert client.get(reverse("task_edit", args=[task.pk])).status_code == 404
    task.refresh_from_db()
    assert task.status == "open"


def test_read_only_users_cannot_add_tasks(client, ada, htmx):
    reader = UserFactory(role=role("read_only"))
    client.force_login(reader)
    response = client.get(reverse("tasks_panel", args=["contact", ada.pk]), **htmx)
    assert response.context["task_form"] is None and "Add a task" not in response.content.decode()
    assert (
        client.post(reverse("tasks_panel", args=["contact", ada.pk]), quick(ada, title="X"), **htmx).status_code == 403
    )
    assert client.get(reverse("task_create")).status_code == 403
    assert not Task.objects.exists()


def test_panel_query_count_is_constant(client, rep, ada, htmx):
    client.force_login(rep)
    new_task(rep, contact=ada.pk)
    url = reverse("tasks_panel", args=["contact", ada.pk])
    client.get(url, **htmx)
    with CaptureQueriesContext(connection) as few:
        client.get(url, **htmx)
    for i in range(30):
        new_task(rep, contact=ada.pk, title=f"T{i}", due_at=f"2026-01-{i % 28 + 1:02d}T10:00:00Z")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, **htmx)
    assert len(response.context["tasks"]) == 31
    assert len(many) == len(few)


# --- my tasks --------------------------------------------------------------------------------------


def test_my_tasks_groups_overdue_today_upcoming_and_no_date(client, rep, ada, teammate):
    now = timezone.now()
    overdue = new_task(rep, title="Overdue one", due_at=(now - timedelta(days=2)).isoformat(), contact=ada.pk)
    today = new_task(rep, title="Today one", due_at=(now + timedelta(minutes=1)).isoformat())
    upcoming = new_task(rep, title="Upcoming one", due_at=(now + timedelta(days=5)).isoformat())
    someday = new_task(rep, title="Someday one")
    new_task(rep, title="Done one", status="done")
    new_task(teammate, title="Not mine")
    client.force_login(rep)
    response = client.get(reverse("my_tasks"))
    groups = {key: [t.pk for t in tasks] for key, _, tasks in response.context["groups"]}
    if timezone.localtime(now + timedelta(minutes=1)).date() != timezone.localtime(now).date():  # run at midnight
        groups["today"], groups["upcoming"] = [today.pk], [t for t in groups["upcoming"] if t != today.pk]
    assert groups == {"overdue": [overdue.pk], "today": [today.pk], "upcoming": [upcoming.pk], "someday": [someday.pk]}
    body = response.content.decode()
    assert "Not mine" not in body and "Done one" not in body
    assert "is-overdue" in body and "Ada Lovelace" in body
    assert 'aria-label="Complete “Today one”"' in body
    assert 'aria-label="Whose tasks"' not in body  # reps have no team tab


def test_my_tasks_shows_due_times_in_the_users_zone(client, rep):
    rep.time_zone = "Asia/Kolkata"
    rep.save()
    new_task(rep, due_at="2099-01-01T00:00:00Z")
    client.force_login(rep)
    assert "Thu 1 Jan 2099, 05:30" in client.get(reverse("my_tasks")).content.decode()


def test_record_names_are_shown_only_to_those_who_may_see_the_record(client, rep, outsider):
    """An admin can give an outsider a task on a contact the outsider cannot see: the name stays hidden."""
    admin = UserFactory(role=role("admin"))
    secret = make_contact(rep, first_name="Hidden", last_name="Person")
    task_create(actor=admin, data={"title": "Odd task", "contact": secret.pk, "assignee": outsider.pk})
    client.force_login(outsider)
    body = client.get(reverse("my_tasks")).content.decode()
    assert "Odd task" in body and "Hidden Person" not in body


def test_my_tasks_empty_state_and_new_task_page(client, rep):
    client.force_login(rep)
    assert "Nothing to do" in client.get(reverse("my_tasks")).content.decode()
    response = client.post(reverse("task_create"), {"title": "", "priority": "normal"})
    assert response.status_code == 422 and response.context["form"].errors["title"]
    response = client.post(reverse("task_create"), {"title": "Standalone", "priority": "normal", "assignee": rep.pk})
    assert response.status_code == 302
    assert Task.objects.get().title == "Standalone"


def test_my_tasks_query_count_is_constant(client, rep, ada):
    client.force_login(rep)
    new_task(rep, contact=ada.pk)
    client.get(reverse("my_tasks"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("my_tasks"))
    now = timezone.now()
    for i in range(25):
        new_task(rep, title=f"T{i}", contact=ada.pk, due_at=(now + timedelta(hours=i - 12)).isoformat())
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("my_tasks"))
    assert len(many) == len(few)


def test_team_tasks_for_managers_only(client, rep, teammate, manager, outsider):
    mine = new_task(rep, title="Rep task", due_at="2020-01-01T00:00:00Z")
    theirs = new_task(teammate, title="Teammate task")
    new_task(outsider, title="Other team task")
    client.force_login(manager)
    response = client.get(reverse("my_tasks"), {"view": "team"})
    assert response.status_code == 200
    assert [t.pk for t in response.context["rows"]] == [mine.pk, theirs.pk]
    assert response.context["writable"] == {mine.pk, theirs.pk}
    body = response.content.decode()
    assert "Other team task" not in body and 'aria-current="page">Team' in body
    response = client.get(reverse("my_tasks"), {"view": "team", "assignee": teammate.pk})
    assert [t.pk for t in response.context["rows"]] == [theirs.pk]
    response = client.get(reverse("my_tasks"), {"view": "team", "overdue": "on"})
    assert [t.pk for t in response.context["rows"]] == [mine.pk]
    response = client.get(reverse("my_tasks"), {"view": "team", "assignee": outsider.pk})
    assert response.context["form"].errors["assignee"]
    # the manager completes a teammate's task from the team list
    client.post(reverse("task_complete", args=[theirs.pk]), {"where": "list"}, HTTP_HX_REQUEST="true")
    theirs.refresh_from_db()
    assert theirs.status == "done"

    client.force_login(rep)
    assert client.get(reverse("my_tasks"), {"view": "team"}).status_code == 403


# --- reminders -------------------------------------------------------------------------------------


def test_due_reminders_are_emailed_once(rep, ada):
    mail.outbox = []
    now = timezone.now()
    due = new_task(rep, title="Renew contract", contact=ada.pk, remind_at=(now - timedelta(minutes=1)).isoformat(),
                   due_at=(now + timedelta(hours=1)).isoformat())  # fmt: skip
    new_task(rep, title="Later", remind_at=(now + timedelta(hours=1)).isoformat())
    new_task(rep, title="Finished", remind_at=(now - timedelta(hours=1)).isoformat(), status="done")
    send_task_reminders.call()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [rep.email] and message.subject == "Reminder: Renew contract"
    assert "Ada Lovelace" in message.body and "/tasks/" in message.body
    send_task_reminders.call()
    assert len(mail.outbox) == 1
    due.refresh_from_db()
    assert due.reminded_at is not None


def test_the_reminder_gives_the_due_time_in_the_assignees_zone(rep):
    rep.time_zone = "America/Sao_Paulo"
    rep.save()
    mail.outbox = []
    new_task(
        rep, title="Demo", due_at="2099-03-10T15:00:00Z", remind_at=(timezone.now() - timedelta(minutes=1)).isoformat()
    )
    send_task_reminders.call()
    assert "due Tue 10 Mar 2099, 12:00 -03" in mail.outbox[0].body


def test_reminders_go_through_a_real_smtp_server(rep, smtp_server):
    new_task(rep, title="Over SMTP", remind_at=(timezone.now() - timedelta(seconds=5)).isoformat())
    send_task_reminders.call()
    send_task_reminders.call()
    assert [m["Subject"] for m in smtp_server.messages] == ["Reminder: Over SMTP"]
    assert smtp_server.messages[0]["To"] == rep.email


def test_changing_the_reminder_time_sends_it_again(client, rep):
    task = new_task(rep, title="Ping", remind_at=(timezone.now() - timedelta(minutes=5)).isoformat())
    mail.outbox = []
    send_task_reminders.call()
    client.force_login(rep)
    rep.time_zone = "Europe/Paris"
    rep.save()
    new_time = (timezone.now() - timedelta(minutes=1)).astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M")
    client.post(reverse("task_edit", args=[task.pk]),
                edit(task, title="Ping", priority="normal", status="open", assignee=rep.pk, remind="custom",
                     remind_at=new_time))  # fmt: skip
    send_task_reminders.call()
    assert [m.subject for m in mail.outbox] == ["Reminder: Ping", "Reminder: Ping"]


def test_tasks_page_without_javascript(client, rep, ada):
    client.force_login(rep)
    url = reverse("tasks_panel", args=["contact", ada.pk])
    response = client.get(url)
    assert response.status_code == 200 and "Tasks on Ada Lovelace" in response.content.decode()
    response = client.post(url, quick(ada, title="No JS", priority="normal", assignee=rep.pk))
    assert response.status_code == 302 and response["Location"] == url
    response = client.post(url, quick(ada, title="", priority="normal", assignee=rep.pk))
    assert response.status_code == 422 and "<html" in response.content.decode()


def test_next_links_stay_on_this_site(client, rep):
    task = new_task(rep)
    client.force_login(rep)
    body = client.get(reverse("task_edit", args=[task.pk]), {"next": "javascript:alert(1)"}).content.decode()
    assert "javascript:" not in body
    body = client.get(reverse("task_edit", args=[task.pk]), {"next": "/tasks/?view=team"}).content.decode()
    assert 'href="/tasks/?view=team"' in body
    data = edit(task, title="T", priority="normal", status="open", assignee=rep.pk)
    response = client.post(reverse("task_edit", args=[task.pk]), {**data, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("my_tasks")
