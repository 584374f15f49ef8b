"""Data generator of the benchmarks: users and teams, companies, contacts, interactions, tasks and notes, fast.

The rows are what the services would store (``rapport/contacts/services``, ``rapport/activities``): primary
email, phone and company copied onto the contact from its ``ContactEmail``, ``ContactPhone`` and primary
``Membership`` rows; ``display_name`` built by ``normalize.display_name``; ``completeness`` by ``schema``;
owner and team as ``resolve_owner_team`` gives them (the owner's team); custom values in ``custom`` in their
stored form (numbers as JSON numbers, dates as ISO strings); each interaction linked to its contact and to the
contact's primary company with ``occurred_at`` and ``kind`` copied onto the links. What the services do *not*
get here: audit entries and the ``records_changed`` hooks (a search index builds its own rows afterwards).

Loading is raw SQL through Django's connection: ``executemany`` on SQLite, ``COPY`` on PostgreSQL, a
transaction per batch (``BATCH`` rows), with the big tables' secondary indexes dropped while loading and built
again afterwards (same DDL), foreign keys not checked while loading (the rows are consistent by construction),
and ``VACUUM ANALYZE`` on PostgreSQL at the end (what autovacuum does soon after a bulk load), a sampled
``ANALYZE`` on SQLite (what the worker's hourly ``refresh_planner_statistics`` does). Everything is deterministic
for a given seed and counts.

Use it from a benchmark, after Django is set up on a freshly migrated (empty) database::

    import datagen
    data = datagen.generate(contacts=100_000, interactions=1_000_000)   # a Dataset
    data.rep_id, data.card_contact_id, data.tag_rare, ...

or piece by piece (``create_people``, ``create_custom_fields``, ``create_tags``, ``generate_companies``,
``generate_contacts``, ``generate_interactions``, ``generate_tasks``, ``generate_notes`` inside
``bulk_loading()``). ``Dataset.load()`` finds the figures again in a database generated earlier.

Sizes on two cores (SQLite / PostgreSQL): see bench/README.md.
"""

from __future__ import annotations

import json
import random
import time
from array import array
from bisect import bisect
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

SEED = 20260101
BATCH = 50_000
END = datetime(2026, 1, 1, tzinfo=UTC)
CARD_EXTERNAL_ID = "bench-card"  # the contact with exactly ``card_interactions`` interactions
PASSWORD = "!unusable"  # users cannot sign in with a password (benchmarks use force_login / tokens)

# --- vocabularies ----------------------------------------------------------------------------------------

FIRST_NAMES = (  # noqa: SIM905
    "Aaliyah Adam Adrien Agnès Ahmed Aiko Alba Alejandro Alexander Alice Amara Amelia Ana Andrea Anna Antoine "
    "Arjun Astrid Aurélie Ayumi Benjamin Bruno Camille Carla Carlos Charlotte Chen Chloé Chris Clara Daniel "
    "David Diego Dmitri Elena Elif Elise Emily Emma Enzo Erik Eva Fatima Felix Fernando Francesca Gabriel "
    "George Giulia Hana Hannah Hugo Ibrahim Ines Isabel Ivan Jack Jakob James Jana Javier Jean Jessica João "
    "Jonas Jorge Julia Julien Kai Karim Kenji Laura Lea Leo Liam Lina Lucas Lucía Luis Maria Mark Marta "
    "Martin Mateo Max Maya Mehmet Mia Michael Mohamed Nadia Nathan Nina Noah Nora Olivia Omar Oscar Pablo "
    "Paul Pedro Priya Rafael Rahul Rosa Sakura Samuel Sara Sebastian Sofia Sophie Stefan Tariq Thomas Tom "
    "Valentina Victor Wei Yara Yusuf Zoe"
).split()
LAST_NAMES = (  # noqa: SIM905
    "Abe Adams Ahmed Alvarez Andersen Bauer Becker Bernard Bianchi Brown Campbell Chen Clark Costa Cruz Dias "
    "Davies Dubois Dupont Durand Eriksson Evans Fernandes Fischer Fontaine Garcia Gomez Gonzalez Green Gruber "
    "Hall Hansen Harris Hoffmann Horvat Hughes Ito Jackson Jansen Johansson Johnson Jones Kaya Khan Kim King "
    "Klein Koch Kowalski Kumar Larsen Laurent Lee Lefebvre Lewis Li Lopez Martin Martínez Meyer Miller Moreau "
    "Morris Müller Murphy Nagy Nielsen Novak Nowak O'Brien Olsen Ortiz Park Patel Perez Petit Petrov Pereira "
    "Richter Roberts Robinson Rodriguez Romano Rossi Roux Ruiz Russo Sánchez Santos Sato Schmidt Schneider "
    "Schulz Silva Singh Smith Suzuki Svensson Tanaka Taylor Thomas Thompson Torres Novák Walker Wang Weber "
    "White Williams Wilson Wright Wu Yamamoto Yilmaz Young Zhang Zimmermann"
).split()
PREFIXES = ("Dr", "Ms", "Mr", "Prof")
JOB_TITLES = (
    "CEO", "CTO", "CFO", "COO", "Head of Sales", "Sales Manager", "Account Executive", "Marketing Manager",
    "Product Manager", "Software Engineer", "Procurement Officer", "Office Manager", "HR Director",
    "Operations Manager", "Consultant", "Buyer", "IT Manager", "Project Manager", "Analyst", "Founder",
)  # fmt: skip
DEPARTMENTS = ("Sales", "Marketing", "Engineering", "Finance", "Operations", "HR", "Procurement", "IT", "Legal")
LEAD_SOURCES = ("website", "referral", "event", "cold call", "partner", "advertising", "import", "webinar")
LANGUAGES = ("en", "fr", "de", "es", "it", "pt-BR", "nl", "ja")
STAGES = (  # (stage, weight); "" = not set
    ("subscriber", 10), ("lead", 30), ("marketing_qualified", 10), ("sales_qualified", 8), ("opportunity", 7),
    ("customer", 20), ("evangelist", 2), ("other", 3), ("", 10),
)  # fmt: skip
STANCES = (("", 80), ("friendly", 8), ("neutral", 6), ("advocate", 3), ("critical", 2), ("adversary", 1))
CITIES = (  # (city, postcode, region, country, weight)
    ("London", "EC1A", "England", "GB", 9), ("Paris", "75001", "Île-de-France", "FR", 8),
    ("Berlin", "10115", "Berlin", "DE", 7), ("Madrid", "28001", "Madrid", "ES", 6),
    ("New York", "10001", "NY", "US", 8), ("San Francisco", "94103", "CA", "US", 5),
    ("Lyon", "69001", "Auvergne-Rhône-Alpes", "FR", 3), ("Munich", "80331", "Bavaria", "DE", 4),
    ("Amsterdam", "1011", "North Holland", "NL", 4), ("Milan", "20121", "Lombardy", "IT", 4),
    ("Lisbon", "1100-148", "Lisbon", "PT", 3), ("Barcelona", "08001", "Catalonia", "ES", 4),
    ("Toronto", "M5H", "ON", "CA", 3), ("Chicago", "60601", "IL", "US", 4), ("Austin", "73301", "TX", "US", 2),
    ("São Paulo", "01000-000", "SP", "BR", 3), ("Tokyo", "100-0001", "Tokyo", "JP", 3),
    ("Sydney", "2000", "NSW", "AU", 2), ("Dublin", "D01", "Leinster", "IE", 2), ("Zürich", "8001", "ZH", "CH", 2),
    ("Vienna", "1010", "Vienna", "AT", 2), ("Stockholm", "111 20", "Stockholm", "SE", 2),
    ("Copenhagen", "1050", "Capital Region", "DK", 1), ("Brussels", "1000", "Brussels", "BE", 2),
    ("Manchester", "M1", "England", "GB", 2), ("Hamburg", "20095", "Hamburg", "DE", 2),
    ("Toulouse", "31000", "Occitanie", "FR", 1), ("Porto", "4000-001", "Porto", "PT", 1),
    ("Warsaw", "00-001", "Masovia", "PL", 2), ("Prague", "110 00", "Prague", "CZ", 1),
    ("Reykjavik", "101", "Capital Region", "IS", 0.05),
)  # fmt: skip
STREETS = (
    "Main Street", "High Street", "Rue de la Paix", "Hauptstraße", "Calle Mayor", "Via Roma", "Oak Avenue",
    "Station Road", "Church Lane", "Rua Augusta", "Park Avenue", "Market Square", "Kingsway", "Elm Street",
)  # fmt: skip
INDUSTRIES = (
    "Software", "Manufacturing", "Retail", "Healthcare", "Finance", "Education", "Logistics", "Energy",
    "Media", "Consulting", "Construction", "Hospitality", "Telecommunications", "Agriculture", "Public sector",
)  # fmt: skip
SIZE_BANDS = (("1-10", 30), ("11-50", 30), ("51-200", 18), ("201-500", 10), ("501-1000", 6), ("1001-5000", 4),
              ("5001+", 2))  # fmt: skip
