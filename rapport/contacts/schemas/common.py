"""What the shapes of contacts and companies share: choice fields, addresses, and payloads as the services take
them."""

from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict


def choice(enum) -> Any:
    """One of an enum's values, or "" for none (one type, so that a refusal names just the field)."""
    return Literal[(*enum.values, "")]


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


_RENAMES = {"owner_id": "owner", "team_id": "team", "parent_id": "parent"}


def service_data(payload: Schema) -> dict[str, Any]:
    """The fields the client sent, as the services take them (``owner_id`` → ``owner``...)."""
    data = payload.model_dump(mode="json", exclude_unset=True)
    return {_RENAMES.get(k, k): v for k, v in data.items()}
