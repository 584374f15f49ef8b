"""Background tasks of exports. ``rapport.contacts.tasks`` imports them, so that the scheduler finds the periodic
one (it discovers each app's ``tasks`` module)."""

from datetime import timedelta

from django_tasks import task

from rapport.core.scheduler import periodic


@task()
def run_export(job_id: int) -> None:
    """Write the file of export job ``job_id`` (safe to run twice: a finished job is left alone)."""
    from .job import export_run

    export_run(job_id=job_id)


@periodic(every=timedelta(hours=6))
@task()
def prune_exports() -> dict[str, int]:
    """Delete exports (and their files) older than a week."""
    from .job import exports_prune

    return exports_prune()
