"""``rapport worker``: runs background tasks, keeps a lease on them, and runs the periodic scheduler.

The database worker is django-tasks-db's ``Worker`` plus:

- a heartbeat: a ``WorkerHeartbeat`` row renewed by a thread every quarter of ``WORKER_LEASE_SECONDS``;
- lease recovery: a RUNNING task whose worker has not beaten within the lease (it was killed, its machine
  died) goes back to READY and is run again by another worker; after ``WORKER_MAX_ATTEMPTS`` lost runs it
  is marked FAILED with ``WorkerLost`` instead;
- a maintenance loop (a thread of every worker): lease recovery, the outbox relay and the periodic
  scheduler, every ``WORKER_MAINTENANCE_SECONDS``;
- a clean stop: SIGTERM/SIGINT finish the task at hand and exit; a second signal aborts it and puts it
  back to READY.

With the Redis/RQ backend the same command runs django-rq's worker (its name is the worker id) with the
same heartbeat and maintenance loop; there, recovery puts abandoned jobs back on their queue.

Heartbeats, task start times and the staleness comparisons use the database's clock (``Now()``), never the
machine's: workers on machines whose clocks disagree by more than the lease still see each other alive.
"""

import datetime as dt
import logging
import os
import socket
import threading

from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.db.models.functions import Now
from django.utils.crypto import get_random_string
from django_tasks import task_backends
from django_tasks.base import TaskContext, TaskResultStatus
from django_tasks.signals import task_finished, task_started
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction
from django_tasks_rq.backend import RQBackend

from . import jobs, scheduler

logger = logging.getLogger(__name__)

# Heartbeat rows of workers silent this long are deleted (their tasks were recovered long before).
FORGET_WORKERS_AFTER = dt.timedelta(days=1)


class WorkerLost(Exception):
    """The task's worker stopped beating (killed, machine lost) too many times while running it."""


def new_worker_id() -> str:
    host = socket.gethostname().split(".")[0][:30]
    return f"{host}-{os.getpid()}-{get_random_string(8)}"


def lease_seconds() -> float:
    return float(settings.WORKER_LEASE_SECONDS)


# --- heartbeat --------------------------------------------------------------------------------------


def beat(worker_id: str) -> None:
    """Renew the worker's heartbeat, stamped with the database's clock (other machines compare it with theirs)."""
    from .models import WorkerHeartbeat

    if not WorkerHeartbeat.objects.filter(pk=worker_id).update(last_seen=Now()):
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={
                "last_seen": Now(),
                "started_at": Now(),
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
            },
        )


class Heartbeat:
    """Renews the worker's heartbeat row from a thread until stopped; the row is deleted on a clean stop."""

    def __init__(self, worker_id: str, *, lease: float):
        self.worker_id = worker_id
        self.interval = max(0.1, lease / 4)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{worker_id}", daemon=True)

    def start(self) -> None:
        beat(self.worker_id)  # before the first claim, so no other worker ever takes us for dead
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    close_old_connections()
                    beat(self.worker_id)
                except Exception:
                    logger.exception("Worker %s could not renew its heartbeat", self.worker_id)
        finally:
            connections.close_all()

    def stop(self) -> None:
        from .models import WorkerHeartbeat

        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        try:
            WorkerHeartbeat.objects.filter(pk=self.worker_id).delete()
        except Exception:
            logger.exception("Worker %s could not remove its heartbeat", self.worker_id)


def alive_workers(lease: float) -> set[str]:
    """Ids of the workers that beat within the last ``lease`` seconds, by the database's clock."""
    from .models import WorkerHeartbeat

    fresh = WorkerHeartbeat.objects.filter(last_seen__gte=_lease_ago(lease))
    return set(fresh.values_list("worker_id", flat=True))


def _lease_ago(lease: float):
    """``Now() - lease``: an expression the database evaluates with its own clock."""
    return Now() - dt.timedelta(seconds=lease)


# --- lease recovery ---------------------------------------------------------------------------------


