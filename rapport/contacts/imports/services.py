"""The life of an import: upload, configure (mapping, mode, match, options), preview, start, resume, undo.

Every step needs the import feature. An import belongs to the user who uploaded it: only they configure and start
it, and it runs with their permissions; they or a user who manages settings may undo it (with the undoer's
permissions).
"""

from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models.functions import Now

from rapport.core import audit, jobs
from rapport.core.errors import ApplicationError, PermissionDenied, validation_error
from rapport.users import access
from rapport.users.enums import Feature

from ..clean import clean_tags
from ..enums import ImportMatch, ImportMode, JobStatus
from ..models import ImportJob
from ..schema import RecordSchema
from . import mapping as mappings
from . import readers, store, vcard
from .prepare import prepare
from .readers import FileProblem

OBJECT_TYPES = {"contact": "Contacts", "company": "Companies"}
SMALL_FILE = 5 * 1024 * 1024  # rows of smaller files are counted on upload (bigger ones when the run starts)
PREVIEW_ROWS = 20
PREVIEW_SCAN = 10_000  # the preview shows the first PREVIEW_ROWS data rows among the file's first rows


def _conflict(message: str, field: str = "status") -> ApplicationError:
    return ApplicationError("invalid_state", message, {field: message}, status=409)


def ensure_owner(actor, job: ImportJob) -> None:
    access.ensure_feature(actor, Feature.IMPORT)
    if job.owner_id != actor.pk:
        raise PermissionDenied("Only the user who uploaded this file can change or start its import.")


def _read_headers(object_type: str, path: Path, file_format: str, *, encoding="", delimiter=""):
    reader = readers.open_reader(path, file_format, encoding=encoding, delimiter=delimiter)
    if file_format == "vcf" and object_type != "contact":
        raise FileProblem("vCard files hold people: import them as contacts.")
    if file_format != "vcf" and not reader.has_rows():
        raise FileProblem("The file has a header row but no rows to import.")
    return reader


def _suggest(object_type: str, schema: RecordSchema, reader) -> dict[str, str]:
    if reader.format == "vcf":
        return vcard.suggested_mapping()
    return mappings.suggest(object_type, schema, reader.headers)


@transaction.atomic
def import_create(
    *, actor, object_type: str, path: Path, file_name: str, size: int, file_format: str = ""
) -> ImportJob:
    """A new import of a file already stored under VAR_DIR/imports (``uploads``); removes it when refused."""
    try:
        access.ensure_feature(actor, Feature.IMPORT)
        if object_type not in OBJECT_TYPES:
            raise validation_error({"object_type": "Choose contacts or companies."})
        if file_format and file_format not in readers.FORMATS:
            raise validation_error({"file_format": "Choose csv, xlsx or vcf."})
        file_format = file_format or readers.detect_format(path, file_name)
        reader = _read_headers(object_type, path, file_format)
        schema = RecordSchema.load(object_type)
        job = ImportJob.objects.create(
            object_type=object_type,
            status=JobStatus.UPLOADED,
            file_name=(Path(file_name).name or "upload")[:255],
            file_path=str(path),
            file_format=file_format,
            file_size=size,
            encoding=reader.encoding,
            delimiter=reader.delimiter,
            headers=reader.headers,
            mapping=_suggest(object_type, schema, reader),
            mode=ImportMode.CREATE,
            match_on="",
            options={},
            # Small text files are counted here; spreadsheets (a few MB can hold a million rows) and big files
            # by the run, which estimates first.
            total_rows=reader.count() if size <= SMALL_FILE and file_format != "xlsx" else None,
            owner=actor,
            team_id=actor.team_id,
        )
    except BaseException:
        Path(path).unlink(missing_ok=True)
        raise
    audit.record(actor=actor, action="create", obj=job, changes={"file_name": [None, job.file_name],
                                                                 "object_type": [None, object_type]})  # fmt: skip
    return job


def _clean_options(actor, job: ImportJob, value) -> dict:
    if not isinstance(value, dict):
        raise validation_error({"options": "Give the options as an object (tags, owner, team)."})
    unknown = set(value) - {"tags", "owner", "team"}
    if unknown:
        raise validation_error({f"options.{k}": "There is no such option." for k in sorted(unknown)})
    errors: dict[str, str] = {}
    tags = clean_tags(value.get("tags"), errors)
    if errors:
        raise validation_error({"options.tags": errors["tags"]})
    out: dict[str, Any] = {"tags": tags}
    for key in ("owner", "team"):
        if key in value and value[key] not in (None, ""):
            try:
                number = int(value[key])
                if number <= 0 or number >= 2**63:
                    raise ValueError
            except (TypeError, ValueError):
                raise validation_error({f"options.{key}": "Give the id of a user or team."}) from None
            out[key] = number
        elif key in value:
            out[key] = None
    from .runner import resolve_assignment

    probe = ImportJob(object_type=job.object_type, options=out)
    try:
        resolve_assignment(actor, probe)
    except ApplicationError as exc:
        raise validation_error({f"options.{k}": v for k, v in exc.fields.items()}, message=exc.message) from None
    return out


