"""Demo organization: teams and users with roles (later apps add their records to it)."""

from django.db import transaction

from .models import Team, User
from .services import team_create, team_update, user_invite

DEMO_PASSWORD = "rapport-demo-2026"

TEAMS = {
    "Sales Americas": "New business and renewals in North and South America.",
    "Sales Europe": "New business and renewals in Europe, the Middle East and Africa.",
    "Marketing": "Campaigns, events and lead generation.",
    "Customer Support": "Tickets, onboarding and the customer portal.",
}

# username, first, last, team, role, manages the team
USERS = [
    ("maria.gonzalez", "María", "González", "Sales Americas", "manager", True),
    ("james.carter", "James", "Carter", "Sales Americas", "sales_rep", False),
    ("aisha.bello", "Aisha", "Bello", "Sales Americas", "sales_rep", False),
    ("lukas.schneider", "Lukas", "Schneider", "Sales Europe", "manager", True),
    ("chloe.martin", "Chloé", "Martin", "Sales Europe", "sales_rep", False),
    ("piotr.nowak", "Piotr", "Nowak", "Sales Europe", "sales_rep", False),
    ("emma.wilson", "Emma", "Wilson", "Marketing", "manager", True),
    ("kenji.tanaka", "Kenji", "Tanaka", "Marketing", "marketer", False),
    ("sofia.rossi", "Sofia", "Rossi", "Customer Support", "manager", True),
    ("daniel.okafor", "Daniel", "Okafor", "Customer Support", "support_agent", False),
    ("hannah.lee", "Hannah", "Lee", "Customer Support", "support_agent", False),
    ("oliver.brown", "Oliver", "Brown", None, "read_only", False),
]

TIME_ZONES = {"Sales Americas": "America/New_York", "Sales Europe": "Europe/Berlin"}


@transaction.atomic
def create_demo_users(*, actor: User) -> list[User]:
    """Create the demo teams and users through the services (so they are validated and audited).

    Running it again changes nothing: existing teams and users are kept as they are.
    """
    from django.contrib.auth.hashers import make_password

    from .models import Role

    password = None  # hashed once: the demo users share it, and a strong hash takes a good part of a second
    teams = {}
    for name, description in TEAMS.items():
        teams[name] = Team.objects.filter(name=name).first() or team_create(
            actor=actor, data={"name": name, "description": description}
        )
    created = []
    for username, first, last, team_name, role_key, manages in USERS:
        if User.objects.filter(username=username).exists():
            continue
        team = teams.get(team_name)
        user = user_invite(
            actor=actor,
            send_email=False,
            data={
                "username": username,
                "email": f"{username}@example.com",
                "first_name": first,
                "last_name": last,
                "team_id": team.pk if team else None,
                "role_id": Role.objects.get(key=role_key).pk,
                "time_zone": TIME_ZONES.get(team_name, "Europe/London"),
            },
        )
        password = password or make_password(DEMO_PASSWORD)
        user.password = password
        user.save(update_fields=["password"])
        if manages:
            team_update(
                actor=actor, team=team, data={"manager_ids": [*team.managers.values_list("pk", flat=True), user.pk]}
            )
        created.append(user)
    return created
