"""Export pages: the list pages' export buttons post here; small exports download at once, large ones become a
background job with a progress page. ``/exports/`` lists the user's own exports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_POST, require_safe

from rapport.core.errors import ApplicationError
from rapport.core.forms import raise_for_http
from rapport.core.listing import paginate
from rapport.core.ui import fragment_or_page, get_or_404
from rapport.users import access
from rapport.users.enums import Feature

from .. import exports
from ..enums import JobStatus

LIST_PAGES = {"contact": "contact_list", "company": "company_list"}


def _list_url(object_type: str, query: str = "") -> str:
    try:
        url = reverse(LIST_PAGES[object_type])
    except NoReverseMatch:  # the list pages are not there (yet)
        return reverse("export_list")
    return f"{url}?{query}" if query else url


def _params(request):
    """The list page's query string, with the posted form on top (the buttons post ids and format)."""
    params = request.GET.copy()
    for key in request.POST:
        params.setlist(key, request.POST.getlist(key))
    return params


def _export(request, object_type: str):
    actor = request.user
    params = _params(request)
    try:
        plan = exports.plan_from_query(actor=actor, object_type=object_type, params=params)
        rows, more = plan.count()
        if more:
            job = exports.export_queue(plan)
        elif plan.file_format == "csv":
            stream = exports.export_stream(plan, rows=rows)
        else:
            handle = exports.export_file(plan, rows=rows)
    except ApplicationError as exc:
        raise_for_http(exc)
        back = params.copy()
        for key in ("csrfmiddlewaretoken", "ids", "format"):
            back.pop(key, None)
        context = {"error": exc, "object_type": object_type, "back_url": _list_url(object_type, back.urlencode())}
        return render(request, "contacts/export_invalid.html", context, status=exc.status)
    if more:
        messages.info(
            request, "The list is long: the export runs in the background. Download it here when it is ready."
        )
        url = reverse("export_detail", args=[job.pk])
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
    if plan.file_format == "csv":
        response = StreamingHttpResponse(stream, content_type=plan.content_type)
        response["Content-Disposition"] = f'attachment; filename="{plan.file_name()}"'
    else:
        response = FileResponse(handle, as_attachment=True, filename=plan.file_name(), content_type=plan.content_type)
    response["Cache-Control"] = "no-store"
    response["X-Export-Rows"] = str(rows)
    return response


@login_required
@require_POST
def contact_export(request):
    return _export(request, "contact")


@login_required
@require_POST
def company_export(request):
    return _export(request, "company")


@login_required
@require_safe
def export_list(request):
    actor = request.user
    page = paginate(request, exports.export_job_list(actor=actor))
    for job in page:
        job.percent = exports.export_progress(job)
    context = {
        "page": page,
        "active": any(job.status in (JobStatus.QUEUED, JobStatus.RUNNING) for job in page),
        "can_export": access.has_feature(actor, Feature.EXPORT),
        "keep_days": exports.job.KEEP_FOR.days,
    }
    return fragment_or_page(request, "export-jobs", "contacts/export_list_results.html",
                            "contacts/export_list.html", context)  # fmt: skip


@login_required
@require_safe
def export_detail(request, pk):
    job = get_or_404(exports.export_job_get, actor=request.user, pk=pk)
    context = {
        "job": job,
        "percent": exports.export_progress(job),
        "active": job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
        "list_url": _list_url(job.object_type),
        "labels": exports.job.export_labels(job),
        "keep_days": exports.job.KEEP_FOR.days,
    }
    return fragment_or_page(request, "export-progress", "contacts/export_progress.html",
                            "contacts/export_detail.html", context)  # fmt: skip


@login_required
@require_safe
def export_download(request, pk):
    actor = request.user
    job = get_or_404(exports.export_job_get, actor=actor, pk=pk)
    try:
        handle, name, content_type = exports.export_job_file(actor=actor, job=job)
    except ApplicationError as exc:
        if exc.code == "not_ready":
            messages.info(request, exc.message)
            return redirect("export_detail", pk=job.pk)
        raise_for_http(exc)
        raise
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("contacts/export/", contact_export, name="contact_export"),
    path("companies/export/", company_export, name="company_export"),
    path("exports/", export_list, name="export_list"),
    path("exports/<int:pk>/", export_detail, name="export_detail"),
    path("exports/<int:pk>/download/", export_download, name="export_download"),
]
