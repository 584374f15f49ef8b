"""Writes of the data hub. Every write is validated, permission-checked, transactional and audited."""

from .companies import (
    companies_bulk_delete,
    companies_bulk_tag,
    companies_bulk_update,
    company_create,
    company_delete,
    company_update,
)
from .contacts import (
    contact_create,
    contact_delete,
    contact_update,
    contacts_bulk_delete,
    contacts_bulk_tag,
    contacts_bulk_update,
)
from .settings import (
    custom_field_create,
    custom_field_delete,
    custom_field_update,
    field_policy_update,
    saved_view_create,
    saved_view_delete,
    saved_view_update,
    tag_delete,
    tag_update,
)

__all__ = [
    "companies_bulk_delete",
    "companies_bulk_tag",
    "companies_bulk_update",
    "company_create",
    "company_delete",
    "company_update",
    "contact_create",
    "contact_delete",
    "contact_update",
    "contacts_bulk_delete",
    "contacts_bulk_tag",
    "contacts_bulk_update",
    "custom_field_create",
    "custom_field_delete",
    "custom_field_update",
    "field_policy_update",
    "saved_view_create",
    "saved_view_delete",
    "saved_view_update",
    "tag_delete",
    "tag_update",
]
