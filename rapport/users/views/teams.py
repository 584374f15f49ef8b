"""The admin pages of teams."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse

from rapport.core.errors import ApplicationError
from rapport.core.forms import apply_application_error, raise_for_http
from rapport.core.listing import paginate, sort_headers
from rapport.core.ui import can_read, confirm, get_or_404, posted, require, writable_ids

from .. import access, selectors, services
from ..enums import Operation, Scope
from ..forms import (
    TEAM_SORTS,
    TeamForm,
)

# --- teams ---------------------------------------------------------------------------------------

TEAM_COLUMNS = [("name", "Name"), (None, "Managers"), ("members", "Members"), (None, "Description")]


@login_required
def team_list(request):
    actor = request.user
    require(can_read(actor, "team"))
    q = request.GET.get("q", "").strip()
    sort = request.GET.get("sort") or "name"
    if sort.lstrip("-") not in TEAM_SORTS:
        sort = "name"
    desc = sort.startswith("-")
    order = [("-" if desc else "") + f for f in TEAM_SORTS[sort.lstrip("-")]] + ["-pk" if desc else "pk"]
    teams = selectors.team_list(actor=actor, filters={"q": q})
    page = paginate(request, teams.order_by(*order))
    context = {
        "q": q,
        "page": page,
        "headers": sort_headers(request, TEAM_COLUMNS, sort),
        "writable": writable_ids(selectors.team_list(actor=actor), actor=actor, object_type="team", rows=page),
        "can_create": access.can_create(actor, "team"),
    }
    return render(request, "users/team_list.html", context)


def _team_form_page(request, *, form, team=None, status=200):
    actor = request.user
    can_delete = team is not None and access.scope_of(actor, "team", Operation.WRITE) == Scope.ALL
    return render(
        request, "users/team_form.html", {"form": form, "team": team, "can_delete": can_delete}, status=status
    )


@login_required
def team_create(request):
    actor = request.user
    require(access.can_create(actor, "team"))
    form = TeamForm(posted(request), actor=actor)
    if request.method != "POST":
        return _team_form_page(request, form=form)
    if not form.is_valid():
        return _team_form_page(request, form=form, status=422)
    try:
        team = services.team_create(actor=actor, data=form.service_data())
    except ApplicationError as exc:
        apply_application_error(form, exc)
        return _team_form_page(request, form=form, status=exc.status)
    messages.success(request, f"Team {team.name} was created.")
    return redirect("team_list")


@login_required
def team_edit(request, pk):
    actor = request.user
    team = get_or_404(selectors.team_get, actor=actor, pk=pk)
    require(access.can(actor, team, Operation.WRITE))
    form = TeamForm(posted(request), actor=actor, team=team)
    if request.method != "POST":
        return _team_form_page(request, form=form, team=team)
    if not form.is_valid():
        return _team_form_page(request, form=form, team=team, status=422)
    try:
        team = services.team_update(actor=actor, team=team, data=form.service_data())
    except ApplicationError as exc:
        apply_application_error(form, exc)
        return _team_form_page(request, form=form, team=team, status=exc.status)
    messages.success(request, f"Team {team.name} was saved.")
    return redirect("team_list")


@login_required
def team_delete(request, pk):
    actor = request.user
    team = get_or_404(selectors.team_get, actor=actor, pk=pk)
    require(access.scope_of(actor, "team", Operation.WRITE) == Scope.ALL)
    if request.method != "POST":
        members = f"Its {team.member_count} member{pluralize(team.member_count)} will have no team."
        return confirm(
            request,
            title=f"Delete team {team.name}?",
            message=members,
            action_label="Delete team",
            cancel_url=reverse("team_edit", args=[team.pk]),
        )
    try:
        services.team_delete(actor=actor, team=team)
    except ApplicationError as exc:
        raise_for_http(exc)
        messages.error(request, exc.message)
        return redirect("team_edit", pk=team.pk)
    messages.success(request, f"Team {team.name} was deleted.")
    return redirect("team_list")
