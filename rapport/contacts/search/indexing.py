"""Keeping the index in step with the records.

Services call ``hooks.records_changed(object_type, ids)`` in the transaction of every write (create, update,
delete, reassign, bulk actions, imports); ``reindex`` rebuilds those records' documents a batch at a time (a
few queries per batch, whatever its size), removes those of records that are gone, and rebuilds the documents
that show them (a company's contacts). ``rebuild`` starts the whole index again, after loading data behind the
services' back (``rapport search_index --rebuild``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from django.db import transaction

from . import registry, text
from .backends import get_backend
from .registry import Document

BATCH = 1000  # records per documents() call while re-indexing changes
REBUILD_BATCH = 5000


def _ids(ids: Iterable) -> list[int]:
    out = set()
    for i in ids:
        try:
            out.add(int(i))
        except (TypeError, ValueError):
            continue
    return sorted(out)


_provided = threading.local()


@contextmanager
def documents_provided(object_type: str, docs: list[Document]):
    """Within this block, re-indexing these records uses ``docs`` (built by the caller from the values it has
    just written: an import's batch) instead of reading the records back to build them."""
    given = getattr(_provided, "docs", None)
    if given is None:
        given = _provided.docs = {}
    given.update({(object_type, d.object_id): d for d in docs})
    try:
        yield
    finally:
        for d in docs:
            given.pop((object_type, d.object_id), None)


def _documents(stype, ids: list[int]) -> list[Document]:
    given = getattr(_provided, "docs", None)
    if not given:
        return stype.documents(ids)
    docs = [d for d in (given.get((stype.key, i)) for i in ids) if d is not None]
    if len(docs) < len(ids):
        have = {d.object_id for d in docs}
        docs += stype.documents([i for i in ids if i not in have])
    return docs


def reindex(object_type: str, ids: Iterable, *, _done: frozenset = frozenset()) -> int:
    """Refresh the documents of these records (and of those showing them); returns how many were written."""
    stype = registry.TYPES.get(object_type)
    ids = _ids(ids)
    if stype is None or not ids:
        return 0
    backend = get_backend()
    written = 0
    with transaction.atomic():
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            docs = _documents(stype, chunk)
            backend.replace(stype, chunk, docs)
            written += len(docs)
        done = _done | {object_type}
        for dependent in registry.dependents_of(object_type):
            if dependent.key not in done:
                written += reindex(dependent.key, backend.related_ids(dependent, ids), _done=done)
    return written


def on_records_changed(object_type: str, ids: list[int]) -> None:
    """The listener registered with ``hooks.on_records_changed``."""
    reindex(object_type, ids)


def rebuild(*, out: Callable[[str], None] | None = None) -> dict[str, int]:
    """Empty the index and build it again from every record of every searchable type, in one transaction
    (searches meanwhile see the old index). Returns how many documents of each type were written."""
    backend = get_backend()
    counts = {}
    words: set[str] = set()
    started = time.perf_counter()
    with transaction.atomic(), backend.bulk_load():
        for stype in registry.ordered():
            manager = stype.model._default_manager
            last, n = 0, 0
            while True:
                ids = list(manager.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:REBUILD_BATCH])
                if not ids:
                    break
                docs = stype.documents(ids)
                backend.bulk_insert(stype, docs)
                words |= text.vocabulary_words(t for d in docs for t in (*d.name, *d.related, *d.extra))
                n += len(docs)
                last = ids[-1]
                if out and n % 100_000 < REBUILD_BATCH:
                    out(f"  {stype.label.lower()}: {n:,} ({time.perf_counter() - started:.0f} s)")
            counts[stype.key] = n
        backend.bulk_words(words)
        counts["words"] = len(words)
    return counts


def is_empty() -> bool:
    return not get_backend().has_documents()