@transaction.atomic
def import_update(*, actor, job: ImportJob, data: dict[str, Any]) -> ImportJob:
    """Change the mapping, mode, match, options (or a CSV's encoding and delimiter) before the import starts."""
    ensure_owner(actor, job)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != JobStatus.UPLOADED:
        raise _conflict("This import has started; its settings can no longer change.")
    unknown = set(data) - {"mapping", "mode", "match_on", "options", "encoding", "delimiter"}
    if unknown:
        raise validation_error(dict.fromkeys(sorted(unknown), "This field cannot be changed."))
    schema = RecordSchema.load(job.object_type)
    before = {k: getattr(job, k) for k in ("mapping", "mode", "match_on", "options", "encoding", "delimiter")}
    if ("encoding" in data or "delimiter" in data) and job.file_format != "xlsx":
        encoding = data.get("encoding", job.encoding) or ""
        delimiter = data.get("delimiter", job.delimiter) or ""
        if not isinstance(encoding, str) or not isinstance(delimiter, str):
            raise validation_error({"encoding": "Give the encoding and delimiter as text."})
        try:
            reader = _read_headers(job.object_type, Path(job.file_path), job.file_format, encoding=encoding,
                                   delimiter=delimiter if job.file_format == "csv" else "")  # fmt: skip
        except FileProblem as exc:
            raise validation_error({"encoding": exc.message}, message=exc.message) from None
        if reader.headers != job.headers:
            job.mapping = _suggest(job.object_type, schema, reader)
        job.encoding, job.delimiter, job.headers = reader.encoding, reader.delimiter, reader.headers
        job.total_rows = reader.count() if job.file_size <= SMALL_FILE else None
    if "mode" in data:
        if data["mode"] not in ImportMode.values:
            raise validation_error({"mode": "Choose create, update or upsert."})
        job.mode = data["mode"]
    if "match_on" in data:
        match_on = data["match_on"] or ""
        if match_on and match_on not in mappings.MATCH_CHOICES[job.object_type]:
            choices = ", ".join(mappings.MATCH_CHOICES[job.object_type])
            raise validation_error({"match_on": f"Choose one of: {choices}."})
        job.match_on = match_on
    if "mapping" in data:
        job.mapping = clean_mapping(job, schema, data["mapping"])
    if "options" in data:
        job.options = _clean_options(actor, job, data["options"])
    job.save()
    changes = audit.diff(before, {k: getattr(job, k) for k in before})
    if changes:
        audit.record(actor=actor, action="update", obj=job, changes=changes)
    return job


def clean_mapping(job: ImportJob, schema: RecordSchema, value) -> dict[str, str]:
    if job.file_format != "vcf":
        return mappings.validate(job.object_type, schema, job.headers, value)
    if not isinstance(value, dict):
        raise validation_error({"mapping": "Give the mapping as an object of vCard properties and fields."})
    keys = {f.key for f in schema.custom_fields}
    errors, out = {}, dict.fromkeys(job.headers, "")
    for prop, target in value.items():
        target = "" if target in (None, "ignore") else target
        if prop not in out:
            errors[f"mapping.{prop}"] = "There is no such vCard property."
        elif not isinstance(target, str) or not vcard.allowed(prop, target, keys):
            errors[f"mapping.{prop}"] = "This property cannot go to this field."
        else:
            out[prop] = target
    if errors:
        raise validation_error(errors, message="The mapping is not valid.")
    return out


def check_ready(job: ImportJob) -> None:
    if job.file_format == "vcf":
        if not any(job.mapping.values()):
            raise validation_error({"mapping": "Map at least one vCard property to a field."})
        if job.mode != ImportMode.CREATE and job.match_on not in (ImportMatch.EMAIL, ImportMatch.PHONE):
            raise validation_error({"match_on": "vCards are matched by email or phone."})
        return
    mappings.check_ready(job.object_type, job.mapping, job.mode, job.match_on)


