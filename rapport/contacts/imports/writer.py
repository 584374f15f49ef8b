"""Writing a batch of prepared rows: creates in bulk (ids assigned up front, one insert per table), updates with
one read per table and one ``executemany`` per table, companies found or created by name with a cache, tags
likewise. Called inside the batch's transaction (``runner``), which also records the outcome of each row.

Everything the services check is checked here too, for the whole batch at once: the importer's write scope
(the owner and team every created record gets are checked once per run; updates only reach records the
importer may write), visible companies and references, unique external ids, required fields. What the services
derive is derived by their own functions (``prepare``; completeness via ``services.*._present``).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from rapport.users import access
from rapport.users.enums import Operation

from .. import hooks
from ..matching import find_existing, match_key
from ..models import (
    Address,
    Company,
    CompanyDomain,
    CompanyTag,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    ImportedRecord,
    Membership,
    Tag,
)
from ..schema import completeness
from ..search.documents import company_tokens, contact_document
from ..search.indexing import documents_provided
from .bulk import Bulk, columns_of
from .prepare import Ready

ADDRESS_COLUMNS = ("label", "street", "number", "extra", "city", "postcode", "region", "country", "is_primary")
MODELS = {"contact": Contact, "company": Company}


@dataclass
class Outcome:
    number: int
    outcome: str  # created, updated, skipped, failed
    record_id: int | None = None
    message: str = ""
    before: dict | None = None


@dataclass
class Context:
    """What a run needs once: who imports, the options, caches of companies and tags across batches."""

    job: Any
    actor: Any
    plan: Any
    owner_id: int | None
    team_id: int | None
    option_tags: list[int]
    bulk: Bulk = field(default_factory=Bulk)
    companies: dict[str, int | None] = field(default_factory=dict)
    company_shown: dict[int, tuple[str, list[str]]] = field(default_factory=dict)  # id: (name, search tokens)
    tags: dict[str, int] = field(default_factory=dict)
    created: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # per object type, this batch
    changed: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    documents: dict[str, list] = field(default_factory=lambda: defaultdict(list))  # search documents built here

    @property
    def object_type(self) -> str:
        return self.job.object_type

    @property
    def schema(self):
        return self.plan.schema

    def queryset(self, object_type: str, operation=Operation.READ):
        model = MODELS[object_type]
        return access.scoped(model.objects.all(), actor=self.actor, object_type=object_type, operation=operation)

    def reset_batch(self) -> None:
        self.created = defaultdict(list)
        self.changed = defaultdict(list)
        self.documents = defaultdict(list)

    def batch_state(self) -> tuple:
        """What the batch has done so far (to go back to when a row's savepoint is rolled back)."""
        return tuple({k: list(v) for k, v in d.items()} for d in (self.created, self.changed, self.documents))

    def restore_batch(self, state: tuple) -> None:
        for current, saved in zip((self.created, self.changed, self.documents), state, strict=True):
            current.clear()
            current.update(saved)

    def forget_lookups(self) -> None:
        """Drop the companies and tags known by id: a rolled-back transaction may have created some of them."""
        self.companies.clear()
        self.company_shown.clear()
        self.tags.clear()


# --- shared lookups ----------------------------------------------------------------------------------------------


def resolve_tags(ctx: Context, names: set[str]) -> dict[str, int]:
    """Tag ids by lower-case name, creating missing tags (``services._records.tags_by_name``)."""
    from ..services._records import tags_by_name

    missing = {n.lower(): n for n in names if n.lower() not in ctx.tags}
    if missing:
        for tag in tags_by_name(list(missing.values())):
            ctx.tags[tag.name.lower()] = tag.pk
        for key in missing:  # an existing tag spelled differently
            if key not in ctx.tags:
                found = Tag.objects.annotate(key=Lower("name")).filter(key=key).values_list("pk", flat=True).first()
                if found:
                    ctx.tags[key] = found
    return {n.lower(): ctx.tags[n.lower()] for n in names if n.lower() in ctx.tags}


def resolve_companies(ctx: Context, names: dict[str, str]) -> dict[str, int | None]:
    """Company ids by case-folded name: the importer's visible companies first (the oldest of namesakes),
    else new companies with the import's owner and team (None when the importer may not create companies)."""
    missing = {k: v for k, v in names.items() if k not in ctx.companies}
    if missing:
        found: dict[str, int] = {}
        rows = (
            ctx.queryset("company")
            .annotate(key=Lower("name"))
            .filter(Q(name__in=list(missing.values())) | Q(key__in=list(missing)))
            .order_by("pk")
            .values_list("name", "pk", "domain")
        )
        for name, pk, domain in rows:
            found.setdefault(name.casefold(), pk)
            ctx.company_shown.setdefault(pk, (name, company_tokens(name, domain)))
        for key in missing:
            if key in found:
                ctx.companies[key] = found[key]
        new = {k: v for k, v in missing.items() if k not in found}
        if new:
            if access.can_create(ctx.actor, "company", owner_id=ctx.owner_id, team_id=ctx.team_id):
                ids = create_bare_companies(ctx, list(new.values()))
                ctx.companies.update(zip(new, ids, strict=True))
                for pk, name in zip(ids, new.values(), strict=True):
                    ctx.company_shown[pk] = (name, company_tokens(name, ""))
            else:
                ctx.companies.update(dict.fromkeys(new))
    return {k: ctx.companies.get(k) for k in names}


def create_bare_companies(ctx: Context, names: list[str]) -> list[int]:
    """New companies with just a name (for contacts' company column), recorded for undo."""
    from ..services.companies import _present

    bulk = ctx.bulk
    shape = SimpleNamespace(domain="", industry="", size_band="", phone="", website="", owner_id=ctx.owner_id)
    score = completeness("company", _present(shape, addresses=[]))
    ids = bulk.next_ids(Company, len(names))
    now = bulk.value(timezone.now())
    constants = _constants(ctx, Company, {"id", "name", "completeness"}, now)
    bulk.insert(Company, ["id", "name", "completeness"], [(pk, n, score) for pk, n in zip(ids, names, strict=True)],
                constants)  # fmt: skip
    ctx.created["company"] += ids
    return ids


def _constants(ctx: Context, model, variable: set[str], now) -> dict:
    """Values of the columns not given per row: owner, team, creator, times, and each field's default."""
    fixed = {"owner_id": ctx.owner_id, "team_id": ctx.team_id, "created_by_id": ctx.actor.pk,
             "created_at": now, "updated_at": now}  # fmt: skip
    out = {}
    for column in columns_of(model):
        if column in variable:
            continue
        out[column] = fixed[column] if column in fixed else ctx.bulk.field_default(model, column)
    return out


def _external_id(row: Ready) -> str:
    return row.create.external_id if row.create is not None else row.values.get("external_id", "")


def _unique_external_ids(ctx: Context, model, rows: list[Ready], outcomes: list[Outcome]) -> list[Ready]:
    """Rows whose external id is taken (by any record, or an earlier row of the batch) fail; unique per type."""
    wanted = [ext for ext in map(_external_id, rows) if ext]
    if not wanted:
        return rows
    taken = set(model.objects.filter(external_id__in=wanted).values_list("external_id", flat=True))
    kept = []
    for row in rows:
        ext = _external_id(row)
        if ext:
            if ext in taken:
                label = "contact" if model is Contact else "company"
                outcomes.append(Outcome(row.number, "failed", message=f"Another {label} has this external id."))
                continue
            taken.add(ext)
        kept.append(row)
    return kept


def _check_references(ctx: Context, rows: list[Ready], outcomes: list[Outcome]) -> list[Ready]:
    """Reference custom fields must point at records the importer can see (one query per field and batch)."""
    from ..selectors import visible_ids

    fields = [f for f in ctx.schema.custom_fields if f.field_type == "reference"]
    if not fields:
        return rows
    bad: dict[int, str] = {}
    for f in fields:
        values = {r.values.get("custom", {}).get(f.key) for r in rows} - {None}
        if not values:
            continue
        visible = visible_ids(actor=ctx.actor, object_type=f.reference_type, ids=values)
        for r in rows:
            value = r.values.get("custom", {}).get(f.key)
            if value is not None and value not in visible:
                bad[r.number] = f"{ctx.plan.column_of('custom.' + f.key)}: Choose an existing, visible record."
    if not bad:
        return rows
    outcomes += [Outcome(n, "failed", message=m) for n, m in bad.items()]
    return [r for r in rows if r.number not in bad]


def _row_tags(ctx: Context, rows: list[Ready]) -> dict[str, int]:
    names = set()
    for r in rows:
        names.update(r.create.tags if r.create else r.values.get("tags", ()))
    return resolve_tags(ctx, names) if names else {}


def _row_companies(ctx: Context, rows: list[Ready]) -> dict[str, int | None]:
    names = {r.company.casefold(): r.company for r in rows if r.company}
    return resolve_companies(ctx, names) if names else {}


def record_created(ctx: Context, object_type: str, ids: list[int]) -> None:
    """ImportedRecord rows, one per run of consecutive ids, so undo knows what the import created."""
    from .store import runs

    kind = "" if object_type == ctx.object_type else object_type
    rows = [(kind, first, last if last != first else None) for first, last in runs(ids)]
    ctx.bulk.insert(ImportedRecord, ["object_type", "record_id", "last_record_id"], rows, {"job_id": ctx.job.pk})


# --- creates -----------------------------------------------------------------------------------------------------


def create_contacts(ctx: Context, rows: list[Ready]) -> list[Outcome]:
    """Insert new contacts and what hangs off them; ``row.create`` holds what prepare derived (see there)."""
    outcomes: list[Outcome] = []
    rows = _unique_external_ids(ctx, Contact, rows, outcomes)
    rows = _check_references(ctx, rows, outcomes)
    if not rows:
        return outcomes
    bulk = ctx.bulk
    companies = _row_companies(ctx, rows)
    tags = _row_tags(ctx, rows)
    columns = ["id", *ctx.plan.create_columns, "company_id"]
    score_at = columns.index("completeness") - 1
    constants = _constants(ctx, Contact, set(columns), bulk.value(timezone.now()))
    ids = bulk.next_ids(Contact, len(rows))
    contacts, emails, phones, addresses, members, tag_rows, docs = [], [], [], [], [], [], []
    option_tags = ctx.option_tags
    for row, pk in zip(rows, ids, strict=True):
        create = row.create
        values = create.values
        company_id = companies.get(row.company.casefold()) if row.company else None
        if row.company and company_id is None:
            values = (*values[:score_at], create.score_alone, *values[score_at + 1 :])
            outcomes.append(
                Outcome(row.number, "created", pk, "The company was not linked: you may not create companies.")
            )
        contacts.append((pk, *values, company_id))
        shown, related = ctx.company_shown.get(company_id, ("", [])) if company_id else ("", [])
        docs.append(contact_document(pk, ctx.owner_id, ctx.team_id, create.parts, company_id, shown, related))
        for e in create.emails:
            emails.append((pk, *e))
        for p in create.phones:
            phones.append((pk, *p))
        for a in create.addresses:
            addresses.append((pk, *a))
        if company_id:
            members.append((pk, company_id))
        if create.tags or option_tags:
            wanted = {tags[t.lower()] for t in create.tags if t.lower() in tags}
            wanted.update(option_tags)
            tag_rows += [(pk, t) for t in wanted]
    bulk.insert(Contact, columns, contacts, constants)
    bulk.insert(ContactEmail, ["contact_id", "email", "label", "is_primary"], emails)
    bulk.insert(ContactPhone, ["contact_id", "number", "display", "label", "is_primary"], phones)
    bulk.insert(Address, ["contact_id", *ADDRESS_COLUMNS], addresses, {"company_id": None})
    bulk.insert(Membership, ["contact_id", "company_id"], members, {"role": "", "is_primary": True})
    bulk.insert(ContactTag, ["contact_id", "tag_id"], tag_rows)
    ctx.created["contact"] += ids
    ctx.documents["contact"] += docs
    return outcomes


def create_companies(ctx: Context, rows: list[Ready]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    rows = _unique_external_ids(ctx, Company, rows, outcomes)
    rows = _check_references(ctx, rows, outcomes)
    if not rows:
        return outcomes
    bulk = ctx.bulk
    tags = _row_tags(ctx, rows)
    columns = ["id", *ctx.plan.create_columns]
    constants = _constants(ctx, Company, set(columns), bulk.value(timezone.now()))
    ids = bulk.next_ids(Company, len(rows))
    companies, domains, addresses, tag_rows = [], [], [], []
    for row, pk in zip(rows, ids, strict=True):
        create = row.create
        companies.append((pk, *create.values))
        for d in create.domains:
            domains.append((pk, *d))
        for a in create.addresses:
            addresses.append((pk, *a))
        wanted = {tags[t.lower()] for t in create.tags if t.lower() in tags}
        wanted.update(ctx.option_tags)
        tag_rows += [(pk, t) for t in wanted]
    bulk.insert(Company, columns, companies, constants)
    bulk.insert(CompanyDomain, ["company_id", "domain", "is_primary"], domains)
    bulk.insert(Address, ["company_id", *ADDRESS_COLUMNS], addresses, {"contact_id": None})
    bulk.insert(CompanyTag, ["company_id", "tag_id"], tag_rows)
    ctx.created["company"] += ids
    return outcomes


# --- one batch ---------------------------------------------------------------------------------------------------


def _key(ctx: Context, row: Ready) -> str | None:
    values = row.values if row.record_id is None else {**row.values, "id": row.record_id}
    return match_key(ctx.object_type, ctx.job.match_on, values)


def apply(ctx: Context, rows: list[Ready]) -> list[Outcome]:
    """Create or update the batch's rows (inside the caller's transaction); the outcome of each row."""
    from .updates import update_companies, update_contacts

    create = create_contacts if ctx.object_type == "contact" else create_companies
    update = update_contacts if ctx.object_type == "contact" else update_companies
    mode = ctx.job.mode
    if mode == "create":
        return create(ctx, rows)
    outcomes: list[Outcome] = []
    pending = rows
    while pending:
        # Rows naming the same record go in successive waves, so the second sees what the first did.
        wave, later, keys = [], [], set()
        for row in pending:
            key = _key(ctx, row)
            if key is None:
                outcomes.append(Outcome(row.number, "failed", message=_no_key_message(ctx)))
            elif key in keys:
                later.append(row)
            else:
                keys.add(key)
                wave.append((row, key))
        pending = later
        if not wave:
            break
        writable = find_existing(ctx.object_type, ctx.job.match_on, keys,
                                 within=ctx.queryset(ctx.object_type, Operation.WRITE))  # fmt: skip
        readable = {}
        if mode == "upsert":
            unmatched = keys - set(writable)
            if unmatched:
                readable = find_existing(ctx.object_type, ctx.job.match_on, unmatched,
                                         within=ctx.queryset(ctx.object_type))  # fmt: skip
        to_update, to_create, used = [], [], set()
        for row, key in wave:
            ids = writable.get(key, [])
            if len(ids) > 1:
                outcomes.append(
                    Outcome(row.number, "failed", message=f"Matches {len(ids)} records; cannot tell which.")
                )
            elif ids and ids[0] in used:
                pending.append(row)  # two keys of the same record in one wave: next wave
            elif ids:
                used.add(ids[0])
                to_update.append((row, ids[0]))
            elif mode == "upsert" and not readable.get(key) and ctx.job.match_on != "id":
                to_create.append(row)
            else:
                outcomes.append(Outcome(row.number, "failed", message="Not found or not yours."))
        if to_update:
            outcomes += update(ctx, to_update)
        if to_create:
            outcomes += create(ctx, to_create)
    return outcomes


def _no_key_message(ctx: Context) -> str:
    return {
        "email": "No email to match on.",
        "phone": "No phone to match on.",
        "external_id": "No external id to match on.",
        "id": "No record id to match on.",
        "domain": "No domain to match on.",
        "name": "No name to match on.",
    }.get(ctx.job.match_on, "Nothing to match on.")


def finish_batch(ctx: Context) -> None:
    """What every write does after it: record what was created (for undo) and tell the listeners."""
    for object_type, ids in ctx.created.items():
        if ids:
            record_created(ctx, object_type, ids)
            with documents_provided(object_type, ctx.documents.get(object_type, [])):
                hooks.records_changed(object_type, ids)
    for object_type, ids in ctx.changed.items():
        if ids:
            hooks.records_changed(object_type, ids)
