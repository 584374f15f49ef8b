"""``rapport start`` (what ``make run`` calls): migrate, first-start set-up, then the web server and a worker.

On the first start (no users yet) it creates an admin with a random password, loads the demo data and
prints the login (once: later starts only say which file keeps it). Later starts keep the data as it is.
"""

import secrets
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from rapport.users.management.commands.createadmin import create_admin
from rapport.users.models import User

CREDENTIALS_FILE = "initial-admin.txt"


class Command(BaseCommand):
    help = "Set up on first start (migrations, admin, demo data), then run the web server and a worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true")
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data on the first start.")

    def handle(self, *args, host, port, no_worker, no_demo, **options):
        call_command("migrate", interactive=False, verbosity=0)
        credentials = settings.VAR_DIR / CREDENTIALS_FILE
        password = None
        if not User.objects.exists():
            password = secrets.token_urlsafe(12)
            create_admin(username="admin", email="admin@example.com", password=password)
            credentials.touch(mode=0o600)
            credentials.write_text(f"username: admin\npassword: {password}\n")
            if not no_demo:
                call_command("demo", verbosity=0)
            self.stdout.write(self.style.SUCCESS("First start: created the admin and the demo data."))
        self._print_login(host, port, credentials, password)

        worker = None
        if not no_worker:
            worker = subprocess.Popen([sys.executable, "-m", "rapport.cli", "worker"])
        try:
            call_command("serve", host=host, port=port)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def _print_login(self, host: str, port: int, credentials, password: str | None) -> None:
        """The admin password is printed once, on the start that created it; later starts only say where it is."""
        self.stdout.write(f"\n  Rapport: http://{host}:{port}/")
        if password is not None:
            self.stdout.write(f"  Admin login (also kept in {credentials}):")
            self.stdout.write("    username: admin")
            self.stdout.write(f"    password: {password}")
            self.stdout.write("  Change the password under Account once you are in; then delete that file.\n")
        elif credentials.exists():
            self.stdout.write(f"  The admin login of the first start is in {credentials}.")
            self.stdout.write("  Change the password under Account once you are in; then delete that file.\n")
        else:
            self.stdout.write("  Sign in with your admin account.\n")
