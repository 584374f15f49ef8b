"""How the audit log shows the users app's related records by name (only those the viewer may see)."""

from rapport.core.audit import register_reference

from . import access
from .models import Role, Team, User


def _names(model, object_type: str):
    def resolve(actor, ids: set) -> dict:
        visible = access.scoped(model.objects.filter(pk__in=ids), actor=actor, object_type=object_type)
        return {obj.pk: str(obj) for obj in visible}

    return resolve


register_reference("role", _names(Role, "role"))
register_reference("team", _names(Team, "team"))
register_reference("managers", _names(User, "user"))
register_reference("user", _names(User, "user"))
