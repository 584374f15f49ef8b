"""List pages: sortable column headers, page pagination for small lists, keyset pagination for big ones."""

from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Paginator
from django.db.models import Q


def sort_headers(request, columns, current: str) -> list[dict]:
    """Column headers for a sortable table: ``columns`` is ``[(sort_key or None, label)]``.

    Each sortable header links to the same page sorted by it (again: reversed), on the first page,
    and carries the ``aria-sort`` value of the current order.
    """
    headers = []
    desc = current.startswith("-")
    for key, label in columns:
        header = {"key": key, "label": label, "url": None, "aria_sort": None}
        if key:
            active = current.lstrip("-") == key
            params = request.GET.copy()
            params["sort"] = (("" if desc else "-") + key) if active else key
            params.pop("page", None)
            header["url"] = "?" + params.urlencode()
            header["aria_sort"] = ("descending" if desc else "ascending") if active else "none"
        headers.append(header)
    return headers


def paginate(request, queryset, per_page: int = 25):
    """A numbered page (with a COUNT): for short lists such as users, teams and roles."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


@dataclass
class KeysetPage:
    """A page of a large list, found by the sort key of its edge rows rather than by an offset or a COUNT."""

    items: list
    next_cursor: str | None  # older rows
    prev_cursor: str | None  # newer rows


def _encode_cursor(obj, field: str) -> str:
    value = getattr(obj, field)
    return urlsafe_b64encode(f"{value.isoformat()}|{obj.pk}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None):
    if not cursor:
        return None
    try:
        raw = urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        value, pk = raw.rsplit("|", 1)
        return datetime.fromisoformat(value), int(pk)
    except (ValueError, UnicodeDecodeError):
        return None


def beyond(field: str, value, pk, *, descending: bool) -> Q:
    """Rows after the cursor (``value``, ``pk``) in (field, pk) order, ascending or descending.

    The plain bound on the field (gte/lte) lets the database seek its index to the cursor; with only the OR,
    SQLite (with bound parameters) and PostgreSQL walk the index from its start: O(depth) per page.
    """
    cmp = "lt" if descending else "gt"
    return Q(**{f"{field}__{cmp}e": value}) & (Q(**{f"{field}__{cmp}": value}) | Q(**{field: value, f"pk__{cmp}": pk}))


def keyset_page(queryset, *, after: str | None = None, before: str | None = None, field: str = "at", size=50):
    """Rows of ``queryset`` in (-field, -pk) order after (older than) or before (newer than) a cursor."""
    if edge := _decode_cursor(before):
        value, pk = edge
        rows = list(queryset.filter(beyond(field, value, pk, descending=False)).order_by(field, "pk")[: size + 1])
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        return KeysetPage(
            rows,
            next_cursor=_encode_cursor(rows[-1], field) if rows else None,
            prev_cursor=_encode_cursor(rows[0], field) if more_newer else None,
        )
    edge = _decode_cursor(after)
    if edge:
        value, pk = edge
        queryset = queryset.filter(beyond(field, value, pk, descending=True))
    rows = list(queryset.order_by(f"-{field}", "-pk")[: size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        rows,
        next_cursor=_encode_cursor(rows[-1], field) if more_older else None,
        prev_cursor=_encode_cursor(rows[0], field) if edge and rows else None,
    )


# --- the audit log -------------------------------------------------------------------------------
