"""/api/v1/ routes of the audit log (read-only: the log is append-only)."""

from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from . import etag, selectors
from .api_errors import problems
from .api_types import Id
from .pagination import CursorPagination, paginate

router = Router(tags=["audit"])


class AuditEntryOut(Schema):
    id: int
    at: datetime
    actor_id: int | None = Field(description="The user who acted; null for the system or an anonymous visitor.")
    actor_label: str = Field(description="The actor's username at the time.")
    ip: str | None
    user_agent: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict[str, Any] = Field(description="Per field `[old, new]`, or the details of the action.")


class AuditFilters(Schema):
    actor_id: Id | None = None
    action: str | None = Field(None, description="E.g. create, update, delete, login, role_changed.")
    object_type: str | None = Field(None, description="E.g. user, team, role, token.")
    object_id: str | None = None
    at_from: datetime | None = Field(None, description="From this time on (inclusive), ISO 8601; UTC if no offset.")
    at_to: datetime | None = Field(None, description="Before this time (exclusive), ISO 8601; UTC if no offset.")

    @field_validator("at_from", "at_to")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        # In UTC for the database: PostgreSQL refuses offsets beyond 15:59, and a time near year 1 or 9999 may not
        # exist in UTC at all.
        if value is None:
            return None
        if timezone.is_naive(value):
            value = value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("This time is out of range.") from None

    def selector_filters(self) -> dict[str, Any]:
        return self.dict()


@router.get("/audit", response={200: list[AuditEntryOut], **problems(401, 422)}, operation_id="audit_list")
@paginate(CursorPagination, orderings=("-at",))
def audit_list(request: HttpRequest, filters: Query[AuditFilters]):
    return selectors.audit_list(actor=request.auth, filters=filters.selector_filters())


@router.get(
    "/audit/{entry_id}",
    response={200: AuditEntryOut, **problems(401, 404, 422)},
    operation_id="audit_get",
    openapi_extra=etag.DOCUMENTED,
)
def audit_get(request: HttpRequest, entry_id: Id, response: HttpResponse):
    return etag.tag(response, AuditEntryOut, selectors.audit_get(actor=request.auth, pk=entry_id))
