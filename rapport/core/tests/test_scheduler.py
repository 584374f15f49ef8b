"""The periodic scheduler: next-run arithmetic, exactly-once claims, and the core housekeeping task."""

import datetime as dt
import threading

import pytest
from django.db import connections
from django.test import override_settings
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from rapport.core import jobs, scheduler
from rapport.core.models import IdempotencyRecord, PeriodicSchedule
from rapport.core.scheduler import Schedule, claim_and_enqueue, periodic, run_due
from rapport.core.tasks import prune_old_records
from rapport.users.models import User

from .test_worker import shared_database  # noqa: F401  (fixture)

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@task()
def tick() -> str:
    return "tick"


def every_five(name: str = "tick") -> dict[str, Schedule]:
    return {name: Schedule(name=name, task=tick, every=dt.timedelta(minutes=5))}


# --- schedules --------------------------------------------------------------------------------------


def test_interval_schedule_skips_missed_runs_and_stays_on_its_grid():
    s = Schedule(name="s", task=tick, every=dt.timedelta(minutes=5))
    assert s.first_run(T0) == T0
    assert s.next_run(T0, T0) == T0 + dt.timedelta(minutes=5)
    # A worker that was down for 23 minutes runs once, then at the next slot of the original grid.
    assert s.next_run(T0, T0 + dt.timedelta(minutes=23)) == T0 + dt.timedelta(minutes=25)


@override_settings(TIME_ZONE="Europe/Paris")
def test_daily_schedule_follows_local_time_across_daylight_saving():
    s = Schedule(name="s", task=tick, daily_at=dt.time(3, 30))
    before_switch = dt.datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # Paris is UTC+1 until 29 March
    first = s.first_run(before_switch)
    assert first == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 summer time (UTC+2)
    assert s.next_run(first, first) == dt.datetime(2026, 3, 30, 1, 30, tzinfo=UTC)
    assert s.first_run(dt.datetime(2026, 3, 27, 1, 0, tzinfo=UTC)) == dt.datetime(2026, 3, 27, 2, 30, tzinfo=UTC)


def test_periodic_needs_a_task_and_exactly_one_rule():
    with pytest.raises(TypeError):
        periodic(every=dt.timedelta(minutes=1))(lambda: None)
    with pytest.raises(ValueError):
        periodic(every=dt.timedelta(minutes=1), daily_at="03:00")(tick)
    with pytest.raises(ValueError):
        periodic()(tick)


def test_periodic_registers_and_the_core_housekeeping_is_registered():
    periodic(daily_at="04:15", name="test-registration")(tick)
    try:
        found = scheduler.schedules()
        assert found["test-registration"].daily_at == dt.time(4, 15)
        assert found["rapport.core.tasks.prune_old_records"].task is prune_old_records
    finally:
        scheduler.unregister("test-registration")


# --- exactly once -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_due_run_is_enqueued_once():
    registered = every_five()
    assert run_due(T0, registered) == ["tick"]
    assert run_due(T0, registered) == []
    assert run_due(T0 + dt.timedelta(minutes=4), registered) == []
    assert run_due(T0 + dt.timedelta(minutes=5), registered) == ["tick"]

    results = DBTaskResult.objects.filter(task_path=tick.module_path)
    assert results.count() == 2
    row = PeriodicSchedule.objects.get(name="tick")
    assert row.next_run_at == T0 + dt.timedelta(minutes=10)
    assert row.last_task_id in {str(pk) for pk in results.values_list("pk", flat=True)}


@pytest.mark.django_db
def test_a_worker_claiming_a_run_another_worker_took_gets_nothing():
    registered = every_five()
    scheduler.sync_rows(registered, T0)
    # Two workers read the same due row, then both try to claim it.
    assert claim_and_enqueue(registered["tick"], due=T0, now=T0) is not None
    assert claim_and_enqueue(registered["tick"], due=T0, now=T0) is None
    assert DBTaskResult.objects.filter(task_path=tick.module_path).count() == 1


@pytest.mark.django_db
def test_a_changed_schedule_restarts_from_its_new_rule():
    run_due(T0, every_five())
    daily = {"tick": Schedule(name="tick", task=tick, daily_at=dt.time(18, 0))}
    assert run_due(T0 + dt.timedelta(minutes=1), daily) == []
    row = PeriodicSchedule.objects.get(name="tick")
    assert (row.spec, row.next_run_at) == ("daily at 18:00 UTC", dt.datetime(2026, 3, 1, 18, 0, tzinfo=UTC))


