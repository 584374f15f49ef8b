"""``rapport demo``: load a realistic demo organization (safe to run twice)."""

from django.core.management.base import BaseCommand, CommandError

from rapport.users.demo import DEMO_PASSWORD, create_demo_users
from rapport.users.models import User


class Command(BaseCommand):
    help = "Create demo data: teams and users with roles (and, as later apps arrive, their records)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--admin", help="Username of the admin the demo data is created by (default: the first admin)."
        )

    def handle(self, *args, admin=None, **options):
        admins = User.objects.filter(role__key="admin", is_active=True).order_by("pk")
        actor = admins.filter(username=admin).first() if admin else admins.first()
        if actor is None:
            raise CommandError("Create an admin first: rapport createadmin --username NAME --email EMAIL")
        users = create_demo_users(actor=actor)
        self.stdout.write(f"Demo data ready: {len(users)} new users. Demo users' password: {DEMO_PASSWORD}")
