"""Benchmark: the data hub's lists and the contact card at 1,000,000 contacts and 10,000,000 interactions.

Targets (issue 3): p95 under 100 ms for a filtered list page, under 200 ms for a contact card with 10,000
interactions (two cores).

Generates the data with ``bench/datagen.py`` (users in teams, companies, contacts with their emails, phones,
addresses, memberships, tags and custom values, interactions linked to contacts and companies, tasks, notes),
then measures, as an admin (read scope: all) and as a sales rep (read scope: team):

(a) the contact list through the selectors, as the list page and the API use them:
    ``contact_list`` + ``LIST_SPECS['contact'].with_custom()`` ``.prepare()`` with the default columns and
    ``.page()``, the rows and every cell value materialised; first page and a deep page (a keyset cursor 90 %
    of the way down): no filter, owner=me, lifecycle stage, tag (common and rare), city (common and rare),
    custom fields, sorted by name, created and a custom field;
(b) the same through the pages (``GET /contacts/?...`` signed in), when the page exists;
(c) the contact card of the contact with 10,000 interactions: ``contact_get`` + ``timeline`` (first page and
    a deep page) + ``tasks_for`` + ``notes_for``, and ``GET /contacts/<pk>/`` when the page exists;
(d) the company list, likewise (selectors, then pages).

Run: .venv/bin/python bench/bench_lists.py   (see bench/_common.py and bench/README.md for the variables)

  BENCH_CONTACTS        contacts (default 1,000,000; companies: one per 20 contacts, tasks and notes: one per 4)
  BENCH_INTERACTIONS    interactions (default 10,000,000; 10,000 of them on the card contact)
  BENCH_DATA_DIR        keep the generated databases and reuse them on the next run: the SQLite file under
                        this directory, the PostgreSQL database ``<BENCH_DATABASE_URL name>_lists_<size>``
                        (kept too). Without it, each pass generates into a scratch database, dropped afterwards.
  BENCH_GENERATE_ONLY=1 generate (or check) the kept data and stop
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common
import datagen

CONTACTS = int(os.environ.get("BENCH_CONTACTS", "1000000"))
INTERACTIONS = int(os.environ.get("BENCH_INTERACTIONS", "10000000"))
DATA_DIR = os.environ.get("BENCH_DATA_DIR", "")
LIST_TARGET_MS = 100.0
CARD_TARGET_MS = 200.0
CONTACT_TABLES = ("contacts_contact", "contacts_address", "contacts_contacttag", "contacts_membership")
COMPANY_TABLES = ("contacts_company", "contacts_address", "contacts_companytag")
CARD_TABLES = ("activities_interactionlink", "activities_interaction", "activities_task", "activities_note")
SIZE = f"{CONTACTS // 1000}k_{INTERACTIONS // 1000}k"


# --- databases: scratch (as every benchmark) or kept for the next run -------------------------------------


def _kept_pg_url() -> str:
    parts = urlsplit(os.environ["BENCH_DATABASE_URL"])
    name = f"{parts.path.lstrip('/') or 'rapport_bench'}_lists_{SIZE}"
    if "bench" not in name:
        raise SystemExit("BENCH_DATABASE_URL must name a scratch database containing 'bench'.")
    return urlunsplit(parts._replace(path="/" + name))


def _marker(backend: str) -> Path:
    return Path(DATA_DIR) / f"lists_{SIZE}.{backend}.json"


def _setup_kept(backend: str) -> bool:
    """Point Rapport at the kept database of this size (created when missing). True when its data is complete."""
    import psycopg

    marker = _marker(backend)
    complete = marker.exists()
    var_dir = Path(DATA_DIR) / f"lists_{SIZE}"
    if backend == "postgresql":
        url = _kept_pg_url()
        parts = urlsplit(url)
        name = parts.path.lstrip("/")
        with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists and not complete:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            if not (exists and complete):
                conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = url
        var_dir = var_dir.with_name(var_dir.name + "_pg")
    else:
        os.environ.pop("DATABASE_URL", None)
        if not complete:
            for suffix in ("", "-wal", "-shm"):
                (var_dir / f"rapport.sqlite3{suffix}").unlink(missing_ok=True)
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="rapport.settings", RAPPORT_VAR_DIR=str(var_dir), LOG_LEVEL="WARNING",
        DEBUG="false", TASKS_BACKEND="immediate",
    )  # fmt: skip
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings

    override_settings(
        ALLOWED_HOSTS=["*"],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        WHITENOISE_USE_FINDERS=True,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ).enable()
    (var_dir / "static").mkdir(exist_ok=True)
    try:
        call_command("migrate", verbosity=0, interactive=False)
    except Exception as exc:  # a checkout in the middle of a change: measure what is there
        if not complete:
            raise
        print(f"(migrate failed, measuring the kept database as it is: {exc})")
    return complete


def _kept_pass(backend: str) -> int:
    started = time.perf_counter()
    complete = _setup_kept(backend)
    from django.db import connection

    print(f"\n### bench_lists on {connection.vendor} {_common._server_version()} "
          f"(load average {os.getloadavg()[0]:.1f}; data kept in {DATA_DIR})")  # fmt: skip
    if complete:
        data = datagen.Dataset(**json.loads(_marker(backend).read_text()))
        print(f"Reusing the data generated in {data.seconds:.0f} s: {data.contacts:,} contacts, "
              f"{data.interactions:,} interactions")  # fmt: skip
    else:
        data = generate()
        _marker(backend).write_text(json.dumps(data.__dict__))
    if os.environ.get("BENCH_GENERATE_ONLY") != "1":
        measure(backend, data)
    connection.close()
    print(f"(bench_lists on {backend}: {time.perf_counter() - started:.0f} s in all; "
          f"load average {os.getloadavg()[0]:.1f})")  # fmt: skip
    return 0


def main() -> int:
    if not DATA_DIR:
        return _common.main("bench_lists", run)
    backend = os.environ.get("BENCH_BACKEND")
    if backend:
        return _kept_pass(backend)
    only = os.environ.get("BENCH_ONLY", "")
    status = 0
    for b in ("sqlite", "postgresql"):
        if only in ("", b):
            if b == "postgresql" and not os.environ.get("BENCH_DATABASE_URL"):
                print(
                    "(PostgreSQL pass skipped: set BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench)"
                )
                continue
            status |= subprocess.call([sys.executable, sys.argv[0]], env={**os.environ, "BENCH_BACKEND": b})
    return status


# --- data ----------------------------------------------------------------------------------------------


def generate() -> datagen.Dataset:
    import shutil

    free = shutil.disk_usage(DATA_DIR or "/tmp").free / 1e9
    need = 1.0 + INTERACTIONS / 1e6 * 0.8 + CONTACTS / 1e6 * 2.5  # GB, measured roughly (PostgreSQL a bit more)
    print(f"(disk: {free:.0f} GB free, about {need:.0f} GB needed)")
    if free < need * 1.2:
        raise SystemExit(f"Not enough disk for {CONTACTS:,} contacts and {INTERACTIONS:,} interactions.")
    data = datagen.generate(contacts=CONTACTS, interactions=INTERACTIONS)
    print(f"  ({CONTACTS + INTERACTIONS:,} contacts and interactions in {data.seconds:.0f} s)")
    return data


def run(backend: str) -> None:
    data = generate()
    if os.environ.get("BENCH_GENERATE_ONLY") != "1":
        measure(backend, data)


# --- measuring calls of selectors (the page and API code without HTTP) ---------------------------------------


class Calls(_common.Bench):
    """Times a callable like ``Bench.request`` times a request: one call recording the queries, then timed calls;
    the plan of the main list query (the one on ``main_table`` with ORDER BY and LIMIT) and of any query that
    reads a big table without an index."""

    def call(self, label: str, fn, *, main_table: str, target: float) -> dict:
        from django.db import connection

        recorded = []

        def record(execute, sql, params, many, context):
            recorded.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            fn()
        timings = []
        deadline = time.perf_counter() + _common.BUDGET
        while len(timings) < _common.REPEAT and (len(timings) < 3 or time.perf_counter() < deadline):
            started = time.perf_counter()
            fn()
            timings.append((time.perf_counter() - started) * 1000)
        return self._row(label, recorded, timings, main_table=main_table, target=target, size=None)

    def request(self, label, client, url, headers=None, *, main_table, target: float = LIST_TARGET_MS):
        """``GET url``, measured like ``call`` (a page answering other than 200 stops the benchmark)."""

        def get():
            response = client.get(url, headers=headers or {})
            if response.status_code != 200:
                raise SystemExit(f"{label}: GET {url} answered {response.status_code}")
            return response

        return self.call(label, get, main_table=main_table, target=target)

    def _row(self, label, recorded, timings, *, main_table, target, size):
        # The last such query: on a deep page the first one reads the cursor's row back (LIMIT 1).
        main = next(
            ((q, p) for q, p in reversed(recorded) if f'FROM "{main_table}"' in q and "ORDER BY" in q and "LIMIT" in q),
            None,
        )
        flags, plan, others = set(), [], []
        for sql, params in recorded:
            if not any(f'"{t}"' in sql for t in self.big_tables):
                continue
            lines = _common.explain(sql, params)
            if (sql, params) == main:
                plan = lines
                flags |= _common.plan_flags(lines, self.big_tables)
            elif "FULL-SCAN" in _common.plan_flags(lines, self.big_tables):
                flags.add("FULL-SCAN")
                others.append((sql[:160] + ("..." if len(sql) > 160 else ""), lines))
        row = {
            "label": label,
            "median": statistics.median(timings),
            "p95": _common.percentile(timings, 95),
            "n": len(timings),
            "queries": len(recorded),
            "kb": 0.0,
            "flags": sorted(flags),
            "target": target,
        }
        if row["p95"] > target:
            row["flags"].append("OVER-TARGET")
        self.rows.append(row)
        self.plans.append((label, plan, sorted(flags), others))
        return row

    def print_table(self, title: str) -> None:
        print(f"\n{title} (load average {os.getloadavg()[0]:.1f})")
        width = max(len(r["label"]) for r in self.rows)
        print(f"{'request':<{width}}  {'median ms':>9}  {'p95 ms':>7}  {'target':>6}  {'n':>3}  {'queries':>7}  flags")
        for r in self.rows:
            ok = "ok" if r["p95"] <= r.get("target", LIST_TARGET_MS) else "OVER"
            print(
                f"{r['label']:<{width}}  {r['median']:>9.1f}  {r['p95']:>7.1f}  {r.get('target', 0):>6.0f}  "
                f"{r['n']:>3}  {r['queries']:>7}  {ok} {' '.join(f for f in r['flags'] if f != 'OVER-TARGET')}"
            )
        over = [r for r in self.rows if r["p95"] > r.get("target", LIST_TARGET_MS)]
        print(f"{len(self.rows) - len(over)} of {len(self.rows)} within target (p95)")


def _deep_cursor(spec, queryset, ordering: str, fraction: float = 0.9) -> str | None:
    """A keyset cursor ``fraction`` of the way down ``queryset`` in ``ordering``, as ``ListSpec.page`` encodes it
    after following ``next`` that many times: the id of the row, in the page order (the rows with a filled sort
    key in that order, then the empty ones by id)."""
    from rapport.core.pagination import encode_cursor

    field, descending = spec.ordering_of(ordering)
    qs, keys, filled, empty = spec.sort_key(queryset.order_by(), field)
    sign = "-" if descending else ""
    filled_qs = qs if filled is None else qs.filter(filled)
    n_filled = filled_qs.count()
    total = n_filled + (qs.filter(empty).count() if empty is not None else 0)
    if total < 200:
        return None
    position = int(total * fraction)
    if position < n_filled:
        pk = filled_qs.order_by(*[sign + k for k in [*keys, "pk"]]).values_list("pk", flat=True)[position]
    else:
        empty_order = [sign + k for k in spec.empty_order(field)]
        pk = qs.filter(empty).order_by(*empty_order).values_list("pk", flat=True)[position - n_filled]
    return encode_cursor(("-" if descending else "") + field.key, [pk])


def measure(backend: str, data: datagen.Dataset) -> None:
    from django.db import connection, reset_queries
    from django.test import Client

    from rapport.activities import selectors as activities
    from rapport.contacts import selectors
    from rapport.contacts.selectors import LIST_SPECS
    from rapport.contacts.selectors.lists import PAGE_SIZE as PAGE
    from rapport.users.models import User

    reset_queries()
    # The sort index of each custom field, as creating the field makes it (datagen writes the fields directly).
    from rapport.contacts.models import CustomField
    from rapport.contacts.selectors import lists

    if hasattr(lists, "ensure_custom_sort_index"):
        for cf in CustomField.objects.all():
            lists.ensure_custom_sort_index(cf)
    admin = User.objects.get(pk=data.admin_id)
    rep = User.objects.get(pk=data.rep_id)
    viewers = {"admin": admin, "rep": rep}
    print(f"Data: {data.contacts:,} contacts, {data.companies:,} companies, {data.interactions:,} interactions; "
          f"card contact #{data.card_contact_id} with {data.card_interactions:,}; the rep (team scope) sees "
          f"{selectors.contact_queryset(actor=rep).count():,} contacts")  # fmt: skip

    contact_cases = [  # (who, label, filters, ordering)
        ("admin", "no filter", {}, "display_name"),
        ("rep", "no filter (team scope)", {}, "display_name"),
        ("rep", "owner=me", {"owner": "me"}, "display_name"),
        ("admin", "stage=customer", {"lifecycle_stage": "customer"}, "display_name"),
        ("admin", "stage=evangelist (2 %)", {"lifecycle_stage": "evangelist"}, "display_name"),
        ("rep", "stage=customer", {"lifecycle_stage": "customer"}, "display_name"),
        ("admin", f"tag={data.tag_common} (30 %)", {"tags": data.tag_common}, "display_name"),
        ("admin", f"tag={data.tag_rare} (0.3 %)", {"tags": data.tag_rare}, "display_name"),
        ("rep", f"tag={data.tag_common}", {"tags": data.tag_common}, "display_name"),
        ("admin", f"city={data.city_common.lower()}", {"city": data.city_common.lower()}, "display_name"),
        ("admin", f"city={data.city_rare.lower()} (rare)", {"city": data.city_rare.lower()}, "display_name"),
        ("admin", "cf.segment=Enterprise", {"cf.segment": "Enterprise"}, "display_name"),
        ("admin", "cf.score>=95", {"cf.score__gte": "95"}, "display_name"),
        ("admin", "sort -created_at", {}, "-created_at"),
        ("rep", "sort -created_at", {}, "-created_at"),
        ("admin", "sort cf.score", {}, "cf.score"),
        ("admin", "sort -cf.score", {}, "-cf.score"),
        ("admin", "stage=lead sort -created_at", {"lifecycle_stage": "lead"}, "-created_at"),
        ("admin", "sort last_name", {}, "last_name"),
        ("admin", "sort company", {}, "company"),
        ("admin", "sort owner", {}, "owner"),
    ]
    company_cases = [
        ("admin", "no filter", {}, "name"),
        ("rep", "no filter (team scope)", {}, "name"),
        ("rep", "owner=me", {"owner": "me"}, "name"),
        ("admin", "industry=software", {"industry": "software"}, "name"),
        ("admin", "size_band=5001+", {"size_band": "5001+"}, "name"),
        ("admin", f"tag={data.tag_common}", {"tags": data.tag_common}, "name"),
        ("admin", f"city={data.city_common.lower()}", {"city": data.city_common.lower()}, "name"),
        ("admin", "cf.tier=Gold", {"cf.tier": "Gold"}, "name"),
        ("admin", "sort -created_at", {}, "-created_at"),
        ("admin", "sort -cf.arr", {}, "-cf.arr"),
    ]

    def list_call(object_type, user, filters, ordering, cursor):
        spec = LIST_SPECS[object_type].with_custom()
        list_fn = selectors.contact_list if object_type == "contact" else selectors.company_list
        columns = spec.columns(None)
        qs = spec.prepare(list_fn(actor=user, filters=filters, spec=spec), columns)
        rows, next_cursor = spec.page(qs, ordering=ordering, cursor=cursor)
        cells = [[c.cell(r) for c in columns] for r in rows]
        return cells, next_cursor

    def measure_lists(object_type, cases, main_table, big_tables):
        bench = Calls(big_tables=big_tables)
        spec = LIST_SPECS[object_type].with_custom()
        list_fn = selectors.contact_list if object_type == "contact" else selectors.company_list
        page_cases = []
        for who, label, filters, ordering in cases:
            user = viewers[who]
            t0 = time.perf_counter()
            deep = _deep_cursor(spec, list_fn(actor=user, filters=filters, spec=spec), ordering)
            setup = time.perf_counter() - t0
            for depth, cursor in (("first", None), ("deep", deep)):
                if depth == "deep" and cursor is None:
                    continue
                row = bench.call(
                    f"{who:<5} {label:<32} {depth:<5}",
                    lambda u=user, f=filters, o=ordering, c=cursor: list_call(object_type, u, f, o, c),
                    main_table=main_table,
                    target=LIST_TARGET_MS,
                )
                page_cases.append((who, label, filters, ordering, depth, cursor))
                if row["p95"] > 10 * LIST_TARGET_MS:
                    print(f"  (slow: {label} {depth}: {row['p95']:.0f} ms)", flush=True)
            if setup > 5:
                print(f"  (finding the deep cursor of {label}: {setup:.0f} s)", flush=True)
        bench.print_table(
            f"(a/d) {object_type} list through the selectors, {PAGE} rows with the default columns ({backend})"
        )
        bench.print_plans()
        return page_cases

    contact_pages = measure_lists("contact", contact_cases, "contacts_contact", CONTACT_TABLES)
    company_pages = measure_lists("company", company_cases, "contacts_company", COMPANY_TABLES)

    # (c) the card
    bench = Calls(big_tables=CARD_TABLES + CONTACT_TABLES)
    card_id = data.card_contact_id

    def card(user, cursor=None):
        contact = selectors.contact_get(actor=user, pk=card_id)
        items, next_cursor = activities.timeline(actor=user, contact=contact, cursor=cursor)
        tasks = list(activities.tasks_for(actor=user, contact=contact))
        notes = list(activities.notes_for(actor=user, contact=contact))
        memberships = [(m.company.name, m.role) for m in contact.memberships.all()]
        return contact, items, tasks, notes, memberships, next_cursor

    contact = selectors.contact_get(actor=admin, pk=card_id)
    cursor = None
    pages = 0
    while pages < int(data.card_interactions * 0.9 / activities.TIMELINE_PAGE):  # follow "next" 90 % of the way
        _items, cursor = activities.timeline(actor=admin, contact=contact, cursor=cursor)
        pages += 1
        if cursor is None:
            break
    deep_timeline = cursor
    for who in ("rep", "admin"):
        bench.call(f"{who:<5} card: contact + timeline + tasks + notes", lambda u=viewers[who]: card(u),
                   main_table="activities_interactionlink", target=CARD_TARGET_MS)  # fmt: skip
    if deep_timeline:
        bench.call(f"admin card, timeline page {pages + 1} (deep)", lambda: card(admin, deep_timeline),
                   main_table="activities_interactionlink", target=CARD_TARGET_MS)  # fmt: skip
    bench.call("admin timeline only, kinds=email,call",
               lambda: activities.timeline(actor=admin, contact=contact, kinds=("email", "call")),
               main_table="activities_interactionlink", target=CARD_TARGET_MS)  # fmt: skip
    company_id = contact.company_id
    if company_id:
        from rapport.contacts.models import Company

        company = Company.objects.get(pk=company_id)
        bench.call(f"admin company #{company_id} timeline", lambda: activities.timeline(actor=admin, company=company),
                   main_table="activities_interactionlink", target=CARD_TARGET_MS)  # fmt: skip
    bench.print_table(f"(c) contact card, {data.card_interactions:,} interactions, through the selectors ({backend})")
    bench.print_plans()

    # (b) and the pages of (c) and (d), through the test client, when they exist
    pages_bench = Calls(big_tables=CONTACT_TABLES + COMPANY_TABLES + CARD_TABLES)
    count_bench = Calls(big_tables=CONTACT_TABLES)
    clients = {}
    for who, user in viewers.items():
        clients[who] = Client()
        clients[who].force_login(user)
    probe = clients["admin"].get("/contacts/")
    if probe.status_code != 200:
        print(f"\n(b) GET /contacts/ answered {probe.status_code}: the list page is not there yet, skipped.")
    else:
        for who, label, filters, ordering, depth, cursor in contact_pages:
            url = "/contacts/?" + urlencode(_page_params(filters, ordering, cursor))
            _page_request(pages_bench, f"{who:<5} {label:<32} {depth:<5}", clients[who], url, "contacts_contact")
        for who, label, filters, ordering, depth, _cursor in contact_pages:  # the count, asked for after the page
            if depth == "first" and ordering == "display_name":
                url = "/contacts/?" + urlencode({**_page_params(filters, ordering, None), "_count": "1"})
                _page_request(count_bench, f"{who:<5} {label:<32} count", clients[who], url, "contacts_contact")
    probe = clients["admin"].get(f"/contacts/{card_id}/")
    if probe.status_code != 200:
        print(f"(c) GET /contacts/{card_id}/ answered {probe.status_code}: the card page is not there yet, skipped.")
    else:
        panels = [f"/activities/contact/{card_id}/{p}/" for p in ("timeline", "notes", "tasks")]
        for who in ("rep", "admin"):
            _page_request(pages_bench, f"{who:<5} card page /contacts/{card_id}/", clients[who],
                          f"/contacts/{card_id}/", "contacts_contact", target=CARD_TARGET_MS)  # fmt: skip
            for url in panels:  # the card loads them with htmx
                _page_request(pages_bench, f"{who:<5}   panel {url}", clients[who], url, "activities_interactionlink",
                              target=CARD_TARGET_MS)  # fmt: skip

            def whole_card(client=clients[who]):
                for url in [f"/contacts/{card_id}/", *panels]:
                    if client.get(url).status_code != 200:
                        raise SystemExit(f"GET {url} failed")

            try:
                pages_bench.call(f"{who:<5} card page + its 3 panels, one after another", whole_card,
                                 main_table="activities_interactionlink", target=CARD_TARGET_MS)  # fmt: skip
            except SystemExit as exc:
                print(f"  ({exc})")
    probe = clients["admin"].get("/companies/")
    if probe.status_code != 200:
        print(f"(d) GET /companies/ answered {probe.status_code}: the company list page is not there yet, skipped.")
    else:
        for who, label, filters, ordering, depth, cursor in company_pages:
            url = "/companies/?" + urlencode(_page_params(filters, ordering, cursor))
            _page_request(pages_bench, f"{who:<5} companies {label:<22} {depth:<5}", clients[who], url,
                          "contacts_company")  # fmt: skip
    if pages_bench.rows:
        pages_bench.print_table(f"(b) pages through the test client, signed in ({backend})")
        pages_bench.print_plans()
    if count_bench.rows:
        count_bench.print_table(f"(b2) the capped count the list page asks for once shown, ?_count=1 ({backend})")
    connection.close()


def _page_params(filters: dict, ordering: str, cursor: str | None) -> dict:
    params = {**filters, "ordering": ordering}
    if cursor:
        params["cursor"] = cursor
    return params


def _page_request(bench: Calls, label, client, url, main_table, target=LIST_TARGET_MS):
    try:
        bench.request(label, client, url, main_table=main_table, target=target)
    except SystemExit as exc:  # a page answering other than 200: reported, the rest goes on
        print(f"  ({exc})")


if __name__ == "__main__":
    sys.exit(main())