@pytest.mark.django_db
@pytest.mark.parametrize("skew", [-dt.timedelta(hours=1), dt.timedelta(hours=1)])
def test_the_scheduler_goes_by_the_database_clock(monkeypatch, skew):
    """A worker whose clock is an hour off neither runs a task early nor holds a due one back."""
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + skew)
    registered = {**every_five("soon"), **every_five("due")}
    db_now = jobs.db_now()
    PeriodicSchedule.objects.create(
        name="soon", spec=registered["soon"].spec, next_run_at=db_now + dt.timedelta(minutes=2)
    )
    PeriodicSchedule.objects.create(
        name="due", spec=registered["due"].spec, next_run_at=db_now - dt.timedelta(minutes=1)
    )

    assert run_due(registered=registered) == ["due"]
    row = PeriodicSchedule.objects.get(name="due")
    assert abs(row.last_run_at - jobs.db_now()) < dt.timedelta(seconds=5)
    assert row.next_run_at == db_now + dt.timedelta(minutes=4)  # the next slot of its grid, by the database's time


@pytest.mark.slow
@pytest.mark.usefixtures("shared_database")
def test_concurrent_schedulers_enqueue_a_due_run_exactly_once():
    registered, workers = every_five("race"), 8
    start = threading.Barrier(workers)
    enqueued, errors = [], []

    def scheduler_loop():
        try:
            start.wait()
            enqueued.extend(run_due(T0, registered))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scheduler_loop) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert enqueued == ["race"]
    assert DBTaskResult.objects.filter(task_path=tick.module_path).count() == 1


# --- the housekeeping task --------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(TASK_RESULT_RETENTION_DAYS=14)
def test_prune_old_records_deletes_only_what_is_past_its_age():
    now = timezone.now()
    old_done, old_failed, recent_done, old_ready = (DBTaskResult.objects.create(**_task_row()) for _ in range(4))
    DBTaskResult.objects.filter(pk__in=[old_done.pk, recent_done.pk]).update(status=TaskResultStatus.SUCCESSFUL)
    DBTaskResult.objects.filter(pk=old_failed.pk).update(status=TaskResultStatus.FAILED)
    DBTaskResult.objects.filter(pk__in=[old_done.pk, old_failed.pk]).update(finished_at=now - dt.timedelta(days=15))
    DBTaskResult.objects.filter(pk=recent_done.pk).update(finished_at=now - dt.timedelta(days=13))
    DBTaskResult.objects.filter(pk=old_ready.pk).update(enqueued_at=now - dt.timedelta(days=30))

    user = User.objects.create(username="keys", email="keys@example.test")
    _idempotency_record(user, "new")
    old_key = _idempotency_record(user, "old")
    IdempotencyRecord.objects.filter(pk=old_key.pk).update(created_at=now - dt.timedelta(hours=25))

    assert prune_old_records.call() == {"task_results": 2, "idempotency_records": 1}
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {recent_done.pk, old_ready.pk}
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    assert prune_old_records.call() == {"task_results": 0, "idempotency_records": 0}


def _task_row() -> dict:
    return {
        "args_kwargs": {"args": [], "kwargs": {}},
        "task_path": tick.module_path,
        "backend_name": "default",
        "run_after": dt.datetime(9999, 1, 1, tzinfo=UTC),
    }


def _idempotency_record(user, key: str) -> IdempotencyRecord:
    return IdempotencyRecord.objects.create(
        user=user, key=key, method="POST", path="/x", request_hash="-", status=201, body=b"", content_type=""
    )


@pytest.mark.django_db
def test_planner_statistics_are_refreshed_on_sqlite_and_left_to_autovacuum_on_postgresql():
    from django.db import connection

    from rapport.core.tasks import refresh_planner_statistics

    User.objects.create(username="counted", email="counted@example.test")
    if connection.vendor != "sqlite":
        assert refresh_planner_statistics.call() == {"analyzed": False}
        return
    assert refresh_planner_statistics.call() == {"analyzed": True}
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        analyzed = {row[0] for row in cursor.fetchall()}
    assert "users_user" in analyzed  # (empty tables have nothing to sample)
