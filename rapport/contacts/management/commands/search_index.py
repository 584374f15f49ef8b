"""``rapport search_index``: the state of the global search index; ``--rebuild`` builds it again from every
record (after loading data behind the services' back, e.g. with raw SQL)."""

import time

from django.core.management.base import BaseCommand

from rapport.contacts.search import indexing, registry
from rapport.contacts.search.backends import get_backend


class Command(BaseCommand):
    help = "Show the search index's size, or rebuild it from every contact and company (--rebuild)."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Empty the index and build it again.")

    def handle(self, *args, rebuild=False, verbosity=1, **options):
        if rebuild:
            started = time.perf_counter()
            out = self.stdout.write if verbosity > 1 else None
            counts = indexing.rebuild(out=out)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Search index rebuilt in {time.perf_counter() - started:.1f} s: {_describe(counts)}."
                )
            )
            return
        counts = {t.key: 0 for t in registry.ordered()} | get_backend().counts()
        self.stdout.write(f"Search index: {_describe(counts)}.")


def _describe(counts: dict) -> str:
    return ", ".join(f"{n:,} {key}" for key, n in sorted(counts.items())) or "empty"
