"""API shapes of contacts, companies, custom fields, field policies, tags and saved views.

Validation of meaning (normalizing emails and phones, required fields, permissions) lives in the services; these
schemas only fix the shape. Input field names follow the users API (``owner_id``, ``team_id``, ``company_id``,
``parent_id``); ``service_data`` turns a payload into what the services take.

Records refer to users, teams and companies. A referenced record outside the actor's read scope is shown as
``null`` (or left out of a list), like a token's owner in the users API: ``Visible`` finds, in one query per
object type for a whole page, which of them the actor may see, and the ``present_*`` helpers hang the visible ones
on each record as ``refs`` for the schemas' resolvers.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from rapport.core.api_types import Id
from rapport.users import access
from rapport.users.enums import Operation, Scope
from rapport.users.schemas import TeamRef, UserRef

from .enums import Channel, CustomizableObject, FieldType, LifecycleStage, SizeBand, Stance


def choice(enum) -> Any:
    """One of an enum's values, or "" for none (one type, so that a refusal names just the field)."""
    return Literal[(*enum.values, "")]


# --- references and what the actor may see of them -------------------------------------------------


class CompanyRef(Schema):
    id: int
    name: str


class RelatedCompany(Schema):
    """A company a record is linked to. One outside your read scope keeps its place (a PATCH that sends it back
    keeps the link) but is not named."""

    id: int
    name: str | None = Field(description="null when the company is outside your read scope.")


def _related_company(visible: "Visible", pk, company):
    if pk is None:
        return None
    return company if visible.has("company", pk) else {"id": pk, "name": None}


class ContactRef(Schema):
    id: int
    display_name: str