def import_preview(*, actor, job: ImportJob, limit: int = PREVIEW_ROWS) -> list[dict]:
    """The first rows as they would be imported: cleaned values (by target) or the row's errors."""
    from .runner import build_plan

    ensure_owner(actor, job)
    schema = RecordSchema.load(job.object_type)
    plan = build_plan(job, schema, actor.pk)
    plan.keep_values = True  # the preview shows them
    try:
        reader = readers.open_reader(Path(job.file_path), job.file_format, encoding=job.encoding,
                                     delimiter=job.delimiter)  # fmt: skip
    except OSError:
        raise _conflict("The uploaded file is gone; upload it again.", "file") from None
    out = []
    # Rows past PREVIEW_SCAN are not read: a sheet of blank rows must not keep the request busy.
    for number, row in reader.rows(last=PREVIEW_SCAN):
        result = prepare(plan, number, row)
        if hasattr(result, "message"):
            out.append({"row_number": number, "ok": False, "message": result.message, "values": {}})
        else:
            values = {k: v for k, v in result.values.items() if not k.startswith("_")}
            if result.company:
                values["company"] = result.company
            if result.record_id:
                values["id"] = result.record_id
            out.append({"row_number": number, "ok": True, "message": "", "values": values})
        if len(out) >= limit:
            break
    return out


@transaction.atomic
def import_start(*, actor, job: ImportJob, background: bool = True) -> ImportJob:
    """Queue the import; ``background=False`` leaves running it to the caller (the command line runs it in the
    foreground with ``runner.run``)."""
    from ..tasks import run_import
    from .runner import resolve_assignment

    ensure_owner(actor, job)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != JobStatus.UPLOADED:
        raise _conflict("This import has already started.")
    check_ready(job)
    try:
        resolve_assignment(actor, job)
    except ApplicationError as exc:
        raise validation_error({f"options.{k}": v for k, v in exc.fields.items()}, message=exc.message) from None
    job.status = JobStatus.QUEUED
    job.save(update_fields=["status"])
    audit.record(actor=actor, action="import_started", obj=job, changes={
        "mode": job.mode, "match_on": job.match_on, "mapping": {k: v for k, v in job.mapping.items() if v},
        "options": job.options,
    })  # fmt: skip
    if background:
        jobs.enqueue(run_import, job.pk)
    return job


@transaction.atomic
def import_resume(*, actor, job: ImportJob) -> ImportJob:
    """Queue a failed import again: it goes on after the rows it committed."""
    from ..tasks import run_import

    ensure_owner(actor, job)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != JobStatus.FAILED or not Path(job.file_path).is_file():
        raise _conflict("Only an import that stopped on an error, with its file still kept, can be resumed.")
    job.status, job.error = JobStatus.QUEUED, ""
    job.save(update_fields=["status", "error"])
    audit.record(actor=actor, action="import_resumed", obj=job, changes={"processed_rows": job.processed_rows})
    jobs.enqueue(run_import, job.pk)
    return job


def can_undo(actor, job: ImportJob) -> bool:
    return (
        access.has_feature(actor, Feature.IMPORT)
        and (job.owner_id == actor.pk or access.has_feature(actor, Feature.SETTINGS))
        and job.status in (JobStatus.DONE, JobStatus.FAILED)
        and (job.created_count or job.updated_count or job.processed_rows) > 0
    )


@transaction.atomic
def import_undo(*, actor, job: ImportJob) -> ImportJob:
    """Delete what the import created and restore what it updated (in the background, with progress)."""
    from ..tasks import undo_import

    access.ensure_feature(actor, Feature.IMPORT)
    if job.owner_id != actor.pk and not access.has_feature(actor, Feature.SETTINGS):
        raise PermissionDenied("Only the user who ran this import, or an administrator, can undo it.")
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in (JobStatus.DONE, JobStatus.FAILED) or not can_undo(actor, job):
        raise _conflict("Only a finished import can be undone, once.")
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.UNDOING, finished_at=None, error="", undo_total=store.undo_total(job), undo_processed=0,
        options={**(job.options or {}), "undo_by": actor.pk},
    )  # fmt: skip
    job.refresh_from_db()
    audit.record(actor=actor, action="import_undo_started", obj=job, changes={"records": job.undo_total})
    jobs.enqueue(undo_import, job.pk)
    job.refresh_from_db()
    return job


@transaction.atomic
def import_discard(*, actor, job: ImportJob) -> None:
    """Drop an upload that was never started (and its file)."""
    ensure_owner(actor, job)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != JobStatus.UPLOADED:
        raise _conflict("Only an import that has not started can be discarded.")
    audit.record(actor=actor, action="delete", obj=job, changes={"file_name": [job.file_name, None]})
    path = Path(job.file_path)
    job.delete()
    transaction.on_commit(lambda: path.unlink(missing_ok=True))


def mark_failed(job_id: int, message: str) -> None:
    ImportJob.objects.filter(pk=job_id).update(status=JobStatus.FAILED, error=message, finished_at=Now())
