"""Big imports of new contacts load their tables without the secondary indexes (``rapport.core.deferred_indexes``).

Only in create mode: the other modes look records up by email, phone or external id while they load, through
the very indexes that would be gone. Unique indexes stay, so external ids stay unique.
"""

import logging

from django.conf import settings

from rapport.core import deferred_indexes

from ..enums import JobStatus
from ..models import Address, Contact, ContactEmail, ContactPhone, ContactTag, ImportJob, Membership
from ..search.backends import DOC_TABLE

logger = logging.getLogger(__name__)

HOLDER_PREFIX = "import:"
CONTACT_TABLES = [
    *(m._meta.db_table for m in (Contact, ContactEmail, ContactPhone, Address, Membership, ContactTag)),
    DOC_TABLE,
]
# Indexing the companies a batch creates looks up the contacts that show them by this one.
KEEP = ("contacts_searchdoc_related_idx",)


def holder_of(job: ImportJob) -> str:
    return f"{HOLDER_PREFIX}{job.pk}"


def holds(job: ImportJob) -> bool:
    """Whether the import has indexes to build (it loads, or builds them, without them)."""
    return bool(deferred_indexes.held_by(holder_of(job)))


def worth_deferring(job: ImportJob, remaining_rows: int) -> bool:
    """Rebuilding costs about as much as the rows already there: worth it when the load is big and at least
    half as big as the table."""
    minimum = settings.IMPORT_DEFER_INDEXES_MIN_ROWS
    if job.object_type != "contact" or job.mode != "create" or not minimum or remaining_rows < minimum:
        return False
    return remaining_rows >= Contact.objects.count() // 2


def defer_for(job: ImportJob, remaining_rows: int) -> str | None:
    """Drop the indexes for this run when worth it (or go on without them when an earlier run of the same import
    dropped them); the holder to restore at the end, or None."""
    holder = holder_of(job)
    if holds(job):
        return holder
    if worth_deferring(job, remaining_rows) and deferred_indexes.defer(CONTACT_TABLES, holder, keep=KEEP):
        return holder
    return None


def restore_for(job: ImportJob, holder: str) -> None:
    """Build the indexes again; a failure is logged and left to ``restore_orphans`` (the import's own outcome
    stands)."""
    try:
        deferred_indexes.restore(holder)
    except Exception as exc:
        logger.error("Import id=%s: building its deferred indexes failed with %s", job.pk, type(exc).__name__)


def restore_orphans() -> int:
    """Build the indexes of imports that no longer run (failed, removed); how many were built."""
    holders = deferred_indexes.holders()
    ids = {int(h.removeprefix(HOLDER_PREFIX)): h for h in holders if h.startswith(HOLDER_PREFIX)}
    running = set(
        ImportJob.objects.filter(pk__in=ids, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).values_list(
            "pk", flat=True
        )
    )
    return sum(len(deferred_indexes.restore(holder)) for pk, holder in ids.items() if pk not in running)
