"""Secondary indexes dropped for a bulk load and built again after it.

Each row inserted into a table costs one B-tree descent per index; at a million rows the indexes outgrow the
page cache and most of that time goes to reading and writing index pages at random. Building an index after
the load sorts the rows once instead (measured on SQLite, 1,000,000 contacts: 194 µs per row with the table's
twelve secondary indexes, 13 µs without them plus 20 µs per row to build them afterwards).

Only non-unique indexes are dropped: unique ones go on enforcing their constraints during the load. One load
holds deferred indexes at a time. The statement that builds an index again is stored (``DeferredIndex``) in the
transaction that drops it, so a load that dies leaves what is needed to build it: the load's next run goes on
without the indexes and builds them when done; ``restore`` also runs before migrations, and the owner of the
load runs it for loads that will not come back (see ``rapport.contacts.tasks``).

``build`` is how Rapport builds an index at run time (these, and a custom field's sort index): concurrently on
PostgreSQL, so that the table takes writes meanwhile.
"""

import logging
import re
from contextlib import nullcontext

from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction

from .models import DeferredIndex

logger = logging.getLogger(__name__)

_SQLITE_INDEXES = """
    SELECT name, sql FROM sqlite_master
    WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE INDEX%%'
    ORDER BY name
"""
_POSTGRESQL_INDEXES = """
    SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    WHERE x.indrelid = %s::regclass AND NOT x.indisunique AND NOT x.indisprimary AND NOT x.indisexclusion
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
    ORDER BY i.relname
"""


def secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the table's non-unique indexes."""
    query = _SQLITE_INDEXES if connection.vendor == "sqlite" else _POSTGRESQL_INDEXES
    with connection.cursor() as cursor:
        cursor.execute(query, [table])
        return [(name, definition) for name, definition in cursor.fetchall()]


def held_by(holder: str) -> list[str]:
    return list(DeferredIndex.objects.filter(holder=holder).order_by("name").values_list("name", flat=True))


def holders() -> list[str]:
    return sorted(set(DeferredIndex.objects.values_list("holder", flat=True)))


def defer(tables: list[str], holder: str, *, keep: tuple[str, ...] = ()) -> list[str]:
    """Drop the tables' secondary indexes (but those named in ``keep``: the load reads through them) for
    ``holder``; the names dropped. Nothing when another holder has indexes deferred (the load then runs with
    its indexes)."""
    quote = connection.ops.quote_name
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # DROP INDEX waits for the table's readers (an export...), and every query behind it would wait too.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
            if DeferredIndex.objects.exclude(holder=holder).exists():
                return []
            dropped = []
            for table in tables:
                for name, definition in secondary_indexes(table):
                    if name in keep:
                        continue
                    DeferredIndex.objects.create(name=name, table=table, definition=definition, holder=holder)
                    with connection.cursor() as cursor:
                        cursor.execute(f"DROP INDEX {quote(name)}")
                    dropped.append(name)
    except (IntegrityError, OperationalError):
        # Another load deferred the same indexes at the same moment, or the tables are busy: load with the indexes.
        logger.info("%s: secondary indexes kept (the tables are busy or another load holds them)", holder)
        return []
    if dropped:
        logger.info("%s: %d secondary indexes dropped for a bulk load", holder, len(dropped))
    return dropped


def restore(holder: str | None = None) -> list[str]:
    """Build again the indexes deferred by ``holder`` (by anyone when None); the names built. Each index is
    forgotten once it exists, so an interrupted restore resumes where it stopped; a failing one is kept for the
    next restore and the others are built meanwhile."""
    rows = DeferredIndex.objects.order_by("table", "name")
    if holder is not None:
        rows = rows.filter(holder=holder)
    built, tables = [], set()
    for deferred in rows:
        if not DeferredIndex.objects.filter(pk=deferred.pk).exists():
            continue  # built meanwhile by another restore
        try:
            # Within a caller's transaction a savepoint keeps a failed build from breaking it; outside one,
            # PostgreSQL builds concurrently (which no transaction may hold).
            with transaction.atomic() if connection.in_atomic_block else nullcontext():
                made = build(deferred.name, deferred.definition)
        except DatabaseError as exc:
            logger.error("Deferred index %s could not be built (%s)", deferred.name, type(exc).__name__)
            continue
        DeferredIndex.objects.filter(pk=deferred.pk).delete()
        if made:
            built.append(deferred.name)
            tables.add(deferred.table)
    if tables:
        analyze(sorted(tables))
        logger.info("%d deferred indexes built again", len(built))
    return built


_CREATE = re.compile(r"^\s*CREATE\s+INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?", re.IGNORECASE)


def build(name: str, definition: str) -> bool:
    """Build index ``name`` from its ``CREATE INDEX`` statement unless it exists; True when built.

    On PostgreSQL outside a transaction the index is built CONCURRENTLY: the table takes writes meanwhile
    (seconds to minutes at a million rows), instead of being write-locked for the whole build. An invalid index
    left by a concurrent build that failed is dropped first (IF NOT EXISTS would keep it)."""
    if not _CREATE.match(definition):
        raise ValueError(f"Not a CREATE INDEX statement: {definition[:60]!r}")
    quoted = connection.ops.quote_name(name)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            if _exists(cursor, name):
                return False
            cursor.execute(_CREATE.sub("CREATE INDEX IF NOT EXISTS ", definition, count=1))
            return True
        cursor.execute("SELECT x.indisvalid FROM pg_index x WHERE x.indexrelid = to_regclass(%s)", [quoted])
        found = cursor.fetchone()
        if found and found[0]:
            return False
        if connection.in_atomic_block:
            # PostgreSQL refuses to index a table with deferred foreign-key checks pending in the transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            if found:
                cursor.execute(f"DROP INDEX {quoted}")
            cursor.execute(_CREATE.sub("CREATE INDEX ", definition, count=1))
        else:
            if found:
                cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {quoted}")
            cursor.execute(_CREATE.sub("CREATE INDEX CONCURRENTLY IF NOT EXISTS ", definition, count=1))
    return True


def _exists(cursor, name: str) -> bool:
    cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = %s", [name])
    return cursor.fetchone() is not None


def forget(name: str) -> None:
    """An index that is gone for good (its custom field was deleted) is not to be built again."""
    DeferredIndex.objects.filter(name=name).delete()


def analyze(tables: list[str] | None = None) -> None:
    """Fresh planner statistics of ``tables`` (every table when None): for rebuilt indexes (SQLite drops an
    index's statistics with it), and periodically on SQLite (``rapport.core.tasks``)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 1000")  # sampled, like PostgreSQL's ANALYZE
        for table in tables if tables is not None else [None]:
            cursor.execute(f"ANALYZE {quote(table)}" if table else "ANALYZE")
