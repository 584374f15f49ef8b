"""``rapport token create USERNAME [--name LABEL]``: print a new API token for a user."""

from django.core.management.base import BaseCommand, CommandError

from rapport.core.errors import ApplicationError
from rapport.users.models import User
from rapport.users.services import token_create


class Command(BaseCommand):
    help = "Manage API tokens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it (it is shown only once).")
        create.add_argument("username")
        create.add_argument("--name", default="Command line")

    def handle(self, *args, action, username, name, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        try:
            # The command line acts with the user's own authority: a token never grants more than its user has.
            _token, raw = token_create(actor=user, user=user, name=name)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(raw)
