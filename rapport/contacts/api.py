"""/api/v1/ routes of the customer data hub: contacts, companies, custom fields, field policies, tags and saved
views. Parse, call a selector or service, return (conventions: docs/api.md).

Paths with a record id take only digits (``{int:contact_id}``), so that sibling routes under the same prefix
(``/contacts/bulk-upsert``, and those of other routers) are never taken for an id.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import pydantic
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status

from rapport.core import etag
from rapport.core.api_errors import problems
from rapport.core.api_types import Id
from rapport.core.errors import PreconditionFailed, validation_error
from rapport.core.idempotency import idempotent
from rapport.core.pagination import CursorPagination, paginate
from rapport.users import access
from rapport.users.enums import Feature
from rapport.users.selectors import visible_users

from . import selectors, services
from .enums import CustomizableObject
from .models import Membership
from .schema import MANDATORY_CHOICES
from .schemas import (
    COMPANY_PREFETCH,
    COMPANY_RELATED,
    CONTACT_PREFETCH,
    CONTACT_RELATED,
    BulkActionOut,
    CompanyBulkActionIn,
    CompanyDetailOut,
    CompanyIn,
    CompanyPage,
    CompanyPatch,
    CompanyRecord,
    CompanyUpsertIn,
    ContactBulkActionIn,
    ContactIn,
    ContactOut,
    ContactPage,
    ContactPatch,
    ContactRecord,
    ContactUpsertIn,
    CustomFieldFilters,
    CustomFieldIn,
    CustomFieldOut,
    CustomFieldPatch,
    FieldPolicyIn,
    FieldPolicyOut,
    ListParams,
    SavedViewFilters,
    SavedViewIn,
    SavedViewOut,
    SavedViewPatch,
    TagFilters,
    TagOut,
    TagPatch,
    UpsertOut,
    filter_language,
    present_companies,
    present_contacts,
    service_data,
    visible_ids,
)
from .services import upsert

router = Router()

READ = problems(401, 404, 422)  # 422: an impossible id (not a positive 64-bit integer)
LIST = problems(401, 422)
CREATE = problems(401, 403, 409, 422)
WRITE = problems(401, 403, 404, 409, 412, 422)
BULK = problems(401, 403, 409, 422)


@contextmanager
def out_of_range(field: str = "__all__") -> Iterator[None]:
    """Answer 422 for a value that neither the database nor UTC can hold (a custom reference id past 2**63, a
    custom date-time in year 9999 with a negative offset, an id filter past 2**63 on SQLite): the domain's
    cleaners let those through as OverflowError for now. Whatever ran before is rolled back with its atomic block."""
    try:
        yield
    except OverflowError:
        raise validation_error({field: "A value is out of range."}) from None


def _location(request: HttpRequest, response: HttpResponse, pk: int, base: str) -> None:
    response["Location"] = f"{request.path.rsplit(base, 1)[0]}{base}/{pk}"


def _filters(request: HttpRequest) -> dict[str, str]:
    """Every query parameter, for ListSpec.filter (which skips limit, cursor and ordering): a repeated one is
    taken as its values separated by commas, the list form of choice filters."""
    return {key: ",".join(request.GET.getlist(key)) for key in request.GET}


def _upsert_records(items: list, model: type[pydantic.BaseModel]) -> tuple[list[dict], dict[int, dict]]:
    """The records as the services take them, and those whose shape is wrong, with their errors, by index."""
    records, rejected = [], {}
    for index, item in enumerate(items):
        if not isinstance(item, model):
            try:
                item = model.model_validate(item)
            except pydantic.ValidationError as exc:
                errors: dict[str, list[str]] = {}
                for error in exc.errors():
                    name = ".".join(str(part) for part in error["loc"]) or "__all__"
                    errors.setdefault(name, []).append(error["msg"])
                rejected[index] = errors
                records.append({})
                continue
        records.append(service_data(item))
    return records, rejected


def _mode(payload) -> str:
    return payload.mode or ("upsert" if payload.match else "create")


def _upsert_answer(results: list[dict]) -> dict[str, Any]:
    counts = dict.fromkeys(("created", "updated", "unchanged", "failed"), 0)
    for result in results:
        counts[result["status"]] += 1
    return {**counts, "results": results}


def _bulk_change(payload, allowed: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """The fields of a bulk action, refusing those that belong to another action."""
    data = payload.model_dump(mode="json", exclude_unset=True)
    fields = {k: v for k, v in data.items() if k not in ("ids", "action")}
    wrong = set(fields) - set(allowed[payload.action])
    if wrong:
        raise validation_error(dict.fromkeys(sorted(wrong), f"Not used by the {payload.action} action."))
    if payload.action == "assign" and not fields:
        raise validation_error({"owner_id": "Give owner_id or team_id (or both)."})
    if payload.action in ("tag", "untag") and not fields.get("tags"):
        raise validation_error({"tags": "Name at least one tag."})
    if payload.action == "set_stage" and "lifecycle_stage" not in fields:
        raise validation_error({"lifecycle_stage": "Choose the stage."})
    return {{"owner_id": "owner", "team_id": "team"}.get(k, k): v for k, v in fields.items()}


BULK_FIELDS = {
    "assign": ("owner_id", "team_id"),
    "tag": ("tags",),
    "untag": ("tags",),
    "set_stage": ("lifecycle_stage",),
    "delete": (),
}

# --- contacts ------------------------------------------------------------------------------------------


def _contact_details(queryset: QuerySet) -> QuerySet:
    """What ContactOut shows, for a whole page in a fixed number of queries."""
    memberships = Membership.objects.select_related("company").order_by("-is_primary", "id")
    return queryset.select_related(*CONTACT_RELATED).prefetch_related(
        *CONTACT_PREFETCH, Prefetch("memberships", queryset=memberships)
    )


def _contact(actor, pk):
    return present_contacts(actor, [selectors.contact_get(actor=actor, pk=pk)])[0]


@router.get(
    "/contacts",
    response={200: ContactPage, **LIST},
    operation_id="contacts_list",
    summary="List contacts, with filters on every field",
    description=filter_language("contact"),
    tags=["contacts"],
)
def contacts_list(request: HttpRequest, params: Query[ListParams]):
    spec = selectors.LIST_SPECS["contact"].with_custom()
    queryset = selectors.contact_list(actor=request.auth, filters=_filters(request), spec=spec)
    with out_of_range("filters"):
        rows, next_cursor = spec.page(
            _contact_details(queryset), ordering=params.ordering, cursor=params.cursor, limit=params.limit
        )
    return {"items": present_contacts(request.auth, rows), "next": next_cursor}


@router.post(
    "/contacts/bulk-upsert",
    response={200: UpsertOut, **BULK},
    operation_id="contacts_bulk_upsert",
    summary="Create or update up to 1,000 contacts, with a result per record",
    description=(
        "Records are matched to existing contacts by `match`, then each is created or updated on its own: a "
        "refused record is reported with its errors (`status: failed`) and the others are kept. A key matching "
        "several contacts fails as `ambiguous`. Each record has the fields of a contact (see POST /contacts), plus "
        "`id` when matching by id."
    ),
    tags=["contacts"],
)
@idempotent
def contacts_bulk_upsert(request: HttpRequest, payload: ContactUpsertIn):
    records, rejected = _upsert_records(payload.records, ContactRecord)
    results = upsert.contacts_upsert(
        actor=request.auth, records=records, match=payload.match, mode=_mode(payload), rejected=rejected
    )
    return _upsert_answer(results)


@router.post(
    "/contacts/bulk-actions",
    response={200: BulkActionOut, **BULK},
    operation_id="contacts_bulk_action",
    summary="Assign, tag, untag, set the lifecycle stage of or delete many contacts (needs the bulk feature)",
    description=(
        "`assign`: `owner_id` and/or `team_id`; `tag`, `untag`: `tags`; `set_stage`: `lifecycle_stage`; `delete`. "
        "Contacts you may not change are left alone: `affected` counts those that were."
    ),
    tags=["contacts"],
)
@idempotent
def contacts_bulk_action(request: HttpRequest, payload: ContactBulkActionIn):
    access.ensure_feature(request.auth, Feature.BULK)
    data = _bulk_change(payload, BULK_FIELDS)
    actor, ids = request.auth, payload.ids
    if payload.action in ("assign", "set_stage"):
        affected = services.contacts_bulk_update(actor=actor, ids=ids, data=data)
    elif payload.action == "tag":
        affected = services.contacts_bulk_tag(actor=actor, ids=ids, add=data["tags"])
    elif payload.action == "untag":
        affected = services.contacts_bulk_tag(actor=actor, ids=ids, remove=data["tags"])
    else:
        affected = services.contacts_bulk_delete(actor=actor, ids=ids)
    return {"action": payload.action, "affected": affected}


@router.get(
    "/contacts/{int:contact_id}",
    response={200: ContactOut, **READ},
    operation_id="contacts_get",
    summary="A contact, with everything about it",
    tags=["contacts"],
    openapi_extra=etag.DOCUMENTED,
)
def contacts_get(request: HttpRequest, contact_id: Id, response: HttpResponse):
    return etag.tag(response, ContactOut, _contact(request.auth, contact_id))


@router.post(
    "/contacts",
    response={201: ContactOut, **CREATE},
    operation_id="contacts_create",
    tags=["contacts"],
    openapi_extra=etag.DOCUMENTED_201,
)
@idempotent
def contacts_create(request: HttpRequest, payload: ContactIn, response: HttpResponse):
    try:
        with out_of_range("custom"):
            contact = services.contact_create(actor=request.auth, data=service_data(payload))
    except IntegrityError:  # until contact_create turns a taken external id on its first save into a Conflict
        raise upsert.external_id_taken("contact") from None
    _location(request, response, contact.pk, "/contacts")
    return Status(201, etag.tag(response, ContactOut, _contact(request.auth, contact.pk)))


@router.patch(
    "/contacts/{int:contact_id}",
    response={200: ContactOut, **WRITE},
    operation_id="contacts_update",
    tags=["contacts"],
    openapi_extra=etag.DOCUMENTED,
)
def contacts_update(
    request: HttpRequest, contact_id: Id, payload: ContactPatch, response: HttpResponse, if_match: etag.IfMatch = None
):
    load = partial(_contact, request.auth, contact_id)
    with etag.precondition(if_match, ContactOut, load) as contact, out_of_range("custom"):
        services.contact_update(actor=request.auth, contact=contact, data=service_data(payload))
    return etag.tag(response, ContactOut, load())


@router.delete(
    "/contacts/{int:contact_id}",
    response={204: None, **WRITE},
    operation_id="contacts_delete",
    summary="Delete a contact, with its identifiers, notes and timeline links",
    tags=["contacts"],
)
def contacts_delete(request: HttpRequest, contact_id: Id, if_match: etag.IfMatch = None):
    load = partial(_contact, request.auth, contact_id)
    with etag.precondition(if_match, ContactOut, load) as contact:
        services.contact_delete(actor=request.auth, contact=contact)
    return Status(204, None)


# --- companies -----------------------------------------------------------------------------------------


def _company_details(queryset: QuerySet) -> QuerySet:
    return queryset.select_related(*COMPANY_RELATED).prefetch_related(*COMPANY_PREFETCH)


def _company(actor, pk):
    company = selectors.company_get(actor=actor, pk=pk)
    company.rollup = selectors.company_rollup(actor=actor, company=company)
    return present_companies(actor, [company])[0]


@router.get(
    "/companies",
    response={200: CompanyPage, **LIST},
    operation_id="companies_list",
    summary="List companies, with filters on every field",
    description=filter_language("company"),
    tags=["companies"],
)
def companies_list(request: HttpRequest, params: Query[ListParams]):
    spec = selectors.LIST_SPECS["company"].with_custom()
    queryset = selectors.company_list(actor=request.auth, filters=_filters(request), spec=spec)
    with out_of_range("filters"):
        rows, next_cursor = spec.page(
            _company_details(queryset), ordering=params.ordering, cursor=params.cursor, limit=params.limit
        )
    return {"items": present_companies(request.auth, rows), "next": next_cursor}


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
    records, rejected = _upsert_records(payload.records, CompanyRecord)
    results = upsert.companies_upsert(
        actor=request.auth, records=records, match=payload.match, mode=_mode(payload), rejected=rejected
    )
    return _upsert_answer(results)


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
    access.ensure_feature(request.auth, Feature.BULK)
    data = _bulk_change(payload, BULK_FIELDS)
    actor, ids = request.auth, payload.ids
    if payload.action == "assign":
        affected = services.companies_bulk_update(actor=actor, ids=ids, data=data)
    elif payload.action == "tag":
        affected = services.companies_bulk_tag(actor=actor, ids=ids, add=data["tags"])
    elif payload.action == "untag":
        affected = services.companies_bulk_tag(actor=actor, ids=ids, remove=data["tags"])
    else:
        affected = services.companies_bulk_delete(actor=actor, ids=ids)
    return {"action": payload.action, "affected": affected}


@router.get(
    "/companies/{int:company_id}",
    response={200: CompanyDetailOut, **READ},
    operation_id="companies_get",
    summary="A company, with its roll-up counts over its subsidiaries",
    tags=["companies"],
    openapi_extra=etag.DOCUMENTED,
)
def companies_get(request: HttpRequest, company_id: Id, response: HttpResponse):
    return etag.tag(response, CompanyDetailOut, _company(request.auth, company_id))


@router.post(
    "/companies",
    response={201: CompanyDetailOut, **CREATE},
    operation_id="companies_create",
    tags=["companies"],
    openapi_extra=etag.DOCUMENTED_201,
)
@idempotent
def companies_create(request: HttpRequest, payload: CompanyIn, response: HttpResponse):
    try:
        with out_of_range("custom"):
            company = services.company_create(actor=request.auth, data=service_data(payload))
    except IntegrityError:  # until company_create turns a taken external id on its first save into a Conflict
        raise upsert.external_id_taken("company") from None
    _location(request, response, company.pk, "/companies")
    return Status(201, etag.tag(response, CompanyDetailOut, _company(request.auth, company.pk)))


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
    load = partial(_company, request.auth, company_id)
    with etag.precondition(if_match, CompanyDetailOut, load) as company, out_of_range("custom"):
        services.company_update(actor=request.auth, company=company, data=service_data(payload))
    return etag.tag(response, CompanyDetailOut, load())


@router.delete(
    "/companies/{int:company_id}",
    response={204: None, **WRITE},
    operation_id="companies_delete",
    summary="Delete a company; its subsidiaries move one level up and its people stay",
    tags=["companies"],
)
def companies_delete(request: HttpRequest, company_id: Id, if_match: etag.IfMatch = None):
    load = partial(_company, request.auth, company_id)
    with etag.precondition(if_match, CompanyDetailOut, load) as company:
        services.company_delete(actor=request.auth, company=company)
    return Status(204, None)


# --- custom fields -------------------------------------------------------------------------------------


@router.get(
    "/custom-fields",
    response={200: list[CustomFieldOut], **LIST},
    operation_id="custom_fields_list",
    tags=["custom fields"],
)
@paginate(CursorPagination, orderings=("position", "label", "created_at"))
def custom_fields_list(request: HttpRequest, filters: Query[CustomFieldFilters]):
    return selectors.custom_field_list(
        actor=request.auth, object_type=filters.object_type, include_archived=filters.include_archived
    )


@router.get(
    "/custom-fields/{custom_field_id}",
    response={200: CustomFieldOut, **READ},
    operation_id="custom_fields_get",
    tags=["custom fields"],
    openapi_extra=etag.DOCUMENTED,
)
def custom_fields_get(request: HttpRequest, custom_field_id: Id, response: HttpResponse):
    return etag.tag(response, CustomFieldOut, selectors.custom_field_get(actor=request.auth, pk=custom_field_id))


@router.post(
    "/custom-fields",
    response={201: CustomFieldOut, **CREATE},
    operation_id="custom_fields_create",
    summary="Add a custom field to contacts or companies (needs the settings feature)",
    tags=["custom fields"],
    openapi_extra=etag.DOCUMENTED_201,
)
@idempotent
def custom_fields_create(request: HttpRequest, payload: CustomFieldIn, response: HttpResponse):
    field = services.custom_field_create(actor=request.auth, data=payload.model_dump(mode="json", exclude_unset=True))
    _location(request, response, field.pk, "/custom-fields")
    return Status(201, etag.tag(response, CustomFieldOut, selectors.custom_field_get(actor=request.auth, pk=field.pk)))


@router.patch(
    "/custom-fields/{custom_field_id}",
    response={200: CustomFieldOut, **WRITE},
    operation_id="custom_fields_update",
    summary="Change a custom field (needs the settings feature)",
    tags=["custom fields"],
    openapi_extra=etag.DOCUMENTED,
)
def custom_fields_update(
    request: HttpRequest,
    custom_field_id: Id,
    payload: CustomFieldPatch,
    response: HttpResponse,
    if_match: etag.IfMatch = None,
):
    load = partial(selectors.custom_field_get, actor=request.auth, pk=custom_field_id)
    with etag.precondition(if_match, CustomFieldOut, load) as field:
        services.custom_field_update(
            actor=request.auth, field=field, data=payload.model_dump(mode="json", exclude_unset=True)
        )
    return etag.tag(response, CustomFieldOut, load())


@router.delete(
    "/custom-fields/{custom_field_id}",
    response={204: None, **WRITE},
    operation_id="custom_fields_delete",
    summary="Delete a custom field (needs the settings feature); to keep its values, archive it instead",
    tags=["custom fields"],
)
def custom_fields_delete(request: HttpRequest, custom_field_id: Id, if_match: etag.IfMatch = None):
    load = partial(selectors.custom_field_get, actor=request.auth, pk=custom_field_id)
    with etag.precondition(if_match, CustomFieldOut, load) as field:
        services.custom_field_delete(actor=request.auth, field=field)
    return Status(204, None)


# --- field policies ------------------------------------------------------------------------------------


def _field_policy(object_type: str) -> dict[str, Any]:
    return {
        "object_type": object_type,
        "required_fields": selectors.field_policy(object_type=object_type),
        "choices": {key: str(label) for key, label in MANDATORY_CHOICES[object_type].items()},
    }


@router.get(
    "/field-policies/{object_type}",
    response={200: FieldPolicyOut, **READ},
    operation_id="field_policies_get",
    summary="The built-in fields that are mandatory for contacts or companies",
    tags=["custom fields"],
    openapi_extra=etag.DOCUMENTED,
)
def field_policies_get(request: HttpRequest, object_type: CustomizableObject, response: HttpResponse):
    return etag.tag(response, FieldPolicyOut, _field_policy(object_type.value))


@router.put(
    "/field-policies/{object_type}",
    response={200: FieldPolicyOut, **WRITE},
    operation_id="field_policies_update",
    summary="Choose the mandatory built-in fields (needs the settings feature)",
    tags=["custom fields"],
    openapi_extra=etag.DOCUMENTED,
)
def field_policies_update(
    request: HttpRequest,
    object_type: CustomizableObject,
    payload: FieldPolicyIn,
    response: HttpResponse,
    if_match: etag.IfMatch = None,
):
    with transaction.atomic():
        if if_match is not None and not etag.matches(
            if_match, etag.etag_of(FieldPolicyOut, _field_policy(object_type.value))
        ):
            raise PreconditionFailed()
        services.field_policy_update(
            actor=request.auth, object_type=object_type.value, required_fields=payload.required_fields
        )
    return etag.tag(response, FieldPolicyOut, _field_policy(object_type.value))


# --- tags ----------------------------------------------------------------------------------------------


@router.get("/tags", response={200: list[TagOut], **LIST}, operation_id="tags_list", tags=["tags"])
@paginate(CursorPagination, orderings=("name", "created_at"))
def tags_list(request: HttpRequest, filters: Query[TagFilters]):
    return selectors.tag_list(actor=request.auth, q=filters.q or "")


@router.get(
    "/tags/{tag_id}",
    response={200: TagOut, **READ},
    operation_id="tags_get",
    tags=["tags"],
    openapi_extra=etag.DOCUMENTED,
)
def tags_get(request: HttpRequest, tag_id: Id, response: HttpResponse):
    return etag.tag(response, TagOut, selectors.tag_get(actor=request.auth, pk=tag_id))


@router.patch(
    "/tags/{tag_id}",
    response={200: TagOut, **WRITE},
    operation_id="tags_update",
    summary="Rename or recolour a tag everywhere (needs the settings feature)",
    tags=["tags"],
    openapi_extra=etag.DOCUMENTED,
)
def tags_update(
    request: HttpRequest, tag_id: Id, payload: TagPatch, response: HttpResponse, if_match: etag.IfMatch = None
):
    load = partial(selectors.tag_get, actor=request.auth, pk=tag_id)
    with etag.precondition(if_match, TagOut, load) as tag:
        services.tag_update(actor=request.auth, tag=tag, data=payload.model_dump(mode="json", exclude_unset=True))
    return etag.tag(response, TagOut, load())


@router.delete(
    "/tags/{tag_id}",
    response={204: None, **WRITE},
    operation_id="tags_delete",
    summary="Delete a tag, taking it off every record (needs the settings feature)",
    tags=["tags"],
)
def tags_delete(request: HttpRequest, tag_id: Id, if_match: etag.IfMatch = None):
    load = partial(selectors.tag_get, actor=request.auth, pk=tag_id)
    with etag.precondition(if_match, TagOut, load) as tag:
        services.tag_delete(actor=request.auth, tag=tag)
    return Status(204, None)


# --- saved views ---------------------------------------------------------------------------------------


def _view(actor, pk):
    view = selectors.saved_view_get(actor=actor, pk=pk)
    view.owner_visible = view.owner_id in visible_ids(actor, "user", [view.owner_id])
    return view


@router.get(
    "/saved-views",
    response={200: list[SavedViewOut], **LIST},
    operation_id="saved_views_list",
    summary="Your saved list views and the shared ones",
    tags=["saved views"],
)
@paginate(CursorPagination, orderings=("name", "created_at", "updated_at"))
def saved_views_list(request: HttpRequest, filters: Query[SavedViewFilters]):
    owner = visible_users(request.auth).filter(pk=OuterRef("owner_id"))
    views = selectors.saved_view_list(actor=request.auth, object_type=filters.object_type)
    return views.annotate(owner_visible=Exists(owner))


@router.get(
    "/saved-views/{saved_view_id}",
    response={200: SavedViewOut, **READ},
    operation_id="saved_views_get",
    tags=["saved views"],
    openapi_extra=etag.DOCUMENTED,
)
def saved_views_get(request: HttpRequest, saved_view_id: Id, response: HttpResponse):
    return etag.tag(response, SavedViewOut, _view(request.auth, saved_view_id))


@router.post(
    "/saved-views",
    response={201: SavedViewOut, **CREATE},
    operation_id="saved_views_create",
    summary="Save a list view: filters, columns and ordering (sharing it needs the bulk feature)",
    tags=["saved views"],
    openapi_extra=etag.DOCUMENTED_201,
)
@idempotent
def saved_views_create(request: HttpRequest, payload: SavedViewIn, response: HttpResponse):
    view = services.saved_view_create(actor=request.auth, data=payload.model_dump(mode="json"))
    _location(request, response, view.pk, "/saved-views")
    return Status(201, etag.tag(response, SavedViewOut, _view(request.auth, view.pk)))


@router.patch(
    "/saved-views/{saved_view_id}",
    response={200: SavedViewOut, **WRITE},
    operation_id="saved_views_update",
    summary="Change a saved view (its owner, or with the settings feature)",
    tags=["saved views"],
    openapi_extra=etag.DOCUMENTED,
)
def saved_views_update(
    request: HttpRequest,
    saved_view_id: Id,
    payload: SavedViewPatch,
    response: HttpResponse,
    if_match: etag.IfMatch = None,
):
    load = partial(_view, request.auth, saved_view_id)
    with etag.precondition(if_match, SavedViewOut, load) as view:
        services.saved_view_update(
            actor=request.auth, view=view, data=payload.model_dump(mode="json", exclude_unset=True)
        )
    return etag.tag(response, SavedViewOut, load())


@router.delete(
    "/saved-views/{saved_view_id}",
    response={204: None, **WRITE},
    operation_id="saved_views_delete",
    summary="Delete a saved view (its owner, or with the settings feature)",
    tags=["saved views"],
)
def saved_views_delete(request: HttpRequest, saved_view_id: Id, if_match: etag.IfMatch = None):
    load = partial(_view, request.auth, saved_view_id)
    with etag.precondition(if_match, SavedViewOut, load) as view:
        services.saved_view_delete(actor=request.auth, view=view)
    return Status(204, None)
