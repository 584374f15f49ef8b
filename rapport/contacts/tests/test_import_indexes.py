"""A big import of new contacts loads without the tables' secondary indexes and builds them again at the end; one
that stops half way leaves what builds them, for its next run or for the periodic check."""

import pytest
from django.db import connection

from rapport.contacts.imports import indexes, runner
from rapport.contacts.models import Contact, ImportJob
from rapport.contacts.search import search
from rapport.contacts.tasks import restore_import_indexes
from rapport.core import deferred_indexes
from rapport.core.models import DeferredIndex
from rapport.core.worker import run_ready_tasks
from tests.factories import UserFactory, role

from .import_support import imports_var_dir, run_import, upload  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db

ROWS = "First Name,Last Name,Email,Phone,Company\n" + "".join(
    f"P{i},Q{i},p{i}@x.test,+1 415 555 {1000 + i},Co{i % 3}\n" for i in range(30)
)


def _all_secondary_indexes() -> list[tuple[str, str]]:
    return [ix for table in indexes.CONTACT_TABLES for ix in deferred_indexes.secondary_indexes(table)]


@pytest.fixture
def admin():
    return UserFactory(role=role("admin"))


@pytest.fixture
def small_big_import(settings):
    settings.IMPORT_DEFER_INDEXES_MIN_ROWS = 10  # a 30-row file counts as big
    settings.IMPORT_BATCH_SIZE = 7


def test_a_big_create_import_loads_without_secondary_indexes_then_builds_them(admin, small_big_import, monkeypatch):
    before = _all_secondary_indexes()
    assert ("contact_email_idx" in {name for name, _ in before}) and "contacts_searchdoc_related_idx" in dict(before)
    seen_during = []
    write_batch = runner.write_batch

    def watching(ctx, start, results):
        seen_during.append({name for name, _ in _all_secondary_indexes()})
        return write_batch(ctx, start, results)

    monkeypatch.setattr(runner, "write_batch", watching)
    job = run_import(admin, upload(admin, ROWS))

    assert (job.status, job.created_count) == ("done", 30)
    assert len(seen_during) == 5
    # Meanwhile only the one the load reads through was left; unique indexes are not secondary.
    assert all(names == {"contacts_searchdoc_related_idx"} for names in seen_during)
    assert _all_secondary_indexes() == before  # the same indexes, built from the same statements
    assert not DeferredIndex.objects.exists()
    assert Contact.objects.filter(email="p7@x.test").count() == 1
    assert [hit.title for hit in search(actor=admin, q="p7@x.test", types=["contact"], limit=3)] == ["P7 Q7"]


@pytest.mark.parametrize("mode", ["upsert", "update"])
def test_imports_that_look_records_up_keep_their_indexes(admin, small_big_import, mode):
    job = upload(admin, ROWS)
    job.mode = mode
    assert not indexes.worth_deferring(job, 30)


def test_a_small_import_into_a_big_table_keeps_its_indexes(admin, small_big_import):
    run_import(admin, upload(admin, ROWS))  # 30 contacts in the table now
    job = upload(admin, ROWS)
    assert indexes.worth_deferring(job, 15) and not indexes.worth_deferring(job, 14)


def test_an_import_that_fails_half_way_builds_the_indexes_again(admin, small_big_import, monkeypatch):
    before = _all_secondary_indexes()
    calls = []
    write_batch = runner.write_batch

    def failing(ctx, start, results):
        calls.append(start)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return write_batch(ctx, start, results)

    monkeypatch.setattr(runner, "write_batch", failing)
    with pytest.raises(RuntimeError):
        run_import(admin, upload(admin, ROWS))
    job = ImportJob.objects.get()
    assert (job.status, job.processed_rows) == ("failed", 14)
    assert _all_secondary_indexes() == before and not DeferredIndex.objects.exists()


