"""The shapes of a company: as the API shows it (with its roll-up counts in detail), and as a client sends it."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from rapport.core.api_types import Id
from rapport.users.schemas import TeamRef, UserRef

from ..enums import SizeBand
from .common import AddressIn, AddressOut, choice
from .refs import RelatedCompany, refs

# --- output ---------------------------------------------------------------------------------------------


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
        return refs(obj)["parent"]

    @staticmethod
    def resolve_owner(obj):
        return refs(obj)["owner"]

    @staticmethod
    def resolve_team(obj):
        return refs(obj)["team"]

    @staticmethod
    def resolve_created_by(obj):
        return refs(obj)["created_by"]


class CompanyDetailOut(CompanyOut):
    rollup: RollupOut

    @staticmethod
    def resolve_rollup(obj):
        return obj.rollup


class CompanyPage(Schema):
    items: list[CompanyOut]
    next: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


# --- input ----------------------------------------------------------------------------------------------


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
