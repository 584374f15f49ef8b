"""Benchmark: the users list at 10,000 users in 100 teams, through the API and the settings page.

Measures GET /api/v1/users (each ordering, first and deep page, search, filters) and GET /settings/users/
(each sort, a deep page, search, filters, the htmx fragment) as an admin and as a manager, plus the team lists
(member counts over every user) and the audit log page, whose "Who" filter lists every visible user.

Run: .venv/bin/python bench/bench_users.py  (BENCH_USERS=... to change the volume; see bench/_common.py)
"""

import os
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common

USERS = int(os.environ.get("BENCH_USERS", "10000"))
TEAMS = 100
ROLE_MIX = {"sales_rep": 60, "support_agent": 18, "marketer": 10, "read_only": 8, "admin": 1}  # + a manager per team
FIRST = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Maria",
    "Karen",
    "Lukas",
    "Sofia",
    "Chloé",
    "Kenji",
    "Aisha",
    "Piotr",
    "Hannah",
    "Daniel",
    "Emma",
    "Oliver",
    "Mateo",
    "Yuki",
    "Fatima",
    "Ahmed",
    "Ingrid",
    "Lars",
    "Priya",
    "Arjun",
    "Wei",
    "Mei",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Schneider",
    "Nowak",
    "Rossi",
    "Tanaka",
    "Okafor",
    "Bello",
    "Müller",
    "Dubois",
    "Kowalski",
    "Nguyen",
]


def create_users():
    from django.utils import timezone

    from rapport.users.models import APIToken, Role, Team, User, hash_token

    rng = random.Random(7)
    roles = {r.key: r for r in Role.objects.all()}
    teams = Team.objects.bulk_create([Team(name=f"Team {i + 1:03d}", description="A team.") for i in range(TEAMS)])
    keys, weights = list(ROLE_MIX), list(ROLE_MIX.values())
    start = datetime(2021, 1, 1, tzinfo=UTC)
    users = [User(username="bench-admin", email="bench-admin@example.test", role=roles["admin"], password="!x")]
    for i in range(USERS - 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        team = teams[i % TEAMS] if rng.random() < 0.95 else None
        key = "manager" if i < TEAMS else rng.choices(keys, weights)[0]
        joined = start + timedelta(seconds=rng.randrange(5 * 365 * 86400))
        users.append(
            User(
                username=f"{first}.{last}.{i}".lower(),
                email=f"{first}.{last}.{i}@example.test".lower(),
                first_name=first,
                last_name=last,
                team=teams[i] if i < TEAMS else team,
                role=roles[key],
                password="!x",  # unusable: nobody signs in with a password here
                is_active=rng.random() > 0.05,
                date_joined=joined,
                last_login=joined + timedelta(days=rng.randrange(300)) if rng.random() < 0.8 else None,
            )
        )
    users = User.objects.bulk_create(users, batch_size=2000)
    through = Team.managers.through
    through.objects.bulk_create([through(team_id=u.team_id, user_id=u.pk) for u in users[1 : TEAMS + 1]])
    tokens = {}
    for user in (users[0], users[7]):
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
    if os.environ.get("BENCH_BACKEND") == "postgresql":
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return users, teams, roles, tokens


def run(backend: str) -> None:
    with _common.step(f"{USERS:,} users in {TEAMS} teams"):
        users, _teams, roles, tokens = create_users()
    measure(backend, users, roles, tokens)


def measure(backend: str, users, roles, tokens) -> None:
    from urllib.parse import urlencode

    from django.test import Client

    from rapport.core.pagination import encode_cursor
    from rapport.users.models import User

    admin, manager = users[0], users[7]
    team = manager.team
    deep_at = int(USERS * 0.9)

    def deep(field: str, desc: bool = False) -> str:
        row = User.objects.order_by(("-" if desc else "") + field, "-pk" if desc else "pk")[deep_at]
        return encode_cursor(("-" if desc else "") + field, [getattr(row, field), row.pk])

    rare = users[USERS // 2].email
    api_cases = [  # (label, params)
        ("username first", {}),
        ("username deep", {"cursor": deep("username")}),
        ("email first", {"ordering": "email"}),
        ("email deep", {"ordering": "email", "cursor": deep("email")}),
        ("-date_joined first", {"ordering": "-date_joined"}),
        ("-date_joined deep", {"ordering": "-date_joined", "cursor": deep("date_joined", desc=True)}),
        ("q=son (common)", {"q": "son"}),
        ("q=<email> (1 hit)", {"q": rare}),
        ("team_id", {"team_id": team.pk}),
        ("role_id=sales_rep", {"role_id": roles["sales_rep"].pk}),
        ("is_active=false", {"is_active": "false"}),
        ("team_id+q", {"team_id": team.pk, "q": "an"}),
    ]
    pages = -(-USERS // 25)
    ui_cases = [
        ("page 1 (username)", {}),
        (f"page {int(pages * 0.9)} of {pages}", {"page": int(pages * 0.9)}),
        ("sort=name", {"sort": "name"}),
        ("sort=email", {"sort": "email"}),
        ("sort=team", {"sort": "team"}),
        ("sort=role", {"sort": "role"}),
        ("sort=-last_login", {"sort": "-last_login"}),
        ("q=son (common)", {"q": "son"}),
        ("q=<email> (1 hit)", {"q": rare}),
        ("team", {"team": team.pk}),
        ("role=sales_rep", {"role": roles["sales_rep"].pk}),
        ("status=inactive", {"status": "inactive"}),
    ]
    bench = _common.Bench(big_tables=("users_user",))
    for who, user in (("admin", admin), ("manager", manager)):
        api, ui = Client(), Client()
        ui.force_login(user)
        bearer = {"Authorization": f"Bearer {tokens[user.pk]}"}
        for label, params in api_cases:
            bench.request(
                f"API {who:<7} {label}", api, "/api/v1/users?" + urlencode(params), bearer, main_table="users_user"
            )
        for label, params in ui_cases:
            bench.request(f"UI  {who:<7} {label}", ui, "/settings/users/?" + urlencode(params), main_table="users_user")
        htmx = {"HX-Request": "true", "HX-Target": "user-results"}
        bench.request(f"UI  {who:<7} q=son, htmx fragment", ui, "/settings/users/?q=son", htmx, main_table="users_user")
    bench.print_table(f"Users, {USERS:,} in {TEAMS} teams; API 50 per page, UI 25 per page ({backend})")
    bench.print_plans()

    # Lists whose cost grows with the number of users without listing them.
    other = _common.Bench(big_tables=("users_user", "users_team"))
    api, ui = Client(), Client()
    ui.force_login(admin)
    bearer = {"Authorization": f"Bearer {tokens[admin.pk]}"}
    other.request("API admin /api/v1/teams (member counts)", api, "/api/v1/teams", bearer, main_table="users_team")
    other.request("UI  admin /settings/teams/ (member counts)", ui, "/settings/teams/", main_table="users_team")
    other.request("UI  admin /settings/audit/ (Who: every user)", ui, "/settings/audit/", main_table="core_auditentry")
    htmx = {"HX-Request": "true", "HX-Target": "audit-results"}
    other.request(
        "UI  admin /settings/audit/ htmx fragment", ui, "/settings/audit/", htmx, main_table="core_auditentry"
    )
    other.print_table(f"Pages that depend on the number of users ({backend})")


if __name__ == "__main__":
    sys.exit(_common.main("bench_users", run))
