"""Benchmark: the audit log at 1,000,000 entries, through the API and the settings page.

Generates 200 users in 10 teams (plus a new team of 2 with almost no history) and 1,000,000 audit entries over
two years, then measures GET /api/v1/audit and GET /settings/audit/ (first page and a deep page, unfiltered and
with each filter) as an admin (audit read scope: all) and as managers (scope: team), and prints per request the
median and p95 time, the number of queries, and the query plan flags of the main list query.

Run: .venv/bin/python bench/bench_audit.py  (BENCH_AUDIT_ROWS=... to change the volume; see bench/_common.py)
"""

import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common

ROWS = int(os.environ.get("BENCH_AUDIT_ROWS", "1000000"))
TEAMS = 10
USERS_PER_TEAM = 20  # 10 x 20 = 200 users, the first of each team its manager
SPAN = timedelta(days=730)
END = datetime(2026, 1, 1, tzinfo=UTC)
START = END - SPAN

ACTIONS = {  # action: weight
    "update": 38,
    "create": 18,
    "login": 16,
    "logout": 8,
    "delete": 4,
    "login_failed": 3,
    "password_changed": 1,
    "password_reset": 0.5,
    "token_created": 1,
    "token_revoked": 0.5,
    "role_changed": 0.5,
    "deactivated": 0.3,
}
RECORD_TYPES = {
    "contact": (40, 200_000),
    "company": (20, 30_000),
    "deal": (30, 80_000),
    "user": (3, 200),
    "team": (1, 11),
}
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "python-httpx/0.28.1",
    "",
]
FIELDS = ["name", "email", "phone", "stage", "amount", "owner_id", "team", "city", "status", "close_date"]


def changes_pool(rng: random.Random) -> list[str]:
    """``{field: [old, new]}`` as audit.diff() writes them; related records (team) as ids."""
    pool = []
    for _ in range(400):
        fields = rng.sample(FIELDS, rng.choice([1, 1, 1, 2, 3]))
        pool.append(
            json.dumps(
                {
                    f: [rng.randint(1, TEAMS), rng.randint(1, TEAMS)]
                    if f == "team"
                    else [f"old {f} {rng.randint(1, 999)}", f"new {f} {rng.randint(1, 999)}"]
                    for f in fields
                }
            )
        )
    return pool


def create_people():
    from django.utils import timezone

    from rapport.users.models import APIToken, Role, Team, User, hash_token

    roles = {r.key: r for r in Role.objects.all()}
    # Team managers who may read their team's audit entries: a custom role (a copy of the built-in manager
    # role with audit read scope "team"), so the team-scoped list is measured whatever the built-in roles grant.
    manager = roles["manager"]
    roles["manager"] = Role.objects.create(
        key="bench_team_auditor",
        name="Manager with team audit (bench)",
        scopes={**manager.scopes, "audit": {"read": "team", "write": "none"}},
        features=manager.features,
    )
    password = "!unusable"
    teams = Team.objects.bulk_create([Team(name=f"Team {i + 1:02d}") for i in range(TEAMS)] + [Team(name="New team")])
    users = [User(username="bench-admin", email="admin@example.test", role=roles["admin"], password=password)]
    for t, team in enumerate(teams[:TEAMS]):
        for i in range(USERS_PER_TEAM):
            key = (
                "manager" if i == 0 else random.Random(t * 100 + i).choice(["sales_rep", "sales_rep", "support_agent"])
            )
            users.append(
                User(
                    username=f"t{t + 1:02d}u{i:02d}",
                    email=f"t{t + 1:02d}u{i:02d}@example.test",
                    first_name=f"First{t}{i}",
                    last_name=f"Last{t}{i}",
                    team=team,
                    role=roles[key],
                    password=password,
                )
            )
    new_team = teams[TEAMS]
    users.append(
        User(username="new-mgr", email="new-mgr@example.test", team=new_team, role=roles["manager"], password=password)
    )
    users.append(
        User(
            username="new-rep", email="new-rep@example.test", team=new_team, role=roles["sales_rep"], password=password
        )
    )
    users = User.objects.bulk_create(users)
    for user in users:
        if user.role.key == "bench_team_auditor":
            user.team.managers.add(user)
    tokens = {}
    for user in users:
        if user.role.key in ("admin", "bench_team_auditor"):
            raw = APIToken.generate()
            # Last used "in the future": no last-use write in the measured requests (it happens once a minute).
            APIToken.objects.create(
                user=user,
                name="bench",
                prefix=raw[:12],
                key_hash=hash_token(raw),
                last_used_at=timezone.now() + timedelta(days=1),
            )
            tokens[user.pk] = raw
    return users, tokens


