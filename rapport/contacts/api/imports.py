"""/api/v1/imports: upload a file, check and change its mapping, preview, start, follow, read the report, undo.

POST   /imports                     multipart: file, object_type -> the job, its headers and suggested mapping
GET    /imports, /imports/{id}      the jobs (yours; every job for users who manage settings)
PATCH  /imports/{id}                mapping, mode, match_on, options (tags, owner, team), encoding, delimiter
GET    /imports/{id}/preview        the first rows as they would be imported
POST   /imports/{id}/start          run it in the background (202); poll GET /imports/{id}
GET    /imports/{id}/report         the rows that were not simply created, with the reason (cursor pages)
GET    /imports/{id}/report.csv     the same, as CSV
POST   /imports/{id}/undo           delete what it created, restore what it updated (202)
GET    /imports/fields              what columns can be mapped to
"""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from rapport.core import etag
from rapport.core.api_errors import problems
from rapport.core.api_types import Id
from rapport.core.errors import validation_error
from rapport.core.idempotency import idempotent
from rapport.core.pagination import CursorPagination, paginate
from rapport.users import access
from rapport.users.enums import Feature

from ..enums import ImportMode, JobStatus
from ..imports import mapping as mappings
from ..imports import report, selectors, services, uploads, vcard
from ..schema import RecordSchema

router = Router(tags=["imports"])

READ = problems(401, 403, 404, 422)
WRITE = problems(401, 403, 404, 409, 422)


class ImportOptions(Schema):
    tags: list[str] = Field(default_factory=list, description="Tags given to every created or updated record.")
    owner: Id | None = Field(None, description="Owner of created records (default: you).")
    team: Id | None = Field(None, description="Team of created records (default: the owner's team).")


class ImportOut(Schema):
    id: int
    object_type: Literal["contact", "company"]
    status: JobStatus
    file_name: str
    file_format: str
    file_size: int
    encoding: str
    delimiter: str
    headers: list[str] = Field(description="The columns of the file (vCard: its properties).")
    mapping: dict[str, str] = Field(description='{column: field}; "" ignores the column. Suggested on upload.')
    mode: ImportMode
    match_on: str
    options: dict
    total_rows: int | None = Field(
        description="Rows of the file: counted on upload for small CSV and vCard files; for others estimated while "
        "the import runs, exact once it is done."
    )
    processed_rows: int
    created_count: int
    updated_count: int
    skipped_count: int
    failed_count: int
    error: str
    undo_total: int | None = Field(description="Records an undo goes through (null before an undo).")
    undo_processed: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ImportPatch(Schema):
    mapping: dict[str, str | None] | None = None
    mode: ImportMode | None = None
    match_on: Literal["", "email", "phone", "external_id", "id", "domain", "name"] | None = None
    options: ImportOptions | None = None
    encoding: str | None = Field(None, max_length=40, description="CSV and vCard: the text encoding to read with.")
    delimiter: Literal[",", ";", "\t", "|"] | None = Field(None, description="CSV: the delimiter.")


class PreviewRow(Schema):
    row_number: int
    ok: bool
    message: str = Field(description="Why the row would fail (empty when it is fine).")
    values: dict = Field(description="The cleaned values the row gives, by field.")


class PreviewOut(Schema):
    rows: list[PreviewRow]


class ReportRow(Schema):
    id: int
    row_number: int
    outcome: Literal["created", "updated", "skipped", "failed"]
    record_id: int | None
    message: str


class ReportFilters(Schema):
    outcome: Literal["created", "updated", "skipped", "failed"] | None = None


class FieldOut(Schema):
    key: str
    label: str
    group: str


class ListFilters(Schema):
    object_type: Literal["contact", "company"] | None = None
    status: JobStatus | None = None


class FieldFilters(Schema):
    object_type: Literal["contact", "company"] = "contact"
    file_format: Literal["csv", "xlsx", "vcf"] = "csv"


def _out(job):
    return job


def _job(request, import_id):
    return selectors.import_get(actor=request.auth, pk=import_id)


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "CSV, .xlsx or .vcf"},
                        "object_type": {"type": "string", "enum": ["contact", "company"], "default": "contact"},
                        "file_format": {"type": "string", "enum": ["csv", "xlsx", "vcf"]},
                    },
                }
            }
        },
    }
}


@router.post(
    "/imports",
    response={201: ImportOut, **problems(400, 401, 403, 413, 422)},
    operation_id="imports_create",
    summary="Upload a file to import (multipart: file, object_type)",
    openapi_extra=UPLOAD_BODY,
)
def imports_create(request: HttpRequest, response: HttpResponse):
    actor = request.auth
    access.ensure_feature(actor, Feature.IMPORT)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > uploads.max_bytes() + 64 * 1024:
        raise uploads.too_large()
    if not (request.content_type or "").startswith("multipart/form-data"):
        raise validation_error({"file": "Send the file as multipart/form-data, in the field 'file'."})
    handler = uploads.ImportUploadHandler(request)
    if not hasattr(request, "_files"):  # not read yet (a session request's CSRF check reads it first)
        request.upload_handlers = [handler]
    try:
        job = _create_from_upload(request, actor, handler)
        handler.claim()
    finally:
        handler.release()  # the file stays only with the job it now belongs to
    response["Location"] = f"{request.path.rstrip('/')}/{job.pk}"
    return Status(201, _out(job))


