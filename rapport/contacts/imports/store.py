"""What an import keeps for its undo: ``ImportedRecord`` rows, one per run of consecutive ids it created
(``record_id``..``last_record_id``; ``object_type`` empty for the job's own type, ``company`` for companies created
for a contact import's company column), and the undo's progress on the job (``undo_total``, ``undo_processed``)."""

from django.db.models import F

from ..models import ImportedRecord, ImportJob, ImportRow


def runs(ids: list[int]) -> list[tuple[int, int]]:
    """Sorted ids as runs of consecutive numbers: [1, 2, 3, 7] -> [(1, 3), (7, 7)]."""
    out: list[list[int]] = []
    for i in sorted(ids):
        if out and i == out[-1][1] + 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return [(a, b) for a, b in out]


def add_undo_done(job_id: int, count: int) -> None:
    ImportJob.objects.filter(pk=job_id).update(undo_processed=F("undo_processed") + count)


def created_count(job: ImportJob, object_type: str = "") -> int:
    """How many records the job's runs of ``object_type`` ("" : the job's own type) cover."""
    total = 0
    for first, last in ImportedRecord.objects.filter(job=job, object_type=object_type).values_list(
        "record_id", "last_record_id"
    ):
        total += (last or first) - first + 1
    return total


def undo_total(job: ImportJob) -> int:
    """What an undo goes through: the records of the job's type it created, and the rows that updated one."""
    updated = ImportRow.objects.filter(job=job, outcome="updated", before__isnull=False).count()
    return created_count(job) + updated
