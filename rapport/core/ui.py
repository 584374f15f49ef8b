"""Small helpers shared by the apps' HTML views: thin views parse, call a selector or service, render.

Records outside the actor's scope answer 404 (selectors raise NotFound); records the actor may only read
answer 403.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from rapport.core.errors import ApplicationError
from rapport.core.forms import raise_for_http
from rapport.users import access
from rapport.users.enums import Operation, Scope


def get_or_404(getter, *, actor, pk):
    try:
        return getter(actor=actor, pk=pk)
    except ApplicationError as exc:
        raise_for_http(exc)
        raise


def posted(request):
    """The form data of a POST (even an empty one, so its errors show), None on GET."""
    return request.POST if request.method == "POST" else None


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def can_read(actor, object_type: str) -> bool:
    return access.scope_of(actor, object_type, Operation.READ) != Scope.NONE


def writable_ids(queryset, *, actor, object_type: str, rows) -> set:
    """Which of the listed rows the actor may change, in one query."""
    ids = [row.pk for row in rows]
    scoped = access.scoped(queryset.filter(pk__in=ids), actor=actor, object_type=object_type, operation="write")
    return set(scoped.values_list("pk", flat=True))


def fragment_or_page(request, target: str, fragment: str, page: str, context: dict, status: int = 200):
    if request.htmx and request.htmx.target == target:
        return render(request, fragment, context, status=status)
    return render(request, page, context, status=status)


def safe_next(request, default: str) -> str:
    url = request.POST.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return default


def confirm(request, *, title, message, action_label, cancel_url, danger=True, status=200):
    """The confirmation page of a POST action (the in-page buttons confirm with data-confirm)."""
    context = {
        "title": title,
        "message": message,
        "action_label": action_label,
        "cancel_url": cancel_url,
        "danger": danger,
    }
    return render(request, "core/confirm.html", context, status=status)
