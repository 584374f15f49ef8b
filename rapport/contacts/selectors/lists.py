"""The contact and company lists: every field as a filter, a column and (mostly) a sort key, custom fields
included. One definition serves the list pages, the API, saved views and exports.

Filters are a flat mapping, as in a query string: ``lifecycle_stage=lead,customer``, ``owner=me``,
``created_at__gte=2026-01-01``, ``tag=vip``, ``city=paris`` (starts with, any case), ``email__empty=1``,
``cf.renewal_date__lte=2026-12-31``. Several values of a choice are any-of.

Pages are keyset pages (``cursor`` = the id of the last row, whose sort key is read back): no OFFSET and no
COUNT of the whole table, so the thousandth page costs what the first does. Empty values come last in both
directions: the filled rows in the chosen order, then the empty ones by id (two index-served queries, not one
sort on a computed "is empty" key that no index serves).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from math import isqrt
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower
from django.db.models.lookups import Exact
from django.db.models.sql.where import WhereNode

from rapport.core.errors import validation_error
from rapport.core.pagination import decode_cursor, encode_cursor

from .. import custom_values, normalize
from ..enums import Channel, FieldType, LifecycleStage, SizeBand, Stance
from ..models import Address, Company, CompanyTag, Contact, ContactTag, Membership
from ..schema import RecordSchema
from .list_sql import (
    IdIn,
    JsonKey,
    ProbedExists,
    by_joined_id,
    custom_sort_index_sql,
    ensure_custom_sort_index,
    keyset_after,
    sortable_custom,
    starts_with,
)

__all__ = ["JsonKey", "custom_sort_index_sql", "ensure_custom_sort_index", "sortable_custom"]

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
COUNT_CAP = 10_000  # lists show "10,000+" rather than count a million rows
FEW_IDS = 5_000  # a relation filter matching at most this many records (fewer in a small table: _few_ids) filters
# by their ids, else by EXISTS


@dataclass(frozen=True)
class ListField:
    key: str
    label: str
    kind: str  # text, choice, multi, bool, date, datetime, number, user, team, tag, company, ids
    path: str | None = None  # ORM path filtered on (None: custom filter function)
    sort: str | None = None  # ORM path or annotation sorted on; None: not sortable
    nullable_sort: bool = False
    then: tuple[str, ...] = ()  # further sort keys before the id (a relation's rows in the order of its index)
    choices: tuple = ()
    value: Callable[[Any], Any] | None = None  # the cell value of a row
    prefetch: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    filter: Callable[..., Q] | None = None  # (operator, value, actor) -> Q, for relations
    custom: Any = None  # the CustomField of a custom column
    related: str | None = None  # a foreign key to a company, shown by name only where the reader may see it

    def cell(self, obj) -> Any:
        if self.value is not None:
            return self.value(obj)
        return getattr(obj, self.key)


def _join(values) -> str:
    return ", ".join(str(v) for v in values if v)


def _tags(obj) -> str:
    return _join(t.name for t in obj.tags.all())


def _primary_address(obj):
    addresses = list(obj.addresses.all())
    return addresses[0] if addresses else None


def _address_part(part):
    def value(obj):
        address = _primary_address(obj)
        return getattr(address, part) if address else ""

    return value


def _in_subquery(model, fk: str, condition: Q) -> Q:
    return Q(pk__in=model.objects.filter(condition).values(fk))


def _matching(related: QuerySet, fk: str) -> Q:
    """Records with a row of ``related`` (whose ``fk`` points to them). The matching ids are read first (an
    index range): few of them filter by the literal list, which the database reads by primary key; many of them
    filter by a correlated EXISTS, so the list walks its sort index and stops after a page (an IN over a big
    subquery makes both databases build the whole set, and PostgreSQL misjudge its size; a plain EXISTS
    PostgreSQL turns into a semi-join, which reads them all too)."""
    related = related.order_by()
    few = _few_ids(related.model._meta.get_field(fk.removesuffix("_id")).related_model)
    ids = list(related.values_list(fk, flat=True)[: few + 1])
    if len(ids) <= few:
        return Q(IdIn(sorted({i for i in ids if i is not None})))
    return Q(ProbedExists(related.filter(**{fk: OuterRef("pk")})))


def _few_ids(model) -> int:
    """Up to how many matching ids filter by their list. A list of n ids costs reading and sorting n rows; EXISTS
    walks the sort index and probes about a page times (rows / n) of them: the two meet at n = sqrt(page x rows).
    The largest id (one index lookup) stands for the number of rows."""
    rows = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return min(FEW_IDS, max(500, isqrt(PAGE_SIZE * rows)))


def _tag_filter(through, fk):
    def build(op, value, actor=None):
        names = [n.lower() for n in _split(value)]
        tag_ids = list(_tags_named(names).values_list("pk", flat=True))
        return _matching(through.objects.filter(tag_id__in=tag_ids), fk)

    return build


def _tags_named(names):
    from ..models import Tag

    return Tag.objects.annotate(key=Lower("name")).filter(key__in=names).values("pk")


def _address_filter(owner_fk: str, part: str):
    def build(op, value, actor=None):
        if op == "empty":
            has = _in_subquery(Address, owner_fk, ~Q(**{part: ""}))
            return ~has if _truthy(value) else has
        mine = Address.objects.filter(**{f"{owner_fk}__isnull": False})
        if part == "country":
            return _matching(mine.filter(country__in=[_country(v) for v in _split(value)]), owner_fk)
        # The city the value begins with, in any case: LOWER(city) has an index (address_city_lower_idx).
        return _matching(mine.alias(city_lower=Lower("city")).filter(starts_with("city_lower", str(value))), owner_fk)

    return build


def _country(value: str) -> str:
    try:
        return normalize.clean_country(value)
    except normalize.Invalid:
        raise validation_error({"country": "Unknown country."}) from None


def _visible_companies(ids: list[int], actor) -> list[int]:
    """Only companies the reader may see: filtering by a hidden one must not reveal who belongs to it."""
    from . import visible_ids

    return sorted(visible_ids(actor=actor, object_type="company", ids=ids))


def _company_filter(op, value, actor=None):
    if op == "empty":
        return Q(company__isnull=True) if _truthy(value) else Q(company__isnull=False)
    ids = _visible_companies(_ids(value, "company"), actor)
    return _matching(Membership.objects.filter(company_id__in=ids), "contact_id")


def _parent_filter(op, value, actor=None):
    if op == "empty":
        return Q(parent__isnull=True) if _truthy(value) else Q(parent__isnull=False)
    return Q(parent_id__in=_visible_companies(_ids(value, "parent"), actor))


def _email_filter(op, value, actor=None):
    from ..models import ContactEmail

    if op == "empty":
        return Q(email="") if _truthy(value) else ~Q(email="")
    return _in_subquery(ContactEmail, "contact_id", Q(email__icontains=str(value).lower()))


def _phone_filter(op, value, actor=None):
    from ..models import ContactPhone

    if op == "empty":
        return Q(phone="") if _truthy(value) else ~Q(phone="")
    keys = normalize.phone_search_keys(str(value))
    if not keys:
        return Q(pk__in=[])
    return _in_subquery(ContactPhone, "contact_id", Q(number__contains=keys[0]))


def _domain_filter(op, value, actor=None):
    from ..models import CompanyDomain

    if op == "empty":
        return Q(domain="") if _truthy(value) else ~Q(domain="")
    return _in_subquery(CompanyDomain, "company_id", Q(domain__icontains=str(value).lower()))


def _split(value) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def _truthy(value) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


MAX_ID = 2**63 - 1


def _ids(value, name: str) -> list[int]:
    try:
        ids = [int(v) for v in _split(value)]
    except ValueError:
        ids = None
    if ids is None or not all(0 < i <= MAX_ID for i in ids):
        raise validation_error({name: "Give record ids, separated by commas."})
    return ids


def _std(kind_of: str):
    return lambda key, label, **kw: ListField(key, label, kind_of, path=kw.pop("path", key), **kw)


_text, _choice, _bool, _date, _dt, _num = (_std(k) for k in ("text", "choice", "bool", "date", "datetime", "number"))


def _common_tail(owner_fk: str, through, through_fk: str, name_field: str) -> list[ListField]:
    return [
        # By a relation's name, then the record's name: the database walks the users (or teams) by name and each
        # one's records by the (owner|team, name, id) index, with nothing to sort.
        ListField("owner", "Owner", "user", path="owner", sort="owner__username", nullable_sort=True,
                  then=(name_field,), value=lambda o: str(o.owner) if o.owner_id else "", select=("owner",)),
        ListField("team", "Team", "team", path="team", sort="team__name", nullable_sort=True,
                  then=(name_field,), value=lambda o: str(o.team) if o.team_id else "", select=("team",)),
        ListField("tags", "Tags", "tag", filter=_tag_filter(through, through_fk), value=_tags, prefetch=("tags",)),
        ListField("city", "City", "text", filter=_address_filter(owner_fk, "city"), value=_address_part("city"),
                  prefetch=("addresses",)),
        ListField("country", "Country", "text", filter=_address_filter(owner_fk, "country"),
                  value=_address_part("country"), prefetch=("addresses",)),
        _text("external_id", "External id", sort="external_id"),
        _num("completeness", "Completeness", sort="completeness"),
        _dt("created_at", "Created", sort="created_at"),
        _dt("updated_at", "Updated", sort="updated_at"),
        _text("linkedin", "LinkedIn"),
        _text("website", "Website"),
    ]  # fmt: skip


CONTACT_FIELDS = [
    _text("display_name", "Name", sort="display_name"),
    _text("first_name", "First name", sort="first_name"),
    _text("last_name", "Last name", sort="last_name"),
    ListField("email", "Email", "text", filter=_email_filter, sort="email"),
    ListField("phone", "Phone", "text", filter=_phone_filter, sort="phone",
              value=lambda o: normalize.format_phone(o.phone)),
    ListField("company", "Company", "company", filter=_company_filter, sort="company__name", nullable_sort=True,
              then=("company__id", "display_name"), value=lambda o: o._rel_company or "", related="company"),
    _text("job_title", "Job title", sort="job_title"),
    _text("department", "Department", sort="department"),
    _choice("lifecycle_stage", "Lifecycle stage", sort="lifecycle_stage", choices=tuple(LifecycleStage.choices),
            value=lambda o: o.get_lifecycle_stage_display()),
    _text("lead_source", "Lead source", sort="lead_source"),
    _choice("stance", "Stance", sort="stance", choices=tuple(Stance.choices), value=lambda o: o.get_stance_display()),
    _date("birth_date", "Date of birth", sort="birth_date", nullable_sort=True),
    _text("language", "Language", sort="language"),
    _bool("email_opt_in", "Email opt-in"),
    _bool("phone_opt_in", "Phone opt-in"),
    _bool("sms_opt_in", "SMS opt-in"),
    _bool("post_opt_in", "Post opt-in"),
    _choice("preferred_channel", "Preferred channel", choices=tuple(Channel.choices)),
    _bool("do_not_contact", "Do not contact"),
    *_common_tail("contact_id", ContactTag, "contact_id", "display_name"),
]  # fmt: skip

COMPANY_FIELDS = [
    _text("name", "Name", sort="name"),
    _text("legal_name", "Legal name", sort="legal_name"),
    ListField("domain", "Domain", "text", filter=_domain_filter, sort="domain"),
    _text("industry", "Industry", sort="industry"),
    _choice("size_band", "Size", sort="size_band", choices=tuple(SizeBand.choices)),
    _num("annual_revenue", "Annual revenue", sort="annual_revenue", nullable_sort=True),
    ListField("phone", "Phone", "text", path="phone", value=lambda o: normalize.format_phone(o.phone)),
    ListField("parent", "Parent company", "company", filter=_parent_filter, sort="parent__name", nullable_sort=True,
              then=("parent__id", "name"), value=lambda o: o._rel_parent or "", related="parent"),
    *_common_tail("company_id", CompanyTag, "company_id", "name"),
]  # fmt: skip

_CUSTOM_KIND = {
    FieldType.TEXT: "text", FieldType.LONG_TEXT: "text", FieldType.URL: "text", FieldType.EMAIL: "text",
    FieldType.PHONE: "text", FieldType.NUMBER: "number", FieldType.MONEY: "number", FieldType.PERCENT: "number",
    FieldType.DATE: "date", FieldType.DATETIME: "datetime", FieldType.BOOLEAN: "bool", FieldType.CHOICE: "choice",
    FieldType.MULTI_CHOICE: "multi", FieldType.REFERENCE: "ids",
}  # fmt: skip


def _custom_field(cf) -> ListField:
    key = f"cf.{cf.key}"
    sortable = sortable_custom(cf)
    return ListField(
        key, cf.label, _CUSTOM_KIND[cf.field_type], path=f"custom__{cf.key}",
        sort=f"_cf_{cf.key}" if sortable else None, nullable_sort=True,
        choices=tuple((c, c) for c in cf.choices),
        value=lambda o, cf=cf: custom_values.display_value(cf, o.custom.get(cf.key)), custom=cf,
    )  # fmt: skip


@dataclass
class ListSpec:
    object_type: str
    model: type
    fields: list[ListField]
    default_columns: tuple[str, ...]
    default_ordering: str
    search: Callable[[QuerySet, str], QuerySet] | None = None
    by_key: dict[str, ListField] = field(default_factory=dict)

    def __post_init__(self):
        self.by_key = {f.key: f for f in self.fields}

    def with_custom(self, schema: RecordSchema | None = None) -> "ListSpec":
        schema = schema or RecordSchema.load(self.object_type)
        return ListSpec(self.object_type, self.model, [*self.fields, *(_custom_field(cf) for cf in schema.custom_fields)],
                        self.default_columns, self.default_ordering, self.search)  # fmt: skip

    # --- filters ---------------------------------------------------------------------------------

    def filter(self, queryset: QuerySet, filters: Mapping[str, Any], *, actor) -> QuerySet:
        queryset = self._related_names(_walkable_team_scope(queryset, self, actor), actor=actor)
        errors = {}
        for raw_key, value in filters.items():
            if value in (None, "", []) or raw_key in ("cursor", "limit", "ordering", "columns", "view", "page"):
                continue
            if raw_key == "q":
                queryset = self._search(queryset, str(value))
                continue
            key, _, op = raw_key.partition("__")
            spec = self.by_key.get(key)
            if spec is None or op not in ("", "eq", "gte", "lte", "empty"):
                errors[raw_key] = "Unknown filter."
                continue
            try:
                queryset = queryset.filter(self._condition(spec, op, value, actor=actor))
            except (ValueError, TypeError, normalize.Invalid) as exc:
                errors[raw_key] = str(exc) if isinstance(exc, normalize.Invalid) else "This value is not valid here."
        if errors:
            raise validation_error(errors, message="Some filters are not valid.")
        return queryset

    def _related_names(self, queryset: QuerySet, *, actor) -> QuerySet:
        """``_rel_<fk>``: the name of each related company, or NULL where the reader may not see it."""
        from rapport.users import access
        from rapport.users.enums import Operation, Scope

        annotations = {}
        for spec in self.fields:
            if not spec.related:
                continue
            # A subquery, not a join: a join here would tie the database to starting from the list's table.
            name = Subquery(Company.objects.filter(pk=OuterRef(f"{spec.related}_id")).values("name")[:1])
            if access.scope_of(actor, "company", Operation.READ) != Scope.ALL:
                # Per row, by primary key (an IN over every visible company makes PostgreSQL read them all).
                row = Company.objects.filter(pk=OuterRef(f"{spec.related}_id"))
                visible = Exists(access.scoped(row, actor=actor, object_type="company"))
                name = Case(When(visible, then=name), default=Value(None))
            annotations[f"_rel_{spec.related}"] = name
        return queryset.annotate(**annotations) if annotations else queryset

    def _search(self, queryset: QuerySet, text: str) -> QuerySet:
        if self.search is not None:
            return self.search(queryset, text)
        name = "display_name" if self.object_type == "contact" else "name"
        return queryset.filter(**{f"{name}__icontains": text.strip()})

    def _condition(self, spec: ListField, op: str, value, *, actor) -> Q:
        if spec.filter is not None:
            if op not in ("", "empty"):
                raise ValueError(op)
            return spec.filter(op, value, actor=actor)
        path = spec.path
        if op == "empty":
            empty = Q(**{f"{path}__isnull": True})
            if spec.kind in ("text", "choice") and not spec.custom:
                empty = Q(**{path: ""})
            return empty if _truthy(value) else ~empty
        kind = spec.kind
        if op in ("gte", "lte") and kind not in ("number", "date", "datetime"):
            raise ValueError(op)
        if op == "eq" and kind != "text":
            raise ValueError(op)
        if kind == "text":
            return Q(**{f"{path}__iexact" if op == "eq" else f"{path}__icontains": str(value)})
        if kind == "choice":
            return Q(**{f"{path}__in": _split(value)})
        if kind == "multi":
            any_of = Q(pk__in=[])
            for item in _split(value):
                any_of |= Q(**{f"{path}__icontains": f'"{item}"'})
            return any_of
        if kind == "bool":
            return Q(**{path: normalize.clean_bool(value)})
        if kind in ("user", "team"):
            ids = []
            for item in _split(value):
                if item == "me":
                    ids.append(actor.pk)
                elif item == "my_team":
                    ids.append(actor.team_id or 0)
                else:
                    ids += _ids(item, spec.key)
            return Q(**{f"{path}__in": ids})
        if kind == "ids":
            return Q(**{f"{path}__in": _ids(value, spec.key)})
        parsed = self._scalar(spec, value)
        lookup = {"": "", "eq": "", "gte": "__gte", "lte": "__lte"}[op]
        return Q(**{f"{path}{lookup}": parsed})

    @staticmethod
    def _scalar(spec: ListField, value):
        if spec.kind == "number":
            number = normalize.clean_decimal(value, places=6, max_digits=24)
            return float(number) if spec.custom else number
        if spec.kind == "date":
            day = normalize.clean_date(value)
            return day.isoformat() if spec.custom else day
        if spec.kind == "datetime":
            if isinstance(value, str) and len(value.strip()) == 10:
                value = value.strip() + "T00:00:00"
            moment = normalize.clean_datetime(value)
            return custom_values._datetime(moment) if spec.custom else moment
        raise ValueError(spec.kind)

    # --- columns and ordering ---------------------------------------------------------------------

    def columns(self, keys) -> list[ListField]:
        keys = [k for k in (keys or ()) if k in self.by_key] or list(self.default_columns)
        first = self.fields[0].key  # the name always comes first: it links to the record
        return [self.by_key[k] for k in dict.fromkeys([first, *keys])]

    def sortable(self) -> list[str]:
        return [f.key for f in self.fields if f.sort]

    def check_view(self, *, filters=None, columns=None, ordering=None) -> dict:
        spec = self.with_custom()
        errors = {}
        for key in filters or {}:
            if key != "q" and key.partition("__")[0] not in spec.by_key:
                errors["filters"] = f"Unknown filter: {key}."
        for key in columns or []:
            if key not in spec.by_key:
                errors["columns"] = f"Unknown column: {key}."
        if ordering and ordering.lstrip("-") not in spec.sortable():
            errors["ordering"] = f"Cannot sort by {ordering}."
        return errors

    def prepare(self, queryset: QuerySet, columns: list[ListField]) -> QuerySet:
        selects = {s for c in columns for s in c.select}
        prefetches = {p for c in columns for p in c.prefetch}
        if selects:
            queryset = queryset.select_related(*sorted(selects))
        if prefetches:
            queryset = queryset.prefetch_related(*sorted(prefetches))
        return queryset

    # --- pages -------------------------------------------------------------------------------------

    def ordering_of(self, ordering: str | None) -> tuple[ListField, bool]:
        ordering = ordering or self.default_ordering
        spec = self.by_key.get(ordering.lstrip("-"))
        if spec is None or not spec.sort:
            raise validation_error({"ordering": f"Cannot sort by {ordering}."})
        return spec, ordering.startswith("-")

    def sort_key(self, queryset: QuerySet, spec: ListField) -> tuple[QuerySet, list[str], Q | None, Q | None]:
        """``(queryset, keys, filled, empty)``: the queryset (with the custom value annotated), the keys sorted on
        before the id, and the conditions of the rows whose key is filled and empty (None when it never is);
        pages put the empty ones last, in both directions. A related record's name is empty where the reader may
        not see the record (it shows no name there)."""
        keys = [spec.sort, *spec.then]
        if spec.custom is not None:
            queryset = queryset.annotate(**{spec.sort: JsonKey(spec.custom.key)})
        if spec.related:
            # ``<fk>__name`` not null (an inner join, which lets the database start from the related records'
            # name index) and shown by ``_rel_<fk>`` (not hidden from this reader).
            filled, empty = Q(**{f"{spec.sort}__isnull": False}), Q(**{f"{spec.related}__isnull": True})
            if isinstance(queryset.query.annotations.get(f"_rel_{spec.related}"), Case):  # some are hidden
                filled &= Q(**{f"_rel_{spec.related}__isnull": False})
                empty |= Q(**{f"_rel_{spec.related}__isnull": True})
            return queryset, keys, filled, empty
        if spec.nullable_sort:
            return queryset, keys, Q(**{f"{spec.sort}__isnull": False}), Q(**{f"{spec.sort}__isnull": True})
        if spec.kind in ("text", "choice") and self.model._meta.get_field(spec.sort).blank:
            # NOT NULL text: empty is "", and "> ''" is a range of its index (a required name is never empty)
            return queryset, keys, Q(**{f"{spec.sort}__gt": ""}), Q(**{spec.sort: ""})
        return queryset, keys, None, None

    @staticmethod
    def empty_order(spec: ListField) -> list[str]:
        """The order of the rows with an empty key: by id; by a relation, those without one by the record's name,
        then id (the order of that relation's (fk, name) index, which serves "fk IS NULL" in that order)."""
        return [*spec.then[-1:], "pk"] if "__" in spec.sort else ["pk"]

    def page(self, queryset: QuerySet, *, ordering: str | None, cursor: str | None, limit: int = PAGE_SIZE):
        """``(rows, next_cursor)`` in the chosen order, then by id; rows with an empty sort key last, by id."""
        spec, descending = self.ordering_of(ordering)
        token = ("-" if descending else "") + spec.key
        queryset, keys, filled, empty = self.sort_key(queryset, spec)
        sign = "-" if descending else ""
        limit = max(1, min(int(limit), MAX_PAGE_SIZE))
        empty_order = self.empty_order(spec)
        filled_part, edge = True, None
        if cursor:
            edge = self._edge(queryset, [*keys, *empty_order[:-1]], decode_cursor(cursor, token), filled)
            filled_part = edge[1]
        rows = []
        if filled_part:
            # Past a cursor, ascending, the cursor's bound implies a filled key: one bound, which the index seeks
            # (SQLite seeks with one of two lower bounds, and took the one from the start). A relation keeps its
            # condition, which makes the join the database starts from.
            implied = edge is not None and not descending and not spec.related
            part = queryset if filled is None or implied else queryset.filter(filled)
            order = [*keys, "pk"]
            if spec.related:
                part, order = by_joined_id(part, spec.related, order)
            if edge is not None:
                part = part.filter(keyset_after(order, [*edge[0][: len(keys)], edge[2]], descending=descending))
            part = part.order_by(*[sign + k for k in order])
            if "__" in spec.sort:
                # By a related record's name: the ids first, from the indexes alone (SQLite then starts from the
                # related table's name index instead of sorting every row), then their rows.
                ids = list(part.values_list("pk", flat=True)[: limit + 1])
                found = queryset.in_bulk(ids)
                rows = [found[i] for i in ids if i in found]
            else:
                rows = list(part[: limit + 1])
        if empty is not None and len(rows) <= limit:
            empties = queryset.filter(empty)
            if edge is not None and not filled_part:
                values = [*edge[0][len(keys) :], edge[2]]
                empties = empties.filter(keyset_after(empty_order, values, descending=descending))
            rows += list(empties.order_by(*[sign + k for k in empty_order])[: limit + 1 - len(rows)])
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = encode_cursor(token, [rows[-1].pk]) if more else None
        return rows, next_cursor

    @staticmethod
    def _edge(queryset: QuerySet, keys: list[str], values: list, filled: Q | None) -> tuple[list, bool, int]:
        """``(keys, filled, id)`` of the cursor's row. The cursor holds only the row's id, so it never carries
        values (such as a hidden company's name) to the client; it is signed, so it names a row its reader was
        shown. The keys are read by primary key alone, not through the list's filters again (a row that no
        longer matches still marks its place), with the list's annotations."""
        if len(values) == 1 and isinstance(values[0], int) and 0 < values[0] <= MAX_ID:
            lookup = queryset.order_by()
            lookup.query.where = WhereNode()
            lookup = lookup.filter(pk=values[0])
            if filled is not None:
                lookup = lookup.annotate(_filled=Case(When(filled, then=Value(True)), default=Value(False)))
            found = list(lookup.values_list(*keys, *(["_filled"] if filled is not None else []))[:1])
            if found:
                row = list(found[0])
                is_filled = bool(row.pop()) if filled is not None else True
                return row, is_filled, values[0]
        raise validation_error({"cursor": "This cursor is not valid (or its row is gone); start again."})


def _walkable_team_scope(queryset: QuerySet, spec: "ListSpec", actor) -> QuerySet:
    """On SQLite, the team read scope ``owner = me OR team = mine`` written as ``COALESCE(owner, 0) = me OR
    COALESCE(team, 0) = mine`` (the same rows). SQLite serves the plain form by reading both indexes and sorting
    every match (3 s for a team seeing 100,000 contacts); the other form it cannot serve by those indexes, so it
    walks the index of the list's order and stops after a page (30 ms). Only for a team with many records: with
    few, reading them by the indexes and sorting is the faster way."""
    from rapport.users import access
    from rapport.users.enums import Operation, Scope

    if connection.vendor != "sqlite" or not getattr(actor, "team_id", None):
        return queryset
    object_type = spec.object_type
    if access.scope_of(actor, object_type, Operation.READ) != Scope.TEAM:
        return queryset
    scope = spec.model.objects.filter(access.scope_filter(actor, object_type, Operation.READ)).query.where.children
    children = queryset.query.where.children
    if len(scope) != 1 or scope[0] not in children:
        return queryset  # not the plain scoped queryset: left as it is
    if spec.model.objects.filter(team_id=actor.team_id).order_by()[:FEW_IDS].count() < FEW_IDS:
        return queryset
    walkable = Q(Exact(Coalesce("owner_id", Value(0)), actor.pk)) | Q(
        Exact(Coalesce("team_id", Value(0)), actor.team_id)
    )
    queryset = queryset.filter(walkable)
    queryset.query.where.children.remove(scope[0])
    return queryset


LIST_SPECS = {
    "contact": ListSpec("contact", Contact, CONTACT_FIELDS,
                        ("display_name", "email", "phone", "company", "lifecycle_stage", "owner"), "display_name"),
    "company": ListSpec("company", Company, COMPANY_FIELDS,
                        ("name", "domain", "industry", "size_band", "city", "owner"), "name"),
}  # fmt: skip


def capped_count(queryset: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many rows match, counting at most ``cap`` (``(cap, True)`` when there are more)."""
    n = queryset.order_by()[: cap + 1].count()
    return min(n, cap), n > cap
