"""Forms of the contact and company pages.

They turn what the browser sends into the services' payloads and put the services' refusals back next to the
right inputs (``emails[1]`` onto the second email row, ``addresses[0].country`` onto the first address's
country, ``custom.renewal_date`` onto that custom field). Validation itself is the services' job: the fields
here are mostly plain text so that the service's message is the one shown.

A record form is a Django form for the single-valued fields plus one formset per multi-valued part (emails,
phones, addresses, companies, domains). Each row may be left empty (it is ignored); the primary row is a radio
button named ``<rows>-primary`` holding the row's index.
"""

from .choices import assignable_owners, assignable_teams, country_choices, country_name, user_label
from .custom import custom_form_field, custom_initial, referenced_records
from .records import FORMS, CompanyForm, ContactForm, RecordForm
from .references import REFERENCE_MODELS, parse_reference, reference_label, resolve_reference
from .rows import ROW_KINDS, add_row

__all__ = [
    "FORMS", "REFERENCE_MODELS", "ROW_KINDS", "CompanyForm", "ContactForm", "RecordForm", "add_row",
    "assignable_owners", "assignable_teams", "country_choices", "country_name", "custom_form_field",
    "custom_initial", "parse_reference", "reference_label", "referenced_records", "resolve_reference", "user_label",
]  # fmt: skip
