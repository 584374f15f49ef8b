"""The shapes of tags."""

from datetime import datetime

from ninja import Field, Schema
from pydantic import ConfigDict


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