COMPANY_WORDS = (  # noqa: SIM905
    "Acme Apex Atlas Aurora Beacon Blue Bright Cedar Summit Cobalt Crest Delta Echo Evergreen Falcon Forge "
    "Granite Harbor Horizon Iron Juniper Keystone Lumen Maple Meridian Nimbus Nova Oak Orbit Pioneer Quartz "
    "Raven River Sable Silver Solar Sterling Stone Terra Titan Vertex Vista Willow Zenith"
).split()
COMPANY_SUFFIXES = ("Labs", "Systems", "Industries", "Group", "Partners", "Logistics", "Foods", "Health",
                    "Consulting", "Energy", "Media", "Works", "Capital", "Retail", "Software")  # fmt: skip
LEGAL_FORMS = ("Ltd", "Inc.", "GmbH", "SAS", "S.L.", "S.p.A.", "B.V.", "AB")
TLDS = ("com", "io", "co.uk", "de", "fr", "es", "nl", "it", "net")
TAGS = (  # (name, weight in % of contacts)
    ("newsletter", 30), ("prospect", 15), ("partner", 4), ("event-2025", 8), ("webinar", 6), ("trial", 5),
    ("churn-risk", 3), ("decision-maker", 7), ("influencer", 2), ("press", 1), ("investor", 0.5),
    ("beta-tester", 1.5), ("conference", 4), ("inbound", 10), ("outbound", 8), ("enterprise", 3),
    ("smb", 9), ("reseller", 1), ("support-priority", 2), ("vip", 0.3),
)  # fmt: skip
INTERACTION_KINDS = (  # (kind, weight, channels, directions)
    ("email", 40, ("email",), ("in", "out")), ("call", 14, ("phone", "zoom"), ("in", "out")),
    ("meeting", 7, ("zoom", "teams", "onsite"), ("",)), ("note", 4, ("",), ("",)),
    ("chat", 5, ("whatsapp", "website chat", "slack"), ("in", "out")), ("sms", 3, ("sms",), ("in", "out")),
    ("social", 2, ("linkedin", "x"), ("in", "out")), ("web_visit", 16, ("website",), ("in",)),
    ("form", 3, ("website",), ("in",)), ("purchase", 3, ("shop",), ("in",)), ("ticket", 2, ("helpdesk",), ("in",)),
    ("system", 1, ("",), ("",)),
)  # fmt: skip
SUBJECTS = {
    "email": ("Re: proposal", "Pricing question", "Follow-up on our call", "Invoice", "Renewal", "Introduction",
              "Meeting notes", "Contract draft", "Quick question", "Newsletter reply"),
    "call": ("Discovery call", "Follow-up call", "Support call", "Renewal call", "Cold call", "Voicemail"),
    "meeting": ("Demo", "Quarterly review", "Kick-off", "Workshop", "Lunch", "Negotiation"),
    "note": ("Call notes", "Account plan", "Internal note"),
    "chat": ("Chat conversation", "Question about delivery", "Support chat"),
    "sms": ("Appointment reminder", "SMS reply"),
    "social": ("LinkedIn message", "Mention"),
    "web_visit": ("Visited /pricing", "Visited /features", "Visited /blog", "Visited /contact", "Visited /docs"),
    "form": ("Contact form", "Demo request", "Newsletter sign-up", "Whitepaper download"),
    "purchase": ("Order", "Subscription renewal", "Upgrade"),
    "ticket": ("Ticket opened", "Ticket solved", "Ticket reopened"),
    "system": ("Imported", "Merged"),
}  # fmt: skip
PRODUCTS = ("Starter plan", "Pro plan", "Enterprise plan", "Onboarding package", "Training day", "Add-on seats")
SENTENCES = (
    "Asked for a quote for next quarter.", "Interested in the enterprise plan.", "Wants a demo with the team.",
    "Budget is approved, waiting for procurement.", "Had issues with the last delivery.", "Happy with the service.",
    "Will compare with a competitor.", "Sent the contract for signature.", "Needs the invoice in another currency.",
    "Asked to call back next week.", "Mentioned an expansion to a second office.", "Prefers email over phone.",
)  # fmt: skip
TASK_TITLES = ("Call back", "Send proposal", "Follow up on quote", "Book a demo", "Prepare renewal",
               "Check payment", "Send contract", "Introduce to partner", "Update account plan")  # fmt: skip
