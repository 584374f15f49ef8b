"""The global search index (rapport/contacts/search): not Django models, but tables of each database's own kind.

SQLite: the documents, an FTS5 table indexing them (external content, kept in step by triggers), the
vocabulary of typo corrections. PostgreSQL: the documents with a tsvector and its GIN index, the vocabulary with
a pg_trgm index, and the function searches go through. The index is filled after migrating (see
``search._build_if_missing``) or by ``rapport search_index --rebuild``.
"""

from django.db import migrations

SQLITE = [
    """CREATE TABLE contacts_searchdoc (
        id integer NOT NULL PRIMARY KEY,
        object_type varchar(20) NOT NULL,
        object_id bigint NOT NULL,
        owner_id bigint NULL,
        team_id bigint NULL,
        related_id bigint NULL,
        title varchar(300) NOT NULL,
        subtitle varchar(600) NOT NULL,
        name text NOT NULL,
        contact text NOT NULL,
        phone text NOT NULL,
        related text NOT NULL,
        extra text NOT NULL,
        acl text NOT NULL
    )""",
    "CREATE INDEX contacts_searchdoc_related_idx ON contacts_searchdoc (related_id) WHERE related_id IS NOT NULL",
    # Tokens are made in Python (search/text.py); the ascii tokenizer only splits on spaces and keeps them whole.
    """CREATE VIRTUAL TABLE contacts_searchfts USING fts5(
        name, contact, phone, related, extra, acl,
        content='contacts_searchdoc', content_rowid='id', prefix='1 2 3', detail='column',
        tokenize="ascii tokenchars '.@+-_'"
    )""",
    """CREATE TRIGGER contacts_searchdoc_ai AFTER INSERT ON contacts_searchdoc BEGIN
        INSERT INTO contacts_searchfts (rowid, name, contact, phone, related, extra, acl)
        VALUES (new.id, new.name, new.contact, new.phone, new.related, new.extra, new.acl);
    END""",
    """CREATE TRIGGER contacts_searchdoc_ad AFTER DELETE ON contacts_searchdoc BEGIN
        INSERT INTO contacts_searchfts (contacts_searchfts, rowid, name, contact, phone, related, extra, acl)
        VALUES ('delete', old.id, old.name, old.contact, old.phone, old.related, old.extra, old.acl);
    END""",
    """CREATE TRIGGER contacts_searchdoc_au AFTER UPDATE ON contacts_searchdoc BEGIN
        INSERT INTO contacts_searchfts (contacts_searchfts, rowid, name, contact, phone, related, extra, acl)
        VALUES ('delete', old.id, old.name, old.contact, old.phone, old.related, old.extra, old.acl);
        INSERT INTO contacts_searchfts (rowid, name, contact, phone, related, extra, acl)
        VALUES (new.id, new.name, new.contact, new.phone, new.related, new.extra, new.acl);
    END""",
    "CREATE TABLE contacts_searchterm (term varchar(100) NOT NULL PRIMARY KEY) WITHOUT ROWID",
    """CREATE TABLE contacts_searchtermvariant (
        variant varchar(100) NOT NULL,
        term varchar(100) NOT NULL,
        PRIMARY KEY (variant, term)
    ) WITHOUT ROWID""",
]
SQLITE_REVERSE = [
    "DROP TABLE IF EXISTS contacts_searchtermvariant",
    "DROP TABLE IF EXISTS contacts_searchterm",
    "DROP TABLE IF EXISTS contacts_searchfts",
    "DROP TABLE IF EXISTS contacts_searchdoc",
]

