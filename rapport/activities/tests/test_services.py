from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from rapport.activities import selectors, services
from rapport.activities.models import Interaction, InteractionLink, Task
from rapport.activities.tasks import send_task_reminders
from rapport.core.errors import ApplicationError, NotFound, PermissionDenied
from tests.factories import TeamFactory, UserFactory, make_company, make_contact, role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(role=role("admin"))


def test_logged_interactions_reach_the_contact_and_its_company(admin):
    company = make_company(admin)
    contact = make_contact(admin, companies=[company.pk], email="ada@acme.test")
    interaction, created = services.interaction_log(
        actor=admin, data={"kind": "call", "direction": "out", "subject": "Intro", "contacts": [contact.pk]}
    )
    assert created
    assert set(InteractionLink.objects.values_list("contact_id", "company_id")) == {
        (contact.pk, None),
        (None, company.pk),
    }
    assert [i.pk for i in selectors.timeline(actor=admin, company=company)[0]] == [interaction.pk]


def test_resent_interactions_are_stored_once(admin):
    contact = make_contact(admin, email="ada@acme.test")
    item = {"kind": "purchase", "source": "Shop", "external_id": "order-1", "amount": "19.90", "currency": "eur",
            "product": "Plan", "contact_emails": ["ADA@acme.test"]}  # fmt: skip
    results = services.interactions_ingest(actor=admin, items=[item, item, {"kind": "nonsense"}])
    assert [r["status"] for r in results] == ["created", "duplicate", "failed"]
    assert results[0]["id"] == results[1]["id"]
    assert Interaction.objects.get().currency == "EUR"
    assert InteractionLink.objects.get().contact_id == contact.pk
    assert "kind" in results[2]["errors"]


def test_interactions_need_visible_records():
    team = TeamFactory()
    rep, outsider = UserFactory(team=team), UserFactory()
    hidden = make_contact(outsider)
    with pytest.raises(ApplicationError) as exc:
        services.interaction_log(actor=rep, data={"kind": "note", "contacts": [hidden.pk]})
    assert "contacts" in exc.value.fields
    assert not Interaction.objects.exists()


def test_timeline_pages_newest_first(admin):
    contact = make_contact(admin)
    now = timezone.now()
    for i in range(7):
        services.interaction_log(actor=admin, data={"kind": "email", "subject": f"m{i}", "contacts": [contact.pk],
                                                    "occurred_at": (now - timedelta(hours=i)).isoformat()})  # fmt: skip
    seen, cursor = [], None
    while True:
        items, cursor = selectors.timeline(actor=admin, contact=contact, cursor=cursor, limit=3)
        seen += [i.subject for i in items]
        if not cursor:
            break
    assert seen == [f"m{i}" for i in range(7)]
    assert selectors.timeline(actor=admin, contact=contact, kinds=["call"])[0] == []


def test_notes_are_edited_by_their_author_or_record_writers():
    team = TeamFactory()
    rep, colleague = UserFactory(team=team), UserFactory(team=team)
    contact = make_contact(rep)
    note = services.note_create(actor=colleague, data={"contact": contact.pk, "body": "Met at the fair"})
    services.note_update(actor=rep, note=note, data={"pinned": True})  # rep owns the contact
    other = services.note_create(actor=rep, data={"contact": contact.pk, "body": "Mine"})
    with pytest.raises(PermissionDenied):
        services.note_update(actor=colleague, note=other, data={"body": "changed"})
    with pytest.raises(ApplicationError):
        services.note_create(actor=rep, data={"contact": contact.pk, "body": "   "})


def test_tasks_my_tasks_and_scope():
    team = TeamFactory()
    rep, outsider = UserFactory(team=team), UserFactory()
    now = timezone.now()
    overdue = services.task_create(actor=rep, data={"title": "Call back", "due_at": now - timedelta(days=1)})
    services.task_create(actor=rep, data={"title": "Later", "due_at": now + timedelta(days=3)})
    services.task_create(actor=rep, data={"title": "Whenever"})
    groups = selectors.my_tasks(actor=rep, now=now)
    assert [t.title for t in groups["overdue"]] == ["Call back"]
    assert [t.title for t in groups["upcoming"]] == ["Later"] and len(groups["someday"]) == 1
    services.task_complete(actor=rep, task=overdue)
    overdue.refresh_from_db()
    assert overdue.completed_at is not None and overdue.status == "done"
    with pytest.raises(NotFound):
        selectors.task_get(actor=outsider, pk=overdue.pk)
    with pytest.raises(PermissionDenied):  # a sales rep cannot give tasks to people outside their reach
        services.task_create(actor=rep, data={"title": "x", "assignee": outsider.pk})


def test_due_reminders_are_emailed_once(admin):
    task = services.task_create(
        actor=admin, data={"title": "Renewal call", "remind_at": timezone.now() - timedelta(minutes=1)}
    )
    send_task_reminders.call()
    send_task_reminders.call()
    assert len(mail.outbox) == 1 and "Renewal call" in mail.outbox[0].subject
    assert Task.objects.get(pk=task.pk).reminded_at is not None
