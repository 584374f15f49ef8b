"""The state of a contact or company list, kept in its query string (filters, columns, ordering, page, saved
view), and the filter builder that edits it.

The query string is the list's one source of truth, in the flat form the selectors and exports read::

    ?view=3&q=acme&lifecycle_stage=lead,customer&cf.renewal__lte=2026-12-31&columns=display_name,email&ordering=-updated_at

The filter builder sends rows (``ff-N`` field, ``fo-N`` operator, ``fv-N`` value); the list answers with the
canonical address instead (a redirect, or ``HX-Push-Url`` for htmx), so addresses stay short and shareable.
"""

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse
from django.utils.safestring import SafeString

from rapport.core.errors import NotFound
from rapport.core.forms import option_tags
from rapport.users import access
from rapport.users.models import Team, User

from .. import selectors
from ..forms import REFERENCE_MODELS, parse_reference
from ..forms.choices import user_options
from ..selectors.lists import PAGE_SIZE, ListField, ListSpec

RESERVED = frozenset({"cursor", "limit", "ordering", "columns", "view", "page", "sort"})
ROW_KEY = re.compile(r"^f([fov])-(\d{1,3})$")
LIMITS = (25, 50, 100, 200)
MULTI_KINDS = ("choice", "multi", "user", "team", "tag", "ids", "company")
MAX_FILTER_ROWS = 40

# --- operators of the filter builder -------------------------------------------------------------------

EMPTY_OPS = [("empty", "is empty"), ("notempty", "is not empty")]
GENERIC_OPS = [("", "is / contains"), ("gte", "at least / from"), ("lte", "at most / until"), *EMPTY_OPS]


def operators(spec: ListField) -> list[tuple[str, str]]:
    kind = spec.kind
    if spec.filter is not None:  # relations (tags, company, emails, addresses...) filter by value or emptiness
        if kind == "tag":
            return [("", "has any of")]
        if kind == "company":
            return [("", "is")]
        if spec.key == "city":
            return [("", "starts with"), *EMPTY_OPS]
        return [("", "contains"), *EMPTY_OPS]
    if kind == "text":
        return [("", "contains"), ("eq", "is exactly"), *EMPTY_OPS]
    if kind in ("choice", "multi"):
        return [("", "is any of"), *EMPTY_OPS]
    if kind == "bool":
        return [("", "is")]
    if kind == "number":
        return [("", "equals"), ("gte", "is at least"), ("lte", "is at most"), *EMPTY_OPS]
    if kind == "date":
        return [("", "is"), ("gte", "is on or after"), ("lte", "is on or before"), *EMPTY_OPS]
    if kind == "datetime":
        return [("gte", "is on or after"), ("lte", "is before"), *EMPTY_OPS]
    return [("", "is"), *EMPTY_OPS]  # user, team, ids


def _widget(spec: ListField) -> str:
    if spec.kind in ("choice", "multi"):
        return "checkboxes"
    if spec.kind in ("bool", "user", "team"):
        return "select"
    if spec.kind in ("number", "date", "datetime"):
        return spec.kind
    if spec.kind in ("company", "ids"):
        return "reference"
    return "text"


def _reference_type(spec: ListField) -> str:
    if spec.custom is not None:
        return spec.custom.reference_type or "contact"
    return "company"  # contact.company, company.parent


def _truthy(value) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


# --- the list's state ----------------------------------------------------------------------------------


@dataclass
class ListState:
    spec: ListSpec
    filters: dict[str, str] = field(default_factory=dict)  # flat, "q" included
    columns: list[str] = field(default_factory=list)  # as chosen ([] = the defaults)
    ordering: str = ""
    cursor: str = ""
    limit: int = PAGE_SIZE
    view: Any = None  # the saved view named by ?view=
    from_builder: bool = False
    notices: list[str] = field(default_factory=list)

    @property
    def q(self) -> str:
        return self.filters.get("q", "")

    @property
    def field_filters(self) -> dict[str, str]:
        return {k: v for k, v in self.filters.items() if k != "q"}

    @property
    def ordering_or_default(self) -> str:
        return self.ordering or self.spec.default_ordering

    def params(
        self, *, cursor: str | None = "", ordering: str | None = None, drop=(), view: bool = True, columns: bool = True
    ) -> list:
        out = []
        if view and self.view is not None:
            out.append(("view", self.view.pk))
        for key, value in self.filters.items():
            if key not in drop:
                out.append((key, value))
        if self.columns and columns:
            out.append(("columns", ",".join(self.columns)))
        ordering = self.ordering if ordering is None else ordering
        if ordering and ordering != self.spec.default_ordering:
            out.append(("ordering", ordering))
        if self.limit != PAGE_SIZE:
            out.append(("limit", self.limit))
        cursor = self.cursor if cursor == "" else cursor
        if cursor:
            out.append(("cursor", cursor))
        return out

    def query(self, **kwargs) -> str:
        return urlencode(self.params(**kwargs))

    def view_values(self) -> dict:
        """What a saved view keeps of this state."""
        return {"filters": dict(self.filters), "columns": list(self.columns), "ordering": self.ordering}

    @property
    def modified(self) -> bool:
        """Whether the list differs from the saved view it started from."""
        if self.view is None:
            return False
        view = self.view
        return (dict(view.filters or {}), list(view.columns or []), view.ordering or "") != (
            self.filters,
            self.columns,
            self.ordering,
        )


