"""Enqueue background tasks in the same transaction as the data they belong to.

Call ``enqueue(task, *args, **kwargs)`` from a service, inside its ``transaction.atomic`` block::

    from rapport.core import jobs

    jobs.enqueue(send_invitation, user.pk)

- With the database backend (the default) the task row is written by the caller's transaction itself:
  a rollback leaves no task, a commit leaves the data and its task.
- With any other backend (Redis/RQ) the task is written to the ``TaskOutbox`` table in the caller's
  transaction and pushed to the backend right after the commit (the row's id becomes the job id, so a
  second push of the same row is refused by Redis). A row left behind by a crash or an unreachable
  Redis is pushed by the maintenance loop of every ``rapport worker``.

Tasks run at least once, so they must be idempotent: see docs/background-work.md.
"""

import logging
import uuid
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.module_loading import import_string
from django_tasks import task_backends
from django_tasks.base import TASK_MAX_PRIORITY, Task, TaskResult, TaskResultStatus
from django_tasks.signals import task_enqueued
from django_tasks.utils import normalize_json
from django_tasks_db.backend import DatabaseBackend
from django_tasks_rq.backend import Job, failed_callback, success_callback
from django_tasks_rq.backend import RQBackend as BaseRQBackend

logger = logging.getLogger(__name__)

# How many outbox rows one relay pass pushes at most (the next pass takes the rest).
RELAY_BATCH = 500


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
    """Push committed outbox rows to their backend and delete them; return how many were pushed.

    Each row is locked (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write lock on SQLite) while
    it is pushed, so two relays never push the same row at once; a push repeated after a crash between the
    push and the delete is refused by the backend (same job id). A push that fails (Redis down) leaves the
    row for the next pass and stops this one.
    """
    model = _outbox_model()
    pending = model.objects.order_by("created_at").values_list("pk", flat=True)
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    pushed = 0
    for pk in list(pending[:limit]):
        try:
            with transaction.atomic():
                row = model.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
                if row is None:  # pushed meanwhile by another relay
                    continue
                _push(row)
                row.delete()
            pushed += 1
        except Exception as exc:
            logger.warning("Outbox relay failed for task id=%s: %s", pk, type(exc).__name__, exc_info=True)
            model.objects.filter(pk=pk).update(attempts=F("attempts") + 1, last_error=type(exc).__name__)
            break
    return pushed


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
