"""/api/v1/contacts: list, bulk upsert, bulk actions, get, create, update, delete (done in ``_records``)."""

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from rapport.core import etag
from rapport.core.api_types import Id
from rapport.core.idempotency import idempotent

from .. import selectors, services
from ..models import Membership
from ..schemas.bulk import BulkActionOut, ContactBulkActionIn, ContactUpsertIn, UpsertOut
from ..schemas.contacts import ContactIn, ContactOut, ContactPage, ContactPatch, ContactRecord
from ..schemas.lists import ListParams, filter_language
from ..schemas.refs import CONTACT_PREFETCH, CONTACT_RELATED, present_contacts
from ..services import upsert
from . import _records
from ._common import BULK, CREATE, LIST, READ, WRITE
from ._records import RecordKind

router = Router()


def _contact_details(queryset: QuerySet) -> QuerySet:
    """What ContactOut shows, for a whole page in a fixed number of queries."""
    memberships = Membership.objects.select_related("company").order_by("-is_primary", "id")
    return queryset.select_related(*CONTACT_RELATED).prefetch_related(
        *CONTACT_PREFETCH, Prefetch("memberships", queryset=memberships)
    )


def _contact(actor, pk):
    return present_contacts(actor, [selectors.contact_get(actor=actor, pk=pk)])[0]


def _update(*, actor, record, data):
    return services.contact_update(actor=actor, contact=record, data=data)


def _delete(*, actor, record):
    return services.contact_delete(actor=actor, contact=record)


KIND = RecordKind(
    object_type="contact",
    path="/contacts",
    out=ContactOut,
    upsert_record=ContactRecord,
    get=_contact,
    page_details=_contact_details,
    present=present_contacts,
    select=selectors.contact_list,
    create=services.contact_create,
    update=_update,
    delete=_delete,
    upsert=upsert.contacts_upsert,
    bulk_update=services.contacts_bulk_update,
    bulk_tag=services.contacts_bulk_tag,
    bulk_delete=services.contacts_bulk_delete,
)


@router.get(
    "/contacts",
    response={200: ContactPage, **LIST},
    operation_id="contacts_list",
    summary="List contacts, with filters on every field",
    description=filter_language("contact"),
    tags=["contacts"],
)
def contacts_list(request: HttpRequest, params: Query[ListParams]):
    return _records.record_list(request, KIND, params)


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
    return _records.record_bulk_upsert(request, KIND, payload)


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
    return _records.record_bulk_action(request, KIND, payload)


@router.get(
    "/contacts/{int:contact_id}",
    response={200: ContactOut, **READ},
    operation_id="contacts_get",
    summary="A contact, with everything about it",
    tags=["contacts"],
    openapi_extra=etag.DOCUMENTED,
)
def contacts_get(request: HttpRequest, contact_id: Id, response: HttpResponse):
    return _records.record_get(request, KIND, contact_id, response)


@router.post(
    "/contacts",
    response={201: ContactOut, **CREATE},
    operation_id="contacts_create",
    tags=["contacts"],
    openapi_extra=etag.DOCUMENTED_201,
)
@idempotent
def contacts_create(request: HttpRequest, payload: ContactIn, response: HttpResponse):
    return _records.record_create(request, KIND, payload, response)


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
    return _records.record_update(request, KIND, contact_id, payload, response, if_match)


@router.delete(
    "/contacts/{int:contact_id}",
    response={204: None, **WRITE},
    operation_id="contacts_delete",
    summary="Delete a contact, with its identifiers, notes and timeline links",
    tags=["contacts"],
)
def contacts_delete(request: HttpRequest, contact_id: Id, if_match: etag.IfMatch = None):
    return _records.record_delete(request, KIND, contact_id, if_match)