POSTGRESQL = [
    """CREATE TABLE contacts_searchdoc (
        id bigint NOT NULL PRIMARY KEY,
        object_type varchar(20) NOT NULL,
        object_id bigint NOT NULL,
        owner_id bigint NULL,
        team_id bigint NULL,
        related_id bigint NULL,
        title varchar(300) NOT NULL,
        subtitle varchar(600) NOT NULL,
        name text NOT NULL,
        contact text NOT NULL,
        phone text NOT NULL,
        related text NOT NULL,
        extra text NOT NULL,
        lexemes tsvector NOT NULL
    )""",
    "CREATE INDEX contacts_searchdoc_lexemes_idx ON contacts_searchdoc USING gin (lexemes)",
    "CREATE INDEX contacts_searchdoc_related_idx ON contacts_searchdoc (related_id) WHERE related_id IS NOT NULL",
    # A reader's newest documents (searches try them before GIN: see PostgreSQLBackend.find).
    "CREATE INDEX contacts_searchdoc_owner_idx ON contacts_searchdoc (owner_id, id)",
    "CREATE INDEX contacts_searchdoc_team_idx ON contacts_searchdoc (team_id, id)",
    "CREATE TABLE contacts_searchterm (term varchar(100) NOT NULL PRIMARY KEY)",
    "CREATE INDEX contacts_searchterm_trgm_idx ON contacts_searchterm USING gin (term gin_trgm_ops)",
    """CREATE TABLE contacts_searchtermvariant (
        variant varchar(100) NOT NULL,
        term varchar(100) NOT NULL,
        PRIMARY KEY (variant, term)
    )""",
    # Searches ask for a few rows of a full-text match: only a bitmap scan of the GIN index costs what the
    # matches cost, whatever the planner guesses of them (a sequential or primary-key scan may read everything).
    # ``indexed`` is what GIN is asked (whole lexemes), ``query`` what the rows must match (ts_match_vq: no index).
    """CREATE FUNCTION contacts_search_docs(indexed tsquery, query tsquery, n integer)
    RETURNS TABLE (
        id bigint, object_id bigint, title varchar, subtitle varchar, name text, contact text, phone text,
        related text, extra text
    )
    LANGUAGE sql STABLE
    SET enable_seqscan = off SET enable_indexscan = off SET jit = off
    AS $$
        SELECT d.id, d.object_id, d.title, d.subtitle, d.name, d.contact, d.phone, d.related, d.extra
        FROM contacts_searchdoc d WHERE d.lexemes @@ indexed AND ts_match_vq(d.lexemes, query) LIMIT n
    $$""",
]
POSTGRESQL_REVERSE = [
    "DROP FUNCTION IF EXISTS contacts_search_docs(tsquery, tsquery, integer)",
    "DROP TABLE IF EXISTS contacts_searchtermvariant",
    "DROP TABLE IF EXISTS contacts_searchterm",
    "DROP TABLE IF EXISTS contacts_searchdoc",
]  # pg_trgm stays: other things may use it

PG_TRGM_MISSING = (
    "Rapport's search needs the PostgreSQL extension pg_trgm, which this database user may not create ({error}). "
    "Ask the database administrator to run `CREATE EXTENSION pg_trgm;` in this database (the extension ships "
    "with PostgreSQL, in the postgresql-contrib package on some systems), then run `rapport migrate` again."
)


def _run(connection, statements) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _ensure_pg_trgm(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone():
            return
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception as exc:  # noqa: BLE001 - permission, or the contrib package missing
            raise RuntimeError(PG_TRGM_MISSING.format(error=str(exc).strip().splitlines()[0])) from exc


def create_index(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        _run(connection, SQLITE)
    elif connection.vendor == "postgresql":
        _ensure_pg_trgm(connection)
        _run(connection, POSTGRESQL)
    else:
        raise RuntimeError(f"Rapport's search supports SQLite and PostgreSQL, not {connection.vendor}.")


def drop_index(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        _run(connection, SQLITE_REVERSE)
    elif connection.vendor == "postgresql":
        _run(connection, POSTGRESQL_REVERSE)


class Migration(migrations.Migration):
    # 0003_imports: only so that the graph keeps a single leaf while both are being written side by side (the
    # index needs nothing of it); the lead may drop it in favour of a merge migration.
    dependencies = [("contacts", "0001_initial"), ("contacts", "0003_imports")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
