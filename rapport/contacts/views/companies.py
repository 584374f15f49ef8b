"""The company pages: the list, the create and edit forms, and the card (profile, hierarchy, roll-up counts,
people with their role), with parts editable in place."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_POST

from rapport.core.ui import get_or_404
from rapport.users import access
from rapport.users.enums import Operation

from .. import card, normalize, selectors, services
from ..forms import CompanyForm, country_name
from ..schema import RecordSchema
from . import _list_actions, _lists, _records
from ._records import InlineField, RecordKind

SUBSIDIARIES_SHOWN = 20
PEOPLE_SHOWN = 25


def _update(*, actor, record, data, schema=None):
    return services.company_update(actor=actor, company=record, data=data, schema=schema)


def _delete(*, actor, record):
    return services.company_delete(actor=actor, company=record)


KIND = RecordKind(
    object_type="company",
    noun="company",
    nouns="companies",
    title="Companies",
    name_field="name",
    form=CompanyForm,
    get=selectors.company_get,
    queryset=selectors.company_queryset,
    select=selectors.company_list,
    create=services.company_create,
    update=_update,
    delete=_delete,
    bulk_update=services.companies_bulk_update,
    bulk_tag=services.companies_bulk_tag,
    bulk_delete=services.companies_bulk_delete,
    bulk_fields=(),
    inline={
        f.name: f
        for f in (
            InlineField("domains", "Domains", ("domains",)),
            InlineField("phone", "Phone", ("phone",)),
            InlineField("industry", "Industry", ("industry",)),
            InlineField("size_band", "Size", ("size_band",)),
            InlineField("annual_revenue", "Annual revenue", ("annual_revenue", "revenue_currency")),
            InlineField("parent", "Parent company", ("parent",)),
            InlineField("owner", "Owner", ("owner", "team")),
            InlineField("tags", "Tags", ("tags",)),
        )
    },
    search_placeholder="Search companies…",
)

ABOUT = ("domains", "phone", "industry", "size_band", "annual_revenue", "parent", "owner", "tags")


def card_context(request, company, *, sections: bool = False) -> dict:
    """What the card (and each part edited in place) shows. The hierarchy costs one query per level above
    and below; people and subsidiaries are capped, with a link to the full list."""
    actor = request.user
    writable = access.can(actor, company, Operation.WRITE)
    fields = _records.inline_fields(KIND, company, writable=writable)
    domains, addresses = list(company.domains.all()), list(company.addresses.all())
    for address in addresses:
        address.country_name = country_name(address.country)
    present = {
        "domain": bool(company.domain), "industry": bool(company.industry), "size_band": bool(company.size_band),
        "phone": bool(company.phone), "website": bool(company.website), "address": bool(addresses),
        "owner": company.owner_id is not None,
    }  # fmt: skip
    context = {
        "kind": KIND,
        "record": company,
        "company": company,
        "writable": writable,
        "fields": fields,
        "about": [fields[name] for name in ABOUT],
        "domains": domains,
        "addresses": addresses,
        "phone_text": normalize.format_phone(company.phone) if company.phone else "",
        "tags": list(company.tags.all()),
        "completeness": _records.completeness(KIND, company, present),
        "social": [
            (label, getattr(company, key))
            for key, label in (
                ("website", "Website"),
                ("linkedin", "LinkedIn"),
                ("x", "X"),
                ("facebook", "Facebook"),
                ("instagram", "Instagram"),
            )
            if getattr(company, key)
        ],
    }
    if sections:
        schema = RecordSchema.load("company")
        children = list(selectors.company_children(actor=actor, company=company)[: SUBSIDIARIES_SHOWN + 1])
        people = list(selectors.company_contacts(actor=actor, company=company)[: PEOPLE_SHOWN + 1])
        for membership in people:
            membership.phone_text = normalize.format_phone(membership.contact.phone) if membership.contact.phone else ""
        context.update(
            ancestors=selectors.company_ancestors(actor=actor, company=company),
            children=children[:SUBSIDIARIES_SHOWN],
            more_children=len(children) > SUBSIDIARIES_SHOWN,
            rollup=selectors.company_rollup(actor=actor, company=company),
            people=people[:PEOPLE_SHOWN],
            more_people=len(people) > PEOPLE_SHOWN,
            custom=_records.custom_rows(actor, schema, company),
            sections=card.sections_for(request, company, "company"),
        )
    return context


@login_required
def company_list(request):
    return _lists.record_list(request, KIND)


@login_required
def company_filter_row(request):
    return _lists.filter_row(request, KIND)


@login_required
def company_create(request):
    return _records.record_create(request, KIND)


@login_required
def company_detail(request, pk):
    company = get_or_404(selectors.company_get, actor=request.user, pk=pk)
    return render(request, "contacts/company_detail.html", card_context(request, company, sections=True))


@login_required
def company_edit(request, pk):
    return _records.record_edit(request, KIND, pk)


@login_required
def company_delete(request, pk):
    return _records.record_delete(request, KIND, pk)


@login_required
def company_field(request, pk, name):
    return _records.record_field(request, KIND, pk, name, card_context=card_context)


@login_required
def company_lookup(request):
    return _records.record_lookup(request, KIND)


@login_required
@require_POST
def company_bulk(request):
    return _list_actions.bulk(request, KIND)


@login_required
def company_bulk_delete(request):
    return _list_actions.bulk_delete(request, KIND)


@login_required
def company_view_create(request):
    return _list_actions.view_save(request, KIND)


@login_required
def company_view_update(request, pk):
    return _list_actions.view_save(request, KIND, pk)


@login_required
def company_view_delete(request, pk):
    return _list_actions.view_delete(request, KIND, pk)


urlpatterns = [
    path("companies/", company_list, name="company_list"),
    path("companies/new/", company_create, name="company_create"),
    path("companies/lookup/", company_lookup, name="company_lookup"),
    path("companies/filter-row/", company_filter_row, name="company_filter_row"),
    path("companies/bulk/", company_bulk, name="company_bulk"),
    path("companies/bulk/delete/", company_bulk_delete, name="company_bulk_delete"),
    path("companies/views/new/", company_view_create, name="company_view_create"),
    path("companies/views/<int:pk>/", company_view_update, name="company_view_update"),
    path("companies/views/<int:pk>/delete/", company_view_delete, name="company_view_delete"),
    path("companies/<int:pk>/", company_detail, name="company_detail"),
    path("companies/<int:pk>/edit/", company_edit, name="company_edit"),
    path("companies/<int:pk>/delete/", company_delete, name="company_delete"),
    path("companies/<int:pk>/field/<slug:name>/", company_field, name="company_field"),
]
