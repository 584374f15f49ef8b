"""References to users, teams and companies, and what the actor may see of them (see the package's docstring)."""

from collections import defaultdict
from collections.abc import Iterable

from ninja import Field, Schema

from rapport.users import access
from rapport.users.enums import Operation, Scope


class CompanyRef(Schema):
    id: int
    name: str


class RelatedCompany(Schema):
    """A company a record is linked to. One outside your read scope keeps its place (a PATCH that sends it back
    keeps the link) but is not named."""

    id: int
    name: str | None = Field(description="null when the company is outside your read scope.")


def _related_company(visible: "Visible", pk, company):
    if pk is None:
        return None
    return company if visible.has("company", pk) else {"id": pk, "name": None}


class ContactRef(Schema):
    id: int
    display_name: str


def visible_ids(actor, object_type: str, ids: Iterable) -> set[int]:
    """The ids among ``ids`` of users, teams, contacts or companies the actor may read (no query for `all`)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return set()
    if access.scope_of(actor, object_type, Operation.READ) == Scope.ALL:
        return ids
    if object_type == "user":
        from rapport.users.selectors import visible_users

        return set(visible_users(actor).filter(pk__in=ids).values_list("pk", flat=True))
    if object_type == "team":
        from rapport.users.models import Team

        qs = access.scoped(Team.objects.filter(pk__in=ids), actor=actor, object_type="team")
        return set(qs.values_list("pk", flat=True))
    from .. import selectors

    return selectors.visible_ids(actor=actor, object_type=object_type, ids=ids)


class Visible:
    """Collects the referenced ids of a page of records, then asks once per object type which are visible."""

    def __init__(self, actor):
        self.actor = actor
        self.wanted: dict[str, set] = defaultdict(set)
        self.seen: dict[str, set[int]] = {}

    def want(self, object_type: str, *ids) -> None:
        self.wanted[object_type].update(i for i in ids if i is not None)

    def resolve(self) -> "Visible":
        self.seen = {t: visible_ids(self.actor, t, ids) for t, ids in self.wanted.items()}
        return self

    def has(self, object_type: str, pk) -> bool:
        return pk is not None and pk in self.seen.get(object_type, ())


def refs(obj) -> dict:
    """The visible references of a record, for the schemas' resolvers."""
    # Set by the present_* helpers; failing loudly beats showing a reference the actor may not see.
    return obj.refs


def present_contacts(actor, contacts: list) -> list:
    """Give each contact (loaded with ``CONTACT_RELATED``/``CONTACT_PREFETCH``) its visible references."""
    visible = Visible(actor)
    for c in contacts:
        visible.want("user", c.owner_id, c.stance_set_by_id, c.created_by_id)
        visible.want("team", c.team_id)
        visible.want("company", c.company_id, *(m.company_id for m in c.memberships.all()))
    visible.resolve()
    for c in contacts:
        c.refs = {
            "owner": c.owner if visible.has("user", c.owner_id) else None,
            "stance_set_by": c.stance_set_by if visible.has("user", c.stance_set_by_id) else None,
            "created_by": c.created_by if visible.has("user", c.created_by_id) else None,
            "team": c.team if visible.has("team", c.team_id) else None,
            "company": _related_company(visible, c.company_id, c.company if c.company_id else None),
        }
        for membership in c.memberships.all():
            membership.refs = {"company": _related_company(visible, membership.company_id, membership.company)}
    return contacts


def present_companies(actor, companies: list) -> list:
    visible = Visible(actor)
    for c in companies:
        visible.want("user", c.owner_id, c.created_by_id)
        visible.want("team", c.team_id)
        visible.want("company", c.parent_id)
    visible.resolve()
    for c in companies:
        c.refs = {
            "owner": c.owner if visible.has("user", c.owner_id) else None,
            "created_by": c.created_by if visible.has("user", c.created_by_id) else None,
            "team": c.team if visible.has("team", c.team_id) else None,
            "parent": _related_company(visible, c.parent_id, c.parent if c.parent_id else None),
        }
    return companies


# What a contact or company representation reads, in a fixed number of queries however many rows.
CONTACT_RELATED = ("owner", "team", "company", "stance_set_by", "created_by")
CONTACT_PREFETCH = ("emails", "phones", "addresses", "tags")
COMPANY_RELATED = ("owner", "team", "parent", "created_by")
COMPANY_PREFETCH = ("domains", "addresses", "tags")
