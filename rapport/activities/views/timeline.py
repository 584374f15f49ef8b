"""The timeline panel of a contact or company, and logging an interaction on it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from rapport.core.errors import ApplicationError
from rapport.core.forms import apply_application_error, raise_for_http
from rapport.core.ui import posted

from .. import selectors, services
from ..enums import InteractionKind
from ..forms import InteractionForm
from ._common import fragment, get_record, record_context, record_url, with_toast


def _timeline_context(request, object_type, record, *, kinds=(), cursor=None):
    actor = request.user
    context = record_context(object_type, record)
    error = None
    try:
        items, next_cursor = selectors.timeline(actor=actor, kinds=kinds, cursor=cursor, **{object_type: record})
    except ApplicationError as exc:
        raise_for_http(exc)
        items, next_cursor, error = [], None, exc.fields.get("cursor", [exc.message])[0]
    context.update(
        items=items,
        next_cursor=next_cursor,
        cursor=cursor,
        kinds=list(kinds),
        kind_choices=InteractionKind.choices,
        cursor_error=error,
        log_form=InteractionForm(prefix=f"log-{object_type}-{record.pk}"),
        log_open=False,
        timeline_url=(url := reverse("timeline", args=[object_type, record.pk])),
        more_url=f"{url}?{urlencode([*(('kind', k) for k in kinds), ('cursor', next_cursor)])}" if next_cursor else "",
    )
    return context


@login_required
def timeline(request, object_type, pk):
    """The timeline panel; with ``cursor``, htmx gets only the next entries (load more on scroll)."""
    record = get_record(request.user, object_type, pk)
    kinds = [k for k in request.GET.getlist("kind") if k in InteractionKind.values]
    cursor = request.GET.get("cursor") or None
    context = _timeline_context(request, object_type, record, kinds=kinds, cursor=cursor)
    status = 422 if context["cursor_error"] else 200
    if request.htmx and cursor:
        return render(request, "activities/_timeline_items.html", context, status=status)
    if request.htmx:
        return render(request, "activities/_timeline.html", context, status=status)
    return render(request, "activities/timeline_page.html", context, status=status)


@login_required
def interaction_log(request, object_type, pk):
    """Log an interaction on the record. The timeline panel holds the same form (posting here with htmx):
    refused, the form comes back with its errors; done, the whole panel is refreshed."""
    actor = request.user
    record = get_record(actor, object_type, pk)
    form = InteractionForm(posted(request), prefix=f"log-{object_type}-{record.pk}")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.interaction_log(actor=actor, data=form.service_data(object_type=object_type, pk=record.pk))
            except ApplicationError as exc:
                apply_application_error(form, exc, field_map={"contacts": "__all__", "companies": "__all__"})
                status = exc.status
            else:
                if request.htmx:
                    context = _timeline_context(request, object_type, record)
                    response = render(request, "activities/_timeline.html", context)
                    return with_toast(fragment(response, f"timeline-{object_type}-{record.pk}"), "Logged.")
                messages.success(request, "The interaction was logged.")
                return redirect(record_url(object_type, record.pk))
        else:
            status = 422
    context = {**record_context(object_type, record), "log_form": form, "log_open": True}
    if request.htmx:
        return render(request, "activities/_interaction_form.html", context, status=status)
    return render(request, "activities/interaction_log.html", context, status=status)
