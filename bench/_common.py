"""Shared machinery of the benchmarks: a scratch database, Django set-up, timing, query plans, the table.

Not a benchmark itself (``make bench`` runs ``bench/bench_*.py`` only). Each benchmark calls ``main(name, run)``:
a SQLite pass in a fresh file under a temporary directory, then, when ``BENCH_DATABASE_URL`` is set, the same
run again in a subprocess on PostgreSQL, in a database created for it and dropped afterwards.

Environment:
  BENCH_DATABASE_URL  postgres://user@host:port/rapport_bench : also run on PostgreSQL (the database name must
                      contain "bench"; it is dropped and created again, then dropped at the end)
  BENCH_ONLY          sqlite | postgresql : run one pass only
  BENCH_REPEAT        repetitions per measured request (default 15; fewer for slow requests, see BENCH_BUDGET)
  BENCH_BUDGET        seconds of measuring per request at most (default 1.5; at least 3 calls are timed)
  BENCH_KEEP=1        keep the SQLite scratch directory (its path is printed)
  BENCH_SQL=1         print the query plan of every request (default: each distinct plan once)
  BENCH_SLOW_MS       the median above which a request is flagged SLOW (default 100)
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))
BUDGET = float(os.environ.get("BENCH_BUDGET", "1.5"))
SLOW_MS = float(os.environ.get("BENCH_SLOW_MS", "100"))  # a request slower than this (median) is flagged

_scratch: Path | None = None


# --- set-up ------------------------------------------------------------------------------------------


def _pg_admin(url: str):
    """A connection to the server's maintenance database, and the bench database's name."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "rapport_bench"
    if "bench" not in name:
        raise SystemExit(f"BENCH_DATABASE_URL must name a scratch database containing 'bench', not {name!r}.")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    return psycopg.connect(admin_url, autocommit=True), name, urlunsplit(parts._replace(path="/" + name))


