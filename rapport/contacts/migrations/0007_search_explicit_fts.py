"""SQLite's full-text index is written by the search backend's own statements instead of triggers on the
documents, and keeps no column sizes (nothing ranks with them).

FTS5 flushes its pending terms at every savepoint, and a trigger runs inside one for each row: fed by triggers,
the index wrote a segment per document, five times slower than statements that insert many rows at once. The
table is made again without ``%_docsize`` (``columnsize=0``) and filled from the documents ('rebuild').
PostgreSQL is not concerned.
"""

from django.db import migrations

TRIGGERS = ("contacts_searchdoc_ai", "contacts_searchdoc_ad", "contacts_searchdoc_au")
FTS = """CREATE VIRTUAL TABLE contacts_searchfts USING fts5(
    name, contact, phone, related, extra, acl,
    content='contacts_searchdoc', content_rowid='id', prefix='1 2 3', detail='column', {extra}
    tokenize="ascii tokenchars '.@+-_'"
)"""
TRIGGERS_SQL = [
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
]


def _remake(schema_editor, *, extra: str, triggers: list[str]) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        cursor.execute("DROP TABLE IF EXISTS contacts_searchfts")
        cursor.execute(FTS.format(extra=extra))
        cursor.execute("INSERT INTO contacts_searchfts (contacts_searchfts) VALUES ('rebuild')")
        for sql in triggers:
            cursor.execute(sql)


def forwards(apps, schema_editor) -> None:
    _remake(schema_editor, extra="columnsize=0,", triggers=[])


def backwards(apps, schema_editor) -> None:
    _remake(schema_editor, extra="", triggers=TRIGGERS_SQL)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0006_list_speed")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