def visible_ids(actor, object_type: str, ids: Iterable) -> set[int]:
    """The ids among ``ids`` of users, teams, contacts or companies the actor may read (no query for `all`)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return set()
    if access.scope_of(actor, object_type, Operation.READ) == Scope.ALL:
        return ids
    if object_type == "user":
        from rapport.users.selectors import visible_users

        return set(visible_users(actor).filter(pk__in=ids).values_list("pk", flat=True))
    if object_type == "team":
        from rapport.users.models import Team

        qs = access.scoped(Team.objects.filter(pk__in=ids), actor=actor, object_type="team")
        return set(qs.values_list("pk", flat=True))
    from . import selectors

    return selectors.visible_ids(actor=actor, object_type=object_type, ids=ids)


class Visible:
    """Collects the referenced ids of a page of records, then asks once per object type which are visible."""

    def __init__(self, actor):
        self.actor = actor
        self.wanted: dict[str, set] = defaultdict(set)
        self.seen: dict[str, set[int]] = {}

    def want(self, object_type: str, *ids) -> None:
        self.wanted[object_type].update(i for i in ids if i is not None)

    def resolve(self) -> "Visible":
        self.seen = {t: visible_ids(self.actor, t, ids) for t, ids in self.wanted.items()}
        return self

    def has(self, object_type: str, pk) -> bool:
        return pk is not None and pk in self.seen.get(object_type, ())


def _refs(obj) -> dict:
    # Set by the present_* helpers; failing loudly beats showing a reference the actor may not see.
    return obj.refs


def present_contacts(actor, contacts: list) -> list:
    """Give each contact (loaded with ``CONTACT_RELATED``/``CONTACT_PREFETCH``) its visible references."""
    visible = Visible(actor)
    for c in contacts:
        visible.want("user", c.owner_id, c.stance_set_by_id, c.created_by_id)
        visible.want("team", c.team_id)
        visible.want("company", c.company_id, *(m.company_id for m in c.memberships.all()))
    visible.resolve()
    for c in contacts:
        c.refs = {
            "owner": c.owner if visible.has("user", c.owner_id) else None,
            "stance_set_by": c.stance_set_by if visible.has("user", c.stance_set_by_id) else None,
            "created_by": c.created_by if visible.has("user", c.created_by_id) else None,
            "team": c.team if visible.has("team", c.team_id) else None,
            "company": _related_company(visible, c.company_id, c.company if c.company_id else None),
        }
        for membership in c.memberships.all():
            membership.refs = {"company": _related_company(visible, membership.company_id, membership.company)}
    return contacts


def present_companies(actor, companies: list) -> list:
    visible = Visible(actor)
    for c in companies:
        visible.want("user", c.owner_id, c.created_by_id)
        visible.want("team", c.team_id)
        visible.want("company", c.parent_id)
    visible.resolve()
    for c in companies:
        c.refs = {
            "owner": c.owner if visible.has("user", c.owner_id) else None,
            "created_by": c.created_by if visible.has("user", c.created_by_id) else None,
            "team": c.team if visible.has("team", c.team_id) else None,
            "parent": _related_company(visible, c.parent_id, c.parent if c.parent_id else None),
        }
    return companies


# What a contact or company representation reads, in a fixed number of queries however many rows.
CONTACT_RELATED = ("owner", "team", "company", "stance_set_by", "created_by")
CONTACT_PREFETCH = ("emails", "phones", "addresses", "tags")
COMPANY_RELATED = ("owner", "team", "parent", "created_by")
COMPANY_PREFETCH = ("domains", "addresses", "tags")


# --- contacts: output -----------------------------------------------------------------------------------


class EmailOut(Schema):
    email: str
    label: str
    is_primary: bool


class PhoneOut(Schema):
    number: str = Field(description="E.164, e.g. +14155552671.")
    display: str = Field(description="As entered.")
    label: str
    is_primary: bool


class AddressOut(Schema):
    label: str
    street: str
    number: str
    extra: str
    city: str
    postcode: str
    region: str
    country: str = Field(description="ISO 3166-1 alpha-2.")
    is_primary: bool


class MembershipOut(Schema):
    company: RelatedCompany
    role: str
    is_primary: bool

    @staticmethod
    def resolve_company(obj):
        return _refs(obj)["company"]


class ContactOut(Schema):
    id: int
    prefix: str
    first_name: str
    middle_name: str
    last_name: str
    suffix: str
    display_name: str
    email: str = Field(description="The primary email address.")
    phone: str = Field(description="The primary phone number, E.164.")
    emails: list[EmailOut]
    phones: list[PhoneOut]
    addresses: list[AddressOut]
    company: RelatedCompany | None = Field(description="The primary company.")
    companies: list[MembershipOut] = Field(description="The companies the contact belongs to, with their role.")
    job_title: str
    department: str
    birth_date: date | None
    language: str = Field(description="BCP 47, e.g. en or pt-BR.")
    time_zone: str
    linkedin: str
    x: str
    facebook: str
    instagram: str
    website: str
    email_opt_in: bool
    phone_opt_in: bool
    sms_opt_in: bool
    post_opt_in: bool
    preferred_channel: choice(Channel)
    do_not_contact: bool
    lifecycle_stage: choice(LifecycleStage)
    lifecycle_dates: dict[str, str] = Field(description="Per lifecycle stage, the date (ISO) it was entered.")
    lead_source: str
    stance: choice(Stance) = Field(description="How the person feels about us.")
    stance_reason: str
    stance_set_by: UserRef | None
    stance_set_at: datetime | None
    owner: UserRef | None
    team: TeamRef | None
    tags: list[str]
    custom: dict[str, Any] = Field(description="Custom field values by field key (see /custom-fields).")
    completeness: int = Field(description="Share of key fields filled, 0-100.")
    external_id: str
    created_by: UserRef | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_company(obj):
        return _refs(obj)["company"]

    @staticmethod
    def resolve_companies(obj):
        return list(obj.memberships.all())  # each with its ``refs`` (present_contacts)

    @staticmethod
    def resolve_owner(obj):
        return _refs(obj)["owner"]

    @staticmethod
    def resolve_team(obj):
        return _refs(obj)["team"]

    @staticmethod
    def resolve_stance_set_by(obj):
        return _refs(obj)["stance_set_by"]

    @staticmethod
    def resolve_created_by(obj):
        return _refs(obj)["created_by"]


class ContactPage(Schema):
    items: list[ContactOut]
    next: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


# --- contacts: input ------------------------------------------------------------------------------------


class EmailIn(Schema):
    model_config = ConfigDict(extra="forbid")

    email: str
    label: str = ""
    is_primary: bool = False


class PhoneIn(Schema):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(description="In any format; without a country code it is read in the default region.")
    label: str = ""
    is_primary: bool = False


class AddressIn(Schema):
    model_config = ConfigDict(extra="forbid")

    label: str = ""
    street: str = ""
    number: str = ""
    extra: str = ""
    city: str = ""
    postcode: str = ""
    region: str = ""
    country: str = Field("", description="An ISO code (de, DEU) or an English name.")
    is_primary: bool = False


class MembershipIn(Schema):
    model_config = ConfigDict(extra="forbid")

    company_id: Id
    role: str = ""
    is_primary: bool = False


# Fields left out are not changed (PATCH) or take their default (POST). Fields typed without `| None` refuse an
# explicit null: send "" to clear a text. Lists replace the whole list; `custom` sets the keys it holds (null
# clears one).


class ContactIn(Schema):
    """A contact. Give at least a name or an email address. Values are cleaned (names cased, emails lower-cased,
    phones to E.164, countries to ISO codes); invalid ones are refused naming the field."""

    model_config = ConfigDict(extra="forbid")

    prefix: str = None
    first_name: str = None
    middle_name: str = None
    last_name: str = None
    suffix: str = None
    display_name: str = Field(None, description="Made from the name parts when left out.")
    email: str = Field(None, description="Shorthand for `emails: [{email}]` (replaces the list).")
    emails: list[EmailIn] = Field(
        None, description="Every address; the first marked primary (or the first) is primary."
    )
    phone: str = Field(None, description="Shorthand for `phones: [{number}]` (replaces the list).")
    phones: list[PhoneIn] = None
    addresses: list[AddressIn] = None
    companies: list[MembershipIn] = Field(None, description="The companies the contact belongs to; one primary.")
    job_title: str = None
    department: str = None
    birth_date: date | None = None
    language: str = Field(None, description="A language code such as en or pt-BR.")
    time_zone: str = Field(None, description="Such as Europe/Paris.")
    linkedin: str = Field(None, description="A URL or a handle.")
    x: str = None
    facebook: str = None
    instagram: str = None
    website: str = None
    email_opt_in: bool = None
    phone_opt_in: bool = None
    sms_opt_in: bool = None
    post_opt_in: bool = None
    preferred_channel: choice(Channel) = None
    do_not_contact: bool = None
    lifecycle_stage: choice(LifecycleStage) = Field(None, description="Entering a stage records its date.")
    lead_source: str = None
    stance: choice(Stance) = Field(None, description="Records who set it and when.")
    stance_reason: str = None
    owner_id: Id | None = Field(None, description="Defaults to you; null: no owner.")
    team_id: Id | None = Field(None, description="Defaults to the owner's team.")
    tags: list[str] = Field(None, description="Tag names (created when new); replaces the record's tags.")
    custom: dict[str, Any] = Field(None, description="Custom field values by key; null clears one.")
    external_id: str = Field(None, description="The record's id in another system (unique).")


class ContactPatch(ContactIn):
    """Only the fields sent are changed."""


class ContactRecord(ContactIn):
    """One record of a bulk upsert: a contact, plus its `id` when matching by id."""

    id: Id = None


# --- companies ------------------------------------------------------------------------------------------


class DomainOut(Schema):
    domain: str
    is_primary: bool


class RollupOut(Schema):
    """Counts over the company and all its subsidiaries, within what you may see."""

    subsidiaries: int
    direct_subsidiaries: int
    contacts: int = Field(description="Distinct people in the company or any subsidiary.")
    direct_contacts: int


class CompanyOut(Schema):
    id: int
    name: str
    legal_name: str
    domain: str = Field(description="The primary domain.")
    domains: list[DomainOut]
    industry: str
    size_band: choice(SizeBand)
    annual_revenue: str | None = Field(description="A decimal number, as a string.")
    revenue_currency: str
    phone: str = Field(description="E.164.")
    phone_display: str = Field(description="As entered.")
    parent: RelatedCompany | None
    addresses: list[AddressOut]
    linkedin: str
    x: str
    facebook: str
    instagram: str
    website: str
    owner: UserRef | None
    team: TeamRef | None
    tags: list[str]
    custom: dict[str, Any]
    completeness: int
    external_id: str
    created_by: UserRef | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_annual_revenue(obj) -> str | None:
        return None if obj.annual_revenue is None else str(obj.annual_revenue)

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_parent(obj):
        return _refs(obj)["parent"]

    @staticmethod
    def resolve_owner(obj):
        return _refs(obj)["owner"]

    @staticmethod
    def resolve_team(obj):
        return _refs(obj)["team"]

    @staticmethod
    def resolve_created_by(obj):
        return _refs(obj)["created_by"]


class CompanyDetailOut(CompanyOut):
    rollup: RollupOut

    @staticmethod
    def resolve_rollup(obj):
        return obj.rollup


class CompanyPage(Schema):
    items: list[CompanyOut]
    next: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


class DomainIn(Schema):
    model_config = ConfigDict(extra="forbid")

    domain: str = Field(description="A domain, a URL or an email address: `https://www.acme.com/x` is acme.com.")
    is_primary: bool = False


class CompanyIn(Schema):
    """A company; `name` is required when creating one."""

    model_config = ConfigDict(extra="forbid")

    name: str = None
    legal_name: str = None
    domain: str = Field(None, description="Shorthand for `domains: [{domain}]` (replaces the list).")
    domains: list[DomainIn] = None
    industry: str = None
    size_band: choice(SizeBand) = None
    annual_revenue: Decimal | None = None
    revenue_currency: str = Field(None, description="ISO 4217, e.g. EUR.")
    phone: str = None
    parent_id: Id | None = Field(None, description="The parent company; null: none. Hierarchies never loop.")
    addresses: list[AddressIn] = None
    linkedin: str = None
    x: str = None
    facebook: str = None
    instagram: str = None
    website: str = None
    owner_id: Id | None = Field(None, description="Defaults to you; null: no owner.")
    team_id: Id | None = Field(None, description="Defaults to the owner's team.")
    tags: list[str] = None
    custom: dict[str, Any] = None
    external_id: str = None


class CompanyPatch(CompanyIn):
    """Only the fields sent are changed."""


class CompanyRecord(CompanyIn):
    """One record of a bulk upsert: a company, plus its `id` when matching by id."""

    id: Id = None


_RENAMES = {"owner_id": "owner", "team_id": "team", "parent_id": "parent"}


def service_data(payload: Schema) -> dict[str, Any]:
    """The fields the client sent, as the services take them (``owner_id`` → ``owner``...)."""
    data = payload.model_dump(mode="json", exclude_unset=True)
    return {_RENAMES.get(k, k): v for k, v in data.items()}


# --- list parameters ------------------------------------------------------------------------------------


def filter_language(object_type: str) -> str:
    """The description of a list route: its filters and orderings (custom fields are added by the admins)."""
    from .selectors import LIST_SPECS

    spec = LIST_SPECS[object_type]
    fields = ", ".join(f"`{f.key}`" for f in spec.fields)
    sortable = ", ".join(f"`{key}`" for key in spec.sortable())
    example = {
        "contact": "lifecycle_stage=lead,customer&owner=me&tags=vip&created_at__gte=2026-01-01",
        "company": "industry=software&owner=me&tags=vip&annual_revenue__gte=1000000",
    }[object_type]
    return f"""
