"""A worker killed (SIGKILL) in the middle of an import, then the import resumed: no half batch is left, no row is
imported twice. Real processes on a real database: a scratch SQLite file, or a scratch PostgreSQL database when the
tests run on PostgreSQL."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
ROWS = 12_000
BATCH = 400

SETUP = textwrap.dedent(
    """
    import django, sys
    django.setup()
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    from rapport.contacts.imports import services, uploads
    from rapport.users.models import Role, User
    admin = User.objects.create(username="admin", email="admin@x.test", role=Role.objects.get(key="admin"))
    rows = "".join(f"P{i},Q{i},p{i}@x.test,+1 415 555 {i % 10000:04d},Co{i % 50}\\n" for i in range(int(sys.argv[1])))
    path = uploads.new_path("people.csv")
    path.write_text("First Name,Last Name,Email,Phone,Company\\n" + rows)
    job = services.import_create(actor=admin, object_type="contact", path=path, file_name="people.csv",
                                 size=path.stat().st_size)
    services.import_start(actor=admin, job=job, background=False)
    print(job.pk)
    """
)
RUN = textwrap.dedent(
    """
    import django, sys
    django.setup()
    from django.conf import settings
    settings.IMPORT_BATCH_SIZE = int(sys.argv[2])
    settings.IMPORT_WORKERS = 0
    settings.IMPORT_DEFER_INDEXES_MIN_ROWS = 1  # the load runs without the secondary indexes
    from rapport.contacts.imports import runner
    job = runner.run(int(sys.argv[1]))
    print(job.status, job.processed_rows)
    """
)


class Database:
    """The scratch database the processes share, and plain SQL to look into it."""

    def __init__(self, tmp_path: Path):
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "rapport.settings", "RAPPORT_VAR_DIR": str(tmp_path),
                    "TASKS_BACKEND": "database", "LOG_LEVEL": "WARNING"}  # fmt: skip
        url = os.environ.get("DATABASE_URL", "")
        self.pg = url.startswith("postgres")
        if self.pg:
            import psycopg

            parts = urlsplit(url)
            self.name = (parts.path.lstrip("/") or "rapport") + "_crash"
            self.admin_url = urlunsplit(parts._replace(path="/postgres"))
            self.url = urlunsplit(parts._replace(path="/" + self.name))
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{self.name}"')
            self.env["DATABASE_URL"] = self.url
        else:
            self.env.pop("DATABASE_URL", None)
            self.path = tmp_path / "rapport.sqlite3"

    def query(self, sql: str):
        if self.pg:
            import psycopg

            with psycopg.connect(self.url) as conn:
                return conn.execute(sql).fetchone()
        with sqlite3.connect(self.path, timeout=30) as conn:
            return conn.execute(sql).fetchone()

    def has_index(self, name: str) -> bool:
        catalog = "pg_indexes WHERE indexname" if self.pg else "sqlite_master WHERE type = 'index' AND name"
        return self.query(f"SELECT COUNT(*) FROM {catalog} = '{name}'")[0] == 1

    def python(self, script: str, *args, **kwargs):
        return subprocess.Popen(
            [sys.executable, "-c", script, *map(str, args)], cwd=ROOT, env=self.env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, **kwargs,
        )  # fmt: skip

    def drop(self):
        if self.pg:
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def test_a_killed_import_resumes_without_duplicates_or_half_batches(tmp_path):
    db = Database(tmp_path)
    try:
        setup = db.python(SETUP, ROWS)
        out, err = setup.communicate(timeout=300)
        assert setup.returncode == 0, err
        job_id = int(out.split()[-1])

        worker = db.python(RUN, job_id, BATCH, start_new_session=True)
        deadline = time.monotonic() + 300
        processed = 0
        while time.monotonic() < deadline and processed < 3 * BATCH:
            time.sleep(0.2)
            assert worker.poll() is None, worker.communicate()[1]
            try:
                processed = db.query(f"SELECT processed_rows FROM contacts_importjob WHERE id = {job_id}")[0]
            except Exception:
                continue
        os.killpg(worker.pid, signal.SIGKILL)
        worker.communicate(timeout=60)

        processed, created, status = db.query(
            f"SELECT processed_rows, created_count, status FROM contacts_importjob WHERE id = {job_id}"
        )
        contacts = db.query("SELECT COUNT(*) FROM contacts_contact")[0]
        assert status == "running" and 0 < processed < ROWS
        assert processed % BATCH == 0  # whole batches only
        assert contacts == created == processed  # every committed row, and nothing of the batch that was cut
        assert db.query("SELECT COUNT(*) FROM contacts_contactemail")[0] == contacts
        # The killed run left its indexes dropped, and what builds them again.
        assert not db.has_index("contact_email_idx") and not db.has_index("contactemail_email_idx")
        assert db.query("SELECT COUNT(*) FROM core_deferredindex WHERE name = 'contact_email_idx'")[0] == 1

        resumed = db.python(RUN, job_id, BATCH)
        out, err = resumed.communicate(timeout=300)
        assert resumed.returncode == 0, err
        assert out.split() == ["done", str(ROWS)]
        assert db.query("SELECT COUNT(*), COUNT(DISTINCT email) FROM contacts_contact") == (ROWS, ROWS)
        assert db.query("SELECT COUNT(*) FROM contacts_contactphone")[0] == ROWS
        assert db.query("SELECT COUNT(*) FROM contacts_company")[0] == 50
        assert db.query(f"SELECT created_count, failed_count FROM contacts_importjob WHERE id = {job_id}") == (ROWS, 0)
        assert db.has_index("contact_email_idx") and db.has_index("contactemail_email_idx")  # built by the resumed run
        assert db.query("SELECT COUNT(*) FROM core_deferredindex")[0] == 0
    finally:
        db.drop()
