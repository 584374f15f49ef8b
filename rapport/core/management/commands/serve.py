"""``rapport serve``: the production web server (gunicorn), static files included (whitenoise)."""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def default_workers() -> int:
    return max(2, min(2 * (os.cpu_count() or 1) + 1, 9))


class Command(BaseCommand):
    help = "Run Rapport's production web server."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", default_workers())))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "4")))
        parser.add_argument("--no-collectstatic", action="store_true", help="Static files are already collected.")

    def handle(self, *args, host, port, workers, threads, no_collectstatic, **options):
        from gunicorn.app.base import BaseApplication

        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)

        from rapport.wsgi import application

        class Server(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", f"{host}:{port}")
                self.cfg.set("workers", workers)
                self.cfg.set("threads", threads)
                self.cfg.set("worker_class", "gthread")
                self.cfg.set("timeout", 60)
                self.cfg.set("graceful_timeout", 20)
                self.cfg.set("accesslog", None)  # request lines carry personal data in query strings
                self.cfg.set("errorlog", "-")
                self.cfg.set("forwarded_allow_ips", os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"))

            def load(self):
                return application

        self.stdout.write(f"Rapport is serving on http://{host}:{port} ({workers} workers, DEBUG={settings.DEBUG})")
        Server().run()