**Filters.** Every field of the list is a filter, custom fields too (`cf.<key>`), given as query parameters:

- `field=value`: text fields contain the value (case-insensitive); choice, owner, team, tag and id fields take
  several values separated by commas, or the parameter repeated (any of them); `owner=me`, `team=my_team`.
- `field__eq=value`: exact (case-insensitive) text; `field__gte=` / `field__lte=`: from / up to, for numbers, dates
  (`YYYY-MM-DD`) and times (ISO 8601).
- `field__empty=1` (or `0`): the field is empty (or not).

The fields: {fields}.

E.g. `?{example}&cf.renewal_date__lte=2026-12-31`.
An unknown field or a value that does not fit answers 422 naming the parameter.

**Ordering.** `ordering=<field>`, or `-<field>` descending, by {sortable} or a custom field (`ordering=-cf.score`;
not multiple-choice or long-text ones); the default is `{spec.default_ordering}`. Empty values come last (first when
descending); ties are broken by id.
"""


class ListParams(Schema):
    q: str | None = Field(None, description="Search in the name.")
    ordering: str | None = Field(None, max_length=70, description="A sortable field; a leading `-` sorts descending.")
    limit: int = Field(50, ge=1, le=200, description="Rows per page, 1 to 200.")
    cursor: str | None = Field(None, description="The `next` value of the previous page.")


# --- bulk upsert and bulk actions -----------------------------------------------------------------------

Mode = Literal["create", "update", "upsert"]
MODE_DESCRIPTION = (
    "Defaults to `upsert` with a `match`, `create` without. `create`: new records only (a record whose key matches "
    "an existing one fails as `exists`); `update`: the key must match exactly one record you may see; `upsert`: "
    "update the match, else create. Updates change only the fields a record holds."
)


def _records_field(model: type[Schema]):
    # A record that does not fit the shape is reported as failed in the results, not refused with the whole call.
    return list[Annotated[model | Any, Field(union_mode="left_to_right")]]


class ContactUpsertIn(Schema):
    match: Literal["id", "external_id", "email", "phone"] | None = Field(
        None, description="How existing records are found: by id, external id, (first) email or (first) phone."
    )
    mode: Mode = Field(None, description=MODE_DESCRIPTION)
    records: _records_field(ContactRecord) = Field(min_length=1, max_length=1000)


class CompanyUpsertIn(Schema):
    match: Literal["id", "external_id", "domain", "name"] | None = Field(
        None, description="How existing records are found: by id, external id, (first) domain or name."
    )
    mode: Mode = Field(None, description=MODE_DESCRIPTION)
    records: _records_field(CompanyRecord) = Field(min_length=1, max_length=1000)


class UpsertResult(Schema):
    index: int = Field(description="The record's position in `records`, from 0.")
    status: Literal["created", "updated", "unchanged", "failed"]
    id: int | None = Field(description="The record created or updated (or, for `exists`, the existing one).")
    code: str = Field(description="Why it failed: invalid, exists, not_found, ambiguous, duplicate, permission_denied…")
    errors: dict[str, list[str]]


class UpsertOut(Schema):
    created: int
    updated: int
    unchanged: int
    failed: int
    results: list[UpsertResult]


class ContactBulkActionIn(Schema):
    ids: list[Id] = Field(min_length=1, max_length=1000, description="Records you may not change are left alone.")
    action: Literal["assign", "tag", "untag", "set_stage", "delete"]
    owner_id: Id | None = Field(None, description="assign: the new owner (null: none).")
    team_id: Id | None = Field(None, description="assign: the new team (null: none).")
    tags: list[str] = Field(None, description="tag, untag: tag names.")
    lifecycle_stage: choice(LifecycleStage) = Field(None, description="set_stage: the stage.")


class CompanyBulkActionIn(Schema):
    ids: list[Id] = Field(min_length=1, max_length=1000, description="Records you may not change are left alone.")
    action: Literal["assign", "tag", "untag", "delete"]
    owner_id: Id | None = Field(None, description="assign: the new owner (null: none).")
    team_id: Id | None = Field(None, description="assign: the new team (null: none).")
    tags: list[str] = Field(None, description="tag, untag: tag names.")


class BulkActionOut(Schema):
    action: str
    affected: int = Field(description="How many records were changed (or deleted).")


# --- custom fields and field policies -------------------------------------------------------------------


class CustomFieldOut(Schema):
    id: int
    object_type: CustomizableObject
    key: str = Field(description="The field's name in `custom`, filters (`cf.<key>`), imports and exports.")
    label: str
    field_type: FieldType
    required: bool
    choices: list[str]
    reference_type: str = Field(description="For reference fields: the object type it points to.")
    currency: str
    help_text: str
    position: int
    is_active: bool = Field(description="Archived fields keep their values but are hidden.")
    created_at: datetime
    updated_at: datetime


class CustomFieldFilters(Schema):
    object_type: CustomizableObject | None = None
    include_archived: bool = False


MAX_POSITION = 2_147_483_647


class CustomFieldIn(Schema):
    model_config = ConfigDict(extra="forbid")

    object_type: CustomizableObject
    label: str
    field_type: FieldType
    key: str = Field(None, description="Lower-case letters, digits and _; made from the label when left out.")
    required: bool = False
    choices: list[str] = Field(None, description="Choice fields: the allowed values.")
    reference_type: Literal["contact", "company"] = Field(None, description="Reference fields: what they point to.")
    currency: str = Field(None, description="Money fields: ISO 4217.")
    help_text: str = None
    position: int = Field(None, ge=0, le=MAX_POSITION)


class CustomFieldPatch(Schema):
    """Only the fields sent are changed; the key, type and target cannot change."""

    model_config = ConfigDict(extra="forbid")

    label: str = None
    required: bool = None
    choices: list[str] = None
    currency: str = None
    help_text: str = None
    position: int = Field(None, ge=0, le=MAX_POSITION)
    is_active: bool = Field(None, description="false archives the field.")


class FieldPolicyOut(Schema):
    object_type: CustomizableObject
    required_fields: list[str] = Field(description="The built-in fields that are mandatory.")
    choices: dict[str, str] = Field(description="The built-in fields that can be made mandatory, with their labels.")


class FieldPolicyIn(Schema):
    required_fields: list[str]


# --- tags and saved views -------------------------------------------------------------------------------


class TagOut(Schema):
    id: int
    name: str
    color: str
    created_at: datetime


class TagFilters(Schema):
    q: str | None = Field(None, description="Search in the name.")


class TagPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = None
    color: str = None


ViewObject = Literal["contact", "company"]


class SavedViewOut(Schema):
    id: int
    object_type: ViewObject
    name: str
    owner: UserRef | None
    shared: bool
    filters: dict[str, Any] = Field(description="List filters, as in the list's query string.")
    columns: list[str]
    ordering: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_owner(obj):
        # ``owner_visible``: whether the actor may see the owner (set by the API's selectors calls).
        return obj.owner if obj.owner_visible else None


class SavedViewFilters(Schema):
    object_type: ViewObject | None = None


class SavedViewIn(Schema):
    model_config = ConfigDict(extra="forbid")

    object_type: ViewObject
    name: str
    shared: bool = Field(False, description="Shared with everyone (needs the bulk feature).")
    filters: dict[str, Any] = Field(default_factory=dict)
    columns: list[str] = Field(default_factory=list)
    ordering: str = ""


class SavedViewPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = None
    shared: bool = None
    filters: dict[str, Any] = None
    columns: list[str] = None
    ordering: str = None
