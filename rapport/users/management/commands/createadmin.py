"""``rapport createadmin --username NAME --email EMAIL``: an active user with the Admin role."""

import getpass
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from rapport.core import audit
from rapport.users.models import Role, User


class Command(BaseCommand):
    help = "Create an admin user. The password comes from RAPPORT_ADMIN_PASSWORD or is asked for."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)

    def handle(self, *args, username, email, **options):
        password = os.environ.get("RAPPORT_ADMIN_PASSWORD") or self._prompt()
        user = User(username=username.strip(), email=email.strip().lower())
        try:
            user.full_clean(exclude=["password"])
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
                if hasattr(exc, "message_dict")
                else " ".join(exc.messages)
            ) from None
        create_admin(username=user.username, email=user.email, password=password)
        self.stdout.write(self.style.SUCCESS(f"Admin {user.username} created."))

    def _prompt(self) -> str:
        if not os.isatty(0):
            raise CommandError("Set RAPPORT_ADMIN_PASSWORD or run in a terminal to type the password.")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords differ.")
        return first


@transaction.atomic
def create_admin(*, username: str, email: str, password: str) -> User:
    user = User.objects.create_user(
        username=username, email=email, password=password, role=Role.objects.get(key="admin"),
        is_staff=True, is_superuser=True,
    )  # fmt: skip
    audit.record(actor=None, actor_label="rapport createadmin", action="create", obj=user,
                 changes={"username": [None, user.username], "role": [None, user.role_id]})  # fmt: skip
    return user
