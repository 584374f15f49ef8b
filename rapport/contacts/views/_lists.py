"""What the contact and company lists share: the page (search, filter builder, column picker, sortable
headers, keyset pages, capped count, empty states, htmx fragments) and the cells of its table.

The count above the table is exact when the first page holds every match; otherwise the page asks for it
afterwards (``?_count=1``, an htmx request on load), so a list of a million rows answers before it is counted.

The list's state lives in its query string (see ``_list_state``); bulk actions and saved views are in
``_list_actions``.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.shortcuts import redirect, render
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from rapport.core.errors import ApplicationError
from rapport.core.forms import option_tags, raise_for_http
from rapport.core.ui import can_read, require
from rapport.users import access
from rapport.users.enums import Feature, Operation, Scope

from .. import custom_values, selectors
from ..enums import FieldType, LifecycleStage
from ..forms import REFERENCE_MODELS, assignable_owners, assignable_teams, referenced_records
from ..forms.choices import user_options
from ..models import Tag
from ..schema import RecordSchema
from ..selectors import HIDDEN_COMPANY
from ..selectors.lists import COUNT_CAP, ListField, ListSpec, capped_count
from ._list_state import (
    LIMITS,
    ROW_KEY,
    Choices,
    ListState,
    build_row,
    chips,
    filter_rows,
    read_state,
)
from ._records import RecordKind

# --- the table -----------------------------------------------------------------------------------------


@dataclass
class Cell:
    kind: str  # text, link, external, email, phone, tags, badge, bool, date, datetime, percent, empty
    text: Any = ""
    href: str = ""
    items: list = field(default_factory=list)
    label: str = ""
    html: str = ""


_EMPTY = SafeString('<span class="muted" aria-hidden="true">—</span><span class="visually-hidden">empty</span>')


def cell_html(cell: Cell) -> SafeString:
    """A cell's markup, made here rather than by a template included per cell (a page has hundreds)."""
    kind, text = cell.kind, cell.text
    if kind in ("link", "email"):
        return format_html('<a href="{}">{}</a>', cell.href, text)
    if kind == "phone":
        return format_html('<a class="nowrap" href="{}">{}</a>', cell.href, text)
    if kind == "external":
        return format_html('<a href="{}" rel="noopener noreferrer" target="_blank">{}<span class="visually-hidden">'
                           " (opens in a new tab)</span></a>", cell.href, Truncator(text).chars(40))  # fmt: skip
    if kind == "tags":
        badges = format_html_join("", '<span class="badge">{}</span>', ((t,) for t in cell.items))
        return format_html('<span class="tag-list">{}</span>', badges)
    if kind == "badge":
        return format_html('<span class="badge badge-info">{}</span>', text)
    if kind == "bool":
        return SafeString("Yes") if text else SafeString('<span class="muted">No</span>')
    if kind == "date":
        return format_html('<time datetime="{}">{}</time>', date_filter(text, "Y-m-d"), date_filter(text, "Y-m-d"))
    if kind == "datetime":
        return format_html('<time class="nowrap" datetime="{}">{}</time>', date_filter(text, "c"),
                           date_filter(text, "Y-m-d H:i"))  # fmt: skip
    if kind == "percent":
        return format_html('<span class="nowrap">{}%</span>', localize(text))
    if kind == "empty":
        return _EMPTY
    return format_html("{}", localize(text))


_NUMERIC = SafeString(' class="num"')


def row_html(record, cells: list[Cell], *, selectable: bool, writable: bool, edit_url: str) -> SafeString:
    """A row's markup, made here like its cells' (a page has fifty)."""
    name = str(record)
    select = ""
    if selectable:
        box = (
            format_html('<input type="checkbox" name="ids" value="{}" form="bulk-form" aria-label="Select {}">',
                        record.pk, name)
            if writable else ""
        )  # fmt: skip
        select = format_html('<td class="select">{}</td>', box)
    first, *rest = cells
    tds = format_html_join(
        "", "<td data-label=\"{}\"{}>{}</td>",
        ((c.label, _NUMERIC if c.kind in ("number", "percent") else "", c.html) for c in rest),
    )  # fmt: skip
    edit = (
        format_html('<a class="btn btn-link btn-sm" href="{}">Edit<span class="visually-hidden"> {}</span></a>',
                    edit_url, name)
        if edit_url else ""
    )  # fmt: skip
    return format_html('<tr>{}<th scope="row" class="record-name">{}</th>{}<td class="actions">{}</td></tr>',
                       select, first.html, tds, edit)  # fmt: skip


