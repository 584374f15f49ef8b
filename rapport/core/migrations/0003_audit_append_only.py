"""A database trigger that refuses UPDATE of audit entries, on SQLite and PostgreSQL.

Deleting is refused by the model layer only: test databases are flushed between tests, and a later
retention or erasure policy must be able to remove whole entries deliberately.
"""

from django.db import migrations

TABLE = "core_auditentry"

SQLITE_FORWARD = [
    f"CREATE TRIGGER audit_no_update BEFORE UPDATE ON {TABLE} BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS audit_no_update;"]

POSTGRES_FORWARD = [
    """CREATE OR REPLACE FUNCTION rapport_audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql;""",
    f"CREATE TRIGGER audit_append_only BEFORE UPDATE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION rapport_audit_append_only();",
]
POSTGRES_BACKWARD = [
    f"DROP TRIGGER IF EXISTS audit_append_only ON {TABLE};",
    "DROP FUNCTION IF EXISTS rapport_audit_append_only();",
]


def forward(apps, schema_editor):
    statements = POSTGRES_FORWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    statements = POSTGRES_BACKWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_BACKWARD
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]
    operations = [migrations.RunPython(forward, backward)]
