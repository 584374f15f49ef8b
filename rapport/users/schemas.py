from datetime import datetime

from ninja import Schema


class RoleRef(Schema):
    id: int
    key: str
    name: str


class TeamRef(Schema):
    id: int
    name: str


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
