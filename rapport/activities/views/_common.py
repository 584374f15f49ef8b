"""What the timeline, notes and tasks views share: loading the record a panel belongs to, and answering htmx."""

from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django_htmx.http import reswap, retarget, trigger_client_event

from rapport.contacts import selectors as contact_selectors

RECORD_TYPES = {"contact": "contacts", "company": "companies"}

# --- records -------------------------------------------------------------------------------------------


def get_record(actor, object_type: str, pk):
    """The contact or company, if the actor may see it (one query); 404 otherwise."""
    if object_type == "contact":
        queryset = contact_selectors.contact_queryset(actor=actor)
    elif object_type == "company":
        queryset = contact_selectors.company_queryset(actor=actor)
    else:
        raise Http404
    record = queryset.filter(pk=pk).first()
    if record is None:
        raise Http404
    return record


def record_url(object_type: str, pk) -> str:
    """The record's own page (its card)."""
    try:
        return reverse(f"{object_type}_detail", args=[pk])
    except NoReverseMatch:
        return f"/{RECORD_TYPES[object_type]}/{pk}/"


def record_of(obj) -> tuple[str, int] | None:
    """``(object_type, pk)`` of the record a note or task is attached to."""
    if obj.contact_id:
        return "contact", obj.contact_id
    if obj.company_id:
        return "company", obj.company_id
    return None


def record_context(object_type: str, record) -> dict:
    return {
        "object_type": object_type,
        "record": record,
        "record_name": str(record),
        "record_url": record_url(object_type, record.pk),
        "prefix": f"{object_type}-{record.pk}",
    }


def with_toast(response, message: str, level: str = "success"):
    return trigger_client_event(response, "rapport:toast", {"message": message, "level": level})


def fragment(response, target_id: str):
    """Send ``response`` (a whole panel) to replace the panel ``target_id``, whatever element asked."""
    return reswap(retarget(response, f"#{target_id}"), "outerHTML")