def _columns_param(params: QueryDict, spec: ListSpec) -> list[str]:
    return _clean_columns([c.strip() for value in params.getlist("columns") for c in value.split(",")], spec)


def _clean_columns(keys: list[str], spec: ListSpec) -> list[str]:
    """The chosen columns, known ones only, the name first; [] when they are the defaults."""
    keys = [k for k in dict.fromkeys(keys) if k in spec.by_key]
    first = spec.fields[0].key
    chosen = [first, *[k for k in keys if k != first]]
    defaults = [c.key for c in spec.columns(None)]
    return [] if not keys or chosen == defaults else chosen


def _rows_to_filters(params: QueryDict, spec: ListSpec, *, actor) -> dict[str, str]:
    """The flat filters of the builder's rows."""
    rows: dict[int, dict] = {}
    for key in params:
        match = ROW_KEY.match(key)
        if match:
            rows.setdefault(int(match.group(2)), {})[match.group(1)] = params.getlist(key)
    filters: dict[str, str] = {}
    for index in sorted(rows)[:MAX_FILTER_ROWS]:
        row = rows[index]
        key = (row.get("f") or [""])[0]
        spec_field = spec.by_key.get(key)
        if spec_field is None:
            continue
        op = (row.get("o") or [""])[0]
        allowed = {o for o, _ in operators(spec_field)} | {o for o, _ in GENERIC_OPS}
        if op not in allowed:
            op = ""
        if op in ("empty", "notempty"):
            filters[f"{key}__empty"] = "1" if op == "empty" else "0"
            continue
        values = [v.strip() for v in row.get("v", []) if v.strip()]
        if spec_field.kind in ("company", "ids"):
            values = [_reference_value(v, spec_field, actor=actor) for v in values]
        if not values:
            continue
        if op == "eq" and spec_field.kind != "text":
            op = ""
        flat = key if not op else f"{key}__{op}"
        value = ",".join(values)
        if flat in filters and spec_field.kind in MULTI_KINDS:
            value = ",".join(dict.fromkeys([*filters[flat].split(","), *values]))
        filters[flat] = value
    return filters


def _reference_value(text: str, spec: ListField, *, actor) -> str:
    """A picked record as its id; a typed name as the id of the one visible record so named (else the text,
    which the list then reports as not valid)."""
    value = parse_reference(text)
    if isinstance(value, int) or value is None:
        return str(value or "")
    object_type = _reference_type(spec)
    model, name_field = REFERENCE_MODELS[object_type]
    qs = access.scoped(model.objects.filter(**{f"{name_field}__iexact": value}), actor=actor, object_type=object_type)
    ids = list(qs.values_list("pk", flat=True)[:2])
    return str(ids[0]) if len(ids) == 1 else value


def read_state(params: QueryDict, spec: ListSpec, *, actor, object_type: str) -> ListState:
    state = ListState(spec)
    view_id = params.get("view")
    if view_id:
        try:
            view = selectors.saved_view_get(actor=actor, pk=view_id)
        except NotFound:
            view = None
            state.notices.append("This saved view no longer exists, or is not shared with you.")
        if view is not None and view.object_type == object_type:
            state.view = view
    own_keys = [k for k in params if k not in ("view", "cursor", "limit") and not k.startswith("_")]
    if state.view is not None and not own_keys:
        state.filters = {str(k): str(v) for k, v in (state.view.filters or {}).items()}
        state.columns = _clean_columns(list(state.view.columns or []), spec)
        state.ordering = state.view.ordering or ""
    else:
        if any(ROW_KEY.match(k) for k in params):
            state.from_builder = True
            state.filters = _rows_to_filters(params, spec, actor=actor)
        else:
            for key in params:
                if key in RESERVED or key.startswith("_") or key == "q" or ROW_KEY.match(key):
                    continue
                values = [v for v in params.getlist(key) if v.strip()]
                if values:
                    state.filters[key] = ",".join(values)
        q = (params.get("q") or "").strip()
        if q:
            state.filters = {"q": q[:200], **state.filters}
        state.columns = _columns_param(params, spec)
        state.ordering = (params.get("ordering") or params.get("sort") or "").strip()
    if state.ordering and state.ordering.lstrip("-") not in spec.sortable():
        state.notices.append("This list cannot be sorted that way; it is sorted by name.")
        state.ordering = ""
    state.cursor = (params.get("cursor") or "").strip()[:2000]
    try:
        limit = int(params.get("limit") or PAGE_SIZE)
    except ValueError:
        limit = PAGE_SIZE
    state.limit = limit if limit in LIMITS else PAGE_SIZE
    return state


# --- the filter builder's rows and the chips of active filters ----------------------------------------


