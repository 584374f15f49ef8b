"""rapport worker: lease recovery, clean shutdown, and a worker killed with SIGKILL mid-task.

The process tests run real ``rapport worker`` subprocesses on a database they share with the test
(``shared_database``) and, for the Redis backend, on a Redis database of this test run (``redis_db``).
"""

import atexit
import datetime as dt
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.db import connections
from django.test import override_settings
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskContext, TaskResultStatus
from django_tasks.signals import task_finished
from django_tasks_db.models import DBTaskResult

from rapport.core import jobs
from rapport.core.models import IdempotencyRecord, WorkerHeartbeat
from rapport.core.worker import WorkerLost, beat, recover_expired_leases, release_tasks_of, run_ready_tasks
from rapport.users.models import User

BASE_DIR = Path(settings.BASE_DIR)


@task()
def record_effect(user_id: int, key: str, sleep_seconds: float = 0) -> str:
    """An idempotent task: its effect is a row keyed on ``key``; a second run finds it and does nothing more."""
    _, created = IdempotencyRecord.objects.get_or_create(
        user_id=user_id,
        key=key,
        defaults={
            "method": "POST",
            "path": "/test",
            "request_hash": "-",
            "status": 200,
            "body": b"",
            "content_type": "",
        },
    )
    if created and sleep_seconds:
        time.sleep(sleep_seconds)
    return key


# --- fixtures and helpers ---------------------------------------------------------------------------


@pytest.fixture
def shared_database(transactional_db, tmp_path):
    """The test database made reachable from other processes; yields its DATABASE_URL.

    PostgreSQL (and a file SQLite) already are. pytest-django's SQLite test database lives in memory: it is
    copied to a file with SQLite's backup API and the ``default`` connection (in this thread and in threads
    started by the test) points at that file until the test ends.
    """
    conn = connections["default"]
    if conn.vendor != "sqlite":
        s = conn.settings_dict
        auth = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
        yield f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        return
    if not conn.is_in_memory_db():
        yield f"sqlite:///{conn.settings_dict['NAME']}"
        return
    path = tmp_path / "shared.sqlite3"
    conn.ensure_connection()
    copy = sqlite3.connect(path)
    conn.connection.backup(copy)
    # Switch the copy to WAL now: connections that open a rollback-journal file at the same moment race to
    # switch it, and the losers get "database is locked" at once, without waiting for the busy timeout.
    copy.execute("PRAGMA journal_mode=WAL")
    copy.close()
    file_settings = {**conn.settings_dict, "NAME": str(path)}
    file_conn = conn.__class__(file_settings, alias="default")
    original_settings = connections.settings["default"]
    connections.settings["default"] = file_settings
    connections["default"] = file_conn
    try:
        yield f"sqlite:///{path}"
    finally:
        file_conn.close()
        connections["default"] = conn
        connections.settings["default"] = original_settings


@pytest.fixture
def redis_db(redis_url):
    """A Redis database of this test run, emptied before and after the test, as the RQ backend of this process.

    Normally ``redis_url``'s (db 15). When another test run holds it (developers run suites side by side),
    this run takes a lower database that is empty or was a test run's (see ``_own_redis_db``).
    """
    import redis

    url = _own_redis_db(redis_url)
    client = redis.Redis.from_url(url)
    _empty_test_db(client)
    rq_tasks = {"default": {"BACKEND": "rapport.core.jobs.RQBackend", "QUEUES": ["default"]}}
    with override_settings(TASKS=rq_tasks, RQ_QUEUES={"default": {"URL": url}}):
        yield url
    _empty_test_db(client)
    client.close()


_REDIS_LOCK = "rapport:test-run"  # held (with a TTL, renewed by each test) by the test run using the database
_REDIS_MARK = "rapport:test-db"  # a database test runs used: its content may be deleted
_REDIS_LOCK_TTL = 3600
_redis_dbs: dict[str, tuple[str, str]] = {}  # redis_url -> (the database of this run, its lock token)


