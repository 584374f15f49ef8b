"""Running an import: read the file, prepare rows (in worker processes for big files), write them batch by batch.

Crash safety: each batch is ONE transaction that writes its records, the outcome rows (ImportRow), what undo
needs (ImportedRecord, ImportRow.before), the job's counters and ``processed_rows``. The transaction starts by
advancing ``processed_rows`` from the value the run expects (a conditional UPDATE that also locks the job row):
a run that finds another run ahead of it stops, and a run started again after a crash (the task is run again by
another worker) skips the rows already committed. So no row is imported twice and no half batch is left.

Speed: no ORM object per row. Rows are parsed by the csv module, cleaned by the services' cleaning functions
(``prepare``; in a pool of processes when the file is big), and written with one bulk statement per table
(``writer``/``bulk``). A big load of new contacts drops the tables' secondary indexes and builds them at the end
(``indexes``).
"""

import logging
import os
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce, Now

from rapport.core import audit
from rapport.core.errors import ApplicationError
from rapport.users import access
from rapport.users.enums import Feature

from ..enums import JobStatus
from ..models import ImportJob, ImportRow
from ..schema import RecordSchema
from . import indexes, writer
from .prepare import Failed, Plan, Ready, init_worker, prepare, prepare_chunk
from .readers import FileProblem, open_reader

logger = logging.getLogger(__name__)

SMALL_FILE = 5 * 1024 * 1024  # files up to this size have their rows counted exactly before the run

Progress = Callable[[ImportJob], None]


def batch_size() -> int:
    return settings.IMPORT_BATCH_SIZE


def pool_workers() -> int:
    """Processes that clean rows while this one reads the file and writes (0: all in this process): one per
    CPU besides this process's, at most 4. ``IMPORT_WORKERS`` overrides."""
    configured = settings.IMPORT_WORKERS
    if configured is not None:
        return int(configured)
    return max(0, min((os.cpu_count() or 1) - 1, 4))


def pool_min_rows() -> int:
    return settings.IMPORT_POOL_MIN_ROWS


def options_of(job: ImportJob) -> dict:
    return job.options if isinstance(job.options, dict) else {}


def build_plan(job: ImportJob, schema: RecordSchema, owner_id) -> Plan:
    return Plan(
        object_type=job.object_type,
        file_format=job.file_format,
        headers=job.headers,
        mapping=job.mapping,
        schema=schema,
        mode=job.mode,
        owner_id=owner_id,
        actor_id=job.owner_id,
    )


def resolve_assignment(actor, job: ImportJob) -> tuple[int | None, int | None]:
    """The owner and team every created record gets, checked to be within the importer's write scope."""
    from ..services import _records

    options = options_of(job)
    data = {"owner": actor.pk, **{k: options[k] for k in ("owner", "team") if options.get(k) is not None}}
    owner_id, team_id = _records.resolve_owner_team(actor=actor, data=data)
    _records.ensure_assignable(actor=actor, object_type=job.object_type, owner_id=owner_id, team_id=team_id)
    return owner_id, team_id


def _fail(job: ImportJob, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error=message[:2000], finished_at=Now())
    job.refresh_from_db()


def run(job_id: int, *, progress: Progress | None = None, workers: int | None = None) -> ImportJob | None:
    """Run (or resume) an import; returns the job, or None when there is no such job."""
    job = ImportJob.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return job
    started = ImportJob.objects.filter(pk=job.pk, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).update(
        status=JobStatus.RUNNING, started_at=Coalesce(F("started_at"), Now()), error=""
    )
    if not started:
        return job
    job.refresh_from_db()
    actor = job.owner
    if actor is None or not access.has_feature(actor, Feature.IMPORT):
        _fail(job, "The user who started this import can no longer import.")
        return job
    try:
        return _run(job, actor, progress=progress, workers=workers)
    except ApplicationError as exc:
        _fail(job, exc.message if not exc.fields else " ".join(m for ms in exc.fields.values() for m in ms))
        return job
    except Exception as exc:
        # Messages of database errors can quote the data: the log gets the class name only.
        logger.error("Import id=%s failed with %s", job.pk, type(exc).__name__)
        logger.debug("Import id=%s failure", job.pk, exc_info=exc)
        _fail(job, f"The import stopped on an unexpected error ({type(exc).__name__}); you can resume it.")
        raise


