"""A task records when it was completed however it got its done or cancelled status: created so, updated so, or
updated in any other way while it is so."""

import pytest

from rapport.activities import services
from rapport.activities.enums import TaskStatus
from rapport.activities.models import Task
from tests.factories import UserFactory, role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(role=role("admin"))


@pytest.mark.parametrize(
    ("status", "completed"),
    [(TaskStatus.DONE, True), (TaskStatus.CANCELLED, True), (TaskStatus.IN_PROGRESS, False), (TaskStatus.OPEN, False)],
)
def test_a_task_created_done_records_its_completion(admin, status, completed):
    task = services.task_create(actor=admin, data={"title": "Logged after the fact", "status": status})
    task.refresh_from_db()
    assert task.status == status
    assert (task.completed_at is not None) is completed


def test_completion_is_kept_while_done_and_cleared_when_reopened(admin):
    task = services.task_create(actor=admin, data={"title": "Call", "status": TaskStatus.DONE})
    completed_at = task.completed_at
    task = services.task_update(actor=admin, task=task, data={"title": "Call Ada"})
    assert task.completed_at == completed_at
    task = services.task_update(actor=admin, task=task, data={"status": TaskStatus.CANCELLED})
    assert task.completed_at == completed_at
    task = services.task_update(actor=admin, task=task, data={"status": TaskStatus.OPEN})
    assert task.completed_at is None
    task = services.task_complete(actor=admin, task=task)
    assert task.completed_at is not None and task.completed_at >= completed_at


def test_a_done_task_without_a_completion_time_gets_one_on_its_next_update(admin):
    # Tasks created done before completion times were recorded at creation.
    task = Task.objects.create(title="Old", status=TaskStatus.DONE, assignee=admin, team=admin.team)
    task = services.task_update(actor=admin, task=task, data={"priority": "high"})
    task.refresh_from_db()
    assert task.completed_at is not None and task.priority == "high"