def generate_audit(users) -> None:
    """ROWS entries, oldest first (ids grow with time as in a real append-only log)."""
    from django.db import connection, transaction

    rng = random.Random(42)
    pool = changes_pool(rng)
    old_users = [u for u in users if u.team is None or u.team.name != "New team"]
    new_users = [u for u in users if u.team is not None and u.team.name == "New team"]
    # Some people work much more than others.
    weights = [rng.paretovariate(1.5) for _ in old_users]
    actions, action_w = list(ACTIONS), list(ACTIONS.values())
    types, type_w = list(RECORD_TYPES), [w for w, _ in RECORD_TYPES.values()]
    step = SPAN / ROWS
    recent = ROWS - max(1, int(ROWS * 3 / 730))  # the last three days: the new team starts working
    pg = connection.vendor == "postgresql"

    def rows():
        actor_batch = rng.choices(old_users, weights=weights, k=ROWS)
        action_batch = rng.choices(actions, weights=action_w, k=ROWS)
        type_batch = rng.choices(types, weights=type_w, k=ROWS)
        for i in range(ROWS):
            at = START + step * i + timedelta(microseconds=rng.randrange(int(step.total_seconds() * 1e6 * 0.9)))
            actor = actor_batch[i]
            if i >= recent and rng.random() < 0.005:
                actor = rng.choice(new_users)
            action = action_batch[i]
            changes = "{}"
            if action in ("create", "update", "delete"):
                object_type = type_batch[i]
                n = RECORD_TYPES[object_type][1]
                object_id = str(int(n * rng.random() ** 2) + 1)
                object_repr = f"{object_type.title()} {object_id}"
                if action == "update":
                    changes = pool[i % len(pool)]
            elif action.startswith("token"):
                object_type, object_id, object_repr = "token", str(rng.randint(1, 2000)), "API token"
            else:
                object_type, object_id, object_repr = "user", str(actor.pk), actor.username
            if action == "login_failed" and rng.random() < 0.5:
                actor_id, label = None, ""
            else:
                actor_id, label = actor.pk, actor.username
            ip = f"10.{i % 7}.{(i >> 8) & 255}.{i & 255}"
            ua = USER_AGENTS[i % len(USER_AGENTS)]
            yield (
                at if pg else str(at.replace(tzinfo=None)),
                actor_id,
                label,
                ip,
                ua,
                action,
                object_type,
                object_id,
                object_repr,
                changes,
            )

    columns = "at, actor_id, actor_label, ip, user_agent, action, object_type, object_id, object_repr, changes"
    if not pg:
        with connection.cursor() as cursor:  # a scratch file: no journal while loading
            cursor.execute("PRAGMA journal_mode = OFF")
            cursor.execute("PRAGMA synchronous = OFF")
    with _common.indexes_dropped("core_auditentry"), transaction.atomic(), connection.cursor() as cursor:
        if pg:
            with cursor.cursor.copy(f"COPY core_auditentry ({columns}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO core_auditentry ({columns}) VALUES ({', '.join(['%s'] * 10)})", rows())
    with connection.cursor() as cursor:
        if pg:
            cursor.execute("VACUUM ANALYZE core_auditentry")  # what autovacuum does soon after a bulk load
        else:  # back to the settings' journal (no ANALYZE: Rapport does not run it on SQLite)
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")


def entry_at_position(qs, fraction: float):
    """The entry ``fraction`` of the way down ``qs`` (newest first), by id: ids grow with time."""
    from django.db.models import Max, Min

    bounds = qs.aggregate(lo=Min("id"), hi=Max("id"))
    target = bounds["hi"] - int((bounds["hi"] - bounds["lo"]) * fraction)
    return qs.filter(id__lte=target).order_by("-id").first()


