"""What the writes of one call look up, once: the schema, users and teams, which records the actor sees, tags,
external ids. A single write asks as it goes (a query per question, as before); a bulk write says up front
what its records will ask (``prefetch``), so a thousand records cost a few queries, not thousands.

Tags are resolved without writing: a name no tag has yet is remembered as new (with the first spelling asked
for), and created when the records that use it are written (``tag_objects``)."""

from django.db.models.functions import Lower

from rapport.users import access
from rapport.users.enums import Operation, Scope
from rapport.users.models import Team, User

from ..models import Company, Contact, Tag
from ..schema import RecordSchema

_MODELS = {"contact": Contact, "company": Company}
_BIGINT = 2**63  # what the database's integers hold


class Context:
    def __init__(self, *, actor, object_type: str, schema: RecordSchema | None = None):
        self.actor = actor
        self.object_type = object_type
        self._schema = schema
        self._users: dict[int, int | bool | None] = {}  # active user id: team id; False: no such active user
        self._teams: dict[int, bool] = {}
        self._visible: dict[str, dict[int, bool]] = {"contact": {}, "company": {}}
        self._assignable: dict[tuple, bool] = {}
        self._tags: dict[str, str] = {}  # lower-cased name: the tag's name (stored, or new)
        self._tag_ids: dict[str, int] = {}  # lower-cased name: id, for stored tags
        self._tags_known: set[str] = set()  # names asked for already
        self.external_ids: dict[str, object] = {}  # external id: the record holding it (an id, or a planned record)
        self._external_ids_known: set[str] = set()

    @property
    def schema(self) -> RecordSchema:
        if self._schema is None:
            self._schema = RecordSchema.load(self.object_type)
        return self._schema

    # --- looking up in advance -------------------------------------------------------------------

    def prefetch(self, *, users=(), teams=(), visible: dict[str, set] | None = None, tags=(), external_ids=()):
        self._load_users(users)
        self._load_teams(teams)
        for object_type, ids in (visible or {}).items():
            self._load_visible(object_type, ids)
        self._load_tags(tags)
        self._load_external_ids(external_ids)

    def _load_users(self, ids) -> None:
        ids = {i for i in ids if isinstance(i, int) and 0 < i < _BIGINT} - set(self._users)
        if ids:
            found = dict(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", "team_id"))
            self._users.update({pk: found.get(pk, False) for pk in ids})

    def _load_teams(self, ids) -> None:
        ids = {i for i in ids if isinstance(i, int) and 0 < i < _BIGINT} - set(self._teams)
        if ids:
            found = set(Team.objects.filter(pk__in=ids).values_list("pk", flat=True))
            self._teams.update({pk: pk in found for pk in ids})

    def _load_visible(self, object_type: str, ids) -> None:
        known = self._visible.setdefault(object_type, {})
        ids = {i for i in ids if isinstance(i, int) and -_BIGINT <= i < _BIGINT} - set(known)
        if ids and object_type in _MODELS:
            found = set(
                access.scoped(_MODELS[object_type].objects.filter(pk__in=ids), actor=self.actor,
                              object_type=object_type).values_list("pk", flat=True)
            )  # fmt: skip
            known.update({pk: pk in found for pk in ids})

    def _load_tags(self, names) -> None:
        keys = {n.lower() for n in names} - self._tags_known
        if keys:
            self._tags_known |= keys
            for pk, name, key in (
                Tag.objects.annotate(key=Lower("name")).filter(key__in=keys).values_list("pk", "name", "key")
            ):
                self._tags[key], self._tag_ids[key] = name, pk

    def _load_external_ids(self, values) -> None:
        values = {v for v in values if v and isinstance(v, str)} - self._external_ids_known
        if values:
            self._external_ids_known |= values
            found = _MODELS[self.object_type].objects.filter(external_id__in=values).values_list("external_id", "pk")
            self.external_ids.update(found)

    # --- asking ----------------------------------------------------------------------------------

    def user_team(self, pk) -> tuple[bool, int | None]:
        """``(is an active user, their team id)``."""
        pk = int(pk)
        self._load_users([pk])
        team = self._users.get(pk, False)
        return (team is not False), (team or None)

    def team_exists(self, pk) -> bool:
        pk = int(pk)
        self._load_teams([pk])
        return self._teams.get(pk, False)

    def visible(self, object_type: str, ids) -> set[int]:
        """The ids among ``ids`` of records the actor may read (as ``selectors.visible_ids``)."""
        clean = set()
        for i in ids:
            try:
                clean.add(int(i))
            except (TypeError, ValueError):
                continue
        if any(not -_BIGINT <= i < _BIGINT for i in clean):
            raise OverflowError("Python int too large to convert to SQLite INTEGER")  # as the database says
        self._load_visible(object_type, clean)
        known = self._visible.get(object_type, {})
        return {i for i in clean if known.get(i)}

    def can_assign(self, owner_id, team_id) -> bool:
        key = (owner_id, team_id)
        if key not in self._assignable:
            self._assignable[key] = access.can_assign(self.actor, self.object_type, owner_id=owner_id, team_id=team_id)
        return self._assignable[key]

    def may_write_at_all(self) -> bool:
        return access.scope_of(self.actor, self.object_type, Operation.WRITE) != Scope.NONE

    def tag_names(self, names: list[str]) -> list[str]:
        """The names of the tags ``names`` stand for (case-insensitively; new ones as first asked for)."""
        self._load_tags(names)
        out = {}
        for name in names:
            key = name.lower()
            out[key] = self._tags.setdefault(key, name)
        return list(out.values())

    def tag_objects(self, names) -> dict[str, int]:
        """``{lower-cased name: tag id}`` for these names, creating the tags that do not exist yet."""
        keys = {n.lower() for n in names}
        missing = [key for key in keys if key not in self._tag_ids]
        if missing:
            # A concurrent write may create some meanwhile: those are kept, and found below.
            Tag.objects.bulk_create([Tag(name=self._tags.get(k, k)) for k in missing], ignore_conflicts=True)
            for pk, key in Tag.objects.annotate(key=Lower("name")).filter(key__in=missing).values_list("pk", "key"):
                self._tag_ids[key] = pk
        return {key: self._tag_ids[key] for key in keys}

    # --- external ids ------------------------------------------------------------------------------

    def external_id_free(self, value: str, holder) -> bool:
        """Whether ``holder`` (a record, saved or not) may have external id ``value`` as things stand in this call."""
        if not value:
            return True
        self._load_external_ids([value])
        owner = self.external_ids.get(value)
        return owner is None or _same(owner, holder)

    def claim_external_id(self, old: str, new: str, holder) -> None:
        if old == new:
            return
        if old:
            self._load_external_ids([old])
            if _same(self.external_ids.get(old), holder):
                del self.external_ids[old]
        if new:
            self.external_ids[new] = holder


def _same(owner, holder) -> bool:
    """Whether ``owner`` (a record id, or a record planned in this call) is ``holder``."""
    return owner is not None and (
        owner is holder or (holder.pk is not None and getattr(owner, "pk", owner) == holder.pk)
    )
