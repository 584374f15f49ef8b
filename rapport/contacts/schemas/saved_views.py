"""The shapes of saved list views."""

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from rapport.users.schemas import UserRef

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
