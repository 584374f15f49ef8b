"""/api/v1/exports: export a contact or company list (its filters, columns and order) to CSV or Excel.

``POST /exports`` answers 201 with the export job. An export of up to ``DIRECT_LIMIT`` rows is written during
the request (the job comes back ``done``); a larger one is written in the background: poll
``GET /exports/{id}`` until ``status`` is ``done``, then ``GET /exports/{id}/download``. Exports are private to
whoever asked for them.
"""

from datetime import datetime
from typing import Any, Literal

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.responses import Status

from rapport.core.api_errors import problems
from rapport.core.api_types import Id
from rapport.core.idempotency import idempotent
from rapport.core.pagination import CursorPagination, paginate

from .. import exports
from ..exports import job as export_jobs

router = Router(tags=["exports"])

FilterValue = str | int | float | bool | list[str]


class ExportIn(Schema):
    object_type: Literal["contact", "company"]
    format: Literal["csv", "xlsx"] = "csv"
    filters: dict[str, FilterValue] = Field(
        default_factory=dict,
        description='The list\'s filters, as in its query string: `{"lifecycle_stage": "lead,customer", '
        '"owner": "me", "created_at__gte": "2026-01-01", "cf.plan": "Enterprise", "q": "acme"}`.',
    )
    columns: list[str] = Field(default_factory=list, description="Column keys; empty: the list's default columns.")
    ordering: str = Field("", description="A sortable column key, `-` first for descending; empty: by name.")
    ids: list[Id] | None = Field(None, description="Only these records (the rows selected in the list).")


class ExportOut(Schema):
    id: int
    object_type: str
    format: str
    status: Literal["queued", "running", "done", "failed"]
    filters: dict[str, Any]
    columns: list[str]
    ordering: str
    total_rows: int | None
    processed_rows: int
    progress: int | None = Field(description="Percent done; null while unknown.")
    error: str
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime = Field(description="When the file is deleted.")
    download_url: str | None = Field(description="Where to download the file once the export is done.")

    @staticmethod
    def resolve_format(obj) -> str:
        return obj.file_format

    @staticmethod
    def resolve_progress(obj) -> int | None:
        return exports.export_progress(obj)

    @staticmethod
    def resolve_expires_at(obj) -> datetime:
        return obj.created_at + export_jobs.KEEP_FOR

    @staticmethod
    def resolve_download_url(obj) -> str | None:
        return f"/api/v1/exports/{obj.pk}/download" if obj.status == "done" else None


FILE_RESPONSE = {
    "responses": {
        200: {
            "description": "The file.",
            "content": {content_type.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                        for content_type, _ in export_jobs.writer.FORMATS.values()},
        }
    }
}  # fmt: skip


@router.post(
    "/exports",
    response={201: ExportOut, **problems(401, 403, 422)},
    operation_id="exports_create",
    summary="Export a contact or company list",
)
@idempotent
def exports_create(request: HttpRequest, payload: ExportIn, response: HttpResponse):
    plan = exports.plan_export(
        actor=request.auth, object_type=payload.object_type, file_format=payload.format, filters=payload.filters,
        columns=payload.columns, ordering=payload.ordering, ids=payload.ids,
    )  # fmt: skip
    _, more = plan.count()
    job = exports.export_queue(plan, run_now=not more)
    response["Location"] = f"{request.path.rstrip('/')}/{job.pk}"
    return Status(201, job)


@router.get("/exports", response={200: list[ExportOut], **problems(401, 422)}, operation_id="exports_list")
@paginate(CursorPagination, orderings=("-created_at",))
def exports_list(request: HttpRequest):
    return exports.export_job_list(actor=request.auth)


@router.get("/exports/{export_id}", response={200: ExportOut, **problems(401, 404, 422)}, operation_id="exports_get")
def exports_get(request: HttpRequest, export_id: Id):
    return exports.export_job_get(actor=request.auth, pk=export_id)


@router.get(
    "/exports/{export_id}/download",
    response={**problems(401, 404, 409, 422)},
    operation_id="exports_download",
    summary="Download the file of a finished export (409 while it is being written)",
    openapi_extra=FILE_RESPONSE,
)
def exports_download(request: HttpRequest, export_id: Id):
    job = exports.export_job_get(actor=request.auth, pk=export_id)
    handle, name, content_type = exports.export_job_file(actor=request.auth, job=job)
    answer = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    answer["Cache-Control"] = "no-store"
    return answer
