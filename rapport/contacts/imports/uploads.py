"""Keeping uploaded files: streamed to ``VAR_DIR/imports`` in chunks (never whole in memory), refused past
``IMPORT_MAX_UPLOAD_MB`` while the request is still being read (so an oversized upload costs no disk), removed at
the end of a request that created no import job from them. ``prune_orphans`` removes what a crash left behind."""

import os
import secrets
import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils import timezone

from rapport.core.errors import ApplicationError

CHUNK = 1 << 20
ORPHAN_AGE = timedelta(days=1)  # a file no job knows after this was left by a failed or crashed request


def max_bytes() -> int:
    return int(settings.IMPORT_MAX_UPLOAD_MB) * 1024 * 1024


def too_large() -> ApplicationError:
    limit = int(settings.IMPORT_MAX_UPLOAD_MB)
    message = f"The file is larger than {limit} MB, the largest import Rapport accepts."
    return ApplicationError("too_large", message, {"file": message}, status=413)


def imports_dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def new_path(file_name: str) -> Path:
    suffix = Path(file_name or "").suffix.lower()
    suffix = suffix if suffix in (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".vcf", ".vcard") else ".upload"
    return imports_dir() / f"{secrets.token_hex(16)}{suffix}"


def store_uploaded(upload: UploadedFile) -> tuple[Path, int]:
    """Copy a Django upload into the imports folder, chunk by chunk; (path, size)."""
    if isinstance(upload, StoredUpload):
        return upload.path, upload.size
    path = new_path(upload.name)
    size = 0
    try:
        with open(path, "xb") as out:
            os.chmod(path, 0o600)
            for chunk in upload.chunks(CHUNK):
                size += len(chunk)
                if size > max_bytes():
                    raise too_large()
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, size


def store_local(source: Path) -> tuple[Path, int]:
    """Copy a file given on the command line into the imports folder."""
    size = source.stat().st_size
    if size > max_bytes():
        raise too_large()
    path = new_path(source.name)
    with open(source, "rb") as src, open(path, "xb") as out:
        os.chmod(path, 0o600)
        shutil.copyfileobj(src, out, CHUNK)
    return path, size


class StoredUpload(UploadedFile):
    """An upload the handler below already wrote to its final place."""

    def __init__(self, path: Path, name: str, size: int, content_type: str):
        super().__init__(file=None, name=name, content_type=content_type, size=size)
        self.path = path

    def chunks(self, chunk_size=None):
        with open(self.path, "rb") as f:
            while chunk := f.read(chunk_size or CHUNK):
                yield chunk


class ImportUploadHandler(FileUploadHandler):
    """Writes the uploaded file straight to the imports folder; stops storing past the size limit.

    Install before the request body is read: ``request.upload_handlers = [ImportUploadHandler(request)]``.
    ``too_large`` tells the view why there is no file. The file is the request's until an import job takes it
    (``claim``): call ``release`` when the request ends, whatever happened (CSRF refused, invalid form, error).
    """

    chunk_size = 256 * 1024

    def __init__(self, request=None):
        super().__init__(request)
        self.too_large = False
        self.out = None
        self.path = None
        self.size = 0
        self.claimed = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > max_bytes() + 64 * 1024:
            self.too_large = True
        return None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.too_large:
            raise StopUpload(connection_reset=False)
        if self.out is not None:  # one file per request; later ones are not kept
            raise StopUpload(connection_reset=False)
        self.path = new_path(self.file_name)
        self.out = open(self.path, "xb")  # noqa: SIM115 (closed in file_complete/upload_interrupted)
        os.chmod(self.path, 0o600)

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        if self.size > max_bytes():
            self.too_large = True
            self._drop()
            raise StopUpload(connection_reset=False)
        self.out.write(raw_data)
        return None

    def file_complete(self, file_size):
        if self.out is None or self.too_large:
            return None
        self.out.close()
        return StoredUpload(self.path, self.file_name or "upload", self.size, self.content_type)

    def upload_interrupted(self):
        self._drop()

    def upload_complete(self):
        if self.out is not None and not self.out.closed:  # the body ended inside the file
            self._drop()

    def claim(self) -> None:
        """An import job now refers to the stored file: it stays when the request ends."""
        self.claimed = True

    def release(self) -> None:
        """At the end of the request: remove the stored file unless a job claimed it."""
        if not self.claimed:
            self._drop()

    def _drop(self):
        if self.out is not None:
            self.out.close()
            self.out = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def prune_orphans(*, now=None) -> int:
    """Remove files of the imports folder older than ``ORPHAN_AGE`` that no import job refers to (left by a
    request or a worker that died); how many. Safe to run twice, and alongside uploads (theirs are recent)."""
    from ..models import ImportJob

    cutoff = ((now or timezone.now()) - ORPHAN_AGE).timestamp()
    old = {entry.name: entry for entry in imports_dir().iterdir() if entry.is_file() and entry.stat().st_mtime < cutoff}
    if not old:
        return 0
    known = {Path(p).name for p in ImportJob.objects.exclude(file_path="").values_list("file_path", flat=True)}
    removed = 0
    for name, entry in old.items():
        if name not in known:
            entry.unlink(missing_ok=True)
            removed += 1
    return removed
