"""PostgreSQL statistics of ``UPPER(field)`` for the text fields lists filter with "contains" (``icontains``).

Without them PostgreSQL takes ``UPPER(industry) LIKE '%SOFTWARE%'`` for a rare match (its default guess), reads
the whole table and sorts the matches; with them it knows how common the value is and walks the list's sort
index instead (a company list filtered by a common industry at 50,000 companies: 45 ms before, 1.4 ms after).
Statistics cost nothing on writes, only at ANALYZE. SQLite plans these without statistics.
"""

from django.db import migrations

FIELDS = {
    "contacts_company": ("industry",),
    "contacts_contact": ("job_title", "department", "lead_source"),
}


def _statements(drop: bool) -> list[str]:
    out = []
    for table, columns in FIELDS.items():
        for column in columns:
            name = f"{table.removeprefix('contacts_')}_{column}_upper_stats"
            if drop:
                out.append(f"DROP STATISTICS IF EXISTS {name}")
            else:
                out.append(f"CREATE STATISTICS IF NOT EXISTS {name} ON (upper({column}::text)) FROM {table}")
    if not drop:
        out += [f"ANALYZE {table}" for table in FIELDS]
    return out


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in _statements(drop=False):
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in _statements(drop=True):
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0007_search_explicit_fts"),
    ]

    operations = [migrations.RunPython(create, drop)]
