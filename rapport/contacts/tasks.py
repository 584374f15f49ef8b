"""Background tasks of the data hub. Thin and idempotent: a run that is repeated (a worker died) goes on from
what is committed."""

import logging
from datetime import timedelta

from django.db import connection
from django.db.models.functions import Now
from django_tasks import task
from django_tasks.base import TaskResultStatus

from rapport.core.scheduler import periodic

from .enums import JobStatus
from .exports.tasks import prune_exports, run_export  # noqa: F401  (the scheduler finds periodic tasks here)

logger = logging.getLogger(__name__)


@task()
def run_import(job_id: int) -> None:
    """Run or resume an import (``imports.runner``): batches already committed are skipped."""
    from .imports.runner import run

    run(job_id)


@task()
def undo_import(job_id: int) -> None:
    """Undo an import (``imports.undo``); what is undone is marked in the same transaction, so it resumes."""
    from .imports.undo import run_undo

    run_undo(job_id)


@periodic(every=timedelta(hours=6))
@task()
def prune_import_files() -> dict[str, int]:
    """Remove uploaded files older than a day that no import job refers to (``imports.uploads.prune_orphans``)."""
    from .imports.uploads import prune_orphans

    return {"files": prune_orphans()}


@periodic(every=timedelta(minutes=10))
@task()
def restore_import_indexes() -> dict[str, int]:
    """Build the indexes that imports which no longer run (failed, deleted) dropped (``imports.indexes``)."""
    from .imports.indexes import restore_orphans

    return {"indexes": restore_orphans()}


@task()
def build_custom_sort_index(field_id: int) -> bool:
    """Build the index lists sort a custom field by (``selectors.list_sql.ensure_custom_sort_index``); False when
    the field is gone. Idempotent."""
    from .models import CustomField
    from .selectors import list_sql

    field = CustomField.objects.filter(pk=field_id).first()
    if field is None:
        return False
    list_sql.ensure_custom_sort_index(field)
    if not CustomField.objects.filter(pk=field_id).exists():  # deleted while the index was built
        with connection.cursor() as cursor:
            cursor.execute(list_sql.custom_sort_index_sql(field, drop=True))
        return False
    return True


def _jobs_run_by() -> dict:
    """Task path -> (job model, the statuses its task moves the job out of)."""
    from .models import ExportJob, ImportJob

    return {
        run_import.module_path: (ImportJob, (JobStatus.QUEUED, JobStatus.RUNNING)),
        undo_import.module_path: (ImportJob, (JobStatus.UNDOING,)),
        run_export.module_path: (ExportJob, (JobStatus.QUEUED, JobStatus.RUNNING)),
    }


def fail_job_of_failed_task(sender, task_result, **kwargs) -> None:
    """``task_finished`` receiver: a job whose task failed without saying so itself (its worker was lost too many
    times, or it died outside the job's own error handling) is marked failed, not left "running" for ever."""
    if task_result.status != TaskResultStatus.FAILED or not task_result.args:
        return
    found = _jobs_run_by().get(task_result.task.module_path)
    if found is None:
        return
    model, active = found
    reason = task_result.errors[-1].exception_class_path.rsplit(".", 1)[-1] if task_result.errors else "an error"
    message = f"The background task stopped ({reason}); what it committed is kept."
    if model.objects.filter(pk=task_result.args[0], status__in=active).update(
        status=JobStatus.FAILED, error=message, finished_at=Now()
    ):
        logger.error("%s id=%s: its task failed with %s", model.__name__, task_result.args[0], reason)
