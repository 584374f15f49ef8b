"""The shapes of a contact: as the API shows it, and as a client sends it."""

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from rapport.core.api_types import Id
from rapport.users.schemas import TeamRef, UserRef

from ..enums import Channel, LifecycleStage, Stance
from .common import AddressIn, AddressOut, choice
from .refs import RelatedCompany, refs

# --- output ---------------------------------------------------------------------------------------------


class EmailOut(Schema):
    email: str
    label: str
    is_primary: bool


class PhoneOut(Schema):
    number: str = Field(description="E.164, e.g. +14155552671.")
    display: str = Field(description="As entered.")
    label: str
    is_primary: bool


class MembershipOut(Schema):
    company: RelatedCompany
    role: str
    is_primary: bool

    @staticmethod
    def resolve_company(obj):
        return refs(obj)["company"]


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
        return refs(obj)["company"]

    @staticmethod
    def resolve_companies(obj):
        return list(obj.memberships.all())  # each with its ``refs`` (present_contacts)

    @staticmethod
    def resolve_owner(obj):
        return refs(obj)["owner"]

    @staticmethod
    def resolve_team(obj):
        return refs(obj)["team"]

    @staticmethod
    def resolve_stance_set_by(obj):
        return refs(obj)["stance_set_by"]

    @staticmethod
    def resolve_created_by(obj):
        return refs(obj)["created_by"]


class ContactPage(Schema):
    items: list[ContactOut]
    next: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


# --- input ----------------------------------------------------------------------------------------------


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


class MembershipIn(Schema):
    model_config = ConfigDict(extra="forbid")

    company_id: Id
    role: str = ""
    is_primary: bool = False


# Fields left out are not changed (PATCH) or take their default (POST). Fields typed without `| None` refuse an
# explicit null: send "" to clear a text. Lists replace the whole list; `custom` sets the keys it holds (null
# clears one). The same goes for companies.


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
