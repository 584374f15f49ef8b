"""Cursor pagination for every list route: ``?limit=&cursor=&ordering=``, keyset on (ordering field, id).

A route returns a scoped queryset and declares its orderings::

    @router.get("/contacts", response={200: list[ContactOut], **problems(401, 422)}, operation_id="contacts_list")
    @paginate(CursorPagination, orderings=("name", "-created_at"))
    def contacts_list(request, filters: Query[ContactFilters]):
        return selectors.contact_list(actor=request.auth, filters=filters.dict())

The answer is ``{"items": [...], "next": "<cursor>" | null}``; pass ``next`` back as ``?cursor=`` for the next page.
Each page is one query of ``limit + 1`` rows (the extra row only tells whether a next page exists): no COUNT, no
OFFSET, so pages stay fast deep into a table and rows added or removed meanwhile are neither repeated nor skipped.
The cursor is signed (opaque and tamper-proof) and remembers its ordering.
"""

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase
from ninja.pagination import paginate as paginate  # re-exported: routes import both from here

from .errors import validation_error
from .listing import beyond

DEFAULT_LIMIT = 50
_SALT = "rapport.core.pagination.cursor"


def max_limit() -> int:
    return int(getattr(settings, "NINJA_PAGINATION_MAX_LIMIT", 200))


def _jsonable(value: Any) -> Any:
    # Full precision: a datetime cut to milliseconds would repeat or skip rows at the page boundary.
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


def encode_cursor(ordering: str, values: list[Any]) -> str:
    return signing.dumps({"o": ordering, "v": [_jsonable(v) for v in values]}, salt=_SALT, compress=True)


def decode_cursor(cursor: str, ordering: str) -> list[Any]:
    try:
        data = signing.loads(cursor, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise validation_error({"cursor": "This cursor is not valid; start again without one."}) from None
    if not isinstance(data, dict) or not isinstance(data.get("v"), list):
        raise validation_error({"cursor": "This cursor is not valid; start again without one."})
    if data.get("o") != ordering:
        raise validation_error({"cursor": "This cursor belongs to another ordering; start again without one."})
    return data["v"]


class CursorPagination(PaginationBase):
    """Keyset pagination on one non-null model field plus the primary key as tie-breaker."""

    items_attribute = "items"

    class Output(Schema):
        items: list[Any]
        next: str | None = Field(None, description="Pass as `cursor` to get the next page; null on the last page.")

    def __init__(self, *, orderings: tuple[str, ...] = ("-id",), **kwargs):
        super().__init__(**kwargs)
        if not orderings:
            raise ImproperlyConfigured("CursorPagination needs at least one ordering.")
        self.orderings = tuple(orderings)
        # Each declared field sorts both ways; the first declared ordering is the default.
        choices = tuple(dict.fromkeys(c for o in self.orderings for c in (o, o[1:] if o.startswith("-") else f"-{o}")))
        Ordering = Literal[choices]
        limit_bound = max_limit()

        class Input(Schema):
            limit: int = Field(DEFAULT_LIMIT, ge=1, le=limit_bound, description=f"Rows per page, 1 to {limit_bound}.")
            cursor: str | None = Field(None, description="The `next` value of the previous page.")
            ordering: Ordering = Field(self.orderings[0], description="Sort field; a leading `-` sorts descending.")

        self.Input = Input

    def paginate_queryset(self, queryset: QuerySet, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        ordering = pagination.ordering
        descending = ordering.startswith("-")
        name = ordering.lstrip("-")
        field = self._field(queryset, name)
        qs = queryset.order_by(ordering, "-pk" if descending else "pk")
        if pagination.cursor:
            raw_value, raw_pk = self._unpack(decode_cursor(pagination.cursor, ordering))
            try:
                value, pk = field.to_python(raw_value), queryset.model._meta.pk.to_python(raw_pk)
            except (ValidationError, ValueError, TypeError):
                raise validation_error({"cursor": "This cursor is not valid; start again without one."}) from None
            qs = qs.filter(beyond(name, value, pk, descending=descending))
        rows = list(qs[: pagination.limit + 1])
        items, more = rows[: pagination.limit], len(rows) > pagination.limit
        next_cursor = None
        if more:
            last = items[-1]
            next_cursor = encode_cursor(ordering, [getattr(last, field.attname), last.pk])
        return {"items": items, "next": next_cursor}

    @staticmethod
    def _unpack(values: list[Any]) -> tuple[Any, Any]:
        if len(values) != 2:
            raise validation_error({"cursor": "This cursor is not valid; start again without one."})
        return values[0], values[1]

    @staticmethod
    def _field(queryset: QuerySet, name: str):
        field = queryset.model._meta.get_field(name)
        if field.null or field.many_to_many or field.one_to_many:
            # NULLs sort differently per database and break the keyset comparison.
            raise ImproperlyConfigured(f"Cannot paginate {queryset.model.__name__} by the nullable field {name!r}.")
        return field
