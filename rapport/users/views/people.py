"""The admin pages of users: list, invite, edit, deactivate, bulk actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_POST

from rapport.core.errors import ApplicationError
from rapport.core.forms import apply_application_error, raise_for_http
from rapport.core.listing import paginate, sort_headers
from rapport.core.ui import can_read, confirm, fragment_or_page, get_or_404, posted, require, safe_next, writable_ids

from .. import access, selectors, services
from ..enums import Feature, Operation, Scope
from ..forms import (
    UserEditForm,
    UserFilterForm,
    UserInviteForm,
)

USER_COLUMNS = [
    ("name", "Name"),
    ("username", "Username"),
    ("email", "Email"),
    ("team", "Team"),
    ("role", "Role"),
    ("last_login", "Last sign-in"),
]


@login_required
def user_list(request):
    actor = request.user
    require(can_read(actor, "user"))
    form = UserFilterForm(request.GET or None, actor=actor)
    sort, order = form.ordering()
    users = selectors.user_list(actor=actor, filters=form.selector_filters())
    page = paginate(request, users.order_by(*order))
    write_scope = access.scope_of(actor, "user", Operation.WRITE)
    context = {
        "form": form,
        "page": page,
        "headers": sort_headers(request, USER_COLUMNS, sort),
        "writable": writable_ids(users, actor=actor, object_type="user", rows=page),
        "can_invite": write_scope in (Scope.ALL, Scope.TEAM),
        "can_bulk": access.has_feature(actor, Feature.BULK) and write_scope != Scope.NONE,
        "filtered": any(v not in (None, "") for v in form.selector_filters().values()),
    }
    return fragment_or_page(request, "user-results", "users/_user_results.html", "users/user_list.html", context)


@login_required
def user_invite(request):
    actor = request.user
    require(access.scope_of(actor, "user", Operation.WRITE) in (Scope.ALL, Scope.TEAM))
    form = UserInviteForm(posted(request), actor=actor)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user = services.user_invite(actor=actor, data=form.service_data())
            except ApplicationError as exc:
                apply_application_error(form, exc)
                status = exc.status
            else:
                messages.success(
                    request, f"{user.email} was invited; an email with a link to choose a password is on its way."
                )
                return redirect("user_list")
        else:
            status = 422
    return render(request, "users/user_invite.html", {"form": form}, status=status)


@login_required
def user_edit(request, pk):
    actor = request.user
    user = get_or_404(selectors.user_get, actor=actor, pk=pk)
    require(access.can(actor, user, Operation.WRITE))
    form = UserEditForm(posted(request), actor=actor, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.user_update(actor=actor, user=user, data=form.service_data())
            except ApplicationError as exc:
                apply_application_error(form, exc)
                status = exc.status
            else:
                messages.success(request, f"{user.username} was saved.")
                return redirect("user_list")
        else:
            status = 422
    context = {"form": form, "subject": user, "is_self": user.pk == actor.pk}
    return render(request, "users/user_edit.html", context, status=status)


def _set_active(request, pk, active: bool):
    actor = request.user
    user = get_or_404(selectors.user_get, actor=actor, pk=pk)
    require(access.can(actor, user, Operation.WRITE))
    edit_url = reverse("user_edit", args=[user.pk])
    if request.method != "POST":
        verb = "Reactivate" if active else "Deactivate"
        message = (
            f"{user.display_name} will be able to sign in again."
            if active
            else f"{user.display_name} will be signed out and their API tokens stop working. Their records stay."
        )
        return confirm(
            request,
            title=f"{verb} {user.display_name}?",
            message=message,
            action_label=verb,
            cancel_url=edit_url,
            danger=not active,
        )
    try:
        services.user_update(actor=actor, user=user, data={"is_active": active})
    except ApplicationError as exc:
        raise_for_http(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{user.display_name} was {'reactivated' if active else 'deactivated'}.")
    return redirect(edit_url)


@login_required
def user_deactivate(request, pk):
    return _set_active(request, pk, active=False)


@login_required
def user_reactivate(request, pk):
    return _set_active(request, pk, active=True)


@login_required
@require_POST
def user_bulk(request):
    """Deactivate or reactivate the selected users, each through the service (refusals are counted)."""
    actor = request.user
    require(access.has_feature(actor, Feature.BULK))
    action = request.POST.get("action")
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()]
    back = safe_next(request, reverse("user_list"))
    if action not in ("deactivate", "reactivate") or not ids:
        messages.error(request, "Select users and an action.")
        return redirect(back)
    done, refused = 0, []
    for user in selectors.user_list(actor=actor).filter(pk__in=ids):
        try:
            services.user_update(actor=actor, user=user, data={"is_active": action == "reactivate"})
            done += 1
        except ApplicationError as exc:
            refused.append(f"{user.username}: {exc.message}")
    verb = "reactivated" if action == "reactivate" else "deactivated"
    if done:
        messages.success(request, f"{done} user{pluralize(done)} {verb}.")
    if refused:
        messages.error(request, "Not changed: " + "; ".join(refused))
    return redirect(back)
