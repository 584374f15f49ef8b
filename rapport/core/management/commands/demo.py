"""``rapport demo``: load a realistic demo organization (safe to run twice)."""

import time

from django.core.management.base import BaseCommand, CommandError

from rapport.activities.demo import create_demo_activities
from rapport.contacts.demo import create_demo_records, demo_users
from rapport.users.demo import DEMO_PASSWORD, create_demo_users
from rapport.users.models import User


class Command(BaseCommand):
    help = (
        "Create demo data: teams and users with roles, about 500 companies and 2,000 contacts with their "
        "interactions, notes and tasks. Running it again adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--admin", help="Username of the admin the demo data is created by (default: the first admin)."
        )
        parser.add_argument("--users-only", action="store_true", help="Create the demo teams and users only.")

    def handle(self, *args, admin=None, users_only=False, **options):
        admins = User.objects.filter(role__key="admin", is_active=True).order_by("pk")
        actor = admins.filter(username=admin).first() if admin else admins.first()
        if actor is None:
            raise CommandError("Create an admin first: rapport createadmin --username NAME --email EMAIL")
        started = time.monotonic()
        users = create_demo_users(actor=actor)
        self.stdout.write(f"Demo users: {len(users)} new. Demo users' password: {DEMO_PASSWORD}")
        if users_only:
            return
        records = create_demo_records(actor=actor, users=demo_users())
        if records.created:
            counts = records.counts
            self.stdout.write(
                f"Demo records: {counts['companies']:,} companies ({counts['subsidiaries']:,} of them in groups) "
                f"and {counts['contacts']:,} contacts."
            )
        else:
            self.stdout.write("Demo records: already there, nothing added.")
        activities = create_demo_activities(data=records)
        if activities:
            self.stdout.write(
                f"Demo activities: {activities['interactions']:,} interactions, {activities['notes']:,} notes, "
                f"{activities['tasks']:,} tasks."
            )
        else:
            self.stdout.write("Demo activities: already there, nothing added.")
        self.stdout.write(f"Demo data ready in {time.monotonic() - started:.1f} s.")
