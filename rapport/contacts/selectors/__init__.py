"""Reads of the data hub, always within the actor's record access."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from rapport.core.errors import NotFound
from rapport.users import access
from rapport.users.enums import Feature, Operation

from ..models import Address, Company, Contact, CustomField, FieldPolicy, Membership, SavedView, Tag
from . import lists
from .lists import LIST_SPECS, capped_count

MODELS = {"contact": Contact, "company": Company}
HIDDEN_COMPANY = "A company you cannot see"  # shown instead of the name of a related company out of scope

__all__ = ["LIST_SPECS", "capped_count", "lists"]


def visible_ids(*, actor, object_type: str, ids: Iterable) -> set[int]:
    """The ids among ``ids`` of records the actor may read."""
    return _ids_within(actor, object_type, ids, Operation.READ)


def writable_ids(*, actor, object_type: str, ids: Iterable) -> list[int]:
    return sorted(_ids_within(actor, object_type, ids, Operation.WRITE))


def _ids_within(actor, object_type: str, ids: Iterable, operation) -> set[int]:
    model = MODELS.get(object_type)
    clean = set()
    for i in ids:
        try:
            clean.add(int(i))
        except (TypeError, ValueError):
            continue
    if model is None or not clean:
        return set()
    qs = access.scoped(model.objects.filter(pk__in=clean), actor=actor, object_type=object_type, operation=operation)
    return set(qs.values_list("pk", flat=True))


# --- contacts ------------------------------------------------------------------------------------------


def contact_queryset(*, actor, operation=Operation.READ) -> QuerySet:
    return access.scoped(Contact.objects.all(), actor=actor, object_type="contact", operation=operation)


def contact_list(*, actor, filters: Mapping[str, Any] | None = None, spec: lists.ListSpec | None = None) -> QuerySet:
    spec = spec or LIST_SPECS["contact"].with_custom()
    return spec.filter(contact_queryset(actor=actor), filters or {}, actor=actor)


def contact_get(*, actor, pk) -> Contact:
    """One contact with everything its card shows about it (a fixed number of queries)."""
    qs = contact_queryset(actor=actor).select_related("owner", "team", "company", "stance_set_by").prefetch_related(
        "emails", "phones", "addresses", "tags",
        Prefetch("memberships", queryset=Membership.objects.select_related("company").order_by("-is_primary", "id")),
    )  # fmt: skip
    contact = access.get_for(qs, actor=actor, object_type="contact", pk=pk)
    related = [contact.company_id, *(m.company_id for m in contact.memberships.all())]
    visible = visible_ids(actor=actor, object_type="company", ids=[i for i in related if i])
    if contact.company_id and contact.company_id not in visible:
        contact.company = _hidden_company(contact.company_id)
    for membership in contact.memberships.all():
        if membership.company_id not in visible:
            membership.company = _hidden_company(membership.company_id)
    return contact


def _hidden_company(pk: int) -> Company:
    """A stand-in for a related company the reader may not see: its id, no name, no details."""
    company = Company(pk=pk, name=HIDDEN_COMPANY)
    company.is_hidden = True
    return company


# --- companies -----------------------------------------------------------------------------------------


def company_queryset(*, actor, operation=Operation.READ) -> QuerySet:
    return access.scoped(Company.objects.all(), actor=actor, object_type="company", operation=operation)


def company_list(*, actor, filters: Mapping[str, Any] | None = None, spec: lists.ListSpec | None = None) -> QuerySet:
    spec = spec or LIST_SPECS["company"].with_custom()
    return spec.filter(company_queryset(actor=actor), filters or {}, actor=actor)


def company_get(*, actor, pk) -> Company:
    qs = (
        company_queryset(actor=actor)
        .select_related("owner", "team", "parent")
        .prefetch_related("domains", "addresses", "tags")
    )
    return access.get_for(qs, actor=actor, object_type="company", pk=pk)


def company_ancestors(*, actor, company: Company) -> list[Company]:
    """The chain of parents, top first, as far as the actor can see."""
    chain, seen, current = [], {company.pk}, company.parent_id
    while current is not None and current not in seen and len(chain) < 50:
        seen.add(current)
        parent = company_queryset(actor=actor).filter(pk=current).only("pk", "name", "parent_id").first()
        if parent is None:
            break
        chain.append(parent)
        current = parent.parent_id
    return chain[::-1]


def company_descendant_ids(company_id: int) -> list[int]:
    """Every company below this one, at any depth (one query per level)."""
    found, level = [], [company_id]
    seen = {company_id}
    while level:
        level = [
            pk for pk in Company.objects.filter(parent_id__in=level).values_list("pk", flat=True) if pk not in seen
        ]
        seen.update(level)
        found.extend(level)
    return found


def company_rollup(*, actor, company: Company) -> dict[str, int]:
    """Counts over the company and all its subsidiaries: subsidiaries, contacts (distinct people)."""
    below = company_descendant_ids(company.pk)
    tree = [company.pk, *below]
    visible_below = company_queryset(actor=actor).filter(pk__in=below)
    people = contact_queryset(actor=actor).filter(
        pk__in=Membership.objects.filter(company_id__in=tree).values("contact_id")
    )
    return {
        "subsidiaries": visible_below.count(),
        "direct_subsidiaries": visible_below.filter(parent_id=company.pk).count(),
        "contacts": people.count(),
        "direct_contacts": contact_queryset(actor=actor)
        .filter(pk__in=Membership.objects.filter(company_id=company.pk).values("contact_id"))
        .count(),
    }


def company_children(*, actor, company: Company) -> QuerySet:
    return company_queryset(actor=actor).filter(parent_id=company.pk).order_by("name", "id")


def company_contacts(*, actor, company: Company) -> QuerySet:
    """The company's people with their role in it."""
    return (
        Membership.objects.filter(company=company, contact__in=contact_queryset(actor=actor))
        .select_related("contact")
        .order_by("contact__display_name", "contact_id")
    )


