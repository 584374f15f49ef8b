from django.db.models import QuerySet

from rapport.core.models import AuditEntry
from rapport.users import access
from rapport.users.models import APIToken, Team, User


def dashboard_figures(*, actor) -> list[dict]:
    """Counts of what exists so far, each within the actor's record access."""
    figures = [
        ("Active users", access.scoped(User.objects.filter(is_active=True), actor=actor, object_type="user")),
        ("Teams", access.scoped(Team.objects.all(), actor=actor, object_type="team")),
        (
            "Active API tokens",
            access.scoped(APIToken.objects.filter(revoked_at__isnull=True), actor=actor, object_type="token"),
        ),
        ("Audit entries", access.scoped(AuditEntry.objects.all(), actor=actor, object_type="audit")),
    ]
    return [{"label": label, "value": qs.count()} for label, qs in figures]


def audit_list(*, actor, filters: dict | None = None) -> QuerySet[AuditEntry]:
    """Audit entries within the actor's audit scope, newest first, ordered by (-at, -id) to use its index.

    Filters: ``actor_id``, ``action``, ``object_type``, ``object_id``, ``at_from`` (inclusive) and
    ``at_to`` (exclusive), both aware datetimes.
    """
    filters = filters or {}
    qs = access.scoped(AuditEntry.objects.all(), actor=actor, object_type="audit")
    if filters.get("actor_id") is not None:
        qs = qs.filter(actor_id=filters["actor_id"])
    for name in ("action", "object_type", "object_id"):
        if value := str(filters.get(name) or "").strip():
            qs = qs.filter(**{name: value})
    if filters.get("at_from") is not None:
        qs = qs.filter(at__gte=filters["at_from"])
    if filters.get("at_to") is not None:
        qs = qs.filter(at__lt=filters["at_to"])
    return qs.order_by("-at", "-id")


def audit_get(*, actor, pk) -> AuditEntry:
    """One audit entry within the actor's audit scope, else NotFound."""
    return access.get_for(AuditEntry.objects.all(), actor=actor, object_type="audit", pk=pk)
