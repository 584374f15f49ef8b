"""Periodic tasks: a registry, and ``run_due`` which every ``rapport worker`` calls every few seconds.

Declare a periodic task in an app's ``tasks.py`` (the scheduler imports every installed app's ``tasks``)::

    @periodic(every=timedelta(minutes=5))
    @task()
    def sync_mailboxes() -> None: ...

    @periodic(daily_at="03:30")  # in settings.TIME_ZONE
    @task()
    def send_digest() -> None: ...

Each schedule has a ``PeriodicSchedule`` row. A worker claims a due run with a conditional UPDATE
(``... SET next_run_at = <next> WHERE name = %s AND next_run_at = <the due time it read>``) and enqueues the
task in the same transaction, so each due run is enqueued exactly once, however many workers run the
scheduler. Runs missed while no worker was running are not caught up: the task runs once, then on schedule.
"Now" is the database's clock (``jobs.db_now()``), so a worker whose own clock is off neither runs a task early
nor holds it back.
"""

import dataclasses
import datetime as dt
import logging
import zoneinfo

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import autodiscover_modules
from django_tasks.base import Task

from . import jobs

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Schedule:
    name: str
    task: Task
    every: dt.timedelta | None = None
    daily_at: dt.time | None = None

    def __post_init__(self):
        if (self.every is None) == (self.daily_at is None):
            raise ValueError("A periodic task needs exactly one of every= or daily_at=.")
        if self.every is not None and self.every < dt.timedelta(seconds=1):
            raise ValueError("every= must be at least one second.")

    @property
    def spec(self) -> str:
        if self.every is not None:
            return f"every {int(self.every.total_seconds())}s"
        return f"daily at {self.daily_at:%H:%M} {settings.TIME_ZONE}"

    def first_run(self, now: dt.datetime) -> dt.datetime:
        """When a new schedule first runs: an interval schedule at once, a daily one at its next time."""
        return now if self.every is not None else self._next_daily(now)

    def next_run(self, due: dt.datetime, now: dt.datetime) -> dt.datetime:
        """The run after the one due at ``due``, strictly after ``now`` (missed runs are skipped)."""
        if self.every is None:
            return self._next_daily(now)
        missed = (now - due) // self.every
        return due + (missed + 1) * self.every

    def _next_daily(self, now: dt.datetime) -> dt.datetime:
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        local = now.astimezone(zone)
        day = local.date()
        while True:
            candidate = dt.datetime.combine(day, self.daily_at, tzinfo=zone)
            if candidate > local:
                return candidate.astimezone(dt.UTC)
            day += dt.timedelta(days=1)


_registry: dict[str, Schedule] = {}


def periodic(*, every: dt.timedelta | None = None, daily_at: str | dt.time | None = None, name: str | None = None):
    """Run the decorated task (a ``django_tasks`` task) every ``every``, or daily at ``"HH:MM"``."""
    if isinstance(daily_at, str):
        daily_at = dt.time.fromisoformat(daily_at)

    def register(task: Task) -> Task:
        if not isinstance(task, Task):
            raise TypeError("@periodic goes above @task(): it schedules a task, not a plain function.")
        schedule = Schedule(name=name or task.module_path, task=task, every=every, daily_at=daily_at)
        _registry[schedule.name] = schedule
        return task

    return register


def schedules() -> dict[str, Schedule]:
    """Every registered schedule, after importing each installed app's ``tasks`` module."""
    autodiscover_modules("tasks")
    return dict(_registry)


def unregister(name: str) -> None:
    _registry.pop(name, None)


def sync_rows(registered: dict[str, Schedule], now: dt.datetime) -> None:
    """Create the rows of new schedules and restart the ones whose definition changed."""
    from .models import PeriodicSchedule

    existing = dict(PeriodicSchedule.objects.filter(name__in=registered).values_list("name", "spec"))
    new = [
        PeriodicSchedule(name=s.name, spec=s.spec, next_run_at=s.first_run(now))
        for s in registered.values()
        if s.name not in existing
    ]
    if new:
        PeriodicSchedule.objects.bulk_create(new, ignore_conflicts=True)  # another worker may create them too
    for schedule in registered.values():
        old_spec = existing.get(schedule.name)
        if old_spec is not None and old_spec != schedule.spec:
            PeriodicSchedule.objects.filter(name=schedule.name, spec=old_spec).update(
                spec=schedule.spec, next_run_at=schedule.first_run(now)
            )


def claim_and_enqueue(schedule: Schedule, *, due: dt.datetime, now: dt.datetime) -> str | None:
    """Claim the run due at ``due`` and enqueue it; None when another worker claimed it first."""
    from .models import PeriodicSchedule

    with transaction.atomic():
        claimed = PeriodicSchedule.objects.filter(name=schedule.name, next_run_at=due).update(
            next_run_at=schedule.next_run(due, now), last_run_at=now
        )
        if not claimed:
            return None
        task_id = jobs.enqueue(schedule.task)
        PeriodicSchedule.objects.filter(name=schedule.name).update(last_task_id=task_id)
    logger.info("Periodic task %s enqueued (id=%s)", schedule.name, task_id)
    return task_id


def run_due(now: dt.datetime | None = None, registered: dict[str, Schedule] | None = None) -> list[str]:
    """Enqueue every due periodic task once; return the names of those this call enqueued.

    ``now`` defaults to the database's clock, shared by all workers.
    """
    from .models import PeriodicSchedule

    registered = schedules() if registered is None else registered
    if not registered:
        return []
    now = now or jobs.db_now()
    sync_rows(registered, now)
    due_rows = PeriodicSchedule.objects.filter(name__in=registered, next_run_at__lte=now).values_list(
        "name", "next_run_at"
    )
    enqueued = []
    for name, due in due_rows:
        if claim_and_enqueue(registered[name], due=due, now=now) is not None:
            enqueued.append(name)
    return enqueued
