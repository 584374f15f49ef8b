"""/api/v1/ routes of the customer data hub: contacts, companies, custom fields, field policies, tags, saved
views, imports, exports and search, a module each (``_records`` holds what contacts and companies share).
Parse, call a selector or service, return (conventions: docs/api.md).

Paths with a record id take only digits (``{int:contact_id}``), so that sibling routes under the same prefix
(``/contacts/bulk-upsert``, and those of other routers) are never taken for an id.
"""

from ninja import Router

from . import companies, contacts, custom_fields, exports, imports, saved_views, search, tags

router = Router()
# In this order: it is the order of the paths in the OpenAPI document.
router.add_router("", contacts.router)
router.add_router("", companies.router)
router.add_router("", custom_fields.router)
router.add_router("", tags.router)
router.add_router("", saved_views.router)
router.add_router("", imports.router)
router.add_router("", exports.router)
router.add_router("", search.router)

__all__ = ["router"]
