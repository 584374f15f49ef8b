"""``rapport worker``: run background tasks and the periodic scheduler (see docs/background-work.md)."""

import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from rapport.core import worker as workers


class Command(BaseCommand):
    help = "Run background tasks (database or Redis/RQ backend, per TASKS_BACKEND) and the periodic scheduler."

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue-name",
            default="*",
            help="Queues to process, comma-separated; '*' for all (default).",
        )
        parser.add_argument("--worker-id", default=None, help="Unique across all workers (default: host-pid-random).")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls when idle (database).")
        parser.add_argument("--batch", action="store_true", help="Run what is ready, then exit.")
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after this many tasks.")
        parser.add_argument(
            "--lease-seconds",
            type=float,
            default=None,
            help="A worker silent this long is taken for dead (default: WORKER_LEASE_SECONDS).",
        )
        parser.add_argument(
            "--maintenance-seconds",
            type=float,
            default=None,
            help="Seconds between lease recovery / outbox relay / scheduler passes (default: WORKER_MAINTENANCE_SECONDS).",
        )
        parser.add_argument("--no-scheduler", action="store_true", help="Do not enqueue periodic tasks from here.")

    def handle(self, *args, queue_name, worker_id, interval, batch, max_tasks, lease_seconds, **options):
        self._configure_logging(options["verbosity"])
        if worker_id is not None and not 0 < len(worker_id) <= 64:
            raise CommandError("--worker-id must be 1 to 64 characters.")
        if lease_seconds is not None and lease_seconds <= 0:
            raise CommandError("--lease-seconds must be positive.")
        queue_names = [name for name in queue_name.split(",") if name]
        common = {
            "worker_id": worker_id,
            "max_tasks": max_tasks,
            "lease": lease_seconds,
            "maintenance_interval": options["maintenance_seconds"],
            "run_scheduler": not options["no_scheduler"],
        }
        if workers.is_database_backend():
            worker = workers.Worker(queue_names=queue_names, interval=interval, batch=batch, **common)
            self.stdout.write(f"Worker {worker.worker_id} (database backend, lease {worker.lease:g}s) started")
            worker.configure_signals()
            worker.run()
        elif workers.rq_backends():
            self.stdout.write(f"RQ worker started (Redis backend, lease {settings.WORKER_LEASE_SECONDS}s)")
            workers.run_rq_worker(queue_names=queue_names, burst=batch, **common)
        else:
            raise CommandError(f"TASKS_BACKEND={settings.TASKS_BACKEND} runs tasks without a worker.")

    def _configure_logging(self, verbosity: int) -> None:
        level = logging.WARNING if verbosity == 0 else logging.DEBUG if verbosity > 1 else logging.INFO
        for name in ("rapport.core", "django_tasks", "django_tasks_db", "rq.worker"):
            logging.getLogger(name).setLevel(level)