def _own_redis_db(redis_url: str) -> str:
    """The URL of a Redis database locked for this test run: ``redis_url``'s if free, else a lower free one.

    A lower database is taken only when it is empty or marked as a test database, never database 0.
    """
    import redis

    if redis_url in _redis_dbs:
        url, token = _redis_dbs[redis_url]
        with redis.Redis.from_url(url) as client:
            if (
                client.set(_REDIS_LOCK, token, xx=True, ex=_REDIS_LOCK_TTL)
                and client.get(_REDIS_LOCK) == token.encode()
            ):
                return url
        del _redis_dbs[redis_url]  # lost (expired and taken): look again
    parts = urlsplit(redis_url)
    base = int(parts.path.strip("/") or 0)
    token = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    for db in range(base, 0, -1):
        url = parts._replace(path=f"/{db}").geturl()
        with redis.Redis.from_url(url) as client:
            if not client.set(_REDIS_LOCK, token, nx=True, ex=_REDIS_LOCK_TTL):
                continue  # another test run's
            if db != base:
                if client.dbsize() > 1 and not client.exists(_REDIS_MARK):
                    client.delete(_REDIS_LOCK)  # someone's data
                    continue
                client.set(_REDIS_MARK, "1")  # a crashed run leaves it: the next run may empty the database
        _redis_dbs[redis_url] = (url, token)
        atexit.register(_release_redis_db, url, token)
        return url
    message = f"no free Redis database at or below {redis_url} for this test run"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)  # under CI the Redis tests are mandatory
    pytest.skip(message)


def _empty_test_db(client) -> None:
    """Delete every key but the run's lock and mark (FLUSHDB would drop the lock for a moment)."""
    keys = [key for key in client.scan_iter(count=1000) if key not in (_REDIS_LOCK.encode(), _REDIS_MARK.encode())]
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


def _release_redis_db(url: str, token: str) -> None:
    import redis

    try:
        with redis.Redis.from_url(url) as client:
            if client.get(_REDIS_LOCK) == token.encode():
                _empty_test_db(client)
                client.delete(_REDIS_LOCK, _REDIS_MARK)
    except redis.RedisError:
        pass


def wait_until(predicate, *, timeout: float = 20, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# Runs manage.py with django.utils.timezone.now() off by RAPPORT_TEST_CLOCK_SKEW seconds: a machine whose clock is wrong.
SKEWED_MANAGE_PY = """
import datetime, os, runpy, sys
from django.utils import timezone
skew, real_now = datetime.timedelta(seconds=float(os.environ["RAPPORT_TEST_CLOCK_SKEW"])), timezone.now
timezone.now = lambda: real_now() + skew
sys.argv[0] = "manage.py"
runpy.run_path("manage.py", run_name="__main__")
"""


def start_worker(
    database_url: str, tmp_path: Path, worker_id: str, *args: str, redis_url: str = "", clock_skew: float = 0
) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "RAPPORT_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "worker-test",
        "TASKS_BACKEND": "rq" if redis_url else "database",
        "REDIS_URL": redis_url,
        "RAPPORT_TEST_CLOCK_SKEW": str(clock_skew),
        "PYTHONFAULTHANDLER": "1",  # stacks in the log on SIGABRT (see stop())
    }
    manage_py = ["-c", SKEWED_MANAGE_PY] if clock_skew else ["manage.py"]
    command = [sys.executable, *manage_py, "worker", "--worker-id", worker_id, "--interval", "0.1", *args]
    # Own process group: the SIGKILL reaches the worker and anything it started, like a machine that dies.
    log_path = tmp_path / f"{worker_id}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    process.log_path = log_path  # type: ignore[attr-defined]  (stop() shows it when the worker hangs)
    return process


def stop(process: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 45) -> int:
    """Signal the worker's process group and return its exit code.

    The timeout leaves room for a step blocked on SQLite's 20 s busy timeout. A worker that does not stop in
    time gets SIGABRT first, so that faulthandler writes every thread's stack to its log, which the failure shows.
    """
    if process.poll() is None:
        os.killpg(process.pid, sig)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGABRT)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log = process.log_path.read_text()[-8000:]  # type: ignore[attr-defined]
        raise AssertionError(f"the worker did not stop within {timeout}s of {sig!r}; its log ends:\n{log}") from None


def log_of(tmp_path: Path, worker_id: str) -> str:
    return (tmp_path / f"{worker_id}.log").read_text()


def make_user(name: str = "effect") -> User:
    return User.objects.create(username=name, email=f"{name}@example.test")


def effects(key: str) -> int:
    return IdempotencyRecord.objects.filter(key=key).count()


# --- lease recovery (in process) --------------------------------------------------------------------


