"""API shapes of contacts, companies, custom fields, field policies, tags and saved views, a module by subject:
``refs`` (references and what the actor may see of them), ``common`` (what contacts and companies share),
``contacts``, ``companies``, ``lists`` (list parameters), ``bulk`` (bulk upsert and bulk actions),
``custom_fields`` (and field policies), ``tags``, ``saved_views``.

Validation of meaning (normalizing emails and phones, required fields, permissions) lives in the services; these
schemas only fix the shape. Input field names follow the users API (``owner_id``, ``team_id``, ``company_id``,
``parent_id``); ``service_data`` turns a payload into what the services take.

Records refer to users, teams and companies. A referenced record outside the actor's read scope is shown as
``null`` (or left out of a list), like a token's owner in the users API: ``Visible`` finds, in one query per
object type for a whole page, which of them the actor may see, and the ``present_*`` helpers hang the visible ones
on each record as ``refs`` for the schemas' resolvers.
"""

from .refs import CompanyRef, ContactRef, Visible, visible_ids

__all__ = ["CompanyRef", "ContactRef", "Visible", "visible_ids"]