# --- data quality --------------------------------------------------------------------------------------

QUALITY_CHECKS = {
    "contact": {
        "first_name": Q(first_name=""), "last_name": Q(last_name=""), "email": Q(email=""), "phone": Q(phone=""),
        "company": Q(company__isnull=True), "job_title": Q(job_title=""),
        "address": ~Q(pk__in=Address.objects.filter(contact__isnull=False).values("contact_id")),
        "lifecycle_stage": Q(lifecycle_stage=""), "owner": Q(owner__isnull=True),
    },
    "company": {
        "domain": Q(domain=""), "industry": Q(industry=""), "size_band": Q(size_band=""), "phone": Q(phone=""),
        "website": Q(website=""),
        "address": ~Q(pk__in=Address.objects.filter(company__isnull=False).values("company_id")),
        "owner": Q(owner__isnull=True),
    },
}  # fmt: skip


def data_quality(*, actor, object_type: str, missing: str | None = None, below: int = 100) -> QuerySet:
    """Records lacking key fields: those missing ``missing``, or (by default) any record under ``below`` %."""
    qs = contact_queryset(actor=actor) if object_type == "contact" else company_queryset(actor=actor)
    if missing:
        check = QUALITY_CHECKS[object_type].get(missing)
        if check is None:
            raise NotFound()
        return qs.filter(check)
    return qs.filter(completeness__lt=below)


def data_quality_summary(*, actor, object_type: str) -> dict[str, int]:
    """Per key field, how many visible records lack it (each count capped, so it stays fast)."""
    qs = contact_queryset(actor=actor) if object_type == "contact" else company_queryset(actor=actor)
    return {name: capped_count(qs.filter(check))[0] for name, check in QUALITY_CHECKS[object_type].items()}


# --- settings ------------------------------------------------------------------------------------------


def tag_list(*, actor, q: str = "") -> QuerySet:
    qs = Tag.objects.all()
    return qs.filter(name__icontains=q.strip()) if q.strip() else qs


def tag_get(*, actor, pk) -> Tag:
    tag = Tag.objects.filter(pk=pk).first()
    if tag is None:
        raise NotFound()
    return tag


def custom_field_list(*, actor, object_type: str | None = None, include_archived: bool = False) -> QuerySet:
    qs = CustomField.objects.all()
    if object_type:
        qs = qs.filter(object_type=object_type)
    return qs if include_archived else qs.filter(is_active=True)


def custom_field_get(*, actor, pk) -> CustomField:
    try:
        return CustomField.objects.get(pk=pk)
    except (CustomField.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def field_policy(*, object_type: str) -> list[str]:
    policy = FieldPolicy.objects.filter(object_type=object_type).first()
    return list(policy.required_fields) if policy else []


def saved_view_list(*, actor, object_type: str | None = None) -> QuerySet:
    """The actor's own views and the shared ones."""
    qs = SavedView.objects.filter(Q(owner=actor) | Q(shared=True)).select_related("owner")
    return qs.filter(object_type=object_type) if object_type else qs


def saved_view_get(*, actor, pk) -> SavedView:
    view = saved_view_list(actor=actor).filter(pk=pk).first() if str(pk).isdigit() else None
    if view is None:
        raise NotFound()
    return view


def may_manage_settings(actor) -> bool:
    return access.has_feature(actor, Feature.SETTINGS)