def _cell(col: ListField, row, *, kind: RecordKind, first: str, references: dict, base_url: str) -> Cell:
    key = col.key
    if key == first:
        return Cell("link", col.cell(row) or "—", f"{base_url}{row.pk}/")
    if col.custom is not None:
        return _custom_cell(col, row, references)
    value = col.cell(row)
    if key in ("company", "parent"):
        # The name is NULL where the reader may not see the company (see ListSpec._related_names).
        fk = getattr(row, f"{key}_id")
        if not fk:
            return Cell("empty")
        if not value:
            return Cell("text", HIDDEN_COMPANY)
        return Cell("link", value, reverse("company_detail", args=[fk]))
    if key == "email":
        return Cell("email", value, f"mailto:{value}") if value else Cell("empty")
    if key == "phone":
        return Cell("phone", value, f"tel:{row.phone}") if row.phone else Cell("empty")
    if key == "tags":
        return Cell("tags", items=[t.name for t in row.tags.all()])
    if key in ("lifecycle_stage", "stance", "size_band"):
        return Cell("badge", value) if value else Cell("empty")
    if key == "completeness":
        return Cell("percent", value)
    if key == "annual_revenue":
        if value is None:
            return Cell("empty")
        return Cell("number", f"{value:,.0f} {row.revenue_currency}".strip())
    if key in ("linkedin", "website") and value:
        return Cell("external", value.split("://", 1)[-1].rstrip("/"), value)
    if col.kind == "bool":
        return Cell("bool", bool(value))
    if isinstance(value, datetime):
        return Cell("datetime", value)
    if isinstance(value, date):
        return Cell("date", value)
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return Cell("number", value)
    return Cell("text", value) if value not in (None, "") else Cell("empty")


def _custom_cell(col: ListField, row, references: dict) -> Cell:
    cf = col.custom
    raw = row.custom.get(cf.key)
    if raw in (None, "", []):
        return Cell("empty")
    if cf.field_type == FieldType.REFERENCE and cf.reference_type in REFERENCE_MODELS:
        obj = references.get((cf.reference_type, raw))
        if obj is None:
            return Cell("text", "—")
        return Cell("link", str(obj), reverse(f"{cf.reference_type}_detail", args=[raw]))
    text = col.cell(row)
    link = custom_values.link_of(cf, raw)  # None for a stored value that is not (or no longer) valid
    if cf.field_type == FieldType.URL and link:
        return Cell("external", text.split("://", 1)[-1].rstrip("/"), link)
    if cf.field_type == FieldType.EMAIL and link:
        return Cell("email", text, link)
    if cf.field_type == FieldType.PHONE and link:
        return Cell("phone", text, link)
    if cf.field_type == FieldType.BOOLEAN:
        return Cell("bool", bool(raw))
    if cf.field_type == FieldType.MULTI_CHOICE:
        return Cell("tags", items=list(raw))
    return Cell("text", text)


def headers(state: ListState, columns: list[ListField], *, base_url: str) -> list[dict]:
    current = state.ordering_or_default
    desc = current.startswith("-")
    out = []
    for col in columns:
        header = {"key": col.key, "label": col.label, "url": None, "aria_sort": None, "numeric": col.kind == "number"}
        if col.sort:
            active = current.lstrip("-") == col.key
            ordering = (("" if desc else "-") + col.key) if active else col.key
            header["url"] = f"{base_url}?{state.query(cursor=None, ordering=ordering)}"
            header["aria_sort"] = ("descending" if desc else "ascending") if active else "none"
        out.append(header)
    return out


# --- the list page -------------------------------------------------------------------------------------