def _run(job: ImportJob, actor, *, progress, workers) -> ImportJob:
    schema = RecordSchema.load(job.object_type)
    owner_id, team_id = resolve_assignment(actor, job)
    plan = build_plan(job, schema, owner_id)
    with transaction.atomic():
        names = set(options_of(job).get("tags") or [])
        option_tags = list(writer.resolve_tags(_bare_context(job, actor, plan), names).values())
    try:
        reader = open_reader(Path(job.file_path), job.file_format, encoding=job.encoding, delimiter=job.delimiter)
    except FileProblem as exc:
        _fail(job, exc.message)
        return job
    except OSError:
        _fail(job, "The uploaded file is gone; upload it again.")
        return job
    if job.total_rows is None:
        # Big files are not read an extra time to count their rows: an estimate (from their size) shows the
        # progress, the count is exact once the run is over.
        total = reader.count() if job.file_size <= SMALL_FILE else reader.estimate()
        ImportJob.objects.filter(pk=job.pk).update(total_rows=total)
        job.total_rows = total
    ctx = writer.Context(job=job, actor=actor, plan=plan, owner_id=owner_id, team_id=team_id, option_tags=option_tags)
    rows = _skip(reader.rows(), job.processed_rows)
    remaining = max((job.total_rows or 0) - job.processed_rows, 0)
    if workers is None:
        workers = pool_workers() if remaining >= pool_min_rows() else 0
    position = job.processed_rows
    deferred = indexes.defer_for(job, remaining)
    try:
        for results in _prepared(plan, rows, workers):
            if not write_batch(ctx, position, results):
                logger.info("Import id=%s: another run is ahead; this one stops", job.pk)
                job.refresh_from_db()
                return job  # the run ahead builds the indexes when it is done
            position += len(results)
            if progress is not None:
                job.refresh_from_db()
                progress(job)
    except Exception:
        # A failed run builds them now; an aborted one (the worker stopping) leaves them to the resumed run.
        if deferred:
            indexes.restore_for(job, deferred)
        raise
    if deferred:
        # Every row is in: the progress shows the indexes being built (an estimated total could still differ).
        ImportJob.objects.filter(pk=job.pk).update(total_rows=F("processed_rows"))
        indexes.restore_for(job, deferred)
    return _finish(job, actor)


def _bare_context(job, actor, plan) -> writer.Context:
    return writer.Context(job=job, actor=actor, plan=plan, owner_id=None, team_id=None, option_tags=[])


def _skip(rows: Iterator, count: int) -> Iterator:
    """The rows after the first ``count`` (those a previous run committed)."""
    return islice(rows, count, None) if count else rows


def _chunks(rows: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _prepared(plan: Plan, rows: Iterator, workers: int) -> Iterator[list]:
    """Batches of prepared rows, in file order. With workers, rows are cleaned in other processes while this one
    writes; at most two batches per worker wait, so memory stays bounded."""
    size = batch_size()
    if workers <= 0:
        for chunk in _chunks(rows, size):
            yield [prepare(plan, number, row) for number, row in chunk]
        return
    import multiprocessing

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=init_worker, initargs=(plan,)) as pool:
        pending: deque = deque()
        for chunk in _chunks(rows, size):
            pending.append(pool.submit(prepare_chunk, chunk))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


# --- one batch -------------------------------------------------------------------------------------------------


