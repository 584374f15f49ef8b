"""Reads of imports: a user sees the imports they ran; users who manage settings see every import. Both need the
import feature."""

from django.db.models import QuerySet

from rapport.core.errors import NotFound
from rapport.users import access
from rapport.users.enums import Feature

from ..models import ImportJob, ImportRow


def import_queryset(*, actor) -> QuerySet:
    if not access.has_feature(actor, Feature.IMPORT):
        return ImportJob.objects.none()
    qs = ImportJob.objects.select_related("owner")
    if access.has_feature(actor, Feature.SETTINGS):
        return qs
    return qs.filter(owner=actor)


def import_list(*, actor, filters: dict | None = None) -> QuerySet:
    filters = filters or {}
    qs = import_queryset(actor=actor)
    if filters.get("object_type"):
        qs = qs.filter(object_type=filters["object_type"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    return qs


def import_get(*, actor, pk) -> ImportJob:
    try:
        job = import_queryset(actor=actor).get(pk=pk)
    except (ImportJob.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    return job


def report_rows(*, job: ImportJob, outcome: str = "") -> QuerySet:
    qs = ImportRow.objects.filter(job=job)
    if outcome:
        qs = qs.filter(outcome=outcome)
    return qs.order_by("row_number", "id")