def recover_expired_leases(*, lease: float | None = None) -> int:
    """Put RUNNING database tasks whose worker has not beaten within the lease back to READY.

    A task is recovered when it started more than a lease ago and its current worker (the last of its
    ``worker_ids``) has no heartbeat newer than a lease, both by the database's clock. Returns how many
    tasks were put back.
    """
    lease = lease_seconds() if lease is None else lease
    stale = DBTaskResult.objects.running().filter(started_at__lt=_lease_ago(lease))
    if not stale.exists():  # the usual case: no write transaction (and on SQLite no write lock) needed
        return 0
    recovered = 0
    given_up = []
    with transaction.atomic():
        alive = alive_workers(lease)
        stale = stale.select_for_update(skip_locked=True)
        for result in stale:
            if result.worker_ids and result.worker_ids[-1] in alive:
                continue
            if len(result.worker_ids) >= settings.WORKER_MAX_ATTEMPTS:
                logger.error("Task id=%s lost its worker %d times: marked failed", result.id, len(result.worker_ids))
                result.set_failed(WorkerLost(f"The task's worker was lost {len(result.worker_ids)} times."))
                given_up.append(result)
                continue
            logger.warning("Task id=%s: worker %s lost, task back to the queue", result.id, result.worker_ids[-1:])
            result.status = TaskResultStatus.READY
            result.started_at = None
            result.save(update_fields=["status", "started_at"])
            recovered += 1
    # Told like any other failure, so that what a task was doing (an import's job) can be marked failed too.
    for result in given_up:
        _announce_finished(result)
    return recovered


def _announce_finished(result: DBTaskResult) -> None:
    try:
        task_result = result.task_result
        sender = type(task_result.task.get_backend())
    except Exception:  # its task is no longer importable: nobody listens for it
        logger.exception("Task id=%s: cannot announce its end", result.id)
        return
    for receiver, response in task_finished.send_robust(sender=sender, task_result=task_result):
        if isinstance(response, Exception):
            logger.error("Task id=%s: %r failed on its end: %r", result.id, receiver, response)


def stamp_start(result: DBTaskResult) -> None:
    """Rewrite the start time of a task just claimed with the database's clock.

    django-tasks-db's ``claim`` writes the claiming machine's ``timezone.now()``, which lease recovery on
    another machine would compare with its own clock: one clock ahead would delay the recovery of a lost
    task, one behind would let a task claimed without a heartbeat (``run_ready_tasks``) be taken at once.
    """
    DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(started_at=Now())


def release_tasks_of(worker_id: str) -> int:
    """Put the tasks this worker still holds back to READY (it is stopping without finishing them)."""
    released = 0
    with transaction.atomic():
        for result in DBTaskResult.objects.running().select_for_update():
            if result.worker_ids and result.worker_ids[-1] == worker_id:
                result.status = TaskResultStatus.READY
                result.started_at = None
                result.save(update_fields=["status", "started_at"])
                released += 1
    return released


def rq_backends() -> list[RQBackend]:
    return [b for b in (task_backends[alias] for alias in settings.TASKS) if isinstance(b, RQBackend)]


def recover_abandoned_rq_jobs(*, lease: float | None = None) -> int:
    """Put RQ jobs whose worker is lost back on their queue; return how many.

    RQ itself keeps a started job in the queue's StartedJobRegistry with an expiry its worker renews
    (``job_monitoring_interval`` + 60 s, so 90 s by default); once that expires, RQ's cleanup marks the job
    FAILED with ``AbandonedJobError`` (it re-runs it only if the job was enqueued with ``Retry``). Here a
    job is requeued instead when its worker (``job.worker_name``, which is our worker id) has no heartbeat
    within the lease (database clock) and either its registry entry expired or it started more than a lease
    ago. A job whose worker beats is never taken from it: the registry expiry and ``job.started_at`` are
    written with the RQ worker's own clock, which may be off.
    """
    import django_rq
    from django_tasks_rq.backend import Job
    from rq.exceptions import NoSuchJobError
    from rq.job import JobStatus
    from rq.utils import as_text, current_timestamp, parse_composite_key

    lease = lease_seconds() if lease is None else lease
    cutoff = jobs.db_now() - dt.timedelta(seconds=lease)
    alive = alive_workers(lease)
    recovered = 0
    for backend in rq_backends():
        for queue_name in sorted(backend.queues):
            queue = django_rq.get_queue(queue_name, job_class=Job)
            key, conn = queue.started_job_registry.key, queue.connection
            for entry, expires in conn.zrange(key, 0, -1, withscores=True):
                job_id, _ = parse_composite_key(as_text(entry))
                try:
                    job = Job.fetch(job_id, connection=conn)
                except NoSuchJobError:
                    continue
                if job.get_status() != JobStatus.STARTED:
                    continue
                if job.worker_name in alive:
                    continue  # its worker beats: still running it, whatever the clocks say
                expired = expires < current_timestamp()
                if not (expired or job.started_at is None or job.started_at < cutoff):
                    continue
                lost = job.meta.get("rapport_lost_runs", 0) + 1
                if lost >= settings.WORKER_MAX_ATTEMPTS:
                    continue  # RQ's own cleanup marks it FAILED (AbandonedJobError) once its entry expires
                if not conn.zrem(key, entry):
                    continue  # another worker's maintenance took it
                job.meta["rapport_lost_runs"] = lost
                job.save_meta()
                job.started_at = None
                queue.enqueue_job(job, at_front=True)
                logger.warning(
                    "RQ job id=%s: worker %s lost, job back on queue %s", job.id, job.worker_name, queue_name
                )
                recovered += 1
    return recovered


