"""Where the index lives: an FTS5 table on SQLite, a tsvector with a GIN index on PostgreSQL.

Both store one row per record in ``contacts_searchdoc`` (id ``type code << 40 | object id``) with its owner and
team, so that record access is part of the search query itself, and a vocabulary of the words records are
called by (``contacts_searchterm``) with each word's one-letter deletions (``contacts_searchtermvariant``), from
which typos are corrected.

A search is a sequence of ``Match`` expressions (``engine.py``): words ANDed, each word one of several tokens,
each token whole or as a prefix. Backends turn them into their own query language from tokens only (never from
the raw query text) and ask for at most ``limit`` rows, which both databases answer without ranking every
match: FTS5 walks its index by row id, PostgreSQL stops reading the heap once it has enough rows.
"""

# ruff: noqa: S608 - SQL is built from this module's table names and from tokens quoted for the query language;
# values are parameters.
from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection

from . import text
from .registry import ID_BITS, Document, SearchType

CHUNK = 500  # ids per IN (...) list

DOC_TABLE = "contacts_searchdoc"
FTS_TABLE = "contacts_searchfts"
TERM_TABLE = "contacts_searchterm"
VARIANT_TABLE = "contacts_searchtermvariant"
DOC_COLUMNS = (
    "id", "object_type", "object_id", "owner_id", "team_id", "related_id", "title", "subtitle", "name", "contact",
    "phone", "related", "extra",
)  # fmt: skip
TEXT_FIELDS = ("name", "contact", "phone", "related", "extra")
SHORT_PREFIX = 5  # PostgreSQL: prefixes up to this long are stored as lexemes of their own

# A row of a search: (doc id, object id, title, subtitle, name, contact, phone, related, extra)
Row = tuple


@dataclass(frozen=True)
class Term:
    token: str
    prefix: bool = False


@dataclass(frozen=True)
class AllOf:
    """Terms that must all match (the parts of ``jo.smith``, as one alternative of a group)."""

    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Match:
    """Records having, for every group, at least one of its alternatives (a term, or all terms of an AllOf)."""

    groups: tuple[tuple[Term | AllOf, ...], ...]


@dataclass(frozen=True)
class Acl:
    """The records of a type a reader may see: every one (``everything``), or those owned by one of
    ``owners`` or belonging to one of ``teams``."""

    everything: bool = False
    owners: tuple[int, ...] = ()
    teams: tuple[int, ...] = ()

    @property
    def nothing(self) -> bool:
        return not (self.everything or self.owners or self.teams)