def _create_from_upload(request: HttpRequest, actor, handler):
    upload = request.FILES.get("file")
    if handler.too_large:
        raise uploads.too_large()
    if upload is None:
        raise validation_error({"file": "Send the file as multipart/form-data, in the field 'file'."})
    path, size = uploads.store_uploaded(upload)
    return services.import_create(actor=actor, object_type=request.POST.get("object_type") or "contact", path=path,
                                  file_name=upload.name or "upload", size=size,
                                  file_format=request.POST.get("file_format") or "")  # fmt: skip


@router.get("/imports", response={200: list[ImportOut], **problems(401, 422)}, operation_id="imports_list")
@paginate(CursorPagination, orderings=("-created_at",))
def imports_list(request: HttpRequest, filters: Query[ListFilters]):
    return selectors.import_list(actor=request.auth, filters=filters.dict())


@router.get("/imports/fields", response={200: list[FieldOut], **problems(401, 403, 422)}, operation_id="imports_fields",
            summary="The fields columns can be mapped to")  # fmt: skip
def imports_fields(request: HttpRequest, filters: Query[FieldFilters]):
    access.ensure_feature(request.auth, Feature.IMPORT)
    schema = RecordSchema.load(filters.object_type)
    if filters.file_format == "vcf":
        return [FieldOut(key=k, label=v, group="vCard") for k, v in vcard.TARGET_LABELS.items()]
    return [FieldOut(key=t.key, label=t.label, group=t.group) for t in mappings.targets(filters.object_type, schema)]


@router.get(
    "/imports/{import_id}", response={200: ImportOut, **READ}, operation_id="imports_get", openapi_extra=etag.DOCUMENTED
)
def imports_get(request: HttpRequest, import_id: Id, response: HttpResponse):
    return etag.tag(response, ImportOut, _out(_job(request, import_id)))


@router.patch("/imports/{import_id}", response={200: ImportOut, **WRITE, **problems(412)},
              operation_id="imports_update", summary="Change the mapping and options before starting",
              openapi_extra=etag.DOCUMENTED)  # fmt: skip
def imports_update(
    request: HttpRequest, import_id: Id, payload: ImportPatch, response: HttpResponse, if_match: etag.IfMatch = None
):
    data = payload.model_dump(mode="json", exclude_unset=True)
    if data.get("options") is not None:
        data["options"] = payload.options.model_dump(exclude_unset=True)
    data = {k: v for k, v in data.items() if v is not None or k == "mapping"}
    if data.get("mapping") is None:
        data.pop("mapping", None)
    with etag.precondition(if_match, ImportOut, lambda: _job(request, import_id)) as job:
        job = services.import_update(actor=request.auth, job=job, data=data)
    return etag.tag(response, ImportOut, _out(job))


@router.get("/imports/{import_id}/preview", response={200: PreviewOut, **WRITE}, operation_id="imports_preview")
def imports_preview(request: HttpRequest, import_id: Id, limit: int = Query(20, ge=1, le=100)):
    rows = services.import_preview(actor=request.auth, job=_job(request, import_id), limit=limit)
    return {"rows": rows}


@router.post("/imports/{import_id}/start", response={202: ImportOut, **WRITE}, operation_id="imports_start",
             summary="Run the import in the background")  # fmt: skip
@idempotent
def imports_start(request: HttpRequest, import_id: Id):
    job = services.import_start(actor=request.auth, job=_job(request, import_id))
    return Status(202, _out(job))


@router.get("/imports/{import_id}/report", response={200: list[ReportRow], **READ}, operation_id="imports_report",
            summary="The rows that were not simply created, and why")  # fmt: skip
@paginate(CursorPagination, orderings=("row_number",))
def imports_report(request: HttpRequest, import_id: Id, filters: Query[ReportFilters]):
    return selectors.report_rows(job=_job(request, import_id), outcome=filters.outcome or "")


@router.get(
    "/imports/{import_id}/report.csv",
    response={200: str, **READ},
    operation_id="imports_report_csv",
    summary="The report as CSV",
    openapi_extra={"responses": {200: {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}}},
)
def imports_report_csv(request: HttpRequest, import_id: Id):
    job = _job(request, import_id)
    response = StreamingHttpResponse(report.csv_lines(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report.file_name(job)}"'
    return response


@router.post("/imports/{import_id}/undo", response={202: ImportOut, **WRITE}, operation_id="imports_undo",
             summary="Undo the import in the background")  # fmt: skip
@idempotent
def imports_undo(request: HttpRequest, import_id: Id):
    job = services.import_undo(actor=request.auth, job=_job(request, import_id))
    return Status(202, _out(job))
