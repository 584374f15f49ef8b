"""Exports of the contact and company lists: what to export (a plan, checked once), small exports streamed at
once, large ones written by a background job, the jobs' reads, and the clean-up of old files.

An export is the list as its page shows it: the same filters (the actor's record access included), columns
and order. Only users with the ``export`` feature export. Every export is audited with its filters and row
count; text that may name a person (a search, an email filter) is not written to the log.
"""

import contextlib
import logging
import os
import secrets
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from rapport.core import audit, jobs
from rapport.core.errors import ApplicationError, Conflict, NotFound, validation_error
from rapport.users import access
from rapport.users.enums import Feature

from .. import selectors
from ..enums import JobStatus
from ..models import ExportJob
from ..selectors.lists import LIST_SPECS, ListField, ListSpec, capped_count
from . import writer

logger = logging.getLogger(__name__)

OBJECT_TYPES = {"contact": "contacts", "company": "companies"}
# Up to this many rows download at once; more go to a background job (the setting EXPORT_DIRECT_LIMIT overrides it).
DIRECT_LIMIT = 10_000
MAX_IDS = 10_000  # selected rows one export names
KEEP_FOR = timedelta(days=7)  # files of finished exports are deleted after this
# Keys of a list page's query string that are not filters.
NOT_FILTERS = frozenset({"columns", "ordering", "sort", "cursor", "limit", "page", "view", "ids", "format",
                         "csrfmiddlewaretoken", "next"})  # fmt: skip


def direct_limit() -> int:
    return int(getattr(settings, "EXPORT_DIRECT_LIMIT", DIRECT_LIMIT))


def exports_dir() -> Path:
    path = Path(settings.VAR_DIR) / "exports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


# --- the plan -------------------------------------------------------------------------------------------


@dataclass
class ExportPlan:
    actor: Any
    object_type: str
    file_format: str
    filters: dict[str, Any]
    columns: list[str]
    ordering: str
    ids: list[int] | None
    spec: ListSpec
    fields: list[ListField]
    queryset: QuerySet = field(repr=False)

    @property
    def content_type(self) -> str:
        return writer.FORMATS[self.file_format][0]

    def file_name(self) -> str:
        return f"{OBJECT_TYPES[self.object_type]}-{timezone.localdate():%Y-%m-%d}.{self.file_format}"

    def columns_writer(self) -> writer.Columns:
        return writer.Columns(self.fields, time_zone=getattr(self.actor, "time_zone", "") or "")

    def pages(self, *, chunk: int = writer.CHUNK) -> Iterator[list]:
        return writer.iter_pages(self.spec, self.queryset, self.fields, ordering=self.ordering, chunk=chunk)

    def count(self, cap: int | None = None) -> tuple[int, bool]:
        """How many rows, counting at most ``cap`` (default: the direct-download limit); ``(n, more)``."""
        return capped_count(self.queryset, cap or direct_limit())


def _clean_ids(ids) -> list[int] | None:
    if ids in (None, "", []):
        return None
    items = ids if isinstance(ids, list | tuple | set) else str(ids).split(",")
    out = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        if not text.isdigit() or not 0 < int(text) < 2**63:
            raise validation_error({"ids": "Give record ids, separated by commas."})
        out.append(int(text))
    if len(out) > MAX_IDS:
        raise validation_error({"ids": f"Select at most {MAX_IDS:,} rows, or export the whole list."})
    return sorted(set(out)) or None


def _clean_columns(spec: ListSpec, columns) -> list[str]:
    if columns in (None, "", []):
        return []
    items = columns if isinstance(columns, list | tuple) else str(columns).split(",")
    keys = [str(c).strip() for c in items if str(c).strip()]
    unknown = [k for k in keys if k not in spec.by_key]
    if unknown:
        raise validation_error({"columns": f"Unknown column: {', '.join(unknown[:5])}."})
    return keys


