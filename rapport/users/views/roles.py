"""The admin pages of roles and their permission matrix."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse

from rapport.core.errors import ApplicationError
from rapport.core.forms import apply_application_error, raise_for_http
from rapport.core.listing import paginate
from rapport.core.ui import can_read, confirm, get_or_404, require

from .. import access, selectors, services
from ..enums import Feature, Operation
from ..forms import (
    RoleForm,
)

# --- roles ---------------------------------------------------------------------------------------


def _manages_roles(actor) -> bool:
    return access.has_feature(actor, Feature.SETTINGS) and access.can_create(actor, "role")


@login_required
def role_list(request):
    actor = request.user
    require(can_read(actor, "role"))
    q = request.GET.get("q", "").strip()
    roles = selectors.role_list(actor=actor, filters={"q": q}).order_by("-is_builtin", "name", "pk")
    context = {"q": q, "page": paginate(request, roles, per_page=50), "can_manage": _manages_roles(actor)}
    return render(request, "users/role_list.html", context)


def _role_form_page(request, *, form, role=None, source=None, read_only=False, status=200):
    context = {
        "form": form,
        "role": role,
        "source": source,
        "read_only": read_only,
        "can_manage": _manages_roles(request.user),
    }
    return render(request, "users/role_form.html", context, status=status)


def _save_role(request, *, form, role=None, source=None):
    """Create (``role`` None) or update a role from a bound form; the page again with errors if refused."""
    actor = request.user
    if not form.is_valid():
        return _role_form_page(request, form=form, role=role, source=source, status=422)
    try:
        if role is None:
            role = services.role_create(actor=actor, data=form.service_data())
        else:
            role = services.role_update(actor=actor, role=role, data=form.service_data())
    except ApplicationError as exc:
        apply_application_error(form, exc, field_map=RoleForm.field_map())
        read_only = role is not None and role.is_builtin
        if read_only:
            for field in form.fields.values():
                field.disabled = True
        return _role_form_page(request, form=form, role=role, source=source, read_only=read_only, status=exc.status)
    messages.success(request, f"Role {role.name} was saved.")
    return redirect("role_list")


@login_required
def role_create(request):
    require(_manages_roles(request.user))
    if request.method == "POST":
        return _save_role(request, form=RoleForm(request.POST))
    return _role_form_page(request, form=RoleForm())


@login_required
def role_edit(request, pk):
    """A custom role's editor; built-in roles, and every role for those who cannot manage roles, read-only."""
    actor = request.user
    role = get_or_404(selectors.role_get, actor=actor, pk=pk)
    if request.method == "POST":
        require(_manages_roles(actor))
        return _save_role(request, form=RoleForm(request.POST, role=role), role=role)
    read_only = role.is_builtin or not _manages_roles(actor) or not access.can(actor, role, Operation.WRITE)
    return _role_form_page(request, form=RoleForm(role=role, read_only=read_only), role=role, read_only=read_only)


@login_required
def role_copy(request, pk):
    """A new custom role, starting from another one's permissions (typically a built-in role)."""
    actor = request.user
    source = get_or_404(selectors.role_get, actor=actor, pk=pk)
    require(_manages_roles(actor))
    if request.method == "POST":
        return _save_role(request, form=RoleForm(request.POST), source=source)
    return _role_form_page(request, form=RoleForm(role=source, name=f"Copy of {source.name}"), source=source)


@login_required
def role_delete(request, pk):
    actor = request.user
    role = get_or_404(selectors.role_get, actor=actor, pk=pk)
    require(_manages_roles(actor) and access.can(actor, role, Operation.WRITE))
    if request.method != "POST":
        return confirm(
            request,
            title=f"Delete role {role.name}?",
            message="This cannot be undone.",
            action_label="Delete role",
            cancel_url=reverse("role_edit", args=[role.pk]),
        )
    try:
        services.role_delete(actor=actor, role=role)
    except ApplicationError as exc:
        raise_for_http(exc)
        messages.error(request, exc.message)
        return redirect("role_edit", pk=role.pk)
    messages.success(request, f"Role {role.name} was deleted.")
    return redirect("role_list")