CONTACT_CUSTOM_FIELDS = (  # (key, label, type, choices)
    ("segment", "Segment", "choice", ["SMB", "Mid-market", "Enterprise", "Public sector"]),
    ("score", "Lead score", "number", []),
    ("renewal_date", "Renewal date", "date", []),
)
COMPANY_CUSTOM_FIELDS = (
    ("tier", "Tier", "choice", ["Gold", "Silver", "Bronze"]),
    ("arr", "ARR", "money", []),
)


def _picker(rng: random.Random, weighted) -> tuple[list, list[float]]:
    """Items and cumulative weights of ``(item, ..., weight)`` tuples (weight last)."""
    items = [w[:-1] if len(w) > 2 else w[0] for w in weighted]
    return items, list(accumulate(w[-1] for w in weighted))


def _pool(rng: random.Random, weighted, size: int = 4096) -> list:
    """A shuffled list drawing ``weighted`` items in proportion: pick with ``pool[int(random() * len)]``."""
    items, cum = _picker(rng, weighted)
    total = cum[-1]
    out = [items[min(bisect(cum, (i + 0.5) * total / size), len(items) - 1)] for i in range(size)]
    rng.shuffle(out)
    return out


# --- what was generated ------------------------------------------------------------------------------------


@dataclass
class Dataset:
    """What a benchmark needs to know about the generated data."""

    contacts: int = 0
    companies: int = 0
    interactions: int = 0
    tasks: int = 0
    notes: int = 0
    admin_id: int = 0
    manager_id: int = 0  # manager of team 1
    rep_id: int = 0  # a sales rep of team 1 (read scope: team)
    marketer_id: int = 0  # read scope: all
    team_ids: list[int] = field(default_factory=list)
    card_contact_id: int = 0  # the contact with exactly ``card_interactions`` interactions
    card_interactions: int = 0
    tag_common: str = "newsletter"
    tag_rare: str = "vip"
    city_common: str = "London"
    city_rare: str = "Reykjavik"
    contact_custom: list[str] = field(default_factory=lambda: [f[0] for f in CONTACT_CUSTOM_FIELDS])
    company_custom: list[str] = field(default_factory=lambda: [f[0] for f in COMPANY_CUSTOM_FIELDS])
    seconds: float = 0.0

    @classmethod
    def load(cls) -> Dataset | None:
        """The figures of data generated earlier into this database (None when there is none)."""
        from django.db.models import Count, Max

        from rapport.activities.models import InteractionLink, Note, Task
        from rapport.contacts.models import Company, Contact
        from rapport.users.models import Team, User

        card = Contact.objects.filter(external_id=CARD_EXTERNAL_ID).values_list("pk", flat=True).first()
        if card is None:
            return None
        users = dict(User.objects.filter(username__in=["bench-admin", "t01u00", "t01u01", "t01u13"]).values_list(
            "username", "pk"))  # fmt: skip
        from rapport.activities.models import Interaction

        return cls(
            contacts=Contact.objects.aggregate(n=Max("pk"))["n"] or 0,
            companies=Company.objects.aggregate(n=Max("pk"))["n"] or 0,
            interactions=Interaction.objects.aggregate(n=Max("pk"))["n"] or 0,
            tasks=Task.objects.aggregate(n=Max("pk"))["n"] or 0,
            notes=Note.objects.aggregate(n=Max("pk"))["n"] or 0,
            admin_id=users["bench-admin"],
            manager_id=users["t01u00"],
            rep_id=users["t01u01"],
            marketer_id=users["t01u13"],
            team_ids=list(Team.objects.filter(name__startswith="Team ").order_by("name").values_list("pk", flat=True)),
            card_contact_id=card,
            card_interactions=InteractionLink.objects.filter(contact_id=card).aggregate(n=Count("pk"))["n"],
        )

    def describe(self) -> str:
        d = asdict(self)
        return ", ".join(f"{k}={v:,}" if isinstance(v, int) else f"{k}={v}" for k, v in d.items() if k != "team_ids")


# --- loading -------------------------------------------------------------------------------------------------


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


def _default(f):
    """The stored value of a column left out of a load: its default, NULL, or the empty string."""
    from django.db import models

    if f.has_default():
        value = f.get_default()
        return json.dumps(value) if isinstance(f, models.JSONField) else value
    if f.null:
        return None
    if isinstance(f, models.CharField | models.TextField):
        return ""
    if isinstance(f, models.BooleanField):
        return False
    raise ValueError(f"{f.model.__name__}.{f.name} needs a value")


