from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from rapport.users import access
from rapport.users.enums import Operation, Scope

from . import audit, selectors
from .forms import AUDIT_ACTIONS, AuditFilterForm
from .listing import keyset_page
from .selectors import dashboard_figures

AUDIT_PAGE_SIZE = 50


@login_required
def dashboard(request):
    return render(request, "core/dashboard.html", {"figures": dashboard_figures(actor=request.user)})


@login_required
def styleguide(request):
    """Every component of the design system on one page, for developers and designers."""
    return render(request, "core/styleguide.html")


@login_required
def audit_list(request):
    actor = request.user
    if access.scope_of(actor, "audit", Operation.READ) == Scope.NONE:
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None, actor=actor)
    entries = selectors.audit_list(actor=actor, filters=form.selector_filters())
    page = keyset_page(entries, after=request.GET.get("after"), before=request.GET.get("before"), size=AUDIT_PAGE_SIZE)
    audit.change_rows(page.items, actor=actor)
    for entry in page.items:
        entry.action_label = AUDIT_ACTIONS.get(entry.action, entry.action)
    context = {
        "form": form,
        "page": page,
        "actions": AUDIT_ACTIONS,
        "filtered": any(v for v in form.selector_filters().values()),
    }
    if request.htmx and request.htmx.target == "audit-results":
        return render(request, "core/audit_list_results.html", context)
    return render(request, "core/audit_list.html", context)
