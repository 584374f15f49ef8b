"""Helpers of the import tests (test_import_*.py): files written to a temporary VAR_DIR, imports run in-process."""

from pathlib import Path

import pytest

from rapport.contacts.imports import runner, services, uploads
from rapport.contacts.models import ImportJob


@pytest.fixture(autouse=True)
def imports_var_dir(settings, tmp_path) -> Path:
    """Uploaded files go to a temporary VAR_DIR (autouse in the modules that import it)."""
    settings.VAR_DIR = tmp_path
    return tmp_path


def upload(
    actor, content: bytes | str, name: str = "contacts.csv", object_type: str = "contact", **kwargs
) -> ImportJob:
    data = content.encode() if isinstance(content, str) else content
    path = uploads.new_path(name)
    path.write_bytes(data)
    return services.import_create(
        actor=actor, object_type=object_type, path=path, file_name=name, size=len(data), **kwargs
    )


def run_import(actor, job: ImportJob, **config) -> ImportJob:
    """Configure, start and run an import (the task's work, in this process)."""
    if config:
        job = services.import_update(actor=actor, job=job, data=config)
    services.import_start(actor=actor, job=job)
    runner.run(job.pk)
    job.refresh_from_db()
    return job


def outcomes(job: ImportJob) -> dict[int, tuple[str, str]]:
    return {r.row_number: (r.outcome, r.message) for r in job.rows.all()}
