"""Bulk SQL for imports, through Django's connection: ids handed out inside the batch's transaction, rows
inserted with one ``executemany`` (SQLite) or ``COPY`` (PostgreSQL) per table, rows updated with one
``executemany``. No ORM objects per row.

Ids: on SQLite the batch's transaction holds the database's write lock (``BEGIN IMMEDIATE``), so the ids after
the table's largest id (and after ``sqlite_sequence``, which AUTOINCREMENT keeps) are free; on PostgreSQL they
are drawn from the table's sequence. Either way they are known before the insert, so children rows (emails,
phones, ...) are written with their parent's id without reading anything back.
"""

import json
from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Model
from django.utils import timezone


def table(model: type[Model]) -> str:
    return model._meta.db_table


def columns_of(model: type[Model]) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


class Bulk:
    def __init__(self):
        self.connection = connection
        self.vendor = connection.vendor
        self._sequences: dict[str, str] = {}

    # --- values -------------------------------------------------------------------------------------------

    def now(self):
        return timezone.now()

    def value(self, value):
        """A Python value as this database takes it in a bulk insert (dates, times, JSON)."""
        return self.adapt(self.vendor, value)

    @staticmethod
    def adapt(vendor: str, value):
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        if vendor == "sqlite":
            if isinstance(value, datetime):
                return connection.ops.adapt_datetimefield_value(value)
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, Decimal):
                return str(value)
        return value

    def field_default(self, model: type[Model], column: str):
        field = next(f for f in model._meta.concrete_fields if f.column == column)
        if field.has_default():
            return self.value(field.get_default())
        if field.null:
            return None
        return self.value(field.get_default())

    # --- ids ----------------------------------------------------------------------------------------------

    def next_ids(self, model: type[Model], count: int) -> list[int]:
        """``count`` fresh primary keys of ``model``'s table; call inside the transaction that inserts them."""
        if count <= 0:
            return []
        name = table(model)
        with self.connection.cursor() as cursor:
            if self.vendor == "sqlite":
                cursor.execute(
                    f'SELECT MAX(COALESCE((SELECT MAX("id") FROM "{name}"), 0),'  # noqa: S608 (our own table name)
                    " COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
                    [name],
                )
                start = cursor.fetchone()[0] + 1
                return list(range(start, start + count))
            sequence = self._sequences.get(name)
            if sequence is None:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [name])
                sequence = self._sequences[name] = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, count])
            return sorted(r[0] for r in cursor.fetchall())

    # --- writes -------------------------------------------------------------------------------------------

    def insert(self, model: type[Model], columns: list[str], rows: list, constants: dict | None = None) -> None:
        """Insert ``rows`` (tuples in ``columns`` order); ``constants`` are the same for every row."""
        if not rows:
            return
        name = table(model)
        constants = constants or {}
        if self.vendor == "postgresql":
            names = ", ".join(f'"{c}"' for c in [*columns, *constants])
            extra = tuple(constants.values())
            with self.connection.cursor() as cursor, cursor.cursor.copy(f'COPY "{name}" ({names}) FROM STDIN') as copy:
                write = copy.write_row
                if extra:
                    for row in rows:
                        write((*row, *extra))
                else:
                    for row in rows:
                        write(row)
            return
        # SQLite: constant values written into the statement once, not bound for every row.
        names = ", ".join(f'"{c}"' for c in [*columns, *constants])
        marks = ", ".join(["%s"] * len(columns) + [self._literal(v) for v in constants.values()])
        with self.connection.cursor() as cursor:
            cursor.executemany(f'INSERT INTO "{name}" ({names}) VALUES ({marks})', rows)  # noqa: S608

    def update(self, model: type[Model], columns: list[str], rows: list) -> None:
        """``UPDATE ... SET columns WHERE id = ...`` for each row ``(*values, id)``."""
        if not rows:
            return
        sets = ", ".join(f'"{c}" = %s' for c in columns)
        with self.connection.cursor() as cursor:
            cursor.executemany(f'UPDATE "{table(model)}" SET {sets} WHERE "id" = %s', rows)  # noqa: S608

    @staticmethod
    def _literal(value) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, int):
            return str(int(value))
        if isinstance(value, str):
            return "'" + value.replace("'", "''").replace("%", "%%") + "'"
        raise TypeError(f"No literal for {type(value).__name__}")