def test_indexes_left_by_an_import_that_no_longer_runs_are_built_by_the_periodic_check(admin, small_big_import):
    before = _all_secondary_indexes()
    running, failed = upload(admin, ROWS), upload(admin, ROWS)
    ImportJob.objects.filter(pk=running.pk).update(status="running")
    ImportJob.objects.filter(pk=failed.pk).update(status="failed")
    assert deferred_indexes.defer(indexes.CONTACT_TABLES, indexes.holder_of(failed), keep=indexes.KEEP)
    assert not deferred_indexes.defer(indexes.CONTACT_TABLES, indexes.holder_of(running))  # one holder at a time
    assert len(_all_secondary_indexes()) == 1

    restore_import_indexes.call()
    assert _all_secondary_indexes() == before

    assert deferred_indexes.defer(indexes.CONTACT_TABLES, indexes.holder_of(running), keep=indexes.KEEP)
    assert restore_import_indexes.call() == {"indexes": 0}  # its import still runs: its indexes stay deferred
    assert len(_all_secondary_indexes()) == 1
    deferred_indexes.restore()
    assert _all_secondary_indexes() == before


def test_migrations_find_the_deferred_indexes_built(admin, small_big_import):
    from django.apps import apps
    from django.db.models.signals import pre_migrate

    from rapport.core.apps import _restore_deferred_indexes

    core = apps.get_app_config("core")
    before = _all_secondary_indexes()
    assert deferred_indexes.defer(indexes.CONTACT_TABLES, "import:999")
    assert pre_migrate.has_listeners(core)
    _restore_deferred_indexes(sender=core, using="default", plan=[])  # nothing to migrate (every start): left
    assert DeferredIndex.objects.exists()
    _restore_deferred_indexes(sender=core, using="default", plan=[("a migration", False)])
    assert _all_secondary_indexes() == before and not DeferredIndex.objects.exists()


def test_a_custom_field_deleted_while_its_index_is_deferred_is_not_indexed_again(admin, small_big_import):
    from rapport.contacts import services

    field = services.custom_field_create(
        actor=admin, data={"object_type": "contact", "key": "tier", "label": "Tier", "field_type": "text"}
    )
    assert "contact_cf_tier_sort" not in dict(_all_secondary_indexes())  # built in the background
    assert run_ready_tasks() == 1
    assert "contact_cf_tier_sort" in dict(_all_secondary_indexes())
    assert "contact_cf_tier_sort" in deferred_indexes.defer(indexes.CONTACT_TABLES, "import:999")
    services.custom_field_delete(actor=admin, field=field)
    deferred_indexes.restore()
    assert "contact_cf_tier_sort" not in dict(_all_secondary_indexes())


def test_the_progress_says_when_every_row_is_in_and_the_indexes_are_being_built(admin, client):
    client.force_login(admin)
    job = upload(admin, ROWS)
    ImportJob.objects.filter(pk=job.pk).update(status="running", total_rows=30, processed_rows=20)
    assert "Importing…" in client.get(f"/imports/{job.pk}/progress/").content.decode()
    ImportJob.objects.filter(pk=job.pk).update(processed_rows=31)  # past an estimated total, no deferred indexes
    assert "Importing…" in client.get(f"/imports/{job.pk}/progress/").content.decode()
    assert deferred_indexes.defer(indexes.CONTACT_TABLES, indexes.holder_of(job), keep=indexes.KEEP)
    page = client.get(f"/imports/{job.pk}/progress/").content.decode()
    assert "Building the indexes of the imported records…" in page


def test_an_aborted_run_leaves_its_indexes_to_the_resumed_run(admin, small_big_import, monkeypatch):
    write_batch = runner.write_batch
    calls = []

    def stopping(ctx, start, results):
        calls.append(start)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the worker's second signal
        return write_batch(ctx, start, results)

    monkeypatch.setattr(runner, "write_batch", stopping)
    job = upload(admin, ROWS)
    with pytest.raises(KeyboardInterrupt):
        run_import(admin, job)
    assert indexes.holds(job) and len(_all_secondary_indexes()) == 1
    monkeypatch.setattr(runner, "write_batch", write_batch)
    runner.run(job.pk)  # resumed: goes on without the indexes, builds them at the end
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", 30)
    assert not indexes.holds(job) and len(_all_secondary_indexes()) > 1


def test_an_index_that_exists_again_is_skipped_and_the_others_built(admin, small_big_import):
    before = _all_secondary_indexes()
    assert deferred_indexes.defer(indexes.CONTACT_TABLES, "import:999", keep=indexes.KEEP)
    with connection.cursor() as cursor:
        cursor.execute(dict(before)["contact_email_idx"])  # made again by someone meanwhile
    deferred_indexes.restore()
    assert _all_secondary_indexes() == before and not DeferredIndex.objects.exists()
