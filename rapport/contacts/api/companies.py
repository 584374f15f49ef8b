"""/api/v1/companies: list, bulk upsert, bulk actions, get, create, update, delete (done in ``_records``)."""

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from rapport.core import etag
from rapport.core.api_types import Id
from rapport.core.idempotency import idempotent

from .. import selectors, services
from ..schemas.bulk import BulkActionOut, CompanyBulkActionIn, CompanyUpsertIn, UpsertOut
from ..schemas.companies import CompanyDetailOut, CompanyIn, CompanyPage, CompanyPatch, CompanyRecord
from ..schemas.lists import ListParams, filter_language
from ..schemas.refs import COMPANY_PREFETCH, COMPANY_RELATED, present_companies
from ..services import upsert
from . import _records
from ._common import BULK, CREATE, LIST, READ, WRITE
from ._records import RecordKind

router = Router()


def _company_details(queryset: QuerySet) -> QuerySet:
    return queryset.select_related(*COMPANY_RELATED).prefetch_related(*COMPANY_PREFETCH)


def _company(actor, pk):
    company = selectors.company_get(actor=actor, pk=pk)
    company.rollup = selectors.company_rollup(actor=actor, company=company)
    return present_companies(actor, [company])[0]


def _update(*, actor, record, data):
    return services.company_update(actor=actor, company=record, data=data)


def _delete(*, actor, record):
    return services.company_delete(actor=actor, company=record)


KIND = RecordKind(
    object_type="company",
    path="/companies",
    out=CompanyDetailOut,
    upsert_record=CompanyRecord,
    get=_company,
    page_details=_company_details,
    present=present_companies,
    select=selectors.company_list,
    create=services.company_create,
    update=_update,
    delete=_delete,
    upsert=upsert.companies_upsert,
    bulk_update=services.companies_bulk_update,
    bulk_tag=services.companies_bulk_tag,
    bulk_delete=services.companies_bulk_delete,
)


@router.get(
    "/companies",
    response={200: CompanyPage, **LIST},
    operation_id="companies_list",
    summary="List companies, with filters on every field",
    description=filter_language("company"),
    tags=["companies"],
)
def companies_list(request: HttpRequest, params: Query[ListParams]):
    return _records.record_list(request, KIND, params)


@router.post(
    "/companies/bulk-upsert",
    response={200: UpsertOut, **BULK},
    operation_id="companies_bulk_upsert",
    summary="Create or update up to 1,000 companies, with a result per record",
    description=(
        "Records are matched to existing companies by `match`, then each is created or updated on its own: a "
        "refused record is reported with its errors (`status: failed`) and the others are kept. A key matching "
        "several companies fails as `ambiguous`. Each record has the fields of a company (see POST /companies), "
        "plus `id` when matching by id."
    ),
    tags=["companies"],
)
@idempotent
def companies_bulk_upsert(request: HttpRequest, payload: CompanyUpsertIn):
    return _records.record_bulk_upsert(request, KIND, payload)


@router.post(
    "/companies/bulk-actions",
    response={200: BulkActionOut, **BULK},
    operation_id="companies_bulk_action",
    summary="Assign, tag, untag or delete many companies (needs the bulk feature)",
    description=(
        "`assign`: `owner_id` and/or `team_id`; `tag`, `untag`: `tags`; `delete` (subsidiaries move one level up, "
        "people stay). Companies you may not change are left alone: `affected` counts those that were."
    ),
    tags=["companies"],
)
@idempotent
def companies_bulk_action(request: HttpRequest, payload: CompanyBulkActionIn):
    return _records.record_bulk_action(request, KIND, payload)


@router.get(
    "/companies/{int:company_id}",
    response={200: CompanyDetailOut, **READ},
    operation_id="companies_get",
    summary="A company, with its roll-up counts over its subsidiaries",
    tags=["companies"],
    openapi_extra=etag.DOCUMENTED,
)
def companies_get(request: HttpRequest, company_id: Id, response: HttpResponse):
    return _records.record_get(request, KIND, company_id, response)


@router.post(
    "/companies",
    response={201: CompanyDetailOut, **CREATE},
    operation_id="companies_create",
    tags=["companies"],
    openapi_extra=etag.DOCUMENTED_201,
)
@idempotent
def companies_create(request: HttpRequest, payload: CompanyIn, response: HttpResponse):
    return _records.record_create(request, KIND, payload, response)


@router.patch(
    "/companies/{int:company_id}",
    response={200: CompanyDetailOut, **WRITE},
    operation_id="companies_update",
    tags=["companies"],
    openapi_extra=etag.DOCUMENTED,
)
def companies_update(
    request: HttpRequest, company_id: Id, payload: CompanyPatch, response: HttpResponse, if_match: etag.IfMatch = None
):
    return _records.record_update(request, KIND, company_id, payload, response, if_match)


@router.delete(
    "/companies/{int:company_id}",
    response={204: None, **WRITE},
    operation_id="companies_delete",
    summary="Delete a company; its subsidiaries move one level up and its people stay",
    tags=["companies"],
)
def companies_delete(request: HttpRequest, company_id: Id, if_match: etag.IfMatch = None):
    return _records.record_delete(request, KIND, company_id, if_match)
