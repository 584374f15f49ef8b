"""The import pages: upload, mapping and options, preview, the run's progress (htmx polling), the report and
undo. Thin: each view parses, calls a service or selector of ``contacts.imports``, renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from rapport.core.errors import ApplicationError
from rapport.core.forms import apply_application_error, raise_for_http
from rapport.core.ui import get_or_404, require
from rapport.users import access
from rapport.users.enums import Feature

from ..enums import JobStatus
from ..imports import indexes, report, selectors, services, uploads, vcard
from ..imports import mapping as mappings
from ..imports.forms import FileSettingsForm, OptionsForm, UploadForm
from ..schema import RecordSchema

ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.UNDOING)
OUTCOMES = [("", "All"), ("failed", "Failed"), ("skipped", "Skipped"), ("updated", "Updated"), ("created", "Notes")]
SAMPLES = 3


def _can_import(user) -> bool:
    return access.has_feature(user, Feature.IMPORT)


@login_required
def import_list(request):
    require(_can_import(request.user))
    page = Paginator(selectors.import_list(actor=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "contacts/import_list.html", {"page": page})


# --- upload ----------------------------------------------------------------------------------------------------


@csrf_exempt
@login_required
def import_upload(request):
    """The upload streams to disk through ImportUploadHandler, which must be installed before the body is read:
    hence CSRF is checked here, after that (``csrf_protect`` on the inner view), not by the middleware. The
    stored file is removed unless an import job took it (a refused CSRF token, an invalid form, an error)."""
    require(_can_import(request.user))
    if request.method != "POST":
        return _import_upload(request, None)
    handler = uploads.ImportUploadHandler(request)
    request.upload_handlers = [handler]
    try:
        return _import_upload(request, handler)
    finally:
        handler.release()


@csrf_protect
def _import_upload(request, handler):
    initial = {
        "object_type": request.GET.get("type") if request.GET.get("type") in ("contact", "company") else "contact"
    }
    if request.method != "POST":
        return _upload_page(request, UploadForm(initial=initial))
    upload = request.FILES.get("file")  # reads the body, through the handler
    if handler.too_large:
        form = UploadForm(request.POST, initial=initial)
        form.is_valid()
        form.add_error("file", uploads.too_large().message)
        return _upload_page(request, form, status=413)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, form, status=422)
    try:
        stored, size = uploads.store_uploaded(upload)
        job = services.import_create(
            actor=request.user, object_type=form.cleaned_data["object_type"], path=stored, file_name=upload.name,
            size=size,
        )  # fmt: skip
    except ApplicationError as exc:
        apply_application_error(form, exc)
        return _upload_page(request, form, status=exc.status)
    handler.claim()
    return redirect("import_mapping", pk=job.pk)


def _upload_page(request, form, status=200):
    from django.conf import settings

    context = {"form": form, "max_mb": settings.IMPORT_MAX_UPLOAD_MB}
    return render(request, "contacts/import_upload.html", context, status=status)


# --- mapping, preview, start -----------------------------------------------------------------------------------


def _job(request, pk):
    return get_or_404(selectors.import_get, actor=request.user, pk=pk)


def _columns(job, schema) -> list[dict]:
    """The rows of the mapping table: each column, a few sample values, its current target and the choices."""
    from ..imports import readers

    samples: dict[int, list[str]] = {i: [] for i in range(len(job.headers))}
    if job.file_format != "vcf":
        try:
            reader = readers.open_reader(job.file_path, job.file_format, encoding=job.encoding, delimiter=job.delimiter)
            for taken, (_number, cells) in enumerate(reader.rows()):
                if taken >= 10:
                    break
                if isinstance(cells, list):
                    for i, value in enumerate(cells[: len(job.headers)]):
                        if value.strip() and len(samples[i]) < SAMPLES:
                            samples[i].append(value[:60])
        except (ApplicationError, OSError):
            pass
    if job.file_format == "vcf":
        keys = {f.key for f in schema.custom_fields}
        rows = []
        for i, prop in enumerate(job.headers):
            label, _default, allowed = vcard.VCARD_MAPPING[prop]
            choices = [(t, vcard.TARGET_LABELS[t]) for t in allowed if t != "custom"]
            if "custom" in allowed:
                choices += [(f"custom.{f.key}", f"Custom: {f.label}") for f in schema.custom_fields if f.key in keys]
            rows.append({"index": i, "header": prop, "label": label, "samples": [], "target": job.mapping.get(prop, ""),
                         "groups": [("", choices)]})  # fmt: skip
        return rows
    groups: dict[str, list] = {}
    for target in mappings.targets(job.object_type, schema):
        groups.setdefault(target.group, []).append((target.key, target.label))
    grouped = list(groups.items())
    return [
        {
            "index": i,
            "header": h,
            "label": h,
            "samples": samples[i],
            "target": job.mapping.get(h, ""),
            "groups": grouped,
        }
        for i, h in enumerate(job.headers)
    ]


def _mapping_page(request, job, *, options_form=None, file_form=None, errors=None, status=200):
    schema = RecordSchema.load(job.object_type)
    context = {
        "job": job,
        "columns": _columns(job, schema),
        "options_form": options_form or OptionsForm(job=job, actor=request.user),
        "file_form": file_form or (FileSettingsForm(job=job) if job.file_format != "xlsx" else None),
        "errors": errors or {},
        "mapping_errors": {k.split(".", 1)[1]: v for k, v in (errors or {}).items() if k.startswith("mapping.")},
    }
    return render(request, "contacts/import_mapping.html", context, status=status)


@login_required
def import_mapping(request, pk):
    job = _job(request, pk)
    if job.status != JobStatus.UPLOADED:
        return redirect("import_detail", pk=job.pk)
    require(job.owner_id == request.user.pk)
    if request.method != "POST":
        return _mapping_page(request, job)
    if "file-encoding" in request.POST:  # the file settings form: read the file again
        file_form = FileSettingsForm(request.POST, job=job)
        if not file_form.is_valid():
            return _mapping_page(request, job, file_form=file_form, status=422)
        try:
            job = services.import_update(actor=request.user, job=job, data=file_form.service_data())
        except ApplicationError as exc:
            apply_application_error(file_form, exc)
            return _mapping_page(request, job, file_form=file_form, status=exc.status)
        messages.success(request, "The file was read again with these settings.")
        return redirect("import_mapping", pk=job.pk)
    options_form = OptionsForm(request.POST, job=job, actor=request.user)
    mapping = {h: request.POST.get(f"map-{i}", "") for i, h in enumerate(job.headers)}
    if not options_form.is_valid():
        return _mapping_page(request, job, options_form=options_form, status=422)
    try:
        job = services.import_update(
            actor=request.user, job=job, data={"mapping": mapping, **options_form.service_data()}
        )
        services.check_ready(job)
    except ApplicationError as exc:
        raise_for_http(exc)
        apply_application_error(options_form, exc, field_map={
            "options.tags": "tags", "options.owner": "owner", "options.team": "team", "match_on": "match_on",
        })  # fmt: skip
        job.mapping = mapping  # show what was chosen
        return _mapping_page(request, job, options_form=options_form, errors=exc.fields, status=exc.status)
    return redirect("import_preview", pk=job.pk)


@login_required
def import_preview(request, pk):
    job = _job(request, pk)
    if job.status != JobStatus.UPLOADED:
        return redirect("import_detail", pk=job.pk)
    require(job.owner_id == request.user.pk)
    try:
        rows = services.import_preview(actor=request.user, job=job)
    except ApplicationError as exc:
        raise_for_http(exc)
        messages.error(request, exc.message)
        return redirect("import_mapping", pk=job.pk)
    fields = _preview_fields(job, rows)
    for row in rows:
        row["cells"] = [_show(row["values"].get(key)) for key, _label in fields]
    context = {"job": job, "rows": rows, "fields": fields, "bad": sum(1 for r in rows if not r["ok"])}
    return render(request, "contacts/import_preview.html", context)


def _preview_fields(job, rows) -> list[tuple[str, str]]:
    order = ["first_name", "last_name", "name", "emails", "phones", "phone", "company", "domains", "job_title",
             "addresses", "tags", "id", "external_id"]  # fmt: skip
    present = {k for r in rows for k in r["values"]}
    labels = {"emails": "Emails", "phones": "Phones", "domains": "Domains", "addresses": "Addresses", "custom": "Custom",
              "company": "Company", "id": "Id"}  # fmt: skip
    keys = (
        [k for k in order if k in present]
        + sorted(present - set(order) - {"custom"})
        + (["custom"] * ("custom" in present))
    )
    return [(k, labels.get(k, k.replace("_", " ").capitalize())) for k in keys]


def _show(value) -> str:
    if value in (None, "", [], {}):
        return ""
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, dict):
                main = item.get("email") or item.get("number") or item.get("domain")
                if main is None:  # an address
                    main = ", ".join(
                        str(item[k]) for k in ("street", "number", "postcode", "city", "country") if item.get(k)
                    )
                parts.append(f"{main} ({item['label']})" if item.get("label") else str(main))
            else:
                parts.append(str(item))
        return "; ".join(parts)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items() if v not in (None, ""))
    return str(value)


def _call_service(request, service, job) -> bool:
    """Call ``service`` on the job; a refusal is shown as an error message (False), or answers 404 or 403."""
    try:
        service(actor=request.user, job=job)
    except ApplicationError as exc:
        raise_for_http(exc)
        messages.error(request, exc.message)
        return False
    return True


@login_required
@require_POST
def import_start(request, pk):
    job = _job(request, pk)
    if not _call_service(request, services.import_start, job):
        return redirect("import_mapping", pk=job.pk)
    return redirect("import_detail", pk=job.pk)


@login_required
@require_POST
def import_discard(request, pk):
    job = _job(request, pk)
    if not _call_service(request, services.import_discard, job):
        return redirect("import_detail", pk=job.pk)
    messages.success(request, f"The upload of {job.file_name} was discarded.")
    return redirect("import_list")


# --- progress, report, undo ------------------------------------------------------------------------------------


def _progress_context(job) -> dict:
    undoing = job.status in (JobStatus.UNDOING, JobStatus.UNDONE)
    if undoing:
        total, done = job.undo_total, job.undo_processed
    else:
        total, done = job.total_rows, job.processed_rows
    return {
        "job": job,
        "active": job.status in ACTIVE,
        "undoing": undoing,
        "total": total,
        "done": min(done or 0, total) if total else done or 0,
        "percent": round(100 * min(done or 0, total) / total) if total else None,
        # Every row is in; a big import builds the indexes it loaded without (``imports.indexes``).
        "finishing": job.status == JobStatus.RUNNING and bool(total) and (done or 0) >= total and indexes.holds(job),
    }


@login_required
def import_detail(request, pk):
    job = _job(request, pk)
    if job.status == JobStatus.UPLOADED and job.owner_id == request.user.pk:
        return redirect("import_mapping", pk=job.pk)
    outcome = request.GET.get("outcome", "")
    outcome = outcome if outcome in dict(OUTCOMES) else ""
    rows = selectors.report_rows(job=job, outcome=outcome)
    if outcome == "created":
        rows = rows.exclude(message="")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    context = {
        **_progress_context(job),
        "page": page,
        "outcome": outcome,
        "outcomes": OUTCOMES,
        "can_undo": services.can_undo(request.user, job),
        "can_resume": job.status == JobStatus.FAILED and job.owner_id == request.user.pk,
    }
    return render(request, "contacts/import_detail.html", context)


@login_required
def import_progress(request, pk):
    """The progress card, polled by htmx while the import (or its undo) runs; a reload once it is over."""
    job = _job(request, pk)
    context = _progress_context(job)
    if not context["active"] and request.GET.get("was") == "active":
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    return render(request, "contacts/import_progress.html", context)


@login_required
def import_report_csv(request, pk):
    job = _job(request, pk)
    response = StreamingHttpResponse(report.csv_lines(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report.file_name(job)}"'
    return response


@login_required
def import_undo(request, pk):
    from rapport.core.ui import confirm

    job = _job(request, pk)
    require(services.can_undo(request.user, job))
    if request.method != "POST":
        return confirm(
            request,
            title=f"Undo the import of {job.file_name}?",
            message=(
                f"The {job.created_count:,} records it created are deleted, with their notes and activities, and the "
                f"{job.updated_count:,} records it updated get their previous values back."
            ),
            action_label="Undo import",
            cancel_url=reverse("import_detail", args=[job.pk]),
        )
    _call_service(request, services.import_undo, job)
    return redirect("import_detail", pk=job.pk)


@login_required
@require_POST
def import_resume(request, pk):
    job = _job(request, pk)
    _call_service(request, services.import_resume, job)
    return redirect("import_detail", pk=job.pk)


urlpatterns = [
    path("imports/", import_list, name="import_list"),
    path("imports/new/", import_upload, name="import_upload"),
    path("imports/<int:pk>/", import_detail, name="import_detail"),
    path("imports/<int:pk>/mapping/", import_mapping, name="import_mapping"),
    path("imports/<int:pk>/preview/", import_preview, name="import_preview"),
    path("imports/<int:pk>/start/", import_start, name="import_start"),
    path("imports/<int:pk>/discard/", import_discard, name="import_discard"),
    path("imports/<int:pk>/progress/", import_progress, name="import_progress"),
    path("imports/<int:pk>/report.csv", import_report_csv, name="import_report_csv"),
    path("imports/<int:pk>/undo/", import_undo, name="import_undo"),
    path("imports/<int:pk>/resume/", import_resume, name="import_resume"),
]
