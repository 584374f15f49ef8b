"""Bulk actions on the selected rows of a contact or company list, and saved views (save the list's state under
a name, pick one, update or delete one's own)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed, QueryDict
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.utils.http import url_has_allowed_host_and_scheme

from rapport.core.errors import ApplicationError, NotFound
from rapport.core.forms import raise_for_http
from rapport.core.ui import can_read, confirm, require, safe_next
from rapport.users import access
from rapport.users.enums import Feature

from .. import selectors, services
from ..forms import assignable_owners, assignable_teams
from ._list_state import Choices, ListState, chips, filter_rows, read_state
from ._records import RecordKind, status_of

# --- bulk actions --------------------------------------------------------------------------------------


def _ids(values) -> list[int]:
    out = []
    for value in values:
        for item in str(value).split(","):
            if item.strip().isdigit():
                out.append(int(item))
    return list(dict.fromkeys(out))[:1000]


def bulk(request, kind: RecordKind):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    actor = request.user
    require(access.has_feature(actor, Feature.BULK))
    ids = _ids(request.POST.getlist("ids"))
    action = request.POST.get("action", "")
    back = safe_next(request, kind.url("list"))
    if not ids:
        messages.error(request, f"Select the {kind.nouns} to change first.")
        return redirect(back)
    if action == "delete":
        query = urlencode([("ids", ",".join(map(str, ids))), ("next", back)])
        return redirect(f"{kind.url('bulk_delete')}?{query}")
    try:
        done, verb = _bulk_apply(request, kind, action, ids)
    except ApplicationError as exc:
        raise_for_http(exc)
        details = "; ".join(m for messages_ in exc.fields.values() for m in messages_)
        messages.error(request, f"Nothing was changed. {exc.message} {details}".strip())
        return redirect(back)
    if done is None:
        messages.error(request, verb)
        return redirect(back)
    messages.success(request, f"{done} {kind.noun if done == 1 else kind.nouns} {verb}.")
    if done < len(ids):
        skipped = len(ids) - done
        messages.warning(request, f"{skipped} selected {kind.noun if skipped == 1 else kind.nouns} left alone: "
                                  f"you may not change {'it' if skipped == 1 else 'them'}.")  # fmt: skip
    return redirect(back)


def _bulk_apply(request, kind: RecordKind, action: str, ids: list[int]):
    actor, post = request.user, request.POST
    if action == "assign":
        data = {}
        owners = {str(u.pk) for u in assignable_owners(actor, kind.object_type)}
        teams = {str(t.pk) for t in assignable_teams(actor, kind.object_type)}
        owner, team = post.get("bulk_owner", ""), post.get("bulk_team", "")
        if owner:
            if owner not in owners:
                return None, "Choose an owner you may assign records to."
            data["owner"] = int(owner)
        if team:
            if team != "none" and team not in teams:
                return None, "Choose a team you may assign records to."
            data["team"] = None if team == "none" else int(team)
        if not data:
            return None, "Choose an owner or a team to assign."
        return kind.bulk_update(actor=actor, ids=ids, data=data), "assigned"
    if action == "stage" and "lifecycle_stage" in kind.bulk_fields:
        stage = post.get("bulk_stage", "")
        if not stage:
            return None, "Choose a lifecycle stage."
        return kind.bulk_update(actor=actor, ids=ids, data={"lifecycle_stage": stage}), "moved to the new stage"
    if action in ("tag_add", "tag_remove"):
        tag = post.get("bulk_tag", "").strip()
        if not tag:
            return None, "Name the tag to add or remove."
        if action == "tag_add":
            return kind.bulk_tag(actor=actor, ids=ids, add=[tag]), f"tagged “{tag}”"
        return kind.bulk_tag(actor=actor, ids=ids, remove=[tag]), f"untagged “{tag}”"
    return None, "Choose an action."


def bulk_delete(request, kind: RecordKind):
    """Confirm, then delete the selected records (those the actor may delete)."""
    actor = request.user
    require(access.has_feature(actor, Feature.BULK))
    ids = _ids(request.GET.getlist("ids"))
    back = request.GET.get("next") or ""
    if not back or not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = kind.url("list")
    allowed = selectors.writable_ids(actor=actor, object_type=kind.object_type, ids=ids)
    if not allowed:
        messages.error(request, f"None of the selected {kind.nouns} can be deleted by you.")
        return redirect(back)
    if request.method != "POST":
        n = len(allowed)
        others = len(ids) - n
        message = f"This deletes {n} {kind.noun if n == 1 else kind.nouns} for good; it cannot be undone."
        if others:
            message += f" {others} other selected record{pluralize(others)} you may not delete stay."
        return confirm(request, title=f"Delete {n} {kind.noun if n == 1 else kind.nouns}?", message=message,
                       action_label=f"Delete {n} {kind.noun if n == 1 else kind.nouns}", cancel_url=back)  # fmt: skip
    try:
        done = kind.bulk_delete(actor=actor, ids=allowed)
    except ApplicationError as exc:
        raise_for_http(exc)
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, f"{done} {kind.noun if done == 1 else kind.nouns} deleted.")
    return redirect(back)


# --- saved views ---------------------------------------------------------------------------------------


def _view_state(request, kind: RecordKind) -> tuple[ListState, str]:
    """The list state a saved-view form carries (``query``: the list's query string)."""
    query = request.POST.get("query") if request.method == "POST" else request.GET.urlencode()
    params = QueryDict(query or "")
    spec = selectors.LIST_SPECS[kind.object_type].with_custom()
    state = read_state(params, spec, actor=request.user, object_type=kind.object_type)
    state.cursor = ""
    return state, state.query(view=False)


def _view_page(request, kind, *, view, state, query, errors=None, values=None, status=200):
    context = {
        "kind": kind,
        "view": view,
        "query": query,
        "errors": errors or {},
        "values": values or {"name": view.name if view else "", "shared": view.shared if view else False},
        "can_share": access.has_feature(request.user, Feature.BULK),
        "chips": chips(state, filter_rows(state, Choices(request.user), actor=request.user), base_url=kind.url("list")),
        "back_url": f"{kind.url('list')}?{query}" if query else kind.url("list"),
    }
    return render(request, "contacts/_list_view_form.html", context, status=status)


def view_save(request, kind: RecordKind, pk=None):
    """Save the list's filters, columns and ordering as a new view, or into an existing one of the actor's."""
    actor = request.user
    require(can_read(actor, kind.object_type))
    view = None
    if pk is not None:
        view = _own_view(request, kind, pk)
    state, query = _view_state(request, kind)
    if request.method != "POST":
        return _view_page(request, kind, view=view, state=state, query=query)
    values = {"name": request.POST.get("name", ""), "shared": request.POST.get("shared") == "on"}
    data = {**values, **state.view_values()}
    try:
        if view is None:
            view = services.saved_view_create(actor=actor, data={**data, "object_type": kind.object_type})
            messages.success(request, f"View “{view.name}” saved.")
        else:
            view = services.saved_view_update(actor=actor, view=view, data=data)
            messages.success(request, f"View “{view.name}” updated.")
    except ApplicationError as exc:
        raise_for_http(exc)
        errors = {("general" if k == "__all__" else k): " ".join(v) for k, v in exc.fields.items()}
        errors = errors or {"general": exc.message}
        return _view_page(request, kind, view=view if pk else None, state=state, query=query, errors=errors,
                          values=values, status=status_of(exc))  # fmt: skip
    target = urlencode([("view", view.pk)]) + (f"&{query}" if query else "")
    return redirect(f"{kind.url('list')}?{target}")


def _own_view(request, kind: RecordKind, pk):
    """A saved view of this list the actor may change (404 if unseen, 403 if someone else's)."""
    actor = request.user
    try:
        view = selectors.saved_view_get(actor=actor, pk=pk)
    except NotFound:
        raise Http404 from None
    if view.object_type != kind.object_type:
        raise Http404
    require(view.owner_id == actor.pk or access.has_feature(actor, Feature.SETTINGS))
    return view


def view_delete(request, kind: RecordKind, pk):
    actor = request.user
    view = _own_view(request, kind, pk)
    if request.method != "POST":
        who = "everyone it is shared with" if view.shared else "you"
        return confirm(request, title=f"Delete the view “{view.name}”?",
                       message=f"The view disappears for {who}. The {kind.nouns} themselves stay.",
                       action_label="Delete view", cancel_url=f"{kind.url('list')}?view={view.pk}")  # fmt: skip
    try:
        services.saved_view_delete(actor=actor, view=view)
    except ApplicationError as exc:
        raise_for_http(exc)
        messages.error(request, exc.message)
        return redirect(f"{kind.url('list')}?view={view.pk}")
    messages.success(request, f"View “{view.name}” deleted.")
    return redirect(kind.url("list"))
