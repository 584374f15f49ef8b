"""``rapport import contacts|companies FILE``: import a CSV, Excel .xlsx or vCard file in the foreground, through
the same engine as the pages and the API (upload, mapping, batches, report), with a progress line."""

import json
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rapport.contacts.enums import ImportMatch, ImportMode
from rapport.contacts.imports import report, runner, services, uploads
from rapport.contacts.imports.selectors import report_rows
from rapport.core.errors import ApplicationError
from rapport.users.models import Team, User

OBJECT_TYPES = {"contacts": "contact", "contact": "contact", "companies": "company", "company": "company"}


def parse_mapping(value: str, headers: list[str]) -> dict[str, str]:
    """A JSON file (``{"column": "field"}``) or ``"column=field,column=field"``; other columns are ignored."""
    path = Path(value)
    if value.endswith(".json") or (path.is_file() and not value.count("=")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read the mapping file: {exc}") from None
        if not isinstance(data, dict):
            raise CommandError("The mapping file must hold a JSON object of column names and fields.")
        return {str(k): ("" if v in (None, "ignore") else str(v)) for k, v in data.items()}
    out = {}
    for part in value.split(","):
        if not part.strip():
            continue
        column, sep, target = part.rpartition("=")
        if not sep:
            raise CommandError(f"Write each mapping as column=field, not {part!r}.")
        out[column.strip()] = "" if target.strip() == "ignore" else target.strip()
    return out


class Command(BaseCommand):
    help = (
        "Import contacts or companies from a CSV, Excel .xlsx or vCard file, in the foreground. Columns are "
        "mapped automatically unless --mapping is given. Prints a progress line and the report's summary."
    )

    def add_arguments(self, parser):
        parser.add_argument("object_type", choices=["contacts", "companies"], help="What the file holds.")
        parser.add_argument("file", help="The file to import.")
        parser.add_argument("--mode", choices=list(ImportMode.values), default="create")
        parser.add_argument(
            "--match", choices=list(ImportMatch.values), default="",
            help="How update/upsert find existing records (contacts: email, phone, external_id, id; "
            "companies: domain, name, external_id, id).",
        )  # fmt: skip
        parser.add_argument(
            "--mapping", help='A JSON file {"column": "field"} or "column=field,column=field" (other columns are '
            "ignored); without it the columns are mapped automatically."
        )  # fmt: skip
        parser.add_argument("--tags", default="", help="Tags given to every imported record, comma-separated.")
        parser.add_argument("--owner", help="Username (or id) of the owner of every created record.")
        parser.add_argument("--team", help="Name (or id) of the team of every created record.")
        parser.add_argument("--format", choices=["csv", "xlsx", "vcf"], help="The file's format (default: detected).")
        parser.add_argument("--encoding", default="", help="The CSV's text encoding (default: detected).")
        parser.add_argument("--delimiter", default="", help="The CSV's delimiter: , ; | or tab (default: detected).")
        parser.add_argument("--user", help="Username of the user the import runs as (default: the first admin).")
        parser.add_argument("--workers", type=int, help="Processes cleaning rows (default: by file size and CPUs).")
        parser.add_argument("--report", help="Write the per-row report (CSV) to this file.")
        parser.add_argument("--show-mapping", action="store_true", help="Print the mapping and stop.")

    def handle(self, *args, **options):
        object_type = OBJECT_TYPES[options["object_type"]]
        source = Path(options["file"])
        if not source.is_file():
            raise CommandError(f"No such file: {source}")
        actor = self._actor(options.get("user"))
        settings = self._options(options)
        try:
            path, size = uploads.store_local(source)
            job = services.import_create(actor=actor, object_type=object_type, path=path, file_name=source.name,
                                         size=size, file_format=options.get("format") or "")  # fmt: skip
        except ApplicationError as exc:
            raise CommandError(self._message(exc)) from None
        try:
            data = {"mode": options["mode"], "match_on": options["match"], "options": settings}
            if options["encoding"] or options["delimiter"]:
                delimiter = "\t" if options["delimiter"] in ("tab", "\\t") else options["delimiter"]
                job = services.import_update(actor=actor, job=job,
                                             data={"encoding": options["encoding"], "delimiter": delimiter})  # fmt: skip
            if options.get("mapping"):
                data["mapping"] = parse_mapping(options["mapping"], job.headers)
            job = services.import_update(actor=actor, job=job, data=data)
            self.stdout.write(f"Import #{job.pk} of {job.file_name} ({job.file_format}), {len(job.headers)} columns:")
            for header, target in job.mapping.items():
                self.stdout.write(f"  {header} -> {target or '(ignored)'}")
            if options["show_mapping"]:
                services.import_discard(actor=actor, job=job)
                return
            services.import_start(actor=actor, job=job, background=False)
        except (ApplicationError, CommandError) as exc:
            services.import_discard(actor=actor, job=job)
            raise CommandError(self._message(exc) if isinstance(exc, ApplicationError) else str(exc)) from None
        started = time.monotonic()
        job = runner.run(job.pk, progress=self._progress(started), workers=options.get("workers"))
        elapsed = time.monotonic() - started
        if self._tty():
            self.stderr.write("")
        rate = job.processed_rows / elapsed if elapsed else 0
        self.stdout.write(
            f"{job.status.upper()}: {job.processed_rows:,} rows in {elapsed:.1f} s ({rate:,.0f} rows/s): "
            f"{job.created_count:,} created, {job.updated_count:,} updated, {job.skipped_count:,} skipped, "
            f"{job.failed_count:,} failed."
        )
        if job.error:
            self.stdout.write(f"Error: {job.error}")
        for row in report_rows(job=job, outcome="failed")[:10]:
            self.stdout.write(f"  row {row.row_number}: {row.message}")
        if job.failed_count > 10:
            self.stdout.write(f"  ... and {job.failed_count - 10:,} more failed rows (see --report).")
        if options.get("report"):
            with open(options["report"], "w", encoding="utf-8", newline="") as out:
                for chunk in report.csv_lines(job):
                    out.write(chunk)
            self.stdout.write(f"Report written to {options['report']}.")
        if job.status != "done":
            raise CommandError(f"The import did not finish: {job.error or job.status}")

    def _actor(self, username):
        users = User.objects.filter(is_active=True).select_related("role")
        actor = (
            users.filter(username=username).first()
            if username
            else users.filter(role__key="admin").order_by("pk").first()
        )
        if actor is None:
            raise CommandError(
                f"No active user {username!r}." if username else "Create an admin first, or give --user."
            )
        return actor

    def _options(self, options) -> dict:
        out = {"tags": [t for t in options["tags"].split(",") if t.strip()]}
        if options.get("owner"):
            value = options["owner"]
            user = User.objects.filter(username=value).first() or (
                User.objects.filter(pk=int(value)).first() if value.isdigit() else None
            )
            if user is None:
                raise CommandError(f"No user {value!r}.")
            out["owner"] = user.pk
        if options.get("team"):
            value = options["team"]
            team = Team.objects.filter(name__iexact=value).first() or (
                Team.objects.filter(pk=int(value)).first() if value.isdigit() else None
            )
            if team is None:
                raise CommandError(f"No team {value!r}.")
            out["team"] = team.pk
        return out

    def _tty(self) -> bool:
        return sys.stderr.isatty()

    def _progress(self, started: float):
        last = [0.0]

        def show(job):
            now = time.monotonic()
            if now - last[0] < 0.5 and job.processed_rows != job.total_rows:
                return
            last[0] = now
            total = f"/{job.total_rows:,}" if job.total_rows else ""
            rate = job.processed_rows / (now - started) if now > started else 0
            line = (
                f"{job.processed_rows:,}{total} rows, {job.created_count + job.updated_count:,} written, "
                f"{job.failed_count:,} failed ({rate:,.0f} rows/s)"
            )
            if self._tty():
                self.stderr.write("\r" + line, ending="")
            else:
                self.stderr.write(line)

        return show

    @staticmethod
    def _message(exc: ApplicationError) -> str:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items() if k != "file")
        return f"{exc.message} {details}".strip()