# --- maintenance: recovery, outbox relay, periodic scheduler ----------------------------------------


def maintenance(*, lease: float | None = None, run_scheduler: bool = True) -> dict[str, int]:
    """One pass of what every worker does every few seconds; each step is safe with many workers."""
    done = {}
    steps = {
        "recovered": lambda: recover_expired_leases(lease=lease),
        "rq_recovered": lambda: recover_abandoned_rq_jobs(lease=lease) if rq_backends() else 0,
        "relayed": jobs.relay_outbox,
        "scheduled": lambda: len(scheduler.run_due()) if run_scheduler else 0,
        "forgotten_workers": forget_dead_workers,
    }
    for name, step in steps.items():
        try:
            done[name] = step()
        except Exception:
            logger.exception("Worker maintenance step %s failed", name)
    return done


def forget_dead_workers() -> int:
    from .models import WorkerHeartbeat

    deleted, _ = WorkerHeartbeat.objects.filter(last_seen__lt=Now() - FORGET_WORKERS_AFTER).delete()
    return deleted


class MaintenanceLoop:
    def __init__(self, *, interval: float, lease: float, run_scheduler: bool = True):
        self.interval, self.lease, self.run_scheduler = interval, lease, run_scheduler
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="worker-maintenance", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    close_old_connections()
                except Exception:
                    logger.exception("Worker maintenance could not reset its database connection")
                maintenance(lease=self.lease, run_scheduler=self.run_scheduler)
        finally:
            connections.close_all()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)


# --- the workers ------------------------------------------------------------------------------------


