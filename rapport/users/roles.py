"""The built-in roles. They are kept in line with this definition after every migration (so object
types added by later apps get their scopes) and cannot be edited; admins copy one to customise it."""

from dataclasses import dataclass, field

from .access import OBJECT_TYPES
from .enums import Feature, Scope

# Invited users get this role unless the inviter chooses one (or it reaches further than the inviter's own).
DEFAULT_INVITE_ROLE = "sales_rep"

A, T, OWN, N = Scope.ALL, Scope.TEAM, Scope.OWN, Scope.NONE


@dataclass(frozen=True)
class BuiltinRole:
    key: str
    name: str
    description: str
    records: tuple[Scope, Scope]  # (read, write) on every business object type
    system: dict[str, tuple[Scope, Scope]] = field(default_factory=dict)  # per system object type
    features: tuple[Feature, ...] = ()

    def scopes(self) -> dict[str, dict[str, str]]:
        out = {}
        for key, spec in OBJECT_TYPES.items():
            read, write = self.records if spec.business else self.system.get(key, (N, N))
            out[key] = {"read": str(read), "write": str(write)}
        return out


_EVERYONE = {"user": (A, OWN), "team": (A, N), "role": (A, N), "token": (OWN, OWN)}

BUILTIN_ROLES = [
    BuiltinRole(
        "admin", "Admin", "Everything, including users, roles and settings.",
        (A, A), {"user": (A, A), "team": (A, A), "role": (A, A), "token": (A, A), "audit": (A, N)},
        tuple(Feature),
    ),
    BuiltinRole(
        "manager", "Manager", "Sees and edits the records of their team; manages the teams they lead.",
        (T, T), {**_EVERYONE, "user": (A, T), "team": (A, OWN)},
        (Feature.IMPORT, Feature.EXPORT, Feature.BULK),
    ),
    BuiltinRole(
        "sales_rep", "Sales rep", "Works their own customers and deals; sees their team's.",
        (T, OWN), _EVERYONE, (Feature.BULK,),
    ),
    BuiltinRole(
        "marketer", "Marketer", "Sees every customer, edits their own; imports and exports lists.",
        (A, OWN), _EVERYONE, (Feature.IMPORT, Feature.EXPORT, Feature.BULK),
    ),
    BuiltinRole(
        "support_agent", "Support agent", "Sees every customer, edits their team's.",
        (A, T), _EVERYONE, (Feature.BULK,),
    ),
    BuiltinRole("read_only", "Read-only", "Sees every customer record, changes nothing.", (A, N), _EVERYONE),
]  # fmt: skip


def sync_builtin_roles(**_kwargs) -> None:
    """Create or refresh the built-in roles (connected to post_migrate)."""
    from .models import Role

    for spec in BUILTIN_ROLES:
        Role.objects.update_or_create(
            key=spec.key,
            defaults={
                "name": spec.name,
                "description": spec.description,
                "is_builtin": True,
                "scopes": spec.scopes(),
                "features": [str(f) for f in spec.features],
            },
        )
