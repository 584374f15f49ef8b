"""``rapport export contacts|companies FILE``: export a list to CSV or Excel, as a user sees it.

    rapport export contacts leads.xlsx --filter lifecycle_stage=lead --filter owner=7 --columns email,company
    rapport export companies - --format csv > companies.csv

The rows are those the user (``--user``, default: the first active admin) may see, filtered as on the list page
(``--filter key=value``, repeatable; the keys of the list's query string), in the list's order (``--ordering``).
The file is written a page of rows at a time; the export is audited like one from the list page.
"""

import os
import tempfile
import time

from django.core.management.base import BaseCommand, CommandError

from rapport.contacts.exports import export_to_path, plan_export
from rapport.core.errors import ApplicationError
from rapport.users.models import User

OBJECTS = {"contacts": "contact", "companies": "company"}


class Command(BaseCommand):
    help = "Export contacts or companies to a CSV or Excel (.xlsx) file."

    def add_arguments(self, parser):
        parser.add_argument("object", choices=sorted(OBJECTS), help="What to export.")
        parser.add_argument("file", help="The file to write (.csv or .xlsx); - writes CSV to standard output.")
        parser.add_argument("--format", choices=("csv", "xlsx"), help="Default: from the file's extension.")
        parser.add_argument(
            "--filter", action="append", default=[], metavar="KEY=VALUE",
            help="A list filter, e.g. lifecycle_stage=lead,customer or cf.plan=Enterprise (repeatable).",
        )  # fmt: skip
        parser.add_argument("--columns", default="", help="Column keys separated by commas (default: the list's).")
        parser.add_argument("--ordering", default="", help="A column key to sort by, - first for descending.")
        parser.add_argument("--q", default="", help="Search text, as in the list's search box.")
        parser.add_argument("--user", help="Export as this user (default: the first active admin).")

    def handle(self, *args, object, file, format=None, filter=(), columns="", ordering="", q="", user=None, **options):
        actor = self._actor(user)
        to_stdout = file == "-"
        file_format = format or ("csv" if to_stdout else os.path.splitext(file)[1].lower().lstrip("."))
        if file_format not in ("csv", "xlsx"):
            raise CommandError("Give --format csv or xlsx, or a file name ending in .csv or .xlsx.")
        if to_stdout and file_format != "csv":
            raise CommandError("Only CSV can be written to standard output.")
        filters = {}
        for item in filter:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise CommandError(f"Give filters as KEY=VALUE, not {item!r}.")
            filters[key.strip()] = value.strip()
        if q:
            filters["q"] = q
        try:
            plan = plan_export(actor=actor, object_type=OBJECTS[object], file_format=file_format, filters=filters,
                               columns=columns, ordering=ordering)  # fmt: skip
        except ApplicationError as exc:
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
            raise CommandError(f"{exc.message} {details}".strip()) from None
        log = self.stderr if to_stdout else self.stdout
        started = time.monotonic()

        def progress(done: int) -> None:
            log.write(f"\r{done:,} rows…", ending="")
            log.flush()

        target = file
        if to_stdout:
            handle, target = tempfile.mkstemp(suffix=".csv")
            os.close(handle)
        try:
            rows = export_to_path(plan, target, progress=progress)
            if to_stdout:
                with open(target, encoding="utf-8") as source:
                    for line in source:
                        self.stdout.write(line, ending="")
        finally:
            if to_stdout:
                os.unlink(target)
        seconds = time.monotonic() - started
        where = "standard output" if to_stdout else file
        log.write(f"\rExported {rows:,} {object} to {where} in {seconds:.1f} s.")

    @staticmethod
    def _actor(username: str | None) -> User:
        if username:
            actor = User.objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user named {username!r}.")
            return actor
        actor = User.objects.filter(role__key="admin", is_active=True).order_by("pk").first()
        if actor is None:
            raise CommandError("No active admin: give --user USERNAME.")
        return actor
