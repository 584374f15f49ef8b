"""Core background tasks: housekeeping that the scheduler in ``rapport worker`` runs periodically."""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from .scheduler import periodic

IDEMPOTENCY_KEY_LIFETIME = dt.timedelta(hours=24)


@periodic(every=dt.timedelta(hours=1))
@task()
def prune_old_records() -> dict[str, int]:
    """Delete finished task results older than TASK_RESULT_RETENTION_DAYS and Idempotency-Key answers
    older than 24 hours. Safe to run twice: it only deletes what is already past its age."""
    from django_tasks_db.models import DBTaskResult

    from .models import IdempotencyRecord

    now = timezone.now()
    # The same selection as django-tasks-db's prune_db_task_results command (finished = successful or failed).
    results_cutoff = now - dt.timedelta(days=settings.TASK_RESULT_RETENTION_DAYS)
    results, _ = DBTaskResult.objects.finished().filter(finished_at__lte=results_cutoff).delete()
    records, _ = IdempotencyRecord.objects.filter(created_at__lt=now - IDEMPOTENCY_KEY_LIFETIME).delete()
    return {"task_results": results, "idempotency_records": records}


@periodic(every=dt.timedelta(hours=1))
@task()
def refresh_planner_statistics() -> dict[str, bool]:
    """SQLite: sample every table and index again (``ANALYZE``, at most a thousand rows per index: about a second
    for a million contacts and ten million interactions). Without statistics SQLite guesses how many rows an
    index condition matches, and may read a whole team's records to check a handful of ids. PostgreSQL's
    autovacuum keeps its own statistics."""
    from django.db import OperationalError, connection

    from . import deferred_indexes

    if connection.vendor != "sqlite":
        return {"analyzed": False}
    try:
        deferred_indexes.analyze()
    except OperationalError:  # the database is busy (a long write): the next run samples it
        return {"analyzed": False}
    return {"analyzed": True}
