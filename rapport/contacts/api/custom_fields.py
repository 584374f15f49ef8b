"""/api/v1/custom-fields and /api/v1/field-policies: the fields admins add to contacts and companies, and the
built-in ones they make mandatory."""

from functools import partial
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status

from rapport.core import etag
from rapport.core.api_types import Id
from rapport.core.errors import PreconditionFailed
from rapport.core.idempotency import idempotent
from rapport.core.pagination import CursorPagination, paginate

from .. import selectors, services
from ..enums import CustomizableObject
from ..schema import MANDATORY_CHOICES
from ..schemas.custom_fields import (
    CustomFieldFilters,
    CustomFieldIn,
    CustomFieldOut,
    CustomFieldPatch,
    FieldPolicyIn,
    FieldPolicyOut,
)
from ._common import CREATE, LIST, READ, WRITE, set_location

router = Router()

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
    set_location(request, response, field.pk, "/custom-fields")
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