def plan_export(
    *,
    actor,
    object_type: str,
    file_format: str = "csv",
    filters: Mapping[str, Any] | None = None,
    columns=None,
    ordering: str | None = "",
    ids=None,
) -> ExportPlan:
    """Check an export and find its rows (within the actor's access); raises 403 without the export feature,
    422 for unknown filters, columns or orderings."""
    access.ensure_feature(actor, Feature.EXPORT)
    errors = {}
    if object_type not in OBJECT_TYPES:
        errors["object_type"] = f"Choose one of: {', '.join(OBJECT_TYPES)}."
    file_format = str(file_format or "csv").lower()
    if file_format not in writer.FORMATS:
        errors["format"] = f"Choose one of: {', '.join(writer.FORMATS)}."
    if errors:
        raise validation_error(errors)
    spec = LIST_SPECS[object_type].with_custom()
    keys = _clean_columns(spec, columns)
    fields = spec.columns(keys)
    ordering = str(ordering or "").strip()
    spec.ordering_of(ordering or None)  # 422 for a column that does not sort
    id_list = _clean_ids(ids)
    filters = {str(k): v for k, v in (filters or {}).items() if str(k) not in NOT_FILTERS}
    if object_type == "contact":
        queryset = selectors.contact_list(actor=actor, filters=filters, spec=spec)
    else:
        queryset = selectors.company_list(actor=actor, filters=filters, spec=spec)
    if id_list is not None:
        queryset = queryset.filter(pk__in=id_list)
    return ExportPlan(actor, object_type, file_format, filters, [f.key for f in fields], ordering, id_list, spec,
                      fields, queryset)  # fmt: skip


def plan_from_query(*, actor, object_type: str, params, view_id=None) -> ExportPlan:
    """A plan from a list page's query string (and form): its filters, ``columns``, ``ordering`` (or ``sort``),
    ``q``, and ``ids`` and ``format``. ``view`` (a saved view's id) supplies what the parameters leave out."""
    filters, columns, ordering = {}, None, ""
    view = params.get("view") if view_id is None else view_id
    if view:
        saved = selectors.saved_view_get(actor=actor, pk=view)
        if saved.object_type != object_type:
            raise NotFound()
        filters, columns, ordering = dict(saved.filters or {}), list(saved.columns or []), saved.ordering
    for key in params:
        if key in NOT_FILTERS or key.startswith("_"):
            continue
        values = [v for v in params.getlist(key) if v != ""]
        if values:
            filters[key] = values if len(values) > 1 else values[0]
    if params.getlist("columns"):
        columns = [c for value in params.getlist("columns") for c in value.split(",") if c]
    ordering = params.get("ordering") or params.get("sort") or ordering
    ids = [i for value in params.getlist("ids") for i in value.split(",")]
    return plan_export(actor=actor, object_type=object_type, file_format=params.get("format") or "csv",
                       filters=filters, columns=columns, ordering=ordering, ids=ids)  # fmt: skip


# --- audit ----------------------------------------------------------------------------------------------


def _logged_filters(spec: ListSpec, filters: Mapping[str, Any]) -> dict[str, Any]:
    """The filters as the audit log keeps them: free text (a search, a name, an email) is left out."""
    out = {}
    for key, value in filters.items():
        name, _, op = key.partition("__")
        field_spec = spec.by_key.get(name)
        if key == "q" or (field_spec is not None and field_spec.kind == "text" and op != "empty"):
            out[key] = "…"
        else:
            out[key] = value
    return out


def _audit(plan: ExportPlan, *, rows: int, actor=None, job: ExportJob | None = None) -> None:
    changes = {
        "format": plan.file_format,
        "filters": _logged_filters(plan.spec, plan.filters),
        "columns": plan.columns,
        "ordering": plan.ordering or plan.spec.default_ordering,
        "rows": rows,
    }
    if plan.ids is not None:
        changes["selected"] = len(plan.ids)
    if job is not None:
        changes["job"] = job.pk
    audit.record(actor=actor or plan.actor, action="export", object_type=plan.object_type, changes=changes,
                 object_repr=f"Export of {OBJECT_TYPES[plan.object_type]}")  # fmt: skip


# --- small exports: at once -----------------------------------------------------------------------------


