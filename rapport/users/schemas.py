"""API shapes of users, teams, roles and tokens. Validation of meaning lives in the services, not here."""

from datetime import datetime

from ninja import Field, Schema

from rapport.core.api_types import Id

from .enums import Feature, Scope

# --- references ------------------------------------------------------------------------------


class RoleRef(Schema):
    id: int
    key: str
    name: str


class TeamRef(Schema):
    id: int
    name: str


class UserRef(Schema):
    id: int
    username: str
    display_name: str


# --- me --------------------------------------------------------------------------------------


class MeOut(Schema):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    time_zone: str
    team: TeamRef | None
    role: RoleRef | None
    scopes: dict[str, dict[str, str]]
    features: list[str]
    last_login: datetime | None


# --- users -----------------------------------------------------------------------------------


class UserOut(Schema):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    display_name: str
    time_zone: str
    team: TeamRef | None
    role: RoleRef | None
    is_active: bool
    date_joined: datetime
    last_login: datetime | None
    updated_at: datetime


class UserFilters(Schema):
    q: str | None = Field(None, description="Search in username, email and names.")
    team_id: Id | None = None
    role_id: Id | None = None
    is_active: bool | None = None


class UserInvite(Schema):
    email: str
    username: str | None = Field(None, description="Defaults to the email address.")
    first_name: str = ""
    last_name: str = ""
    time_zone: str = ""
    team_id: Id | None = None
    role_id: Id | None = Field(None, description="Needs the settings feature; defaults to the read-only role.")


# In PATCH schemas a field left out is unchanged. Fields typed without ``| None`` refuse an explicit null (the
# ``None`` default only stands for "not sent" and is never passed on: routes dump with exclude_unset).


class UserPatch(Schema):
    """Only the fields sent are changed; `team_id: null` takes the user out of their team."""

    username: str = None
    email: str = None
    first_name: str = None
    last_name: str = None
    time_zone: str = None
    team_id: Id | None = None
    role_id: Id = None
    is_active: bool = None


# --- teams -----------------------------------------------------------------------------------


class TeamOut(Schema):
    id: int
    name: str
    description: str
    managers: list[UserRef] = Field(description="The managers you may see (within your user read scope).")
    member_count: int = Field(description="The members you may see.")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_managers(obj) -> list:
        # Users outside the actor's user read scope do not exist for them, managers included: the routes prefetch
        # the visible ones (rapport.users.api). Failing loudly beats falling back to the unfiltered relation.
        return obj.visible_managers


class TeamFilters(Schema):
    q: str | None = Field(None, description="Search in the name.")


class TeamIn(Schema):
    name: str
    description: str = ""
    manager_ids: list[Id] = Field(default_factory=list)


class TeamPatch(Schema):
    """Only the fields sent are changed; changing managers needs the `all` team write scope."""

    name: str = None
    description: str = None
    manager_ids: list[Id] = None


# --- roles -----------------------------------------------------------------------------------


class ScopePair(Schema):
    read: Scope = Scope.NONE
    write: Scope = Scope.NONE


class RoleOut(Schema):
    id: int
    key: str
    name: str
    description: str
    is_builtin: bool
    scopes: dict[str, ScopePair]
    features: list[Feature]
    user_count: int
    created_at: datetime
    updated_at: datetime


class RoleFilters(Schema):
    q: str | None = Field(None, description="Search in the name.")


class RoleIn(Schema):
    name: str
    description: str = ""
    scopes: dict[str, ScopePair] = Field(
        default_factory=dict, description="Per object type (see /permissions) a read and a write scope; missing: none."
    )
    features: list[Feature] = Field(default_factory=list)


class RolePatch(Schema):
    """Only the fields sent are changed. Built-in roles cannot be changed."""

    name: str = None
    description: str = None
    scopes: dict[str, ScopePair] = None
    features: list[Feature] = None


class ObjectTypeOut(Schema):
    key: str
    label: str
    business: bool = Field(description="A customer-facing record type rather than system data.")


class ChoiceOut(Schema):
    value: str
    label: str


class PermissionsOut(Schema):
    """What a role editor offers: the object types, the scopes per operation, and the features."""

    object_types: list[ObjectTypeOut]
    operations: list[ChoiceOut]
    scopes: list[ChoiceOut]
    features: list[ChoiceOut]


# --- tokens ----------------------------------------------------------------------------------


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the token, to recognise it.")
    user: UserRef | None = Field(description="The token's owner; null when outside your user read scope.")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    is_active: bool

    @staticmethod
    def resolve_user(obj):
        # ``user_visible`` comes from the selectors: whether the actor may read the token's owner.
        return obj.user if obj.user_visible else None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The token itself. It is shown only this once; only its hash is kept.")


class TokenFilters(Schema):
    mine: bool = Field(False, description="Only your own tokens.")
    user_id: Id | None = None
    active: bool | None = Field(None, description="true: not revoked; false: revoked.")


class TokenIn(Schema):
    name: str
    user_id: Id | None = Field(None, description="Whose token; defaults to you. Needs the token write scope.")