class Table:
    """A model's table loaded with ``columns`` given per row; the other columns get their default."""

    def __init__(self, model, columns: tuple[str, ...]):
        self.model = model
        self.name = model._meta.db_table
        fields = [f for f in model._meta.concrete_fields if f.column not in columns and not f.primary_key]
        self.columns = (*columns, *(f.column for f in fields))
        self.tail = tuple(_default(f) for f in fields)
        self.rows = 0

    def write(self, rows: list[tuple]) -> None:
        """Insert ``rows`` (tuples of the given columns) in the current transaction."""
        from django.db import connection

        if not rows:
            return
        tail = self.tail
        if tail:
            rows = [r + tail for r in rows]
        cols = ", ".join(f'"{c}"' for c in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f'COPY "{self.name}" ({cols}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f'INSERT INTO "{self.name}" ({cols}) VALUES ({marks})', rows)
        self.rows += len(rows)


class Batches:
    """Rows for several tables, written a transaction at a time every ``BATCH`` rows of the first table."""

    def __init__(self, *tables: Table, label: str, total: int, out=print):
        self.tables = tables
        self.buffers: list[list] = [[] for _ in tables]
        self.label, self.total, self.out = label, total, out
        self.started = time.perf_counter()
        self.done = 0
        self.next_report = max(total // 10, BATCH)

    def flush(self) -> None:
        from django.db import transaction

        with transaction.atomic():
            for table, buffer in zip(self.tables, self.buffers, strict=True):
                table.write(buffer)
        self.done += len(self.buffers[0])
        for buffer in self.buffers:
            buffer.clear()
        if self.done >= self.next_report and self.done < self.total:
            self.next_report += max(self.total // 10, BATCH)
            rate = self.done / (time.perf_counter() - self.started)
            self.out(f"    {self.label}: {self.done:,} / {self.total:,} ({rate / 1000:.0f}k/s)", flush=True)

    def maybe_flush(self) -> None:
        if len(self.buffers[0]) >= BATCH:
            self.flush()


def _secondary_indexes(tables: list[str]) -> list[tuple[str, str]]:
    from django.db import connection

    out = []
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                    [table],
                )
            else:
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s"
                    " AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                    [table],
                )
            out += cursor.fetchall()
    return out


BULK_MODELS = (
    "contacts.Company", "contacts.CompanyDomain", "contacts.CompanyTag", "contacts.Contact", "contacts.ContactEmail",
    "contacts.ContactPhone", "contacts.Address", "contacts.Membership", "contacts.ContactTag",
    "activities.Interaction", "activities.InteractionLink", "activities.Task", "activities.Note",
)  # fmt: skip


@contextmanager
def bulk_loading(out=print):
    """Load fast: secondary indexes dropped and built again afterwards, foreign keys unchecked, no journal on
    SQLite; then ``VACUUM ANALYZE`` on PostgreSQL (sampled ``ANALYZE`` on SQLite) and the id sequences moved past
    the ids given."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    models = [apps.get_model(m) for m in BULK_MODELS]
    tables = [m._meta.db_table for m in models]
    pg = connection.vendor == "postgresql"
    indexes = _secondary_indexes(tables)
    with connection.cursor() as cursor:
        for name, _ddl in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        if pg:
            with suppress(Exception):  # skips the foreign key triggers (superuser only); else they are checked
                cursor.execute("SET session_replication_role = replica")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            cursor.execute("PRAGMA journal_mode = OFF")
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA cache_size = -400000")
    try:
        yield
    finally:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            if pg:
                cursor.execute("SET session_replication_role = DEFAULT")
                cursor.execute("SET maintenance_work_mem = '512MB'")
            for _name, ddl in indexes:
                cursor.execute(ddl)
        out(f"  {len(indexes)} indexes built: {time.perf_counter() - started:.0f} s", flush=True)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            if pg:
                for statement in connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(statement)
                for table in tables:
                    cursor.execute(f'VACUUM ANALYZE "{table}"')
                out(f"  VACUUM ANALYZE: {time.perf_counter() - started:.0f} s", flush=True)
            else:  # back to the settings' journal
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
                cursor.execute("PRAGMA foreign_keys = ON")
        if not pg:
            from rapport.core import deferred_indexes

            deferred_indexes.analyze()
            out(f"  ANALYZE (sampled): {time.perf_counter() - started:.0f} s", flush=True)


def _next_id(model) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(n=Max("pk"))["n"] or 0) + 1


def _clock(moment: datetime) -> datetime:
    """``moment`` as the generators count from: naive UTC on SQLite, aware on PostgreSQL, so that ``str()`` of
    a datetime computed from it is its stored form (what Django writes: naive UTC text on SQLite)."""
    return moment.replace(tzinfo=None) if _vendor() == "sqlite" else moment


# --- people, custom fields, tags ----------------------------------------------------------------------------


@dataclass
class People:
    admin_id: int
    team_ids: list[int]
    users: list[tuple[int, int | None, str]]  # (id, team id, role key)
    owner_pool: list[tuple[int, int | None]]  # (owner id, team id), drawn in proportion of activity


def create_people(*, teams: int = 20, per_team: int = 15, seed: int = SEED, out=print) -> People:
    """An admin, and ``teams`` teams of ``per_team``: u00 the manager, u01-u10 sales reps, u11-u12 support
    agents, u13 a marketer, u14 read-only (more reps past 15). How many records people own follows a Pareto."""
    from rapport.users.models import Role, Team, User

    rng = random.Random(seed)
    roles = {r.key: r for r in Role.objects.all()}
    team_objs = Team.objects.bulk_create([Team(name=f"Team {i + 1:02d}") for i in range(teams)])
    users = [User(username="bench-admin", email="bench-admin@example.test", first_name="Ada", last_name="Admin",
                  role=roles["admin"], password=PASSWORD)]  # fmt: skip
    layout = {0: "manager", 11: "support_agent", 12: "support_agent", 13: "marketer", 14: "read_only"}
    for t, team in enumerate(team_objs):
        for i in range(per_team):
            users.append(
                User(
                    username=f"t{t + 1:02d}u{i:02d}",
                    email=f"t{t + 1:02d}u{i:02d}@example.test",
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    team=team,
                    role=roles[layout.get(i, "sales_rep")],
                    password=PASSWORD,
                )
            )
    users = User.objects.bulk_create(users)
    if not users[0].pk:  # backends that do not return ids
        users = list(User.objects.filter(username__in=[u.username for u in users]).order_by("pk"))
    by_name = {u.username: u for u in users}
    for t, team in enumerate(team_objs):
        team.managers.add(by_name[f"t{t + 1:02d}u00"])
    owners = []  # reps and managers own records; some people a lot more than others
    for u in users[1:]:
        role = u.role.key
        if role in ("sales_rep", "manager", "marketer"):
            weight = rng.paretovariate(1.5) * (0.5 if role != "sales_rep" else 1.0)
            owners.append(((u.pk, u.team_id), weight))
    out(f"  {len(users)} users in {teams} teams", flush=True)
    return People(
        admin_id=users[0].pk,
        team_ids=[t.pk for t in team_objs],
        users=[(u.pk, u.team_id, u.role.key) for u in users],
        owner_pool=_pool(rng, owners, 8192),
    )


def create_custom_fields() -> None:
    from rapport.contacts.models import CustomField

    for object_type, fields in (("contact", CONTACT_CUSTOM_FIELDS), ("company", COMPANY_CUSTOM_FIELDS)):
        for position, (key, label, field_type, choices) in enumerate(fields):
            CustomField.objects.create(
                object_type=object_type, key=key, label=label, field_type=field_type, choices=choices,
                position=position, currency="EUR" if field_type == "money" else "",
            )  # fmt: skip


def create_tags() -> dict[str, int]:
    from rapport.contacts.models import Tag

    colors = ("blue", "green", "red", "orange", "purple", "gray")
    tags = Tag.objects.bulk_create([Tag(name=name, color=colors[i % 6]) for i, (name, _w) in enumerate(TAGS)])
    if not tags[0].pk:
        tags = list(Tag.objects.all())
    return {t.name: t.pk for t in tags}


# --- companies ----------------------------------------------------------------------------------------------


def generate_companies(n: int, people: People, tags: dict[str, int], *, seed: int = SEED, out=print) -> list:
    """``n`` companies with 1-2 domains, an address, some tags and a hierarchy (about 10 % have a parent).
    Returns per company (index = id - first id) its id, for the contacts."""
    from rapport.contacts.models import Address, Company, CompanyDomain, CompanyTag
    from rapport.contacts.schema import completeness

    rng = random.Random(seed + 1)
    rand = rng.random
    ts = str
    first = _next_id(Company)
    company = Table(Company, (
        "id", "name", "legal_name", "domain", "industry", "size_band", "annual_revenue", "revenue_currency", "phone",
        "phone_display", "parent_id", "website", "linkedin", "owner_id", "team_id", "custom", "completeness",
        "created_by_id", "created_at", "updated_at",
    ))  # fmt: skip
    domains = Table(CompanyDomain, ("company_id", "domain", "is_primary"))
    addresses = Table(Address, (
        "company_id", "label", "street", "number", "postcode", "city", "region", "country", "is_primary",
    ))  # fmt: skip
    company_tags = Table(CompanyTag, ("company_id", "tag_id"))
    batches = Batches(company, domains, addresses, company_tags, label="companies", total=n, out=out)
    sizes = _pool(rng, SIZE_BANDS)
    cities = _pool(rng, CITIES)
    owners = people.owner_pool
    tag_ids = list(tags.values())
    start = _clock(END - timedelta(days=5 * 365))
    span = (_clock(END) - start).total_seconds() * 0.95
    for i in range(n):
        pk = first + i
        word = COMPANY_WORDS[i % len(COMPANY_WORDS)]
        suffix = COMPANY_SUFFIXES[(i // len(COMPANY_WORDS)) % len(COMPANY_SUFFIXES)]
        name = f"{word} {suffix}" if i < len(COMPANY_WORDS) * len(COMPANY_SUFFIXES) else f"{word} {suffix} {i}"
        slug = name.lower().replace(" ", "-")
        domain = f"{slug}.{TLDS[i % len(TLDS)]}"
        has_domain = rand() < 0.9
        owner_id, team_id = owners[int(rand() * len(owners))] if rand() < 0.97 else (None, None)
        industry = INDUSTRIES[int(rand() * len(INDUSTRIES))] if rand() < 0.85 else ""
        size = sizes[int(rand() * len(sizes))] if rand() < 0.8 else ""
        has_phone = rand() < 0.6
        phone = f"+3314{pk % 10_000_000:07d}"[:12] if has_phone else ""
        parent = first + int(rand() * i) if i > 10 and rand() < 0.1 else None
        created = start + timedelta(seconds=span * i / n + rand() * 3600)
        custom = {}
        if rand() < 0.6:
            custom["tier"] = ("Gold", "Silver", "Bronze")[int(rand() * 3)]
        if rand() < 0.4:
            custom["arr"] = round(rand() * 500_000, 2)
        city = cities[int(rand() * len(cities))] if rand() < 0.8 else None
        present = {"domain": has_domain, "industry": bool(industry), "size_band": bool(size), "phone": has_phone,
                   "website": has_domain, "address": city is not None, "owner": owner_id is not None}  # fmt: skip
        revenue = f"{int(rand() * 50_000_000)}.00" if rand() < 0.3 else None
        batches.buffers[0].append((
            pk, name, f"{name} {LEGAL_FORMS[i % len(LEGAL_FORMS)]}" if rand() < 0.5 else "",
            domain if has_domain else "", industry, size, revenue, "EUR" if revenue else "", phone,
            phone[:3] + " 1 " + phone[4:] if has_phone else "", parent,
            f"https://www.{domain}/" if has_domain else "",
            f"https://www.linkedin.com/company/{slug}" if rand() < 0.3 else "", owner_id, team_id, json.dumps(custom),
            completeness("company", present), owner_id, ts(created), ts(created + timedelta(days=rand() * 30)),
        ))  # fmt: skip
        if has_domain:
            batches.buffers[1].append((pk, domain, True))
            if rand() < 0.15:
                batches.buffers[1].append((pk, f"{slug}-{TLDS[(i + 1) % len(TLDS)].replace('.', '')}.com", False))
        if city is not None:
            batches.buffers[2].append((pk, "office", STREETS[i % len(STREETS)], str(1 + i % 200), city[1], city[0],
                                       city[2], city[3], True))  # fmt: skip
        if rand() < 0.3:
            batches.buffers[3].append((pk, tag_ids[int(rand() * len(tag_ids))]))
        batches.maybe_flush()
    batches.flush()
    return list(range(first, first + n))


# --- contacts -----------------------------------------------------------------------------------------------


@dataclass
class ContactIndex:
    """Per contact (index = id - first): its primary company id (0: none) and owner id (0: none)."""

    first: int
    company: array
    owner: array
    team: array
    card_contact_id: int


def generate_contacts(
    n: int, people: People, company_ids: list[int], tags: dict[str, int], *, seed: int = SEED, out=print
) -> ContactIndex:
    """``n`` contacts, each with its emails, phones, address, memberships and tags, as the services store them.

    About 85 % belong to a company (10 % of those to a second one too); 1-2 emails and 0-2 phones; an address
    for 80 %; 0-3 tags (some tags common, ``vip`` rare); values for the custom fields for most. The contact a
    third of the way down (external id ``bench-card``) is owned by the first sales rep of team 1 and works for
    a company: the contact of the card benchmark.
    """
    from rapport.contacts.models import Address, Contact, ContactEmail, ContactPhone, ContactTag, Membership
    from rapport.contacts.schema import completeness

    rng = random.Random(seed + 2)
    rand = rng.random
    ts = str
    first = _next_id(Contact)
    card_index = n // 3
    card_owner = next(u for u in people.users if u[2] == "sales_rep" and u[1] == people.team_ids[0])
    contact = Table(Contact, (
        "id", "prefix", "first_name", "middle_name", "last_name", "display_name", "email", "phone", "company_id",
        "job_title", "department", "birth_date", "language", "lifecycle_stage", "lifecycle_dates", "lead_source",
        "email_opt_in", "stance", "owner_id", "team_id", "external_id", "custom", "completeness", "linkedin",
        "created_by_id", "created_at", "updated_at",
    ))  # fmt: skip
    emails = Table(ContactEmail, ("contact_id", "email", "label", "is_primary"))
    phones = Table(ContactPhone, ("contact_id", "number", "display", "label", "is_primary"))
    addresses = Table(Address, (
        "contact_id", "label", "street", "number", "postcode", "city", "region", "country", "is_primary",
    ))  # fmt: skip
    memberships = Table(Membership, ("contact_id", "company_id", "role", "is_primary"))
    contact_tags = Table(ContactTag, ("contact_id", "tag_id"))
    batches = Batches(contact, emails, phones, addresses, memberships, contact_tags, label="contacts", total=n,
                      out=out)  # fmt: skip
    stages = _pool(rng, STAGES)
    stances = _pool(rng, STANCES)
    cities = _pool(rng, CITIES)
    owners = people.owner_pool
    tag_items = [(tags[name], w / 100) for name, w in TAGS]
    segments = CONTACT_CUSTOM_FIELDS[0][3]
    n_companies = len(company_ids)
    index = ContactIndex(first, array("l", bytes(8 * n)), array("l", bytes(8 * n)), array("l", bytes(8 * n)),
                         first + card_index)  # fmt: skip
    start = _clock(END - timedelta(days=5 * 365))
    span = (_clock(END) - start).total_seconds() * 0.97
    for i in range(n):
        pk = first + i
        card = i == card_index
        r = rand()
        first_name = FIRST_NAMES[int(rand() * len(FIRST_NAMES))] if r > 0.02 else ""
        last_name = LAST_NAMES[int(rand() * len(LAST_NAMES))] if r > 0.03 else ""
        middle = FIRST_NAMES[int(rand() * len(FIRST_NAMES))] if rand() < 0.05 else ""
        prefix = PREFIXES[int(rand() * len(PREFIXES))] if rand() < 0.03 else ""
        # Companies: people cluster in the first companies (a few large customers, many small ones).
        company = company_ids[int(n_companies * rand() ** 1.5)] if n_companies and (card or rand() < 0.85) else 0
        if card:
            owner_id, team_id = card_owner[0], card_owner[1]
        elif rand() < 0.97:
            owner_id, team_id = owners[int(rand() * len(owners))]
        else:
            owner_id, team_id = None, None
        index.company[i], index.owner[i], index.team[i] = company, owner_id or 0, team_id or 0
        local = f"{first_name}.{last_name}".lower().replace(" ", "").replace("'", "") if first_name else "contact"
        domain = "example.com" if not company else f"c{company}.example.net"
        email_rows = []
        if rand() < 0.95 or not (first_name or last_name):
            email_rows.append((pk, f"{local}.{pk}@{domain}", "work", True))
            if rand() < 0.25:
                email_rows.append((pk, f"{local}{pk % 97}@mail.example.org", "personal", False))
        phone_rows = []
        if rand() < 0.7:
            number = f"+336{pk % 100_000_000:08d}"
            phone_rows.append((pk, number, f"06 {number[4:6]} {number[6:8]} {number[8:10]} {number[10:12]}",
                               "mobile", True))  # fmt: skip
            if rand() < 0.2:
                number2 = f"+4930{pk % 10_000_000:07d}"[:13]
                phone_rows.append((pk, number2, number2, "work", False))
        email = email_rows[0][1] if email_rows else ""
        phone = phone_rows[0][1] if phone_rows else ""
        name = " ".join(p for p in (prefix, first_name, middle, last_name) if p) or email or "—"
        stage = stages[int(rand() * len(stages))]
        created = start + timedelta(seconds=span * i / n + rand() * 600)
        job = JOB_TITLES[int(rand() * len(JOB_TITLES))] if rand() < 0.7 else ""
        city = cities[int(rand() * len(cities))] if rand() < 0.8 else None
        custom = {}
        if rand() < 0.7:
            custom["segment"] = segments[int(rand() * 4)]
        if rand() < 0.6:
            custom["score"] = int(rand() * 101)
        if rand() < 0.3:
            custom["renewal_date"] = (END.date() + timedelta(days=int(rand() * 730) - 180)).isoformat()
        present = {"first_name": bool(first_name), "last_name": bool(last_name), "email": bool(email_rows),
                   "phone": bool(phone_rows), "company": bool(company), "job_title": bool(job),
                   "address": city is not None, "lifecycle_stage": bool(stage),
                   "owner": owner_id is not None}  # fmt: skip
        birth = date(1950, 1, 1) + timedelta(days=int(rand() * 18000)) if rand() < 0.2 else None
        batches.buffers[0].append((
            pk, prefix, first_name, middle, last_name, name, email, phone, company or None, job,
            DEPARTMENTS[int(rand() * len(DEPARTMENTS))] if job and rand() < 0.5 else "",
            birth.isoformat() if birth else None, LANGUAGES[int(rand() * len(LANGUAGES))] if rand() < 0.4 else "",
            stage, json.dumps({stage: created.date().isoformat()}) if stage else "{}",
            LEAD_SOURCES[int(rand() * len(LEAD_SOURCES))] if rand() < 0.6 else "", rand() < 0.4,
            stances[int(rand() * len(stances))], owner_id, team_id, CARD_EXTERNAL_ID if card else "",
            json.dumps(custom), completeness("contact", present),
            f"https://www.linkedin.com/in/{local}-{pk}" if rand() < 0.2 else "", owner_id, ts(created),
            ts(created + timedelta(days=rand() * 60)),
        ))  # fmt: skip
        batches.buffers[1].extend(email_rows)
        batches.buffers[2].extend(phone_rows)
        if city is not None:
            batches.buffers[3].append((pk, "home" if rand() < 0.3 else "work", STREETS[int(rand() * len(STREETS))],
                                       str(1 + int(rand() * 200)), city[1], city[0], city[2], city[3], True))  # fmt: skip
        if company:
            batches.buffers[4].append((pk, company, job, True))
            if rand() < 0.1 and n_companies > 1:
                other = company_ids[int(rand() * n_companies)]
                if other != company:
                    batches.buffers[4].append((pk, other, "Advisor", False))
        for tag_id, share in tag_items:
            if rand() < share:
                batches.buffers[5].append((pk, tag_id))
        batches.maybe_flush()
    batches.flush()
    return index


# --- interactions -------------------------------------------------------------------------------------------


def generate_interactions(
    m: int, contacts: ContactIndex, people: People, *, card_interactions: int = 10_000, years: int = 3,
    seed: int = SEED, out=print,
) -> int:  # fmt: skip
    """``m`` interactions over ``years`` years (ids growing with time, as when they are captured live), each
    linked to a contact and to the contact's primary company, with exactly ``card_interactions`` of them (or
    all, if fewer) on the card contact. How many a contact has is skewed (the oldest ones have the most)."""
    from rapport.activities.models import Interaction, InteractionLink

    rng = random.Random(seed + 3)
    rand = rng.random
    ts = str
    first = _next_id(Interaction)
    n = len(contacts.company)
    card = contacts.card_contact_id - contacts.first
    card_n = min(card_interactions, m)
    card_positions = set(rng.sample(range(m), card_n)) if card_n else set()
    interaction = Table(Interaction, (
        "id", "kind", "channel", "direction", "occurred_at", "subject", "body", "participants", "amount", "currency",
        "product", "source", "external_id", "data", "created_by_id", "created_at",
    ))  # fmt: skip
    links = Table(InteractionLink, ("interaction_id", "contact_id", "company_id", "occurred_at", "kind"))
    batches = Batches(interaction, links, label="interactions", total=m, out=out)
    kinds = _pool(rng, [(kind, channels, directions, w) for kind, w, channels, directions in INTERACTION_KINDS])
    start = _clock(END - timedelta(days=365 * years))
    step = (_clock(END) - start).total_seconds() / max(m, 1)
    bodies = [""] * 7 + list(SENTENCES)
    company_arr, owner_arr = contacts.company, contacts.owner
    for i in range(m):
        if i in card_positions:
            c = card
        else:
            c = int(n * rand() ** 1.6)
            if c == card:
                c = card + 1 if card + 1 < n else card - 1
        kind, channels, directions = kinds[int(rand() * len(kinds))]
        occurred = start + timedelta(seconds=step * i + rand() * step * 0.9)
        at = ts(occurred)
        subjects = SUBJECTS[kind]
        owner = owner_arr[c] or None
        amount = f"{int(rand() * 2000) + 50}.00" if kind == "purchase" else None
        pk = first + i
        batches.buffers[0].append((
            pk, kind, channels[int(rand() * len(channels))], directions[int(rand() * len(directions))], at,
            subjects[int(rand() * len(subjects))], bodies[int(rand() * len(bodies))], "[]", amount,
            "EUR" if amount else "", PRODUCTS[int(rand() * len(PRODUCTS))] if amount else "",
            "" if kind not in ("web_visit", "form") else "website", "", "{}",
            owner if kind not in ("web_visit", "form", "purchase", "system") else None, at,
        ))  # fmt: skip
        buf = batches.buffers[1]
        buf.append((pk, contacts.first + c, None, at, kind))
        company = company_arr[c]
        if company:
            buf.append((pk, None, company, at, kind))
        batches.maybe_flush()
    batches.flush()
    return m


# --- tasks and notes ----------------------------------------------------------------------------------------


def generate_tasks(
    n: int, contacts: ContactIndex, *, card_tasks: int = 25, seed: int = SEED, out=print
) -> int:  # fmt: skip
    """``n`` tasks on contacts (a fifth also on the contact's company), assigned to the contact's owner; about
    40 % open. ``card_tasks`` of them on the card contact."""
    from rapport.activities.models import Task

    rng = random.Random(seed + 4)
    rand = rng.random
    ts = str
    table = Table(Task, (
        "title", "description", "due_at", "priority", "status", "assignee_id", "team_id", "remind_at",
        "reminded_at", "contact_id", "company_id", "completed_at", "created_by_id", "created_at", "updated_at",
    ))  # fmt: skip
    batches = Batches(table, label="tasks", total=n, out=out)
    priorities = _pool(rng, (("low", 20), ("normal", 60), ("high", 15), ("urgent", 5)))
    statuses = _pool(rng, (("open", 32), ("in_progress", 8), ("done", 55), ("cancelled", 5)))
    size = len(contacts.company)
    card = contacts.card_contact_id - contacts.first
    start = _clock(END - timedelta(days=730))
    for i in range(n):
        c = card if i < card_tasks else int(size * rand())
        created = start + timedelta(seconds=rand() * 730 * 86400)
        due = created + timedelta(days=int(rand() * 60) - 5, hours=9)
        status = statuses[int(rand() * len(statuses))]
        done = status in ("done", "cancelled")
        owner = contacts.owner[c] or None
        remind = due - timedelta(hours=1) if rand() < 0.3 else None
        batches.buffers[0].append((
            TASK_TITLES[int(rand() * len(TASK_TITLES))], SENTENCES[int(rand() * len(SENTENCES))] if rand() < 0.3 else "",
            ts(due) if rand() < 0.9 else None, priorities[int(rand() * len(priorities))], status, owner,
            contacts.team[c] or None, ts(remind) if remind else None, ts(remind) if remind and done else None,
            contacts.first + c, (contacts.company[c] or None) if rand() < 0.2 else None,
            ts(due) if done else None, owner, ts(created), ts(created),
        ))  # fmt: skip
        batches.maybe_flush()
    batches.flush()
    return n


def generate_notes(n: int, contacts: ContactIndex, *, card_notes: int = 40, seed: int = SEED, out=print) -> int:
    """``n`` notes on contacts (one in ten on the contact's company instead), a few pinned."""
    from rapport.activities.models import Note

    rng = random.Random(seed + 5)
    rand = rng.random
    ts = str
    table = Table(Note, ("body", "contact_id", "company_id", "pinned", "author_id", "created_at", "updated_at"))
    batches = Batches(table, label="notes", total=n, out=out)
    size = len(contacts.company)
    card = contacts.card_contact_id - contacts.first
    start = _clock(END - timedelta(days=3 * 365))
    for i in range(n):
        c = card if i < card_notes else int(size * rand())
        company = contacts.company[c]
        on_company = company and i >= card_notes and rand() < 0.1
        created = start + timedelta(seconds=rand() * 3 * 365 * 86400)
        body = " ".join(SENTENCES[int(rand() * len(SENTENCES))] for _ in range(1 + int(rand() * 3)))
        batches.buffers[0].append((
            body, None if on_company else contacts.first + c, company if on_company else None, rand() < 0.03,
            contacts.owner[c] or None, ts(created), ts(created),
        ))  # fmt: skip
        batches.maybe_flush()
    batches.flush()
    return n


# --- everything ---------------------------------------------------------------------------------------------


def generate(
    *,
    contacts: int = 1_000_000,
    companies: int | None = None,
    interactions: int = 10_000_000,
    card_interactions: int = 10_000,
    tasks: int | None = None,
    notes: int | None = None,
    teams: int = 20,
    per_team: int = 15,
    seed: int = SEED,
    out=print,
) -> Dataset:
    """Generate a whole data set into the (freshly migrated, empty) database. Defaults: a company per 20
    contacts, a task and a note per 4 contacts."""
    companies = max(1, contacts // 20) if companies is None else companies
    tasks = contacts // 4 if tasks is None else tasks
    notes = contacts // 4 if notes is None else notes
    started = time.perf_counter()

    def timed(label, fn, *args, count=None, **kwargs):
        t0 = time.perf_counter()
        result = fn(*args, **kwargs)
        seconds = time.perf_counter() - t0
        rate = f", {count / seconds / 1000:.0f}k/s" if count else ""
        out(f"  {label}: {seconds:.1f} s{rate}", flush=True)
        return result

    out(f"Generating {contacts:,} contacts, {companies:,} companies, {interactions:,} interactions, {tasks:,} tasks, "
        f"{notes:,} notes (seed {seed}) on {_vendor()}", flush=True)  # fmt: skip
    people = timed("users and teams", create_people, teams=teams, per_team=per_team, seed=seed, out=out)
    create_custom_fields()
    tags = create_tags()
    with bulk_loading(out=out):
        company_ids = timed(f"{companies:,} companies", generate_companies, companies, people, tags, seed=seed,
                            out=out, count=companies)  # fmt: skip
        index = timed(f"{contacts:,} contacts", generate_contacts, contacts, people, company_ids, tags, seed=seed,
                      out=out, count=contacts)  # fmt: skip
        timed(f"{interactions:,} interactions", generate_interactions, interactions, index, people,
              card_interactions=card_interactions, seed=seed, out=out, count=interactions)  # fmt: skip
        timed(f"{tasks:,} tasks", generate_tasks, tasks, index, seed=seed, out=out, count=tasks)
        timed(f"{notes:,} notes", generate_notes, notes, index, seed=seed, out=out, count=notes)
    data = Dataset.load() or Dataset()  # (no contacts: nothing to find)
    data.seconds = time.perf_counter() - started
    out(f"Generated in {data.seconds:.0f} s", flush=True)
    return data
