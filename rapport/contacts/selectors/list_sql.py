"""The SQL shapes that let the indexes serve the contact and company lists: a list of ids as one parameter, a
custom value as an indexable expression (and its sort index), "starts with" as an index range, the keyset
condition of the next page, and the sort by a related record's own id column."""

import json

from django.db import connection
from django.db.models import BooleanField, Exists, F, Field, Func, JSONField, Q, QuerySet
from django.db.models.expressions import Col
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan

from rapport.core import deferred_indexes

from ..enums import FieldType
from ..models import Company, Contact


class IdIn(Func):
    """``id IN (ids)`` with the ids as one parameter (``= ANY(%s)`` on PostgreSQL, ``json_each`` on SQLite): an
    IN of thousands of parameters costs more to build and send than to run."""

    output_field = BooleanField()

    def __init__(self, ids: list[int]):
        super().__init__(F("pk"))
        self.ids = [int(i) for i in ids]

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s)", [*params, self.ids]
        sql = f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 (the column, compiled above)
        return sql, [*params, json.dumps(self.ids)]


class ProbedExists(Exists):
    """A correlated ``EXISTS`` that PostgreSQL checks row by row in an ordered query, as the list walks its sort
    index and stops after a page. PostgreSQL otherwise turns it into a semi-join, which reads every matching
    related row first (all the addresses in London) to show fifty; ``OFFSET 0`` keeps the subquery as written.
    An unordered query (the capped count) keeps the semi-join: it reads the matches once instead of probing
    row after row (63 ms against 274 for a city on 7 % of a million contacts). SQLite probes row by row anyway."""

    def as_postgresql(self, compiler, connection, **extra):
        if not compiler.query.order_by:
            return self.as_sql(compiler, connection, **extra)
        return self.as_sql(compiler, connection, template="EXISTS(%(subquery)s OFFSET 0)", **extra)


