"""Enqueue background tasks in the same transaction as the data they belong to.

Call ``enqueue(task, *args, **kwargs)`` from a service, inside its ``transaction.atomic`` block::

    from rapport.core import jobs

    jobs.enqueue(send_invitation, user.pk)

- With the database backend (the default) the task row is written by the caller's transaction itself:
  a rollback leaves no task, a commit leaves the data and its task.
- With any other backend (Redis/RQ) the task is written to the ``TaskOutbox`` table in the caller's
  transaction and pushed to the backend right after the commit (the row's id becomes the job id, so a
  second push of the same row is refused by Redis). A row left behind by a crash or an unreachable
  Redis is pushed by the maintenance loop of every ``rapport worker``. A row that cannot be pushed for
  another reason is retried with a backoff, then marked dead; it never holds up the rows behind it.

Tasks run at least once, so they must be idempotent: see docs/background-work.md.
"""

import datetime as dt
import logging
import uuid
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q
from django.db.models.functions import Now
from django.db.models.sql import Query
from django.utils.module_loading import import_string
from django_tasks import task_backends
from django_tasks.base import TASK_MAX_PRIORITY, Task, TaskResult, TaskResultStatus
from django_tasks.signals import task_enqueued
from django_tasks.utils import normalize_json
from django_tasks_db.backend import DatabaseBackend
from django_tasks_rq.backend import Job, failed_callback, success_callback
from django_tasks_rq.backend import RQBackend as BaseRQBackend
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# How many outbox rows one relay pass pushes at most (the next pass takes the rest).
RELAY_BATCH = 500
# A row whose push failed (other than Redis being unreachable) waits OUTBOX_BACKOFF, then twice as long after
# each further failure (at most OUTBOX_BACKOFF_MAX); it is marked dead at its OUTBOX_MAX_ATTEMPTS-th failure
# (about 85 minutes after the first with these values).
OUTBOX_BACKOFF = dt.timedelta(seconds=10)
OUTBOX_BACKOFF_MAX = dt.timedelta(hours=1)
OUTBOX_MAX_ATTEMPTS = 10
# Errors that mean "the backend is unreachable", not "this row is bad": they stop the pass, the rows wait.
BACKEND_UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


def db_now(using: str = DEFAULT_DB_ALIAS) -> dt.datetime:
    """The database server's current time (``Now()``), the one clock all workers and web processes share.

    Leases and schedules compare times written by different machines: they use this clock, not
    ``timezone.now()``, so a machine whose clock is off does not take a live worker for dead.
    """
    connection = connections[using]
    expression = Now()
    sql, params = Query(None).get_compiler(connection=connection).compile(expression)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        value = cursor.fetchone()[0]
    for converter in connection.ops.get_db_converters(expression):
        value = converter(value, expression, connection)
    return value


def enqueue(task: Task, *args: Any, **kwargs: Any) -> str:
    """Enqueue ``task(*args, **kwargs)`` as part of the current transaction and return the task result id.

    ``task.get_result(id)`` finds the result once the transaction has committed (and, with Redis, once the
    outbox row has been pushed, normally right after the commit). Arguments must be JSON-serializable:
    pass ids, not model instances.
    """
    backend = task.get_backend()
    if isinstance(backend, DatabaseBackend):
        # The task row is an ordinary row of the same database: it commits or rolls back with the caller.
        return str(task.enqueue(*args, **kwargs).id)
    backend.validate_task(task)
    row = _outbox_model().objects.create(
        backend_name=backend.alias,
        queue_name=task.queue_name,
        task_path=task.module_path,
        priority=task.priority,
        run_after=task.run_after,
        args_kwargs=normalize_json({"args": list(args), "kwargs": kwargs}),
    )
    transaction.on_commit(lambda: relay_outbox(ids=[row.pk]), robust=True)
    return str(row.pk)


def relay_outbox(*, ids: list[uuid.UUID] | None = None, limit: int = RELAY_BATCH) -> int:
    """Push the due outbox rows to their backend and delete them; return how many were pushed.

    Each row is locked (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write lock on SQLite) while
    it is pushed, so two relays never push the same row at once; a push repeated after a crash between the
    push and the delete is refused by the backend (same job id).

    A push that fails because the backend is unreachable (Redis down) leaves the row as it is and stops the
    pass: the next pass tries again. Any other failure is the row's own (task renamed or removed by a
    deploy, backend alias gone, invalid task...): the row backs off (``next_attempt_at``), is marked dead
    at its ``OUTBOX_MAX_ATTEMPTS``-th failure, and the pass goes on with the rows behind it.
    """
    model = _outbox_model()
    pending = model.objects.filter(_due()).order_by("created_at").values_list("pk", flat=True)
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    pushed = 0
    for pk in list(pending[:limit]):
        with transaction.atomic():
            row = model.objects.select_for_update(skip_locked=True).filter(_due(), pk=pk).first()
            if row is None:  # pushed (or failed) meanwhile by another relay
                continue
            try:
                with transaction.atomic():  # a savepoint: a failed push leaves the row's transaction usable
                    _push(row)
            except BACKEND_UNREACHABLE as exc:
                logger.warning("Outbox relay stopped: backend %s unreachable (%s)", row.backend_name, _name(exc))
                model.objects.filter(pk=pk).update(last_error=_name(exc))
                break
            except Exception as exc:
                _record_failure(row, exc)
                continue
            row.delete()
        pushed += 1
    return pushed