def _pg_recreate(url: str) -> str:
    conn, name, db_url = _pg_admin(url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return db_url


def _pg_drop(url: str) -> None:
    conn, name, _ = _pg_admin(url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(name: str, backend: str) -> None:
    """Point Rapport at a fresh scratch database, set Django up and migrate."""
    global _scratch
    _scratch = Path(tempfile.mkdtemp(prefix=f"rapport-{name}-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "rapport.settings"
    os.environ["RAPPORT_VAR_DIR"] = str(_scratch)
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DEBUG"] = "false"
    os.environ.pop("REDIS_URL", None)
    os.environ["TASKS_BACKEND"] = "immediate"
    if backend == "postgresql":
        os.environ["DATABASE_URL"] = _pg_recreate(os.environ["BENCH_DATABASE_URL"])
    else:
        os.environ.pop("DATABASE_URL", None)

    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings

    override_settings(
        # The test client's host, and static files without collectstatic (as in the tests).
        ALLOWED_HOSTS=["*"],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        WHITENOISE_USE_FINDERS=True,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ).enable()
    (_scratch / "static").mkdir()
    call_command("migrate", verbosity=0, interactive=False)


def teardown(backend: str) -> None:
    from django.db import connections

    connections.close_all()
    if backend == "postgresql":
        _pg_drop(os.environ["BENCH_DATABASE_URL"])
    if _scratch is not None:
        if os.environ.get("BENCH_KEEP") == "1":
            print(f"(scratch kept: {_scratch})")
        else:
            shutil.rmtree(_scratch, ignore_errors=True)


def main(name: str, run) -> int:
    """Run ``run(backend)`` on SQLite in this process, then on PostgreSQL in a child process if asked."""
    backend = os.environ.get("BENCH_BACKEND")
    if backend:  # a child (or BENCH_BACKEND given by hand): one pass
        return _one_pass(name, run, backend)
    only = os.environ.get("BENCH_ONLY", "")
    status = 0
    if only in ("", "sqlite"):
        status |= _child(name, "sqlite")
    if only in ("", "postgresql"):
        if os.environ.get("BENCH_DATABASE_URL"):
            status |= _child(name, "postgresql")
        elif only == "postgresql":
            print("BENCH_ONLY=postgresql needs BENCH_DATABASE_URL.", file=sys.stderr)
            status = 1
        else:
            print("(PostgreSQL pass skipped: set BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench)")
    return status


def _child(name: str, backend: str) -> int:
    # Each pass in its own process: Django's settings (the database) are fixed once set up.
    env = {**os.environ, "BENCH_BACKEND": backend}
    return subprocess.call([sys.executable, sys.argv[0]], env=env)


def _one_pass(name: str, run, backend: str) -> int:
    started = time.perf_counter()
    setup_django(name, backend)
    try:
        from django.db import connection

        print(f"\n### {name} on {connection.vendor} {_server_version()} (load average {os.getloadavg()[0]:.1f})")
        run(backend)
    finally:
        teardown(backend)
    print(f"({name} on {backend}: {time.perf_counter() - started:.0f} s in all; load average {os.getloadavg()[0]:.1f})")
    return 0


def _server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
        else:
            cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


@contextmanager
def step(label: str):
    started = time.perf_counter()
    print(f"{label} ...", end=" ", flush=True)
    yield
    print(f"{time.perf_counter() - started:.1f} s", flush=True)


@contextmanager
def indexes_dropped(table: str):
    """Load a table without its secondary indexes, then create them again with their own DDL (much faster)."""
    from django.db import connection

    with connection.cursor() as cursor:
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
        indexes = cursor.fetchall()
        for name, _ddl in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    t0 = time.perf_counter()
    yield
    print(f"[load {time.perf_counter() - t0:.1f}s, {len(indexes)} indexes]", end=" ")
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA cache_size = -200000")  # sorting for the index builds
        for _name, ddl in indexes:
            cursor.execute(ddl)
    print(f"[indexes {time.perf_counter() - t0:.1f}s]", end=" ")


# --- measuring -----------------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


class Bench:
    """Measures requests of the Django test client and collects a row of figures per request."""

    def __init__(self, big_tables: tuple[str, ...]):
        self.big_tables = big_tables
        self.rows: list[dict] = []
        self.plans: list[tuple[str, list[str], list[str], list]] = []

    def request(self, label: str, client, url: str, headers: dict | None = None, *, main_table: str) -> dict:
        from django.db import connection

        headers = headers or {}
        # One call with the queries recorded (with their parameters: SQLite plans a query with bound
        # parameters differently from the same query with literals), then the timed calls.
        recorded = []

        def record(execute, sql, params, many, context):
            recorded.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            response = client.get(url, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"{label}: GET {url} answered {response.status_code}: {response.content[:300]!r}")
        size = len(response.content)
        timings = []
        deadline = time.perf_counter() + BUDGET
        while len(timings) < REPEAT and (len(timings) < 3 or time.perf_counter() < deadline):
            started = time.perf_counter()
            client.get(url, headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
        main = _dominant(
            [(q, p) for q, p in recorded if f'FROM "{main_table}"' in q and "ORDER BY" in q and "LIMIT" in q]
        )
        flags, plan, others = set(), [], []
        for sql, params in recorded:
            if not any(f'"{t}"' in sql for t in self.big_tables):
                continue  # small tables only: the session, token and role lookups of every request
            lines = explain(sql, params)
            if (sql, params) == main:
                plan = lines
                flags |= plan_flags(lines, self.big_tables)
            elif "FULL-SCAN" in plan_flags(lines, self.big_tables):
                # Other queries (counts, dropdowns): only a scan of a big table is worth flagging.
                flags.add("FULL-SCAN")
                others.append((sql[:160] + ("..." if len(sql) > 160 else ""), lines))
        row = {
            "label": label,
            "median": statistics.median(timings),
            "p95": percentile(timings, 95),
            "n": len(timings),
            "queries": len(recorded),
            "kb": size / 1024,
            "flags": sorted(flags),
        }
        if row["median"] > SLOW_MS:
            row["flags"].append("SLOW")
        self.rows.append(row)
        self.plans.append((label, plan, sorted(flags), others))
        return row

    def print_table(self, title: str) -> None:
        print(f"\n{title}")
        width = max(len(r["label"]) for r in self.rows)
        print(f"{'request':<{width}}  {'median ms':>9}  {'p95 ms':>7}  {'n':>3}  {'queries':>7}  {'KB':>6}  flags")
        for r in self.rows:
            print(
                f"{r['label']:<{width}}  {r['median']:>9.1f}  {r['p95']:>7.1f}  {r['n']:>3}  {r['queries']:>7}  "
                f"{r['kb']:>6.1f}  {' '.join(r['flags'])}"
            )

    def print_plans(self) -> None:
        """The main list query's plan per request: every one with BENCH_SQL=1, else the distinct ones."""
        print("\nQuery plans of the main list query. FULL-SCAN: a big table read without an index; IDX-WALK: an index")
        print("read from one end, filtering (fine for a first page, slow for a deep page or a rare match); SORT: the")
        print(f"matching rows sorted; PART-SORT: only ties sorted; SLOW: median over {SLOW_MS:.0f} ms")
        groups: dict = {}
        for label, plan, flags, others in self.plans:
            if not plan:
                continue
            key = (tuple(plan), tuple(tuple(lines) for _, lines in others))
            if os.environ.get("BENCH_SQL") == "1":
                key = (label, *key)
            groups.setdefault(key, []).append((label, flags, others))
        for members in groups.values():
            label, flags, others = members[0]
            plan = next(p for lab, p, _f, _o in self.plans if lab == label)
            print(f"- {label}  [{' '.join(flags) or 'ok'}]")
            if len(members) > 1:
                print(f"  (same plan: {', '.join(' '.join(m[0].split()) for m in members[1:])})")
            for line in compact_plan(plan, self.big_tables):
                print(f"    {line}")
            for sql, lines in others:
                print(f"  other query: {sql}")
                for line in compact_plan(lines, self.big_tables):
                    print(f"    {line}")

    def reset(self) -> None:
        self.rows, self.plans = [], []


def _dominant(queries: list[tuple[str, Any]]) -> tuple[str, Any] | None:
    """The slowest of a request's list queries, each run again on its own: a page can run several (a keyset
    cursor's id lookup before the page itself), and the first is not always the one that costs."""
    distinct = list({(sql, tuple(params or ())): (sql, params) for sql, params in queries}.values())
    if len(distinct) < 2:
        return distinct[0] if distinct else None
    return max(distinct, key=lambda q: _query_seconds(*q))


def _query_seconds(sql: str, params) -> float:
    """The best of three runs of a read query, rows fetched."""
    from django.db import connection

    best = float("inf")
    with connection.cursor() as cursor:
        for _ in range(3):
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            best = min(best, time.perf_counter() - started)
    return best


def _short(line: str) -> str:
    return re.sub(r"\s*\(cost=[^)]*\)", "", line)


def explain(sql: str, params=None) -> list[str]:
    from django.db import connection

    if not sql.lstrip().upper().startswith("SELECT"):
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            rows = cursor.fetchall()
            depth = {0: 0}
            lines = []
            for node_id, parent, _unused, detail in rows:
                depth[node_id] = depth.get(parent, 0) + 1
                lines.append("  " * (depth[node_id] - 1) + detail)
            return lines
        cursor.execute("EXPLAIN " + sql, params)
        return [r[0] for r in cursor.fetchall()]


_SQLITE_SCAN = re.compile(r"^\s*SCAN (\w+)(?: AS \w+)?\s*$")
_SQLITE_INDEX_WALK = re.compile(r"^\s*SCAN (\w+)(?: AS \w+)? USING (?:COVERING )?INDEX ")
_PG_SEQ = re.compile(r"Seq Scan on (\w+)")
_PG_INDEX_SCAN = re.compile(r"Index (?:Only )?Scan(?: Backward)? using \w+ on (\w+)")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" ->"))


def plan_flags(lines: list[str], big_tables: tuple[str, ...]) -> set[str]:
    flags = set()
    for i, line in enumerate(lines):
        scan = _SQLITE_SCAN.match(line) or _PG_SEQ.search(line)
        if scan and scan.group(1) in big_tables:
            flags.add("FULL-SCAN")
        walk = _SQLITE_INDEX_WALK.match(line)
        if not walk and (walk := _PG_INDEX_SCAN.search(line)):
            # A PostgreSQL index scan without an Index Cond reads the index from one end.
            details = []  # the node's own lines (Index Cond, Filter), up to its first child node
            for child in lines[i + 1 :]:
                if _indent(child) <= _indent(line) or "->" in child:
                    break
                details.append(child)
            if any("Index Cond" in c for c in details):
                walk = None
        if walk and walk.group(1) in big_tables:
            flags.add("IDX-WALK")
        if "USE TEMP B-TREE FOR ORDER BY" in line or re.search(r"(^|->)\s*Sort\s+\(", line):
            flags.add("SORT")
        elif "USE TEMP B-TREE FOR" in line and "ORDER BY" not in line:
            flags.add("TEMP-BTREE")
        elif "RIGHT PART OF ORDER BY" in line or "LAST TERM OF ORDER BY" in line or "Incremental Sort" in line:
            flags.add("PART-SORT")
    return flags


def compact_plan(lines: list[str], big_tables: tuple[str, ...]) -> list[str]:
    """A PostgreSQL plan without its costs and without the lookups of small tables (joins by primary key)."""
    out, skip_below = [], None
    for line in lines:
        depth = _indent(line)
        if skip_below is not None and depth > skip_below:
            continue
        skip_below = None
        scan = re.search(r"(?:Scan|Scan Backward) (?:using \w+ )?on (\w+)", line)
        small = scan and scan.group(1) not in big_tables and "Bitmap Index Scan" not in line
        if ("Memoize" in line or small) and "->" in line:
            skip_below = depth
            continue
        if line.strip().startswith(("Cache Key:", "Cache Mode:", "Workers Planned:")):
            continue
        out.append(_short(line))
    return out


def sql_rows_per_second(n: int, seconds: float) -> str:
    return f"{n / seconds / 1000:.0f}k rows/s"