def _claim(job: ImportJob, start: int, count: int) -> bool:
    """Advance ``processed_rows`` from ``start``: refused when another run got there first. Locks the job row."""
    return bool(
        ImportJob.objects.filter(pk=job.pk, processed_rows=start, status=JobStatus.RUNNING).update(
            processed_rows=start + count
        )
    )


def write_batch(ctx: writer.Context, start: int, results: list) -> bool:
    """Write one batch in one transaction; False when another run has already written it."""
    failed = [writer.Outcome(r.number, "failed", message=r.message) for r in results if isinstance(r, Failed)]
    ready = [r for r in results if isinstance(r, Ready)]
    ctx.reset_batch()
    try:
        with transaction.atomic():
            if not _claim(ctx.job, start, len(results)):
                return False
            outcomes = writer.apply(ctx, ready)
            _record(ctx, start, len(results), failed + outcomes, ready)
        return True
    except IntegrityError:
        # A record saved meanwhile by someone else conflicts (an external id, a tag...): row by row, so the others
        # still go in. Caches may hold ids of what the rolled-back transaction created.
        pass
    ctx.forget_lookups()
    ctx.reset_batch()
    with transaction.atomic():
        if not _claim(ctx.job, start, len(results)):
            return False
        outcomes = []
        for row in ready:
            saved = ctx.batch_state()
            try:
                with transaction.atomic():
                    outcomes += writer.apply(ctx, [row])
            except DatabaseError:
                ctx.restore_batch(saved)
                ctx.forget_lookups()
                outcomes.append(
                    writer.Outcome(row.number, "failed", message="Conflicts with a record saved meanwhile.")
                )
        _record(ctx, start, len(results), failed + outcomes, ready)
    return True


def _record(ctx: writer.Context, start: int, count: int, outcomes: list, ready: list) -> None:
    """The batch's outcome rows, counters, undo records, listeners and audit entry (in its transaction)."""
    job = ctx.job
    counts = Counter(o.outcome for o in outcomes if o.outcome != "created")
    created = len(ctx.created.get(job.object_type, ()))
    rows = [(o.number, o.outcome, o.record_id, o.message[:2000], ctx.bulk.value(o.before) if o.before else None)
            for o in outcomes if o.outcome != "created" or o.message]  # fmt: skip
    ctx.bulk.insert(ImportRow, ["row_number", "outcome", "record_id", "message", "before"], rows, {"job_id": job.pk})
    ImportJob.objects.filter(pk=job.pk).update(
        created_count=F("created_count") + created,
        updated_count=F("updated_count") + counts["updated"],
        skipped_count=F("skipped_count") + counts["skipped"],
        failed_count=F("failed_count") + counts["failed"],
    )
    writer.finish_batch(ctx)
    first = start + 1
    audit.record(
        actor=ctx.actor,
        action="import_batch",
        obj=job,
        changes={
            "rows": [first, start + count],
            "created": created,
            "updated": counts["updated"],
            "skipped": counts["skipped"],
            "failed": counts["failed"],
        },
    )


def _finish(job: ImportJob, actor) -> ImportJob:
    with transaction.atomic():
        done = ImportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.DONE, finished_at=Now(), total_rows=F("processed_rows")
        )
        job.refresh_from_db()
        if done:
            audit.record(
                actor=actor,
                action="import_finished",
                obj=job,
                changes={
                    "rows": job.processed_rows,
                    "created": job.created_count,
                    "updated": job.updated_count,
                    "skipped": job.skipped_count,
                    "failed": job.failed_count,
                },
            )
    if done:
        remove_file(job)
    return job


def remove_file(job: ImportJob) -> None:
    """The uploaded file is kept while the import may still run or resume, then deleted."""
    try:
        path = Path(job.file_path)
        if path.is_file() and Path(settings.VAR_DIR, "imports") in path.parents:
            path.unlink()
    except OSError:
        logger.warning("Import id=%s: could not delete its file", job.pk)
