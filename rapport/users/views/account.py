"""My account: profile and personal API tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from rapport.core.errors import ApplicationError
from rapport.core.forms import apply_application_error, raise_for_http
from rapport.core.listing import paginate
from rapport.core.ui import confirm, get_or_404, posted, require

from .. import access, selectors, services
from ..enums import Operation
from ..forms import (
    AccountForm,
    TokenCreateForm,
)

# --- my account and API tokens -------------------------------------------------------------------


@login_required
def account(request):
    actor = request.user
    me = selectors.user_me(actor=actor)
    can_edit = access.can(actor, me, Operation.WRITE)
    form = AccountForm(posted(request), user=me)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.user_update(actor=actor, user=me, data=form.service_data())
            except ApplicationError as exc:
                apply_application_error(form, exc)
                status = exc.status
            else:
                messages.success(request, "Your account was saved.")
                return redirect("account")
        else:
            status = 422
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "users/account.html", {"form": form, "can_edit": can_edit}, status=status)


NEW_TOKEN_SESSION_KEY = "rapport_new_token"


@login_required
def token_list(request):
    """My API tokens. A new token's raw value is shown once: the POST that creates it redirects (so a reload
    cannot create another) and the next page view takes the value out of the session and shows it."""
    actor = request.user
    can_create = access.can_create(actor, "token", owner_id=actor.pk, team_id=actor.team_id)
    form = TokenCreateForm(posted(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created, raw = services.token_create(actor=actor, name=form.cleaned_data["name"])
            except ApplicationError as exc:
                apply_application_error(form, exc)
                status = exc.status
            else:
                request.session[NEW_TOKEN_SESSION_KEY] = {"id": created.pk, "raw": raw}
                return redirect("token_list")
        else:
            status = 422
    new = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    tokens = selectors.token_list(actor=actor, filters={"mine": True})
    created = tokens.filter(pk=new["id"]).first() if new else None
    raw = new["raw"] if created else None
    context = {
        "form": form,
        "page": paginate(request, tokens),
        "created": created,
        "raw_token": raw,
        "can_create": can_create,
    }
    response = render(request, "users/token_list.html", context, status=status)
    if raw:
        response["Cache-Control"] = "no-store"
    return response


@login_required
def token_revoke(request, pk):
    actor = request.user
    token = get_or_404(selectors.token_get, actor=actor, pk=pk)
    if token.user_id != actor.pk:  # this page manages one's own tokens only
        raise Http404
    require(access.can(actor, token, Operation.WRITE))
    if request.method != "POST":
        return confirm(
            request,
            title=f"Revoke token {token.name}?",
            message="Programs using this token will stop working at once. This cannot be undone.",
            action_label="Revoke token",
            cancel_url=reverse("token_list"),
        )
    try:
        services.token_revoke(actor=actor, token=token)
    except ApplicationError as exc:
        raise_for_http(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Token {token.name} was revoked.")
    return redirect("token_list")