def export_stream(plan: ExportPlan, *, rows: int) -> Iterator[bytes]:
    """A CSV export as a stream of bytes (audited now, written as it is read)."""
    _audit(plan, rows=rows)
    return (text.encode("utf-8") for text in writer.csv_chunks(plan.columns_writer(), plan.pages()))


def export_file(plan: ExportPlan, *, rows: int):
    """An Excel export written to an anonymous temporary file (audited); returns the open file, at its start.
    The file has no name on disk: it disappears when closed."""
    _audit(plan, rows=rows)
    handle, path = tempfile.mkstemp(prefix=".direct-", suffix=f".{plan.file_format}", dir=exports_dir())
    os.close(handle)
    try:
        _write(plan, path)
        out = open(path, "rb")  # noqa: SIM115 - handed to the response, which closes it
    finally:
        os.unlink(path)
    return out


def _write(plan: ExportPlan, path, *, progress=None) -> int:
    columns, pages = plan.columns_writer(), plan.pages()
    if plan.file_format == "xlsx":
        title = OBJECT_TYPES[plan.object_type].capitalize()
        return writer.write_xlsx(path, columns, pages, title=title, progress=progress)
    return writer.write_csv(path, columns, pages, progress=progress)


def export_to_path(plan: ExportPlan, path, *, progress=None) -> int:
    """Write the whole export to ``path`` (the command line); audited; returns the number of rows."""
    rows = _write(plan, path, progress=progress)
    _audit(plan, rows=rows)
    return rows


# --- large exports: a background job --------------------------------------------------------------------


def export_queue(plan: ExportPlan, *, run_now: bool = False) -> ExportJob:
    """Create the export job and enqueue its task (in the same transaction); ``run_now`` writes the file at once
    instead (for small exports asked for over the API)."""
    from .tasks import run_export

    filters = dict(plan.filters)
    if plan.ids is not None:
        filters["ids"] = plan.ids
    with transaction.atomic():
        job = ExportJob.objects.create(
            object_type=plan.object_type, file_format=plan.file_format, filters=filters, columns=plan.columns,
            ordering=plan.ordering, status=JobStatus.QUEUED, owner=plan.actor, team_id=plan.actor.team_id,
        )  # fmt: skip
        if not run_now:
            jobs.enqueue(run_export, job.pk)
    if run_now:
        return export_run(job_id=job.pk)
    return job


PROGRESS_EVERY = timedelta(seconds=1)


def export_run(*, job_id: int) -> ExportJob | None:
    """Write the file of a queued (or interrupted) export job as its owner; safe to run twice: a finished job is
    left alone, an interrupted one starts again from the beginning."""
    job = ExportJob.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.status in (JobStatus.DONE, JobStatus.FAILED):
        return job
    ExportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, processed_rows=0, error="")
    directory = exports_dir()
    handle, temp = tempfile.mkstemp(prefix=f".job-{job.pk}-", suffix=f".{job.file_format}", dir=directory)
    os.close(handle)
    # Inside a request's transaction (a small export over the API), a savepoint keeps a failure from breaking it.
    guard = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    try:
        with guard:
            filters = dict(job.filters or {})
            ids = filters.pop("ids", None)
            plan = plan_export(actor=job.owner, object_type=job.object_type, file_format=job.file_format,
                               filters=filters, columns=job.columns, ordering=job.ordering, ids=ids)  # fmt: skip
            total = plan.queryset.order_by().count()
            ExportJob.objects.filter(pk=job.pk).update(total_rows=total)
            last = [timezone.now()]

            def progress(done: int) -> None:
                now = timezone.now()
                if now - last[0] >= PROGRESS_EVERY:
                    last[0] = now
                    ExportJob.objects.filter(pk=job.pk).update(processed_rows=done, total_rows=max(total, done))

            rows = _write(plan, temp, progress=progress)
            final = directory / f"export-{job.pk}-{secrets.token_hex(8)}.{job.file_format}"
            os.replace(temp, final)
            with transaction.atomic():
                ExportJob.objects.filter(pk=job.pk).update(
                    status=JobStatus.DONE, file_path=str(final.relative_to(settings.VAR_DIR)), processed_rows=rows,
                    total_rows=rows, finished_at=timezone.now(),
                )  # fmt: skip
                _audit(plan, rows=rows, job=job)
    except Exception as exc:
        if os.path.exists(temp):
            os.unlink(temp)
        message = exc.message if isinstance(exc, ApplicationError) else "The export failed; the error was logged."
        if isinstance(exc, ApplicationError) and exc.fields:
            message += " " + " ".join(m for messages in exc.fields.values() for m in messages)
        # The class name and the job only: an exception's text may quote the data.
        logger.error("Export job id=%s failed with %s", job.pk, type(exc).__name__)
        logger.debug("Export job id=%s failure", job.pk, exc_info=exc)
        ExportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=message[:1000], finished_at=timezone.now()
        )
    job.refresh_from_db()
    return job