def run(backend: str) -> None:
    with _common.step("users, teams, tokens"):
        users, tokens = create_people()
    started = time.perf_counter()
    with _common.step(f"{ROWS:,} audit entries"):
        generate_audit(users)
    print(f"  ({_common.sql_rows_per_second(ROWS, time.perf_counter() - started)})")
    measure(backend, users, tokens)


def measure(backend: str, users, tokens) -> None:
    from urllib.parse import urlencode

    from django.test import Client

    from rapport.core.listing import _encode_cursor
    from rapport.core.models import AuditEntry
    from rapport.core.pagination import encode_cursor

    admin = users[0]
    manager = next(u for u in users if u.username == "t03u00")
    teammate = next(u for u in users if u.username == "t03u05")
    new_manager = next(u for u in users if u.username == "new-mgr")
    everyone = AuditEntry.objects.all()
    month_from, month_to = datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC)
    filters = {  # name: (API params, UI params, the entries they select, for the deep cursor)
        "none": ({}, {}, everyone),
        "actor": ({"actor_id": teammate.pk}, {"actor": teammate.pk}, everyone.filter(actor_id=teammate.pk)),
        "action": ({"action": "delete"}, {"action": "delete"}, everyone.filter(action="delete")),
        "object": (
            {"object_type": "user", "object_id": str(teammate.pk)},
            {"object_type": "user", "object_id": str(teammate.pk)},
            everyone.filter(object_type="user", object_id=str(teammate.pk)),
        ),
        "dates": (
            {"at_from": month_from.isoformat(), "at_to": month_to.isoformat()},
            {"date_from": "2025-03-01", "date_to": "2025-03-31"},
            everyone.filter(at__gte=month_from, at__lt=month_to),
        ),
        "action+dates": (
            {"action": "delete", "at_from": month_from.isoformat(), "at_to": month_to.isoformat()},
            {"action": "delete", "date_from": "2025-03-01", "date_to": "2025-03-31"},
            everyone.filter(action="delete", at__gte=month_from, at__lt=month_to),
        ),
    }
    bench = _common.Bench(big_tables=("core_auditentry",))
    viewers = [("admin", admin), ("manager", manager), ("mgr-new-team", new_manager)]
    for name, (api_params, ui_params, selected) in filters.items():
        deep = entry_at_position(selected, 0.9)
        depths = [("first", {}, {})]
        if deep is not None:
            depths.append(
                ("deep", {"cursor": encode_cursor("-at", [deep.at, deep.pk])}, {"after": _encode_cursor(deep, "at")})
            )
        for who, user in viewers:
            if who == "mgr-new-team" and name not in ("none", "action", "dates"):
                continue
            api_headers = {"Authorization": f"Bearer {tokens[user.pk]}"}
            ui = Client()
            ui.force_login(user)
            for depth, api_extra, ui_extra in depths:
                label = f"{who:<12} {name:<12} {depth:<5}"
                bench.request(
                    f"API {label}",
                    Client(),
                    "/api/v1/audit?" + urlencode({**api_params, **api_extra}),
                    api_headers,
                    main_table="core_auditentry",
                )
                bench.request(
                    f"UI  {label}",
                    ui,
                    "/settings/audit/?" + urlencode({**ui_params, **ui_extra}),
                    main_table="core_auditentry",
                )
    # The page without its filter form: what htmx asks for when a filter changes.
    ui = Client()
    ui.force_login(admin)
    htmx = {"HX-Request": "true", "HX-Target": "audit-results"}
    bench.request(
        "UI  admin        none         first, htmx fragment", ui, "/settings/audit/", htmx, main_table="core_auditentry"
    )
    bench.rows.sort(key=lambda r: r["label"][:3])  # API rows first, then UI
    bench.print_table(f"Audit log, {ROWS:,} entries, 50 per page ({backend})")
    bench.print_plans()


if __name__ == "__main__":
    sys.exit(_common.main("bench_audit", run))
