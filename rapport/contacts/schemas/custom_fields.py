"""The shapes of custom fields and of field policies (the built-in fields that are mandatory)."""

from datetime import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from ..enums import CustomizableObject, FieldType


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
