"""``deferred_indexes.build``: how an index is built at run time (deferred indexes, custom fields' sort indexes)."""

import pytest
from django.db import DatabaseError, connection

from rapport.core import deferred_indexes
from tests.factories import UserFactory, make_contact, role

NAME = "core_test_build_idx"
DEFINITION = f'CREATE INDEX "{NAME}" ON "contacts_contact" ("job_title", "id")'


def _index_state() -> str:
    """ "missing", "valid" or (PostgreSQL) "invalid"."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = %s", [NAME])
            return "valid" if cursor.fetchone() else "missing"
        cursor.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [NAME])
        found = cursor.fetchone()
        return "missing" if found is None else ("valid" if found[0] else "invalid")


def _drop() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX IF EXISTS "{NAME}"')


@pytest.mark.django_db
def test_an_index_is_built_once_and_an_existing_one_is_left_alone():
    assert _index_state() == "missing"
    assert deferred_indexes.build(NAME, DEFINITION) is True
    assert _index_state() == "valid"
    assert deferred_indexes.build(NAME, DEFINITION) is False  # already there: nothing done, no error
    assert deferred_indexes.build(NAME, DEFINITION.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS")) is False


@pytest.mark.django_db
def test_only_index_statements_are_taken():
    with pytest.raises(ValueError, match="CREATE INDEX"):
        deferred_indexes.build(NAME, f'DROP TABLE "contacts_contact"; {DEFINITION}')


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_postgresql_builds_concurrently_over_an_invalid_leftover():
    """A concurrent build that failed half way leaves an invalid index, which IF NOT EXISTS would keep for good."""
    admin = UserFactory(role=role("admin"))
    for _ in range(2):
        make_contact(admin, first_name="Ada", last_name="Twin", job_title="Same")
    try:
        if connection.vendor == "postgresql":
            with pytest.raises(DatabaseError), connection.cursor() as cursor:  # duplicates: fails, stays invalid
                cursor.execute(f'CREATE UNIQUE INDEX CONCURRENTLY "{NAME}" ON "contacts_contact" ("job_title")')
            assert _index_state() == "invalid"
        assert not connection.in_atomic_block
        assert deferred_indexes.build(NAME, DEFINITION) is True
        assert _index_state() == "valid"
    finally:
        _drop()
