"""Choices of the record forms: countries, the owners and teams an actor may assign, user labels."""

import functools

import pycountry
from django.db.models import Q

from rapport.users import access
from rapport.users.enums import Operation, Scope
from rapport.users.models import Team, User


@functools.cache
def country_choices() -> list[tuple[str, str]]:
    countries = sorted(pycountry.countries, key=lambda c: getattr(c, "common_name", c.name))
    return [("", "—")] + [(c.alpha_2, getattr(c, "common_name", c.name)) for c in countries]


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code) if code else None
    return getattr(country, "common_name", country.name) if country else code


def with_blank(choices, label="—"):
    return [("", label), *choices]


def assignable_owners(actor, object_type: str):
    """Active users a record may be given to: anyone (all), the actor's team (team) or the actor (own)."""
    scope = access.scope_of(actor, object_type, Operation.WRITE)
    users = access.scoped(User.objects.filter(is_active=True), actor=actor, object_type="user")
    if scope == Scope.TEAM:
        users = users.filter(Q(pk=actor.pk) | Q(team_id=actor.team_id)) if actor.team_id else users.filter(pk=actor.pk)
    elif scope != Scope.ALL:
        users = users.filter(pk=actor.pk)
    return users.order_by("first_name", "last_name", "username")


def assignable_teams(actor, object_type: str):
    scope = access.scope_of(actor, object_type, Operation.WRITE)
    teams = access.scoped(Team.objects.all(), actor=actor, object_type="team").order_by("name")
    if scope == Scope.TEAM:
        return teams.filter(pk=actor.team_id or 0)
    return teams


def user_label(user) -> str:
    return user.get_full_name() or user.username


USER_LABEL_FIELDS = ("pk", "first_name", "last_name", "username")


def user_options(users) -> list[tuple[str, str]]:
    """(id, label) of users, read as values (lists offer hundreds of them): the label is ``user_label``'s."""
    rows = users.values_list(*USER_LABEL_FIELDS)
    return [(str(pk), f"{first} {last}".strip() or username) for pk, first, last, username in rows]