def _claimed(worker_id: str, *, started_ago: dt.timedelta, beat_ago: dt.timedelta | None, key: str) -> DBTaskResult:
    user = User.objects.first() or make_user()
    result = DBTaskResult.objects.get(id=jobs.enqueue(record_effect, user.pk, key))
    result.claim(worker_id)
    now = timezone.now()
    DBTaskResult.objects.filter(pk=result.pk).update(started_at=now - started_ago)
    if beat_ago is not None:
        WorkerHeartbeat.objects.create(worker_id=worker_id, started_at=now - beat_ago, last_seen=now - beat_ago)
    return result


@pytest.mark.django_db
def test_tasks_of_a_silent_worker_go_back_to_ready_and_run_again():
    lost = _claimed("dead", started_ago=dt.timedelta(minutes=5), beat_ago=dt.timedelta(minutes=2), key="lost")
    never_beat = _claimed("gone", started_ago=dt.timedelta(minutes=5), beat_ago=None, key="gone")
    alive = _claimed("alive", started_ago=dt.timedelta(minutes=5), beat_ago=dt.timedelta(seconds=1), key="alive")
    just_started = _claimed("young", started_ago=dt.timedelta(seconds=1), beat_ago=None, key="young")

    assert recover_expired_leases(lease=60) == 2

    status = dict(DBTaskResult.objects.values_list("id", "status"))
    assert status[lost.pk] == status[never_beat.pk] == TaskResultStatus.READY
    assert status[alive.pk] == status[just_started.pk] == TaskResultStatus.RUNNING
    assert recover_expired_leases(lease=60) == 0

    assert run_ready_tasks() == 2
    lost.refresh_from_db()
    assert lost.status == TaskResultStatus.SUCCESSFUL
    assert lost.worker_ids[0] == "dead" and len(lost.worker_ids) == 2
    assert effects("lost") == effects("gone") == 1


@pytest.mark.django_db
@override_settings(WORKER_MAX_ATTEMPTS=3)
def test_a_task_that_keeps_losing_its_worker_fails_instead_of_looping():
    result = _claimed("w1", started_ago=dt.timedelta(minutes=5), beat_ago=None, key="poison")
    DBTaskResult.objects.filter(pk=result.pk).update(worker_ids=["w1", "w2", "w3"])
    told = []
    task_finished.connect(receiver := lambda sender, task_result, **kw: told.append(task_result), weak=False)
    try:
        assert recover_expired_leases(lease=60) == 0
    finally:
        task_finished.disconnect(receiver)
    result.refresh_from_db()
    assert result.status == TaskResultStatus.FAILED
    assert result.exception_class_path == f"{WorkerLost.__module__}.WorkerLost"
    # Announced like any failure, so that what the task was doing can be marked failed too.
    assert [(r.id, r.status) for r in told] == [(str(result.pk), TaskResultStatus.FAILED)]


# --- the database's clock, not the machine's ---------------------------------------------------------

HOUR = dt.timedelta(hours=1)


def skew_clock(monkeypatch, skew: dt.timedelta) -> None:
    """Make this process a machine whose clock is off by ``skew``."""
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + skew)


@pytest.mark.django_db
@pytest.mark.parametrize("skew", [-HOUR, HOUR])
def test_a_heartbeat_is_stamped_with_the_database_clock(monkeypatch, skew):
    skew_clock(monkeypatch, skew)
    before = jobs.db_now()
    beat("skewed")
    beat("skewed")  # the renewal too
    after = jobs.db_now()
    row = WorkerHeartbeat.objects.get(pk="skewed")
    tolerance = dt.timedelta(milliseconds=1)  # SQLite's clock has milliseconds
    assert before - tolerance <= row.started_at <= row.last_seen <= after + tolerance
    assert abs(jobs.db_now() - timezone.now()) > HOUR / 2  # the machine's clock really is off


@pytest.mark.django_db
@pytest.mark.parametrize("skew", [-HOUR, HOUR])
def test_lease_recovery_judges_heartbeats_by_the_database_clock(monkeypatch, skew):
    """A recovering machine an hour ahead takes no live worker for dead; an hour behind, still finds dead ones."""
    alive = _claimed("alive", started_ago=dt.timedelta(minutes=5), beat_ago=dt.timedelta(seconds=1), key="alive")
    dead = _claimed("dead", started_ago=dt.timedelta(minutes=5), beat_ago=dt.timedelta(minutes=2), key="dead")
    young = _claimed("young", started_ago=dt.timedelta(seconds=1), beat_ago=None, key="young")
    skew_clock(monkeypatch, skew)

    assert recover_expired_leases(lease=60) == 1
    status = dict(DBTaskResult.objects.values_list("id", "status"))
    assert status[dead.pk] == TaskResultStatus.READY
    assert status[alive.pk] == status[young.pk] == TaskResultStatus.RUNNING