def _chunks(items: Sequence, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _marks(n: int) -> str:
    return ", ".join(["%s"] * n)


def _doc_values(stype: SearchType, doc: Document) -> tuple:
    return (
        stype.doc_id(doc.object_id), stype.key, doc.object_id, doc.owner_id, doc.team_id, doc.related_id,
        doc.title[:300], doc.subtitle[:600], " ".join(doc.name), " ".join(doc.contact), " ".join(doc.phone),
        " ".join(doc.related), " ".join(doc.extra),
    )  # fmt: skip


class Backend:
    vendor = ""

    # --- writing ---------------------------------------------------------------------------------------------

    def replace(self, stype: SearchType, object_ids: Iterable[int], docs: list[Document]) -> None:
        """Make the index hold ``docs`` for ``object_ids`` (those without a document are removed)."""
        ids = sorted({stype.doc_id(i) for i in object_ids} | {stype.doc_id(d.object_id) for d in docs})
        with connection.cursor() as cursor:
            for chunk in _chunks(ids):
                self._delete(cursor, chunk)
            if docs:
                self._insert(cursor, stype, docs)
        self.add_words(text.vocabulary_words(t for d in docs for t in (*d.name, *d.related, *d.extra)))

    def _delete(self, cursor, doc_ids: list[int]) -> None:
        cursor.execute(f"DELETE FROM {DOC_TABLE} WHERE id IN ({_marks(len(doc_ids))})", doc_ids)

    def _insert(self, cursor, stype: SearchType, docs: list[Document]) -> None:
        raise NotImplementedError

    def related_ids(self, stype: SearchType, related_ids: list[int]) -> list[int]:
        """The records of ``stype`` whose document shows one of these records (of its ``related_type``)."""
        found = []
        with connection.cursor() as cursor:
            for chunk in _chunks(sorted(set(related_ids))):
                cursor.execute(
                    f"SELECT object_id FROM {DOC_TABLE} WHERE related_id IN ({_marks(len(chunk))}) AND object_type = %s",
                    [*chunk, stype.key],
                )
                found += [r[0] for r in cursor.fetchall()]
        return found

    def add_words(self, words: set[str]) -> None:
        """Add words to the vocabulary of typo corrections (with their variants, for the new ones)."""
        if not words:
            return
        words = sorted(words)
        with connection.cursor() as cursor:
            known = set()
            for chunk in _chunks(words):
                cursor.execute(f"SELECT term FROM {TERM_TABLE} WHERE term IN ({_marks(len(chunk))})", chunk)
                known.update(r[0] for r in cursor.fetchall())
            new = [w for w in words if w not in known]
            if not new:
                return
            cursor.executemany(
                f"INSERT INTO {TERM_TABLE} (term) VALUES (%s) ON CONFLICT DO NOTHING", [(w,) for w in new]
            )
            cursor.executemany(
                f"INSERT INTO {VARIANT_TABLE} (variant, term) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                [(v, w) for w in new for v in sorted(text.variants(w))],
            )

    def clear(self) -> None:
        with connection.cursor() as cursor:
            for table in (DOC_TABLE, TERM_TABLE, VARIANT_TABLE):
                cursor.execute(f"DELETE FROM {table}")
            self._cleared(cursor)

    def _cleared(self, cursor) -> None:
        """What else emptying the documents takes."""

    def bulk_load(self):
        """A context manager for a full rebuild: everything removed first; loading fast within it."""
        raise NotImplementedError

    def bulk_insert(self, stype: SearchType, docs: list[Document]) -> None:
        with connection.cursor() as cursor:
            self._insert(cursor, stype, docs)

    def bulk_words(self, words: set[str]) -> None:
        """Add words known to be new (the vocabulary was emptied by ``bulk_load``)."""
        words = sorted(words)
        with connection.cursor() as cursor:
            for chunk in _chunks(words, 5000):
                cursor.executemany(f"INSERT INTO {TERM_TABLE} (term) VALUES (%s)", [(w,) for w in chunk])
                cursor.executemany(
                    f"INSERT INTO {VARIANT_TABLE} (variant, term) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                    [(v, w) for w in chunk for v in sorted(text.variants(w))],
                )

    # --- reading ---------------------------------------------------------------------------------------------

    def find(self, stype: SearchType, match: Match, acl: Acl, limit: int) -> list[Row]:
        """At most ``limit`` documents of ``stype`` matching, within ``acl``, newest first where the database
        can tell cheaply."""
        raise NotImplementedError

    def find_types(self, stypes: list[SearchType], match: Match, acls: dict[str, Acl], limit: int) -> dict:
        """``find`` for several types: ``{type key: rows}``."""
        return {t.key: self.find(t, match, acls[t.key], limit) for t in stypes}

    def matching_sql(self, stype: SearchType, match: Match) -> tuple[str, list]:
        """A subquery of the object ids of ``stype`` matching (for filtering a list)."""
        raise NotImplementedError

    def exists(self, stype: SearchType, match: Match) -> bool:
        sql, params = self.matching_sql(stype, match)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 WHERE EXISTS ({sql})", params)
            return cursor.fetchone() is not None

    def similar_words(self, words: list[str]) -> dict[str, set[str]]:
        """Vocabulary words that may be one typo away from each of ``words`` (to be checked by the caller)."""
        wanted = {w: text.variants(w) for w in words}
        keys = sorted(set().union(*wanted.values())) if wanted else []
        pairs = []
        with connection.cursor() as cursor:
            for chunk in _chunks(keys):
                cursor.execute(
                    f"SELECT variant, term FROM {VARIANT_TABLE} WHERE variant IN ({_marks(len(chunk))})", chunk
                )
                pairs += cursor.fetchall()
        out = {w: set() for w in words}
        for variant, term in pairs:
            for word, keys_of_word in wanted.items():
                if variant in keys_of_word:
                    out[word].add(term)
        return out

    def has_documents(self) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {DOC_TABLE} LIMIT 1")
            return cursor.fetchone() is not None

    def counts(self) -> dict[str, int]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT object_type, COUNT(*) FROM {DOC_TABLE} GROUP BY object_type")
            out = dict(cursor.fetchall())
            cursor.execute(f"SELECT COUNT(*) FROM {TERM_TABLE}")
            out["words"] = cursor.fetchone()[0]
        return out


# --- SQLite ------------------------------------------------------------------------------------------------------


def _fts_string(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


class SQLiteBackend(Backend):
    """FTS5, external content (the text lives in ``contacts_searchdoc``), prefix indexes for 1-3 characters, owner and team as tokens of an ``acl`` column. A type's documents are a
    range of row ids, which FTS5 seeks to: searching companies costs nothing of the million contacts."""

    vendor = "sqlite"

    # The full-text rows are written by these statements, not by triggers on the documents: FTS5 flushes its
    # pending terms at every savepoint, and a trigger runs in one per row, so a trigger-fed index wrote a tiny
    # segment per document (five times slower; migration 0007).
    _FTS_COLUMNS = "name, contact, phone, related, extra, acl"

    def _insert(self, cursor, stype, docs):
        rows = [(*_doc_values(stype, d), self._acl_text(stype, d)) for d in docs]
        cols = ", ".join((*DOC_COLUMNS, "acl"))
        cursor.executemany(f"INSERT INTO {DOC_TABLE} ({cols}) VALUES ({_marks(len(DOC_COLUMNS) + 1)})", rows)
        first = len(DOC_COLUMNS) - len(TEXT_FIELDS)  # the text fields and the acl close each row
        cursor.executemany(
            f"INSERT INTO {FTS_TABLE} (rowid, {self._FTS_COLUMNS}) VALUES ({_marks(len(TEXT_FIELDS) + 2)})",
            [(row[0], *row[first:]) for row in rows],
        )

    def _delete(self, cursor, doc_ids):
        # External content: the index is told what the removed rows held, before they go.
        cursor.execute(
            f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, {self._FTS_COLUMNS}) "
            f"SELECT 'delete', id, {self._FTS_COLUMNS} FROM {DOC_TABLE} WHERE id IN ({_marks(len(doc_ids))})",
            doc_ids,
        )
        super()._delete(cursor, doc_ids)

    def _cleared(self, cursor):
        cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('delete-all')")

    @staticmethod
    def _acl_text(stype: SearchType, doc: Document) -> str:
        code = stype.code
        parts = [f"{code}t"]
        if doc.owner_id is not None:
            parts.append(f"{code}o{doc.owner_id}")
        if doc.team_id is not None:
            parts.append(f"{code}g{doc.team_id}")
        return " ".join(parts)

    @staticmethod
    def _who(stype: SearchType, acl: Acl) -> list[str]:
        if acl.everything:
            return [f'"{stype.code}t"']
        return [f'"{stype.code}o{i}"' for i in acl.owners] + [f'"{stype.code}g{i}"' for i in acl.teams]

    @staticmethod
    def _term(term: Term | AllOf) -> str:
        if isinstance(term, AllOf):
            return "(" + " AND ".join(SQLiteBackend._term(t) for t in term.terms) + ")"
        return _fts_string(term.token) + ("*" if term.prefix else "")

    def _expression(self, match: Match, access: list[tuple[SearchType, Acl]] = ()) -> str:
        groups = ["(" + " OR ".join(self._term(t) for t in group) + ")" for group in match.groups]
        expression = "{name contact phone related extra} : (" + " AND ".join(groups) + ")"
        if access and not all(acl.everything for _t, acl in access):
            who = [w for stype, acl in access for w in self._who(stype, acl)]
            expression += " AND {acl} : (" + " OR ".join(who) + ")"
        return expression

    _FIND = (
        f"SELECT d.id, d.object_id, d.title, d.subtitle, d.name, d.contact, d.phone, d.related, d.extra "
        f"FROM {FTS_TABLE} JOIN {DOC_TABLE} d ON d.id = {FTS_TABLE}.rowid "
        f"WHERE {FTS_TABLE} MATCH %s AND {FTS_TABLE}.rowid BETWEEN %s AND %s "
        f"ORDER BY {FTS_TABLE}.rowid DESC LIMIT %s"
    )

    def find(self, stype, match, acl, limit):
        if acl.nothing:
            return []
        with connection.cursor() as cursor:
            cursor.execute(self._FIND, [self._expression(match, [(stype, acl)]), *stype.doc_ids, int(limit)])
            return cursor.fetchall()

    def find_types(self, stypes, match, acls, limit):
        """One query for all the types (their ids are adjacent ranges), newest first within each type and the
        types by descending code; only a type the answer may have cut short is asked again on its own."""
        stypes = sorted((t for t in stypes if not acls[t.key].nothing), key=lambda t: -t.code)
        codes = [t.code for t in stypes]
        if len(stypes) < 2 or max(codes) - min(codes) != len(codes) - 1:
            return super().find_types(stypes, match, acls, limit)
        total = limit * len(stypes)
        expression = self._expression(match, [(t, acls[t.key]) for t in stypes])
        with connection.cursor() as cursor:
            cursor.execute(self._FIND, [expression, stypes[-1].doc_ids[0], stypes[0].doc_ids[1], total])
            rows = cursor.fetchall()
        out = {t.key: [] for t in stypes}
        by_code = {t.code: t for t in stypes}
        for row in rows:
            out[by_code[row[0] >> ID_BITS].key].append(row)
        if len(rows) == total:  # cut short: the lowest type seen and those after it may miss rows
            lowest = rows[-1][0] >> ID_BITS
            for t in stypes:
                if t.code <= lowest and len(out[t.key]) < limit:
                    out[t.key] = self.find(t, match, acls[t.key], limit)
        return out

    def matching_sql(self, stype, match):
        return (
            f"SELECT {FTS_TABLE}.rowid - %s FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
            f"AND {FTS_TABLE}.rowid BETWEEN %s AND %s",
            [stype.doc_ids[0], self._expression(match), *stype.doc_ids],
        )

    def bulk_load(self):
        return _SQLiteBulkLoad()


class _SQLiteBulkLoad:
    """Rebuild: everything removed first, the documents (and their full-text rows) inserted, the full-text
    index merged into one segment at the end."""

    def __enter__(self):
        get_backend().clear()
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
        return False


# --- PostgreSQL --------------------------------------------------------------------------------------------------


def _lexeme(code: int, token: str) -> str:
    return f"{code}:{token}"


def _tsquery_string(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


class PostgreSQLBackend(Backend):
    """A tsvector of lexemes ``<type code>:<token>`` with a GIN index.

    Prefixes of up to five characters are lexemes of their own (``<code>^<prefix>``). With several words, GIN
    is only asked for whole lexemes: a longer prefix (``consulting*``) is asked as its first five characters
    (``^consu``), the rows then checked against the real query (``ts_match_vq``, which no index serves). GIN
    answers a prefix query (``'consulting':*``) by gathering every row of every word it begins before anything
    else, where whole lexemes are joined list against list, the rarest leading; a word alone is asked as it is
    (cut short, a long specific word would match thousands of rows to check). Owner and team (``<code>~o<id>``,
    ``<code>~g<id>``) are lexemes too, so the record-access condition is part of that join.

    ``contacts_search_docs()`` runs the query with sequential and plain index scans off: a bitmap scan of the
    GIN index costs what the matches cost, where a planner's guess of a LIMIT query over a full-text
    condition can read the whole table. A word shared by a tenth of the table is answered before that from
    the reader's newest documents (``_recent``)."""

    vendor = "postgresql"

    @staticmethod
    def lexemes(stype: SearchType, doc: Document) -> list[str]:
        code = stype.code
        out = set()
        for field_name in TEXT_FIELDS:
            for token in getattr(doc, field_name):
                out.add(_lexeme(code, token))
                if not token.isdigit():
                    for n in range(1, min(SHORT_PREFIX, len(token)) + 1):
                        out.add(f"{code}^{token[:n]}")
        if doc.owner_id is not None:
            out.add(f"{code}~o{doc.owner_id}")
        if doc.team_id is not None:
            out.add(f"{code}~g{doc.team_id}")
        return sorted(out)

    def _insert(self, cursor, stype, docs):
        rows = [(*_doc_values(stype, d), self.lexemes(stype, d)) for d in docs]
        cols = ", ".join((*DOC_COLUMNS, "lexemes"))
        marks = _marks(len(DOC_COLUMNS)) + ", array_to_tsvector(%s::text[])"
        cursor.executemany(f"INSERT INTO {DOC_TABLE} ({cols}) VALUES ({marks})", rows)

    @staticmethod
    def _term(code: int, t: Term | AllOf, *, indexed: bool) -> str:
        if isinstance(t, AllOf):
            return "(" + " & ".join(PostgreSQLBackend._term(code, x, indexed=indexed) for x in t.terms) + ")"
        if t.prefix and not t.token.isdigit() and (len(t.token) <= SHORT_PREFIX or indexed):
            return _tsquery_string(f"{code}^{t.token[:SHORT_PREFIX]}")
        return _tsquery_string(_lexeme(code, t.token)) + (":*" if t.prefix else "")

    def _tsquery(self, stype: SearchType, match: Match, acl: Acl | None, *, indexed: bool = False) -> str:
        """The query; ``indexed``: the query of whole lexemes GIN is asked (prefixes cut to five characters),
        which the rows it finds may match without matching the query itself."""
        code = stype.code
        indexed = indexed and len(match.groups) > 1  # alone, a cut prefix may match far more than the word
        groups = ["(" + " | ".join(self._term(code, t, indexed=indexed) for t in group) + ")" for group in match.groups]
        query = " & ".join(groups)
        if acl is not None and not acl.everything:
            who = [_tsquery_string(f"{code}~o{i}") for i in acl.owners]
            who += [_tsquery_string(f"{code}~g{i}") for i in acl.teams]
            query = f"({query}) & ({' | '.join(who)})"
        return query

    def find(self, stype, match, acl, limit):
        """First among the reader's newest documents of the type (``RECENT`` of them, by the primary key or
        the owner and team indexes): a word shared by a tenth of the table is answered there without GIN
        gathering all its rows. Otherwise (rarer words) by the GIN index, whose cost is then small."""
        if acl.nothing:
            return []
        tsquery = self._tsquery(stype, match, acl)
        rows = self._recent(stype, tsquery, acl, int(limit)) if self._common(stype, match, limit) else []
        if len(rows) >= limit:
            return rows
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, object_id, title, subtitle, name, contact, phone, related, extra "
                "FROM contacts_search_docs(%s::tsquery, %s::tsquery, %s)",
                [self._tsquery(stype, match, acl, indexed=True), tsquery, int(limit)],
            )
            seen = {r[0] for r in rows}
            return rows + [r for r in cursor.fetchall() if r[0] not in seen][: limit - len(rows)]

    RECENT = 1000  # rows read at most (shared by the owner and team walks)
    STATS_TTL = 600  # seconds the lexeme frequencies of pg_stats are kept
    _stats: tuple[float, dict[str, float]] = (0.0, {})

    def _common(self, stype: SearchType, match: Match, limit: int) -> bool:
        """Whether a one-word query is common enough (by the planner's statistics of the lexemes, which list
        those in more than about one row in a thousand) for the reader's newest rows to hold ``limit`` matches."""
        if len(match.groups) != 1:
            return False
        frequencies = self._frequencies()
        code = stype.code
        best = 0.0
        for t in match.groups[0]:
            if isinstance(t, Term) and not (t.prefix and len(t.token) > SHORT_PREFIX):
                lexeme = f"{code}^{t.token}" if t.prefix and not t.token.isdigit() else _lexeme(code, t.token)
                best = max(best, frequencies.get(lexeme, 0.0))
        return best * self.RECENT >= limit

    @classmethod
    def _frequencies(cls) -> dict[str, float]:
        loaded, frequencies = cls._stats
        if time.monotonic() - loaded < cls.STATS_TTL:
            return frequencies
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                "WHERE tablename = %s AND attname = 'lexemes'",
                [DOC_TABLE],
            )
            row = cursor.fetchone()
        frequencies = dict(zip(row[0], row[1], strict=False)) if row and row[0] else {}
        cls._stats = (time.monotonic(), frequencies)
        return frequencies

    _COLUMNS = "d.id, d.object_id, d.title, d.subtitle, d.name, d.contact, d.phone, d.related, d.extra"

    def _recent(self, stype: SearchType, tsquery: str, acl: Acl, limit: int) -> list[Row]:
        lo, hi = stype.doc_ids
        if acl.everything:
            walks = [("", [])]
        elif len(acl.owners) + len(acl.teams) <= 3:
            walks = [("owner_id = %s AND ", [i]) for i in acl.owners] + [("team_id = %s AND ", [i]) for i in acl.teams]
        else:
            return []
        parts, params = [], []
        each = self.RECENT // len(walks)
        for condition, values in walks:
            parts.append(
                f"(SELECT * FROM {DOC_TABLE} WHERE {condition}id BETWEEN %s AND %s ORDER BY id DESC LIMIT {each})"
            )
            params += [*values, lo, hi]
        sql = (
            f"SELECT DISTINCT ON (d.id) {self._COLUMNS} FROM ({' UNION ALL '.join(parts)}) d "
            f"WHERE d.lexemes @@ %s::tsquery ORDER BY d.id DESC LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, tsquery, limit])
            return cursor.fetchall()

    def matching_sql(self, stype, match):
        return (
            f"SELECT object_id FROM {DOC_TABLE} WHERE lexemes @@ %s::tsquery AND ts_match_vq(lexemes, %s::tsquery)",
            [self._tsquery(stype, match, None, indexed=True), self._tsquery(stype, match, None)],
        )

    def similar_words(self, words):
        out = super().similar_words(words)
        long_words = [w for w in words if len(w) >= 6]
        if long_words:
            # Trigram similarity finds the longer words two typos away, which one-letter deletions miss.
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT q.word, t.term FROM unnest(%s::text[]) AS q(word) JOIN {TERM_TABLE} t ON t.term %% q.word",
                    [long_words],
                )
                for word, term in cursor.fetchall():
                    out[word].add(term)
        return out

    def bulk_load(self):
        return _PostgreSQLBulkLoad()

    def bulk_insert(self, stype, docs):
        cols = ", ".join((*DOC_COLUMNS, "lexemes"))
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {DOC_TABLE} ({cols}) FROM STDIN") as copy:
            for d in docs:
                copy.write_row((*_doc_values(stype, d), _tsvector_text(self.lexemes(stype, d))))


def _tsvector_text(lexemes: list[str]) -> str:
    return " ".join(_tsquery_string(x) for x in lexemes)


class _PostgreSQLBulkLoad:
    """Rebuild: tables emptied, their secondary indexes dropped while loading and built again after."""

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {DOC_TABLE}, {TERM_TABLE}, {VARIANT_TABLE}")
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN (%s, %s)"
                " AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                [DOC_TABLE, TERM_TABLE],
            )
            self.indexes = cursor.fetchall()
            for name, _sql in self.indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:  # the transaction rolls back: the indexes come back with it
            return False
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _name, sql in self.indexes:
                cursor.execute(sql)
            for table in (DOC_TABLE, TERM_TABLE, VARIANT_TABLE):
                cursor.execute(f"ANALYZE {table}")
        return False


def get_backend() -> Backend:
    if connection.vendor == "postgresql":
        return PostgreSQLBackend()
    if connection.vendor == "sqlite":
        return SQLiteBackend()
    raise RuntimeError(f"Search does not support the {connection.vendor} database.")