# --- reads: a user's own exports ------------------------------------------------------------------------


def export_job_list(*, actor) -> QuerySet:
    """The actor's export jobs, newest first (exports are private to whoever asked for them)."""
    if actor is None or not actor.is_authenticated:
        return ExportJob.objects.none()
    return ExportJob.objects.filter(owner_id=actor.pk).order_by("-created_at", "-id")


def export_job_get(*, actor, pk) -> ExportJob:
    try:
        return export_job_list(actor=actor).get(pk=pk)
    except (ExportJob.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def export_job_file(*, actor, job: ExportJob):
    """``(open file, download name, content type)`` of a finished export of the actor's."""
    if job.owner_id != actor.pk:
        raise NotFound()
    if job.status != JobStatus.DONE:
        raise Conflict("not_ready", "The export is not finished yet.")
    path = (Path(settings.VAR_DIR) / job.file_path).resolve() if job.file_path else None
    if path is None or exports_dir().resolve() not in path.parents or not path.is_file():
        raise NotFound("The file of this export was deleted; export the list again.")
    name = f"{OBJECT_TYPES.get(job.object_type, 'export')}-{job.created_at:%Y-%m-%d}-{job.pk}.{job.file_format}"
    return open(path, "rb"), name, writer.FORMATS[job.file_format][0]


def export_labels(job: ExportJob) -> dict[str, list[str]]:
    """The job's columns and filters by their labels in the list, for its page."""
    spec = LIST_SPECS[job.object_type].with_custom() if job.object_type in OBJECT_TYPES else None
    if spec is None:
        return {"columns": list(job.columns), "filters": list(job.filters)}

    def label(key: str) -> str:
        name, _, op = key.partition("__")
        field_spec = spec.by_key.get(name)
        text = field_spec.label if field_spec else "Search" if key == "q" else "Selected rows" if key == "ids" else key
        return text + {"gte": " (from)", "lte": " (to)", "empty": " (empty)"}.get(op, "")

    return {"columns": [label(k) for k in job.columns], "filters": [label(k) for k in job.filters]}


def export_progress(job: ExportJob) -> int | None:
    """Percent done, None while unknown."""
    if job.status == JobStatus.DONE:
        return 100
    if not job.total_rows:
        return None
    return min(100, round(100 * job.processed_rows / job.total_rows))


# --- clean-up -------------------------------------------------------------------------------------------


def exports_prune(*, now=None) -> dict[str, int]:
    """Delete export jobs (and their files) older than ``KEEP_FOR``, and files no job knows that are older than
    that (left by a crash). Safe to run twice."""
    now = now or timezone.now()
    cutoff = now - KEEP_FOR
    old = ExportJob.objects.filter(created_at__lt=cutoff)
    files = 0
    for path in old.exclude(file_path="").values_list("file_path", flat=True):
        target = Path(settings.VAR_DIR) / path
        if target.is_file():
            target.unlink()
            files += 1
    jobs_deleted, _ = old.delete()
    known = {Path(p).name for p in ExportJob.objects.exclude(file_path="").values_list("file_path", flat=True)}
    directory = exports_dir()
    for entry in directory.iterdir():
        if entry.is_file() and entry.name not in known and entry.stat().st_mtime < cutoff.timestamp():
            entry.unlink()
            files += 1
    return {"jobs": jobs_deleted, "files": files}