class Worker(DatabaseWorker):
    """django-tasks-db's worker with a heartbeat, lease recovery, the scheduler and a clean stop."""

    def __init__(
        self,
        *,
        queue_names: list[str] | None = None,
        excluded_queue_names: list[str] | None = None,
        interval: float = 1.0,
        batch: bool = False,
        max_tasks: int | None = None,
        worker_id: str | None = None,
        backend_name: str = "default",
        lease: float | None = None,
        maintenance_interval: float | None = None,
        run_scheduler: bool = True,
        background_threads: bool = True,
    ):
        super().__init__(
            queue_names=queue_names or ["*"],
            excluded_queue_names=excluded_queue_names or [],
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=False,
            max_tasks=max_tasks,
            worker_id=worker_id or new_worker_id(),
        )
        self.lease = lease_seconds() if lease is None else lease
        self.maintenance_interval = maintenance_interval or settings.WORKER_MAINTENANCE_SECONDS
        self.run_scheduler = run_scheduler
        self.background_threads = background_threads

    def run(self) -> None:
        heartbeat = Heartbeat(self.worker_id, lease=self.lease) if self.background_threads else None
        loop = None
        try:
            if heartbeat:
                heartbeat.start()
                maintenance(lease=self.lease, run_scheduler=self.run_scheduler)
                if not self.batch:
                    loop = MaintenanceLoop(
                        interval=self.maintenance_interval, lease=self.lease, run_scheduler=self.run_scheduler
                    )
                    loop.start()
            super().run()
        finally:
            if loop:
                loop.stop()
            if heartbeat:
                # A signal may have stopped the loop in the middle of a query (django-tasks-db exits at once
                # when no task runs): start from a fresh connection.
                connections.close_all()
                released = release_tasks_of(self.worker_id)
                if released:
                    logger.warning("Worker %s put %d unfinished task(s) back to the queue", self.worker_id, released)
                heartbeat.stop()
            logger.info("Worker %s stopped", self.worker_id)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """django-tasks-db's ``run_task``, except that the start is stamped with the database clock and an abort
        (second signal) puts the task back to READY.
        """
        self.running_task = True  # from here a first signal lets the task finish (not exit mid-query)
        try:
            stamp_start(db_task_result)
        except Exception:  # best effort: the claim's own start time stays
            logger.exception("Task id=%s: could not stamp its start with the database clock", db_task_result.id)
        try:
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                return_value = task.call(TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs)
            else:
                return_value = task.call(*task_result.args, **task_result.kwargs)
            db_task_result.set_successful(return_value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except (SystemExit, KeyboardInterrupt):
            logger.warning("Task id=%s aborted by shutdown: back to the queue", db_task_result.id)
            release_tasks_of(self.worker_id)
            raise
        except BaseException as exc:
            db_task_result.set_failed(exc)
            try:
                sender = type(db_task_result.task.get_backend())
                task_result = db_task_result.task_result
            except Exception:
                logger.exception("Task id=%s failed unexpectedly", db_task_result.id)
            else:
                task_finished.send(sender=sender, task_result=task_result)
        finally:
            self.running_task = False
            self._run_tasks += 1


def run_ready_tasks(*, queue_names: list[str] | None = None, max_tasks: int | None = None) -> int:
    """Run the READY database tasks in this process and thread, then return how many ran.

    For tests and one-off scripts: no heartbeat, no signals, no scheduler, and (unlike the worker loop)
    no closing of connections, so it also works inside a test's transaction.
    """
    worker = Worker(queue_names=queue_names, batch=True, background_threads=False)
    ready = DBTaskResult.objects.ready().filter(backend_name=worker.backend_name)
    if queue_names and "*" not in queue_names:
        ready = ready.filter(queue_name__in=queue_names)
    while max_tasks is None or worker._run_tasks < max_tasks:
        with exclusive_transaction(ready.db):
            result = ready.get_locked()
            if result is not None:
                result.claim(worker.worker_id)
        if result is None:
            break
        worker.run_task(result)
    return worker._run_tasks


def _rq_worker_class():
    from rq.worker import SimpleWorker

    class RQWorker(SimpleWorker):
        """Runs jobs in this process like the database worker, one at a time, with fresh DB connections.

        Not forking keeps the heartbeat in the process that runs the job: a worker killed with SIGKILL
        takes its job down with it (a forked work horse would live on, orphaned, while the job is run again).
        """

        def execute_job(self, job, queue):
            close_old_connections()
            try:
                return super().execute_job(job, queue)
            finally:
                close_old_connections()

        def _finalize_failure(self, job, queue, execution, exc_info):
            # RQ marks a job aborted by a cold shutdown (second signal) FAILED; like the database
            # worker, put it back on its queue instead, then let the shutdown go on.
            if exc_info[0] is not None and issubclass(exc_info[0], (SystemExit, KeyboardInterrupt)):
                logger.warning("RQ job id=%s aborted by shutdown: back on queue %s", job.id, queue.name)
                with self.connection.pipeline() as pipeline:
                    self.cleanup_execution(job, pipeline=pipeline, execution=execution)
                    pipeline.execute()
                job.started_at = None
                queue.enqueue_job(job, at_front=True)
                raise exc_info[1]
            return super()._finalize_failure(job, queue, execution, exc_info)

    return RQWorker


def run_rq_worker(
    *,
    queue_names: list[str] | None = None,
    worker_id: str | None = None,
    burst: bool = False,
    max_tasks: int | None = None,
    lease: float | None = None,
    maintenance_interval: float | None = None,
    run_scheduler: bool = True,
) -> None:
    """Run an RQ worker (django-rq's, not forking; RQ's scheduler included) with our heartbeat and maintenance."""
    import django_rq
    from django_tasks_rq.backend import Job

    worker_id = worker_id or new_worker_id()
    lease = lease_seconds() if lease is None else lease
    if not queue_names or "*" in queue_names:
        queue_names = sorted({name for backend in rq_backends() for name in backend.queues})
    rq_worker = django_rq.get_worker(*queue_names, job_class=Job, worker_class=_rq_worker_class(), name=worker_id)
    heartbeat = Heartbeat(worker_id, lease=lease)
    heartbeat.start()
    maintenance(lease=lease, run_scheduler=run_scheduler)
    loop = MaintenanceLoop(
        interval=maintenance_interval or settings.WORKER_MAINTENANCE_SECONDS, lease=lease, run_scheduler=run_scheduler
    )
    loop.start()
    try:
        rq_worker.work(burst=burst, with_scheduler=True, max_jobs=max_tasks)
    finally:
        loop.stop()
        heartbeat.stop()
        logger.info("Worker %s stopped", worker_id)


def is_database_backend(alias: str = "default") -> bool:
    return isinstance(task_backends[alias], DatabaseBackend)
