"""rapport.core.jobs.enqueue: a task is enqueued in the transaction of its data, on the database and on Redis."""

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from rapport.core import jobs
from rapport.core.models import TaskOutbox
from rapport.core.worker import run_ready_tasks
from rapport.users.models import User
from rapport.users.services import user_invite
from tests.factories import UserFactory, role

from .test_worker import redis_db  # noqa: F401  (fixture)


@task()
def add(a: int, b: int) -> int:
    return a + b


class Rollback(Exception):
    pass


# --- database backend (the default) -----------------------------------------------------------------


@pytest.mark.django_db
def test_rolled_back_invitation_leaves_neither_user_nor_task():
    admin = UserFactory(role=role("admin"))
    with pytest.raises(Rollback), transaction.atomic():
        user_invite(actor=admin, data={"email": "new@example.test"})
        assert DBTaskResult.objects.count() == 1  # written by the service's transaction...
        raise Rollback
    assert not User.objects.filter(email="new@example.test").exists()
    assert DBTaskResult.objects.count() == 0  # ...and gone with it


@pytest.mark.django_db
def test_committed_invitation_has_its_task_and_the_worker_sends_it():
    admin = UserFactory(role=role("admin"))
    user = user_invite(actor=admin, data={"email": "new@example.test"})
    result = DBTaskResult.objects.get()
    assert result.task_path == "rapport.users.tasks.send_invitation"
    assert result.args_kwargs == {"args": [user.pk], "kwargs": {}}

    assert run_ready_tasks() == 1
    result.refresh_from_db()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert [m.to for m in mail.outbox] == [["new@example.test"]]


@pytest.mark.django_db
def test_enqueue_returns_the_result_id():
    result_id = jobs.enqueue(add, 2, 3)
    assert add.get_result(result_id).status == TaskResultStatus.READY
    run_ready_tasks()
    result = add.get_result(result_id)
    assert (result.status, result.return_value) == (TaskResultStatus.SUCCESSFUL, 5)


# --- Redis/RQ backend: outbox in the transaction, pushed after the commit ---------------------------


def _queue():
    import django_rq
    from django_tasks_rq.backend import Job

    return django_rq.get_queue("default", job_class=Job)


def _run_rq_burst() -> None:
    import django_rq
    from django_tasks_rq.backend import Job

    from rapport.core.worker import _rq_worker_class

    django_rq.get_worker("default", job_class=Job, worker_class=_rq_worker_class()).work(burst=True)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("redis_db")
def test_rq_rollback_leaves_nothing_in_the_outbox_or_redis():
    with pytest.raises(Rollback), transaction.atomic():
        result_id = jobs.enqueue(add, 1, 1)
        assert TaskOutbox.objects.filter(pk=result_id).exists()
        raise Rollback
    assert TaskOutbox.objects.count() == 0
    assert _queue().count == 0
    assert not _queue().connection.exists(f"rq:job:{result_id}")


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("redis_db")
def test_rq_task_is_pushed_on_commit_and_run_by_a_worker():
    with transaction.atomic():
        result_id = jobs.enqueue(add, 2, 3)
        assert _queue().count == 0  # nothing reaches Redis before the commit
    assert TaskOutbox.objects.count() == 0
    assert _queue().job_ids == [result_id]

    _run_rq_burst()
    result = add.get_result(result_id)
    assert (result.status, result.return_value) == (TaskResultStatus.SUCCESSFUL, 5)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("redis_db")
def test_rq_outbox_row_outlives_a_redis_outage_and_is_relayed_later():
    with override_settings(RQ_QUEUES={"default": {"URL": "redis://127.0.0.1:1/15"}}):  # nothing listens there
        result_id = jobs.enqueue(add, 4, 4)
        row = TaskOutbox.objects.get()
        assert (str(row.pk), row.attempts, row.last_error) == (result_id, 1, "ConnectionError")

    assert jobs.relay_outbox() == 1
    assert TaskOutbox.objects.count() == 0
    assert _queue().job_ids == [result_id]
    _run_rq_burst()
    assert add.get_result(result_id).return_value == 8


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("redis_db")
def test_rq_push_of_the_same_row_twice_enqueues_one_job():
    backend = add.get_backend()
    assert isinstance(backend, jobs.RQBackend)
    backend.push(add, [1, 2], {}, result_id="same-id")
    backend.push(add, [1, 2], {}, result_id="same-id")
    assert _queue().job_ids == ["same-id"]
