"""Bulk actions on the selected rows of a contact or company list, or on every record matching its filters
("select all N matching"), and saved views (save the list's state under a name, pick one, update or delete
one's own)."""

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
from ..selectors.lists import COUNT_CAP, capped_count
from ._list_state import Choices, ListState, chips, filter_rows, read_state
from ._records import RecordKind, status_of

# --- bulk actions --------------------------------------------------------------------------------------

MATCHING_MAX = COUNT_CAP  # "select all matching" acts on at most this many records (the list counts that far)
BATCH = 500  # records per call of a bulk service (each call one transaction, one access check)


class Selection:
    """What a bulk action applies to: the ticked ids, or every record matching the list's filters (``query``:
    the list's query string), read in batches of ids in id order, within the actor's read scope; the bulk
    services keep only those the actor may write, record by record."""

    def __init__(self, request, kind: RecordKind, params):
        self.kind, self.actor = kind, request.user
        self.all_matching = params.get("all_matching") == "1"
        self.query = (params.get("query") or "")[:4000]
        self.ids = [] if self.all_matching else _ids(params.getlist("ids"))
        self.error = ""
        self._queryset = None
        if self.all_matching:
            self._queryset = self._matching()

    def _matching(self):
        spec = selectors.LIST_SPECS[self.kind.object_type].with_custom()
        state = read_state(QueryDict(self.query), spec, actor=self.actor, object_type=self.kind.object_type)
        try:
            queryset = self.kind.select(actor=self.actor, filters=state.filters, spec=spec)
        except ApplicationError as exc:
            raise_for_http(exc)
            self.error = "The list's filters are not valid any more; nothing was changed."
            return None
        total, capped = capped_count(queryset, cap=MATCHING_MAX)
        if capped:
            self.error = (f"More than {MATCHING_MAX:,} {self.kind.nouns} match: narrow the filters "
                          f"to act on all of them; nothing was changed.")  # fmt: skip
            return None
        if not total:
            self.error = f"No {self.kind.nouns} match the filters any more."
            return None
        return queryset.order_by()

    def batches(self):
        if not self.all_matching:
            for start in range(0, len(self.ids), BATCH):
                yield self.ids[start : start + BATCH]
            return
        last = 0
        while self._queryset is not None:
            batch = list(self._queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH])
            if not batch:
                return
            yield batch
            last = batch[-1]

    @property
    def empty(self) -> bool:
        return not self.ids and self._queryset is None

    def hidden_params(self) -> list[tuple[str, str]]:
        """How this selection travels to the delete confirmation."""
        if self.all_matching:
            return [("all_matching", "1"), ("query", self.query)]
        return [("ids", ",".join(map(str, self.ids)))]


def _apply(selection: Selection, fn) -> tuple[int, int]:
    """``(done, seen)``: ``fn(ids)`` (a bulk service returning how many it changed) over every batch."""
    done = seen = 0
    for batch in selection.batches():
        seen += len(batch)
        done += fn(batch)
    return done, seen


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
    selection = Selection(request, kind, request.POST)
    action = request.POST.get("action", "")
    back = safe_next(request, kind.url("list"))
    if selection.error:
        messages.error(request, selection.error)
        return redirect(back)
    if selection.empty:
        messages.error(request, f"Select the {kind.nouns} to change first.")
        return redirect(back)
    if action == "delete":
        query = urlencode([*selection.hidden_params(), ("next", back)])
        return redirect(f"{kind.url('bulk_delete')}?{query}")
    try:
        done, seen, verb = _bulk_apply(request, kind, action, selection)
    except ApplicationError as exc:
        raise_for_http(exc)
        details = "; ".join(m for messages_ in exc.fields.values() for m in messages_)
        messages.error(request, f"Nothing was changed. {exc.message} {details}".strip())
        return redirect(back)
    if done is None:
        messages.error(request, verb)
        return redirect(back)
    messages.success(request, f"{done} {kind.noun if done == 1 else kind.nouns} {verb}.")
    if done < seen:
        skipped = seen - done
        messages.warning(request, f"{skipped} selected {kind.noun if skipped == 1 else kind.nouns} left alone: "
                                  f"you may not change {'it' if skipped == 1 else 'them'}.")  # fmt: skip
    return redirect(back)


def _bulk_apply(request, kind: RecordKind, action: str, selection: Selection):
    """``(done, seen, verb)``, or ``(None, 0, message)`` when the action's input is missing."""
    actor, post = request.user, request.POST
    if action == "assign":
        data = {}
        owners = {str(u.pk) for u in assignable_owners(actor, kind.object_type)}
        teams = {str(t.pk) for t in assignable_teams(actor, kind.object_type)}
        owner, team = post.get("bulk_owner", ""), post.get("bulk_team", "")
        if owner:
            if owner not in owners:
                return None, 0, "Choose an owner you may assign records to."
            data["owner"] = int(owner)
        if team:
            if team != "none" and team not in teams:
                return None, 0, "Choose a team you may assign records to."
            data["team"] = None if team == "none" else int(team)
        if not data:
            return None, 0, "Choose an owner or a team to assign."
        return *_apply(selection, lambda ids: kind.bulk_update(actor=actor, ids=ids, data=data)), "assigned"
    if action == "stage" and "lifecycle_stage" in kind.bulk_fields:
        stage = post.get("bulk_stage", "")
        if not stage:
            return None, 0, "Choose a lifecycle stage."
        data = {"lifecycle_stage": stage}
        return *_apply(
            selection, lambda ids: kind.bulk_update(actor=actor, ids=ids, data=data)
        ), "moved to the new stage"
    if action in ("tag_add", "tag_remove"):
        tag = post.get("bulk_tag", "").strip()
        if not tag:
            return None, 0, "Name the tag to add or remove."
        if action == "tag_add":
            return *_apply(selection, lambda ids: kind.bulk_tag(actor=actor, ids=ids, add=[tag])), f"tagged “{tag}”"
        return *_apply(selection, lambda ids: kind.bulk_tag(actor=actor, ids=ids, remove=[tag])), f"untagged “{tag}”"
    return None, 0, "Choose an action."


def bulk_delete(request, kind: RecordKind):
    """Confirm, then delete the selected (or all matching) records, those the actor may delete."""
    actor = request.user
    require(access.has_feature(actor, Feature.BULK))
    selection = Selection(request, kind, request.GET)
    back = request.GET.get("next") or ""
    if not back or not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = kind.url("list")
    if selection.error:
        messages.error(request, selection.error)
        return redirect(back)
    allowed, seen = [], 0
    for batch in selection.batches():
        seen += len(batch)
        allowed += selectors.writable_ids(actor=actor, object_type=kind.object_type, ids=batch)
    if not allowed:
        messages.error(request, f"None of the selected {kind.nouns} can be deleted by you.")
        return redirect(back)
    n = len(allowed)
    if request.method != "POST":
        others = seen - n
        message = f"This deletes {n} {kind.noun if n == 1 else kind.nouns} for good; it cannot be undone."
        if others:
            message += f" {others} other selected record{pluralize(others)} you may not delete stay."
        return confirm(request, title=f"Delete {n} {kind.noun if n == 1 else kind.nouns}?", message=message,
                       action_label=f"Delete {n} {kind.noun if n == 1 else kind.nouns}", cancel_url=back)  # fmt: skip
    done = 0
    try:
        for start in range(0, n, BATCH):
            done += kind.bulk_delete(actor=actor, ids=allowed[start : start + BATCH])
    except ApplicationError as exc:
        raise_for_http(exc)
        messages.error(request, f"{exc.message} {done} deleted before that." if done else exc.message)
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