def _due() -> Q:
    return Q(dead_at__isnull=True) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=Now()))


def _name(exc: BaseException) -> str:
    return type(exc).__name__[:200]


def _record_failure(row, exc: Exception) -> None:
    """Back the row off, or mark it dead. Logs ids, task path and error class only: no arguments, no message."""
    attempts = row.attempts + 1
    update = {"attempts": attempts, "last_error": _name(exc)}
    if attempts >= OUTBOX_MAX_ATTEMPTS:
        update["dead_at"] = Now()
        logger.error(
            "Outbox row id=%s (task %s, backend %s) failed %d times, last with %s: marked dead, not relayed again",
            row.pk,
            row.task_path,
            row.backend_name,
            attempts,
            _name(exc),
        )
    else:
        delay = min(OUTBOX_BACKOFF * 2 ** (attempts - 1), OUTBOX_BACKOFF_MAX)
        update["next_attempt_at"] = Now() + delay
        logger.warning(
            "Outbox row id=%s (task %s) failed with %s (attempt %d of %d): retried in %ds",
            row.pk,
            row.task_path,
            _name(exc),
            attempts,
            OUTBOX_MAX_ATTEMPTS,
            delay.total_seconds(),
        )
    # The traceback may quote argument values: only at DEBUG level.
    logger.debug("Outbox row id=%s push failure", row.pk, exc_info=exc)
    type(row).objects.filter(pk=row.pk).update(**update)


def revive_outbox(ids: list[uuid.UUID] | None = None) -> int:
    """Make dead outbox rows (all, or those of ``ids``) due again with a fresh attempt count; return how many.

    For after the cause is fixed (e.g. the renamed task restored): the next relay pass pushes them.
    """
    dead = _outbox_model().objects.filter(dead_at__isnull=False)
    if ids is not None:
        dead = dead.filter(pk__in=ids)
    return dead.update(dead_at=None, attempts=0, next_attempt_at=None, last_error="")


def _push(row) -> None:
    backend = task_backends[row.backend_name]
    task = import_string(row.task_path)
    if not isinstance(task, Task):
        raise TypeError(f"{row.task_path} is not a task")
    task = task.using(
        queue_name=row.queue_name, priority=row.priority, run_after=row.run_after, backend=row.backend_name
    )
    args, kwargs = row.args_kwargs["args"], row.args_kwargs["kwargs"]
    if isinstance(backend, RQBackend):
        backend.push(task, args, kwargs, result_id=str(row.pk))
    else:  # e.g. the immediate backend in development: runs the task now, after the commit
        task.enqueue(*args, **kwargs)


def _outbox_model():
    from .models import TaskOutbox

    return TaskOutbox


class RQBackend(BaseRQBackend):
    """django-tasks-rq's backend, plus ``push``: enqueue under a given job id, at most once per id."""

    def push(self, task: Task, args: list, kwargs: dict, *, result_id: str) -> TaskResult:
        import django_rq
        from rq.exceptions import DuplicateJobError
        from rq.job import Callback, JobStatus

        self.validate_task(task)
        queue = django_rq.get_queue(task.queue_name, job_class=Job)
        result = TaskResult(
            task=task,
            id=result_id,
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        if Job.exists(result_id, connection=queue.connection):
            return result  # pushed before (the relay crashed before deleting its row)
        job = queue.create_job(
            task.module_path,
            args=args,
            kwargs=kwargs,
            job_id=result_id,
            status=JobStatus.SCHEDULED if task.run_after else JobStatus.QUEUED,
            on_failure=Callback(failed_callback),
            on_success=Callback(success_callback),
            meta={"backend_name": self.alias},
        )
        try:
            if task.run_after is None:
                job = queue.enqueue_job(job, at_front=task.priority == TASK_MAX_PRIORITY, unique=True)
            else:
                job = queue.schedule_job(job, task.run_after, unique=True)
        except DuplicateJobError:
            return result
        object.__setattr__(result, "enqueued_at", job.enqueued_at)
        task_enqueued.send(type(self), task_result=result)
        return result
