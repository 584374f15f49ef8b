"""Undoing an import, in batches, each in one transaction that also advances the undo's progress:

1. records the import updated get back the fields it changed (``ImportRow.before``), and lose the emails, phones,
   addresses, companies and tags it added; latest rows first, so a record updated twice ends as it was before;
2. records it created are deleted (with what hangs off them, as a delete in the UI would);
3. companies it created for its contacts are deleted when no contact is linked to them any more.

Only records within the undoer's write scope are touched; the others are counted as kept. Safe to run again after
a crash: what is done is marked (``before`` cleared, ImportedRecord runs shrunk or deleted) in the same
transaction, with the progress (``undo_processed``).
"""

import logging

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Now

from rapport.core import audit
from rapport.users import access
from rapport.users.enums import Operation

from .. import hooks
from ..enums import JobStatus
from ..models import (
    Address,
    Company,
    CompanyDomain,
    CompanyTag,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    ImportedRecord,
    ImportJob,
    ImportRow,
    Membership,
)
from . import store

logger = logging.getLogger(__name__)

BATCH = 2000
MODELS = {"contact": Contact, "company": Company}


def _writable(actor, object_type: str):
    model = MODELS[object_type]
    return access.scoped(model.objects.all(), actor=actor, object_type=object_type, operation=Operation.WRITE)


def run_undo(job_id: int, *, progress=None) -> ImportJob | None:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status != JobStatus.UNDOING:
        return job
    from rapport.users.models import User

    undoer = (job.options or {}).get("undo_by") or job.owner_id
    actor = User.objects.filter(pk=undoer, is_active=True).first()
    if actor is None:
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error="The user undoing this import is gone."
        )
        return job
    kept = 0
    while True:
        with transaction.atomic():
            done, skipped = _restore_batch(job, actor)
        kept += skipped
        if not done:
            break
        _progress(job, progress)
    while True:
        with transaction.atomic():
            done, skipped = _delete_batch(job, actor)
        kept += skipped
        if not done:
            break
        _progress(job, progress)
    with transaction.atomic():
        removed = _delete_orphan_companies(job, actor)
        ImportedRecord.objects.filter(job=job).delete()
        ImportJob.objects.filter(pk=job.pk, status=JobStatus.UNDOING).update(status=JobStatus.UNDONE, finished_at=Now())
        job.refresh_from_db()
        audit.record(actor=actor, action="import_undone", obj=job, changes={
            "created_deleted": job.created_count, "kept_out_of_reach": kept, "companies_deleted": removed,
        })  # fmt: skip
    _progress(job, progress)
    return job


def _progress(job, progress) -> None:
    if progress is not None:
        job.refresh_from_db()
        progress(job)


# --- 1. updated records ---------------------------------------------------------------------------------------


def _restore_batch(job: ImportJob, actor) -> tuple[int, int]:
    rows = list(
        ImportRow.objects.select_for_update()
        .filter(job=job, outcome="updated", before__isnull=False)
        .order_by("-row_number")[:BATCH]
    )
    if not rows:
        return 0, 0
    model = MODELS[job.object_type]
    ids = {r.record_id for r in rows}
    writable = set(_writable(actor, job.object_type).filter(pk__in=ids).values_list("pk", flat=True))
    restored, skipped = [], 0
    for row in rows:
        state = row.before if isinstance(row.before, dict) else {}
        if row.record_id not in writable:
            skipped += 1
            continue
        fields = {k: v for k, v in (state.get("fields") or {}).items() if _is_field(model, k)}
        if fields:
            model.objects.filter(pk=row.record_id).update(**fields)
        _remove_added(job.object_type, row.record_id, state.get("added") or {})
        restored.append(row.record_id)
    ImportRow.objects.filter(pk__in=[r.pk for r in rows]).update(before=None)
    store.add_undo_done(job.pk, len(rows))
    if restored:
        hooks.records_changed(job.object_type, sorted(set(restored)))
    audit.record(actor=actor, action="import_undo_batch", obj=job, changes={"restored": len(restored),
                                                                            "kept": skipped})  # fmt: skip
    return len(rows), skipped


def _is_field(model, name: str) -> bool:
    return any(f.attname == name or f.name == name for f in model._meta.concrete_fields) and name != "id"


