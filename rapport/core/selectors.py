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