def _run(kind: RecordKind, state: ListState, spec: ListSpec, *, actor):
    """The filtered queryset; filters the selector refuses are dropped and reported, never a 500."""
    try:
        return kind.select(actor=actor, filters=state.filters, spec=spec)
    except ApplicationError as exc:
        bad = set(exc.fields)
        labels = []
        for key in list(state.filters):
            base = key.partition("__")[0]
            if key in bad or base in bad:
                spec_field = spec.by_key.get(base)
                labels.append(spec_field.label if spec_field else key)
                state.filters.pop(key)
        if not labels:  # nothing identifiable: start over without filters
            state.filters = {k: v for k, v in state.filters.items() if k == "q"}
        detail = "; ".join(m for messages in exc.fields.values() for m in messages)
        state.notices.append(
            f"Some filters were not valid and are left out ({', '.join(labels) or 'all'}): {detail}".rstrip(": ")
        )
        return kind.select(actor=actor, filters=state.filters, spec=spec)


def record_list(request, kind: RecordKind):
    actor = request.user
    require(can_read(actor, kind.object_type))
    schema = RecordSchema.load(kind.object_type)
    spec = selectors.LIST_SPECS[kind.object_type].with_custom(schema)
    state = read_state(request.GET, spec, actor=actor, object_type=kind.object_type)
    base_url = kind.url("list")
    canonical = f"{base_url}?{state.query()}" if state.params() else base_url
    if state.from_builder and not request.htmx:
        return redirect(canonical)
    queryset = _run(kind, state, spec, actor=actor)
    if request.GET.get("_count"):
        return _count(request, kind, queryset)
    columns = spec.columns(state.columns)
    try:
        rows, next_cursor = spec.page(
            spec.prepare(queryset, columns), ordering=state.ordering, cursor=state.cursor or None, limit=state.limit
        )
    except ApplicationError as exc:  # a stale or forged cursor: the first page instead
        raise_for_http(exc)
        state.notices.append("That page could not be found again; here is the first page.")
        state.cursor = ""
        rows, next_cursor = spec.page(spec.prepare(queryset, columns), ordering=state.ordering, cursor=None,
                                      limit=state.limit)  # fmt: skip
    count = len(rows) if not state.cursor and not next_cursor else None  # else counted by ?_count=1
    context = _list_context(request, kind, state, spec, columns=columns, rows=rows, next_cursor=next_cursor,
                            count=count, base_url=base_url)  # fmt: skip
    target = request.htmx.target if request.htmx else None
    if target == "record-results":
        template = "contacts/_list_results.html"
    elif target == "record-list":
        template = "contacts/_list_body.html"
    else:
        template = f"contacts/{kind.object_type}_list.html"
    response = render(request, template, context)
    if request.htmx and target in ("record-results", "record-list"):
        response["HX-Push-Url"] = f"{base_url}?{state.query()}" if state.params() else base_url
    return response


def _count(request, kind: RecordKind, queryset):
    """The capped count of the list's matches, asked for by the page once it has shown."""
    count, capped = capped_count(queryset, cap=COUNT_CAP)
    return render(request, "contacts/_list_count.html", {"kind": kind, "count": count, "capped": capped})


