"""The shapes of the bulk upsert and the bulk actions of contacts and companies."""

from typing import Annotated, Any, Literal

from ninja import Field, Schema

from rapport.core.api_types import Id

from ..enums import LifecycleStage
from .common import choice
from .companies import CompanyRecord
from .contacts import ContactRecord

# --- bulk upsert ----------------------------------------------------------------------------------------

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


# --- bulk actions ---------------------------------------------------------------------------------------


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