def _remove_added(object_type: str, pk: int, added: dict) -> None:
    if object_type == "contact":
        if added.get("emails"):
            ContactEmail.objects.filter(contact_id=pk, email__in=added["emails"]).delete()
        if added.get("phones"):
            ContactPhone.objects.filter(contact_id=pk, number__in=added["phones"]).delete()
        if added.get("companies"):
            Membership.objects.filter(contact_id=pk, company_id__in=added["companies"]).delete()
        if added.get("tags"):
            ContactTag.objects.filter(contact_id=pk, tag_id__in=added["tags"]).delete()
        owner = {"contact_id": pk}
    else:
        if added.get("domains"):
            CompanyDomain.objects.filter(company_id=pk, domain__in=added["domains"]).delete()
        if added.get("tags"):
            CompanyTag.objects.filter(company_id=pk, tag_id__in=added["tags"]).delete()
        owner = {"company_id": pk}
    for address in added.get("addresses") or []:
        match = Address.objects.filter(**owner, **{k: v for k, v in address.items() if k != "is_primary"})
        first = match.order_by("-id").values_list("pk", flat=True).first()
        if first:
            Address.objects.filter(pk=first).delete()


# --- 2. created records ---------------------------------------------------------------------------------------


def _delete_batch(job: ImportJob, actor) -> tuple[int, int]:
    """Delete up to BATCH of the records the job created (of its own type), from its first runs; (done, kept)."""
    runs = list(
        ImportedRecord.objects.filter(job=job, object_type="").order_by("pk").values_list("pk", "record_id",
                                                                                          "last_record_id")[:50]
    )  # fmt: skip
    if not runs:
        return 0, 0
    budget, ids, finished, partial = BATCH, [], [], None
    for run_id, first, last in runs:
        last = last or first
        take = min(budget, last - first + 1)
        ids += range(first, first + take)
        budget -= take
        if first + take > last:
            finished.append(run_id)
        else:
            partial = (run_id, first + take)
        if budget <= 0:
            break
    object_type = job.object_type
    model = MODELS[object_type]
    writable = list(_writable(actor, object_type).filter(pk__in=ids).values_list("pk", flat=True))
    existing = model.objects.filter(pk__in=ids).count()
    if writable:
        if object_type == "company":
            Company.objects.filter(parent_id__in=writable).update(parent_id=None)
        model.objects.filter(pk__in=writable).delete()
        hooks.records_changed(object_type, writable)
    ImportedRecord.objects.filter(pk__in=finished).delete()
    if partial:
        run_id, first = partial
        run = ImportedRecord.objects.get(pk=run_id)
        ImportedRecord.objects.filter(pk=run_id).update(
            record_id=first, last_record_id=run.last_record_id if run.last_record_id != first else None
        )
    store.add_undo_done(job.pk, len(ids))
    audit.record(actor=actor, action="import_undo_batch", obj=job, changes={"deleted": len(writable),
                                                                            "kept": existing - len(writable)})  # fmt: skip
    return len(ids), existing - len(writable)


def _delete_orphan_companies(job: ImportJob, actor) -> int:
    """Companies a contact import created that no contact uses any more."""
    removed = 0
    for run_id, first, last in ImportedRecord.objects.filter(job=job, object_type="company").values_list(
        "pk", "record_id", "last_record_id"
    ):
        for start in range(first, (last or first) + 1, BATCH):
            stop = min(start + BATCH - 1, last or first)
            unused = list(
                _writable(actor, "company")
                .filter(pk__gte=start, pk__lte=stop)
                .exclude(
                    Q(
                        pk__in=Membership.objects.filter(company_id__gte=start, company_id__lte=stop).values(
                            "company_id"
                        )
                    )
                    | Q(pk__in=Contact.objects.filter(company_id__gte=start, company_id__lte=stop).values("company_id"))
                )
                .values_list("pk", flat=True)
            )
            if unused:
                Company.objects.filter(parent_id__in=unused).update(parent_id=None)
                Company.objects.filter(pk__in=unused).delete()
                hooks.records_changed("company", unused)
                removed += len(unused)
        ImportedRecord.objects.filter(pk=run_id).delete()
    return removed