def _list_context(request, kind, state, spec, *, columns, rows, next_cursor, count, base_url) -> dict:
    actor = request.user
    write_scope = access.scope_of(actor, kind.object_type, Operation.WRITE)
    can_bulk = access.has_feature(actor, Feature.BULK) and write_scope != Scope.NONE
    if write_scope == Scope.ALL:
        writable = {r.pk for r in rows}
    elif write_scope == Scope.NONE or not rows:
        writable = set()
    else:
        scoped = access.scoped(kind.queryset(actor=actor).filter(pk__in=[r.pk for r in rows]), actor=actor,
                               object_type=kind.object_type, operation=Operation.WRITE)  # fmt: skip
        writable = set(scoped.values_list("pk", flat=True))
    reference_fields = [
        c.custom for c in columns if c.custom is not None and c.custom.field_type == FieldType.REFERENCE
    ]
    references = referenced_records(actor, reference_fields, [r.custom for r in rows]) if reference_fields else {}
    first = spec.fields[0].key
    table = []
    for r in rows:
        cells = []
        for c in columns:
            cell = _cell(c, r, kind=kind, first=first, references=references, base_url=base_url)
            cell.label = c.label
            cell.html = cell_html(cell)
            cells.append(cell)
        can_write = r.pk in writable
        edit_url = f"{base_url}{r.pk}/edit/" if can_write else ""
        html = row_html(r, cells, selectable=can_bulk, writable=can_write, edit_url=edit_url)
        table.append({"obj": r, "writable": can_write, "html": html})
    choices = Choices(actor)
    rows_ = filter_rows(state, choices, actor=actor)
    shown_columns = {c.key for c in columns}
    views = list(selectors.saved_view_list(actor=actor, object_type=kind.object_type).order_by("name", "pk"))
    can_manage_view = state.view is not None and (
        state.view.owner_id == actor.pk or access.has_feature(actor, Feature.SETTINGS)
    )
    empty_kind = None
    if not table and not state.cursor:
        filtered = bool(state.filters)
        empty_kind = "filtered" if filtered or kind.queryset(actor=actor).exists() else "none"
    context = {
        "kind": kind,
        "urls": kind.urls,
        "has_team": bool(actor.team_id),
        "state": state,
        "spec": spec,
        "base_url": base_url,
        "query": state.query(),
        "query_without_cursor": state.query(cursor=None),
        # Exports apply a saved view's filters under the parameters: the list's own state says it all.
        "export_query": state.query(cursor=None, view=False),
        "default_columns_url": f"{base_url}?{state.query(cursor=None, columns=False)}",
        "table": table,
        "columns": columns,
        "headers": headers(state, columns, base_url=base_url),
        "column_options": [
            {"key": f.key, "label": f.label, "checked": f.key in shown_columns, "locked": f.key == first}
            for f in [*columns, *[f for f in spec.fields if f.key not in shown_columns]]
        ],
        "filter_rows": rows_,
        "blank_row": build_row(len(rows_), None, "", [], choices),
        "new_row_index": len(rows_) + 1,
        "field_choices": [(f.key, f.label) for f in spec.fields],
        "field_options": option_tags((f.key, f.label) for f in spec.fields),  # the same, made once for new rows
        "chips": chips(state, rows_, base_url=base_url),
        "next_url": f"{base_url}?{state.query(cursor=next_cursor)}" if next_cursor else None,
        "first_url": f"{base_url}?{state.query(cursor=None)}" if state.cursor else None,
        "count": count,  # None: counted afterwards (count_url)
        "count_url": f"{base_url}?{state.query(cursor=None)}{'&' if state.params(cursor=None) else ''}_count=1",
        "count_cap": COUNT_CAP,
        "empty_kind": empty_kind,
        "can_bulk": can_bulk,
        "can_create": kind.may_create(actor),
        "can_export": access.has_feature(actor, Feature.EXPORT),
        "can_import": access.has_feature(actor, Feature.IMPORT),
        "can_share": access.has_feature(actor, Feature.BULK),
        "views": views,
        "can_manage_view": can_manage_view,
        "limits": LIMITS,
    }
    if can_bulk and table:
        # Hundreds of users and tags: their <option>s are made here, not by template loops.
        context["bulk_owner_options"] = option_tags(user_options(assignable_owners(actor, kind.object_type)))
        context["bulk_team_options"] = option_tags(assignable_teams(actor, kind.object_type).values_list("pk", "name"))
        context["bulk_stages"] = LifecycleStage.choices if "lifecycle_stage" in kind.bulk_fields else []
        tags = Tag.objects.order_by("name").values_list("name", flat=True)[:300]
        context["tag_options"] = option_tags((t, "") for t in tags)
    return context


def filter_row(request, kind: RecordKind):
    """One row of the filter builder for the field just chosen (htmx swaps it in)."""
    actor = request.user
    require(can_read(actor, kind.object_type))
    spec = selectors.LIST_SPECS[kind.object_type].with_custom()
    index, key = 0, ""
    for name in request.GET:
        match = ROW_KEY.match(name)
        if match and match.group(1) == "f":
            index, key = int(match.group(2)), request.GET.get(name, "")
    row = build_row(index, spec.by_key.get(key), "", [], Choices(actor))
    context = {"row": row, "field_choices": [(f.key, f.label) for f in spec.fields], "kind": kind, "urls": kind.urls}
    return render(request, "contacts/_list_filter_row.html", context)