@task(takes_context=True)
def report_start(context: TaskContext) -> list[str]:
    """Return the task's start time as stored, and the database's time, both seen while it runs."""
    started_at = DBTaskResult.objects.get(id=context.task_result.id).started_at
    return [started_at.isoformat(), jobs.db_now().isoformat()]


@pytest.mark.django_db
@pytest.mark.parametrize("skew", [-HOUR, HOUR])
def test_a_task_start_is_stamped_with_the_database_clock(monkeypatch, skew):
    """A task started by a machine an hour behind is not an hour old to the others (nor one ahead, future)."""
    result_id = jobs.enqueue(report_start)
    skew_clock(monkeypatch, skew)
    assert run_ready_tasks() == 1
    started_at, db_now = map(dt.datetime.fromisoformat, report_start.get_result(result_id).return_value)
    assert dt.timedelta(0) <= db_now - started_at < dt.timedelta(seconds=5)


@pytest.mark.django_db
def test_a_stopping_worker_releases_only_its_own_tasks():
    mine = _claimed("me", started_ago=dt.timedelta(seconds=1), beat_ago=None, key="mine")
    theirs = _claimed("them", started_ago=dt.timedelta(seconds=1), beat_ago=None, key="theirs")
    assert release_tasks_of("me") == 1
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (TaskResultStatus.READY, TaskResultStatus.RUNNING)


# --- real worker processes --------------------------------------------------------------------------


@pytest.mark.slow
def test_sigterm_lets_the_running_task_finish_then_exits(shared_database, tmp_path):
    user = make_user()
    result_id = jobs.enqueue(record_effect, user.pk, "graceful", 1.5)
    worker = start_worker(shared_database, tmp_path, "graceful-worker")
    try:
        wait_until(lambda: effects("graceful"), what="the task to start")
        assert WorkerHeartbeat.objects.filter(pk="graceful-worker").exists()
        assert stop(worker) == 0, log_of(tmp_path, "graceful-worker")
    finally:
        stop(worker, signal.SIGKILL)
    assert DBTaskResult.objects.get(id=result_id).status == TaskResultStatus.SUCCESSFUL
    assert not WorkerHeartbeat.objects.filter(pk="graceful-worker").exists()


def _abort_with_two_signals(database_url: str, tmp_path: Path, *, redis_url: str = "", exit_code: int) -> str:
    user = make_user()
    result_id = jobs.enqueue(record_effect, user.pk, "aborted", 30)
    worker = start_worker(database_url, tmp_path, "impatient", "--no-scheduler", redis_url=redis_url)
    try:
        wait_until(lambda: effects("aborted"), what="the task to start")
        os.killpg(worker.pid, signal.SIGTERM)
        time.sleep(1.2)  # RQ ignores a second signal within a second of the first
        assert stop(worker, signal.SIGINT) == exit_code, log_of(tmp_path, "impatient")
    finally:
        stop(worker, signal.SIGKILL)
    assert record_effect.get_result(result_id).status == TaskResultStatus.READY
    return result_id


@pytest.mark.slow
def test_a_second_signal_aborts_the_task_and_puts_it_back(shared_database, tmp_path):
    result_id = _abort_with_two_signals(shared_database, tmp_path, exit_code=1)
    assert DBTaskResult.objects.get(id=result_id).worker_ids == ["impatient"]


@pytest.mark.slow
@pytest.mark.redis
def test_a_second_signal_puts_the_rq_job_back_on_its_queue(shared_database, redis_db, tmp_path):
    import django_rq

    result_id = _abort_with_two_signals(shared_database, tmp_path, redis_url=redis_db, exit_code=0)  # RQ's exit
    assert django_rq.get_queue("default").job_ids == [result_id]