@dataclass
class Choices:
    """Names for the values of user, team and record filters, loaded only when a filter needs them."""

    actor: Any
    _users: list | None = None
    _teams: list | None = None

    def users(self) -> list[tuple[str, str]]:
        if self._users is None:
            qs = access.scoped(User.objects.all(), actor=self.actor, object_type="user")
            self._users = user_options(qs.order_by("first_name", "last_name", "username"))
        return [("me", "Me"), *self._users]

    def teams(self) -> list[tuple[str, str]]:
        if self._teams is None:
            qs = access.scoped(Team.objects.all(), actor=self.actor, object_type="team").order_by("name")
            self._teams = [(str(t.pk), t.name) for t in qs]
        return [("my_team", "My team"), *self._teams]


@dataclass
class FilterRow:
    index: int
    spec: ListField | None
    key: str = ""  # the flat filter it shows
    op: str = ""
    values: list[str] = field(default_factory=list)
    ops: list = field(default_factory=list)
    widget: str = "text"
    options: list = field(default_factory=list)
    reference_type: str = ""
    lookup_url: str = ""

    @property
    def value(self) -> str:
        return self.values[0] if self.values else ""

    @property
    def value_needed(self) -> bool:
        return self.op not in ("empty", "notempty")

    @property
    def option_tags(self) -> SafeString:
        """The value's ``<option>``s, the chosen one selected: made here, not by a template loop (hundreds of
        users)."""
        return option_tags(self.options, {self.value})


def build_row(index: int, spec: ListField | None, op: str, values: list[str], choices: Choices, key="") -> FilterRow:
    if spec is None:
        return FilterRow(index, None, key, op, values, GENERIC_OPS, "text")
    row = FilterRow(index, spec, key, op, values, operators(spec), _widget(spec))
    if row.widget == "checkboxes":
        row.options = list(spec.choices)
    elif spec.kind == "bool":
        row.options = [("yes", "Yes"), ("no", "No")]
        row.values = ["yes" if v and _truthy(v) else "no" for v in values] if values else []
    elif spec.kind == "user":
        row.options = choices.users()
    elif spec.kind == "team":
        row.options = choices.teams()
    elif row.widget == "reference":
        row.reference_type = _reference_type(spec)
        row.lookup_url = reverse(f"{row.reference_type}_lookup")
    if row.op not in {o for o, _ in row.ops}:
        row.op = row.ops[0][0]
    return row


def filter_rows(state: ListState, choices: Choices, *, actor) -> list[FilterRow]:
    rows = []
    references = _reference_names(state, actor=actor)
    for index, (key, value) in enumerate(state.field_filters.items()):
        base, _, op = key.partition("__")
        spec = state.spec.by_key.get(base)
        if spec is None:
            continue
        if op == "empty":
            op, values = ("empty" if _truthy(value) else "notempty"), []
        else:
            if op == "eq" and spec.kind != "text":
                op = ""
            values = [v.strip() for v in str(value).split(",") if v.strip()]
            if spec.kind not in MULTI_KINDS or spec.kind == "tag":
                values = [str(value)]
            if spec.kind in ("company", "ids"):
                values = [references.get((_reference_type(spec), v), v) for v in values]
        rows.append(build_row(index, spec, op, values, choices, key=key))
    return rows


def _reference_names(state: ListState, *, actor) -> dict:
    """``{(object_type, "id"): "Name · #id"}`` for the record filters' values (one query per object type)."""
    wanted: dict[str, set[int]] = {}
    for key, value in state.field_filters.items():
        base, _, op = key.partition("__")
        spec = state.spec.by_key.get(base)
        if spec is None or spec.kind not in ("company", "ids") or op == "empty":
            continue
        for item in str(value).split(","):
            if item.strip().isdigit():
                wanted.setdefault(_reference_type(spec), set()).add(int(item))
    out = {}
    for object_type, ids in wanted.items():
        model, name_field = REFERENCE_MODELS.get(object_type, (None, None))
        if model is None:
            continue
        qs = access.scoped(model.objects.filter(pk__in=ids), actor=actor, object_type=object_type)
        for pk, name in qs.values_list("pk", name_field):
            out[(object_type, str(pk))] = f"{name} · #{pk}"
    return out


def chips(state: ListState, rows: list[FilterRow], *, base_url: str) -> list[dict]:
    """The active filters in words, each with the address of the list without it."""
    out = []
    for row in rows:
        if row.spec is None:
            continue
        op_label = dict(row.ops).get(row.op, "")
        if not row.value_needed:
            text = ""
        elif row.options:
            names = dict(row.options)
            text = ", ".join(str(names.get(v, v)) for v in row.values)
        else:
            text = ", ".join(row.values)
        url = f"{base_url}?{state.query(cursor=None, drop=(row.key,))}"
        out.append({"label": f"{row.spec.label} {op_label}", "value": text, "url": url})
    if state.q:
        url = f"{base_url}?{state.query(cursor=None, drop=('q',))}"
        out.insert(0, {"label": "Search", "value": state.q, "url": url})
    return out
