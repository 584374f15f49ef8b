"""rapport.core.jobs.enqueue: a task is enqueued in the transaction of its data, on the database and on Redis;
the outbox relay gets past rows that cannot be pushed."""

import datetime as dt
import logging

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


REDIS_DOWN = {"default": {"URL": "redis://127.0.0.1:1/15"}}  # nothing listens there


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("redis_db")
def test_rq_outbox_row_outlives_a_redis_outage_and_is_relayed_later():
    with override_settings(RQ_QUEUES=REDIS_DOWN):
        result_id = jobs.enqueue(add, 4, 4)
        row = TaskOutbox.objects.get()
        # An outage is not the row's fault: no attempt counted, no backoff, retried on the next pass.
        assert (str(row.pk), row.attempts, row.last_error, row.next_attempt_at) == (
            result_id,
            0,
            "ConnectionError",
            None,
        )

    assert jobs.relay_outbox() == 1
    assert TaskOutbox.objects.count() == 0
    assert _queue().job_ids == [result_id]
    _run_rq_burst()
    assert add.get_result(result_id).return_value == 8


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("redis_db")
def test_rq_outage_stops_the_relay_pass_without_counting_attempts():
    first, second = (_outbox_row(add.module_path, [i, i]) for i in range(2))
    with override_settings(RQ_QUEUES=REDIS_DOWN):
        for _ in range(jobs.OUTBOX_MAX_ATTEMPTS + 1):
            assert jobs.relay_outbox() == 0
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.last_error, first.attempts, first.next_attempt_at, first.dead_at) == (
        "ConnectionError",
        0,
        None,
        None,
    )
    assert second.last_error == ""  # the pass stopped at the first row: Redis is down for every row
    assert jobs.relay_outbox() == 2
    assert _queue().job_ids == [str(first.pk), str(second.pk)]


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("redis_db")
def test_rq_poison_row_does_not_block_the_rows_behind_it():
    poison = _outbox_row("rapport.gone.task")
    good = _outbox_row(add.module_path, [20, 22])
    assert jobs.relay_outbox() == 1
    assert _queue().job_ids == [str(good.pk)]
    poison.refresh_from_db()
    assert (poison.attempts, poison.last_error) == (1, "ModuleNotFoundError")
    _run_rq_burst()
    assert add.get_result(str(good.pk)).return_value == 42


# --- the outbox relay and rows that cannot be pushed --------------------------------------------------


def _outbox_row(task_path: str, args: list | None = None, **fields) -> TaskOutbox:
    fields = {"backend_name": "default", "queue_name": "default", **fields}
    return TaskOutbox.objects.create(task_path=task_path, args_kwargs={"args": args or [], "kwargs": {}}, **fields)


def _make_due(row: TaskOutbox) -> None:
    """Skip the row's backoff, as if its next attempt time had come."""
    TaskOutbox.objects.filter(pk=row.pk).update(next_attempt_at=jobs.db_now() - dt.timedelta(seconds=1))


@pytest.mark.django_db
def test_a_poison_row_backs_off_then_dies_without_blocking_the_rows_behind_it(caplog):
    caplog.set_level(logging.INFO, logger="rapport.core.jobs")
    # A task renamed by a deploy, carrying personal data that must not reach the logs; then a valid row.
    poison = _outbox_row("rapport.gone.task", ["alice@example.test"])
    good = _outbox_row(add.module_path, [2, 3])

    assert jobs.relay_outbox() == 1
    assert not TaskOutbox.objects.filter(pk=good.pk).exists()
    assert DBTaskResult.objects.get().args_kwargs == {"args": [2, 3], "kwargs": {}}  # pushed to the backend

    delays = []
    for attempt in range(1, jobs.OUTBOX_MAX_ATTEMPTS):
        poison.refresh_from_db()
        assert (poison.attempts, poison.last_error, poison.dead_at) == (attempt, "ModuleNotFoundError", None)
        delays.append(poison.next_attempt_at - jobs.db_now())
        assert jobs.relay_outbox() == 0  # backing off: not tried again
        assert TaskOutbox.objects.get(pk=poison.pk).attempts == attempt
        _make_due(poison)
        assert jobs.relay_outbox() == 0

    poison.refresh_from_db()
    assert poison.attempts == jobs.OUTBOX_MAX_ATTEMPTS
    assert poison.dead_at is not None  # kept for inspection...
    _make_due(poison)
    assert jobs.relay_outbox() == 0  # ...and never tried again
    assert TaskOutbox.objects.get(pk=poison.pk).attempts == jobs.OUTBOX_MAX_ATTEMPTS

    second = dt.timedelta(seconds=1)
    expected = [min(jobs.OUTBOX_BACKOFF * 2**i, jobs.OUTBOX_BACKOFF_MAX) for i in range(len(delays))]
    assert all(want - 5 * second < got <= want for got, want in zip(delays, expected, strict=True))
    assert expected[1] == 2 * expected[0]

    dead_logs = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(dead_logs) == 1 and str(poison.pk) in dead_logs[0].getMessage()
    assert "marked dead" in dead_logs[0].getMessage()
    assert "alice@example.test" not in caplog.text


@pytest.mark.django_db
def test_the_relay_takes_the_rows_behind_failing_ones_in_order():
    failing = [
        _outbox_row("rapport.gone.task"),  # task renamed or removed
        _outbox_row("rapport.core.jobs.RELAY_BATCH"),  # not a task
        _outbox_row(add.module_path, backend_name="gone"),  # backend alias removed from settings
        _outbox_row(add.module_path, queue_name="gone"),  # queue no longer served by the backend
    ]
    for i in range(3):
        _outbox_row(add.module_path, [i, i])
    assert jobs.relay_outbox() == 3
    assert list(TaskOutbox.objects.values_list("pk", flat=True)) == [row.pk for row in failing]
    assert list(TaskOutbox.objects.values_list("last_error", flat=True)) == [
        "ModuleNotFoundError",
        "TypeError",
        "InvalidTaskBackendError",
        "InvalidTaskError",
    ]
    assert set(TaskOutbox.objects.values_list("attempts", flat=True)) == {1}
    assert [r.args_kwargs["args"] for r in DBTaskResult.objects.order_by("enqueued_at")] == [[0, 0], [1, 1], [2, 2]]


@pytest.mark.django_db
def test_a_dead_row_can_be_revived_once_its_cause_is_fixed():
    row = _outbox_row(add.module_path, [1, 1], attempts=jobs.OUTBOX_MAX_ATTEMPTS, dead_at=jobs.db_now())
    other = _outbox_row("rapport.gone.task", attempts=jobs.OUTBOX_MAX_ATTEMPTS, dead_at=jobs.db_now())
    assert jobs.relay_outbox() == 0
    assert jobs.revive_outbox([row.pk]) == 1
    assert jobs.relay_outbox() == 1
    assert DBTaskResult.objects.get().args_kwargs == {"args": [1, 1], "kwargs": {}}
    assert list(TaskOutbox.objects.values_list("pk", flat=True)) == [other.pk]  # still dead


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("redis_db")
def test_rq_push_of_the_same_row_twice_enqueues_one_job():
    backend = add.get_backend()
    assert isinstance(backend, jobs.RQBackend)
    backend.push(add, [1, 2], {}, result_id="same-id")
    backend.push(add, [1, 2], {}, result_id="same-id")
    assert _queue().job_ids == ["same-id"]