def _kill_mid_task_then_recover(database_url: str, tmp_path: Path, *, redis_url: str = "") -> tuple[str, str, str]:
    """Enqueue a slow idempotent task, SIGKILL the worker running it, let a second worker recover it."""
    user = make_user()
    key = f"kill-{uuid.uuid4().hex[:8]}"
    first, second = f"doomed-{key}", f"heir-{key}"
    result_id = jobs.enqueue(record_effect, user.pk, key, 60)
    doomed = start_worker(database_url, tmp_path, first, "--lease-seconds", "1", redis_url=redis_url)
    heir = None
    try:
        wait_until(lambda: effects(key), what="the first worker to start the task")
        stop(doomed, signal.SIGKILL)
        assert record_effect.get_result(result_id).status == TaskResultStatus.RUNNING  # held by a dead worker
        heir = start_worker(
            database_url,
            tmp_path,
            second,
            "--lease-seconds",
            "1",
            "--maintenance-seconds",
            "0.2",
            redis_url=redis_url,
        )
        wait_until(
            lambda: record_effect.get_result(result_id).status == TaskResultStatus.SUCCESSFUL,
            what="the second worker to run the task again",
        )
        assert stop(heir) == 0, log_of(tmp_path, second)
    finally:
        stop(doomed, signal.SIGKILL)
        if heir is not None:
            stop(heir, signal.SIGKILL)
    assert effects(key) == 1
    return result_id, first, second


@pytest.mark.slow
def test_task_of_a_worker_killed_mid_task_runs_again_once(shared_database, tmp_path):
    result_id, first, second = _kill_mid_task_then_recover(shared_database, tmp_path)
    result = DBTaskResult.objects.get(id=result_id)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.worker_ids == [first, second]
    assert result.return_value == result.args_kwargs["args"][1]


@pytest.mark.slow
@pytest.mark.redis
def test_rq_job_of_a_worker_killed_mid_task_runs_again_once(shared_database, redis_db, tmp_path):
    import django_rq
    from django_tasks_rq.backend import Job

    result_id, _, second = _kill_mid_task_then_recover(shared_database, tmp_path, redis_url=redis_db)
    result = record_effect.get_result(result_id)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.worker_ids == [second]
    job = Job.fetch(result_id, connection=django_rq.get_connection("default"))
    assert job.meta["rapport_lost_runs"] == 1
    assert job.worker_name == second


def _skewed_worker_keeps_its_task(database_url: str, tmp_path: Path, *, redis_url: str = "") -> tuple[str, str, str]:
    """A worker whose clock is an hour behind runs a task longer than the lease while a second worker
    (right clock, short lease, frequent maintenance) watches: the second must not take the task from it."""
    user = make_user()
    key = f"skew-{uuid.uuid4().hex[:8]}"
    skewed, watcher = f"behind-{key}", f"watcher-{key}"
    result_id = jobs.enqueue(record_effect, user.pk, key, 8)
    lease = ("--lease-seconds", "2")
    first = start_worker(database_url, tmp_path, skewed, *lease, redis_url=redis_url, clock_skew=-3600)
    second = None
    try:
        wait_until(lambda: effects(key), what="the skewed worker to start the task")
        second = start_worker(
            database_url, tmp_path, watcher, *lease, "--maintenance-seconds", "0.2", redis_url=redis_url
        )
        wait_until(
            lambda: record_effect.get_result(result_id).status == TaskResultStatus.SUCCESSFUL,
            what="the skewed worker to finish the task",
        )
        assert stop(second) == 0, log_of(tmp_path, watcher)
        assert stop(first) == 0, log_of(tmp_path, skewed)
    finally:
        stop(first, signal.SIGKILL)
        if second is not None:
            stop(second, signal.SIGKILL)
    assert "lost" not in log_of(tmp_path, watcher)
    return result_id, skewed, watcher


@pytest.mark.slow
def test_a_worker_with_a_wrong_clock_keeps_its_task(shared_database, tmp_path):
    result_id, skewed, _ = _skewed_worker_keeps_its_task(shared_database, tmp_path)
    assert DBTaskResult.objects.get(id=result_id).worker_ids == [skewed]


@pytest.mark.slow
@pytest.mark.redis
def test_an_rq_worker_with_a_wrong_clock_keeps_its_job(shared_database, redis_db, tmp_path):
    import django_rq
    from django_tasks_rq.backend import Job

    result_id, skewed, _ = _skewed_worker_keeps_its_task(shared_database, tmp_path, redis_url=redis_db)
    job = Job.fetch(result_id, connection=django_rq.get_connection("default"))
    assert "rapport_lost_runs" not in job.meta
    assert job.worker_name == skewed