def db_lower(text: str) -> str:
    """``text`` lower-cased as the database lower-cases (SQLite only folds ASCII), to compare with LOWER(col)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT LOWER(%s)", [text])
        return cursor.fetchone()[0]


def starts_with(alias: str, text: str) -> Q:
    """``alias`` (lower-cased) starts with ``text``: a range its index serves; checked by LIKE as well where
    the database's collation is not the code point order (where the range alone is exact, PostgreSQL can stop
    reading the index after the first matches instead of reading the whole range to recheck it)."""
    low = db_lower(text.strip())
    if not low:
        return Q()
    high = low[:-1] + chr(ord(low[-1]) + 1)
    exact = Q(**{f"{alias}__gte": low, f"{alias}__lt": high})
    return exact if _code_point_order() else exact & Q(**{f"{alias}__startswith": low})


_COLLATIONS: dict[str, bool] = {}


def _code_point_order() -> bool:
    """Whether the database compares text by code point (SQLite; PostgreSQL with the C collations)."""
    if connection.vendor != "postgresql":
        return True
    name = connection.settings_dict["NAME"]
    if name not in _COLLATIONS:
        with connection.cursor() as cursor:
            cursor.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()")
            collate = cursor.fetchone()[0]
        _COLLATIONS[name] = collate in ("C", "POSIX") or collate.lower() in ("c.utf-8", "c.utf8")
    return _COLLATIONS[name]


class JsonKey(Func):
    """A custom value as the database compares it, with the key written into the SQL (keys are
    ``[a-z][a-z0-9_]*``) so that an expression index on it can serve the sort (see ``custom_sort_index_sql``):
    ``custom -> 'key'`` (jsonb) on PostgreSQL, ``json_extract(custom, '$."key"')`` on SQLite."""

    def __init__(self, key: str):
        if not key.replace("_", "a").isalnum() or not key[:1].isalpha() or not key.isascii():
            raise ValueError(f"Not a custom field key: {key!r}")
        self.key = key
        output = JSONField() if connection.vendor == "postgresql" else Field()
        super().__init__(F("custom"), output_field=output)

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"({column} -> '{self.key}')", params
        return f"json_extract({column}, '$.\"{self.key}\"')", params


def custom_sort_index_name(cf) -> str:
    table = (Contact if cf.object_type == "contact" else Company)._meta.db_table
    return f"{table.split('_')[-1]}_cf_{cf.key}"[:50] + "_sort"


def custom_sort_index_sql(cf, *, drop: bool = False) -> str:
    """The DDL of the index that serves sorting a list by the custom field ``cf`` (one per sortable field)."""
    model = Contact if cf.object_type == "contact" else Company
    table = model._meta.db_table
    name = custom_sort_index_name(cf)
    if drop:
        return f'DROP INDEX IF EXISTS "{name}"'
    if connection.vendor == "postgresql":
        expression = f"(custom -> '{JsonKey(cf.key).key}')"
    else:
        expression = f"json_extract(custom, '$.\"{JsonKey(cf.key).key}\"')"
    return f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({expression}, id)'


def sortable_custom(cf) -> bool:
    return cf.field_type not in (FieldType.MULTI_CHOICE, FieldType.LONG_TEXT)


def ensure_custom_sort_index(cf) -> None:
    """Create the sort index of a custom field (idempotent); custom fields are made at run time, so this runs in
    the background (``tasks.build_custom_sort_index``). On PostgreSQL, outside a transaction, the index is built
    CONCURRENTLY: the table takes writes meanwhile (seconds to minutes at a million records). PostgreSQL then
    samples the table again: it keeps statistics of an indexed expression, without which it takes a common
    value (``cf.segment=Enterprise``) for a rare one and plans accordingly."""
    if not sortable_custom(cf):
        return
    built = deferred_indexes.build(custom_sort_index_name(cf), custom_sort_index_sql(cf))
    if built and connection.vendor == "postgresql":
        deferred_indexes.analyze([(Contact if cf.object_type == "contact" else Company)._meta.db_table])


def by_joined_id(queryset: QuerySet, related: str, order: list[str]) -> tuple[QuerySet, list[str]]:
    """Sort by the joined record's own id column, not the equal foreign key (which Django writes instead):
    only then does the database see that walking the related name index, and each related record's rows by the
    ``(fk, name)`` index, gives the order without sorting."""
    queryset = queryset.all()
    name = F(f"{related}__name").resolve_expression(queryset.query, allow_joins=True, reuse=None)
    queryset = queryset.annotate(_related_id=Col(name.alias, name.target.model._meta.pk))
    return queryset, ["_related_id" if k == f"{related}__id" else k for k in order]


def spec_local(key: str) -> str:
    """The key itself when it is a column of the list's own table, else ""."""
    return "" if "__" in key else key


def keyset_after(keys: list[str], values: list, *, descending: bool) -> Q:
    """Rows after ``values`` in the order of ``keys`` (the last one the id), all ascending or all descending.
    PostgreSQL seeks its index with the row value ``(a, b, id) > (x, y, z)``; SQLite gets the expanded form.
    Both get a plain bound on the first key, which the planner seeks with."""
    cmp = "lt" if descending else "gt"
    first = Q(**{f"{keys[0]}__{cmp}e": values[0]})
    if connection.vendor == "postgresql":
        lookup = TupleLessThan if descending else TupleGreaterThan
        after = Q(lookup(Tuple(*(F(k) for k in keys)), tuple(values)))
        # One table: the row value alone (PostgreSQL estimates it by its first column; with the plain bound as
        # well it counts that bound twice, expects a tenth of the rows and picks a plan for few). Across a join,
        # the plain bound on the related name starts the walk of that name's index.
        return after if keys[0] == spec_local(keys[0]) and "_related_id" not in keys else first & after
    condition, equal = Q(pk__in=[]), Q()
    for key, value in zip(keys, values, strict=True):
        condition |= equal & Q(**{f"{key}__{cmp}": value})
        equal &= Q(**{key: value})
    return first & condition
