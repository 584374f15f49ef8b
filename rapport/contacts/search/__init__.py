"""Global search over contacts and companies (and, as they register, deals and tickets).

One entry point whatever the database: ``search(actor=, q=, types=, limit=)`` for the search box, the
``/api/v1/search`` route and the results page; ``filter_queryset`` for the lists' ``q``. The index is kept in
step by the ``records_changed`` hook (``indexing``); ``rapport search_index --rebuild`` builds it again.
SQLite uses FTS5, PostgreSQL a tsvector with GIN and pg_trgm (``backends``).
"""

from .engine import Hit, acl_for, filter_queryset, search
from .indexing import rebuild, reindex
from .registry import Document, SearchType, register

__all__ = [
    "Document",
    "Hit",
    "SearchType",
    "acl_for",
    "filter_queryset",
    "rebuild",
    "register",
    "reindex",
    "search",
    "setup",
]

_READY = False


def setup() -> None:
    """Called once from the contacts app's ready(): register contacts and companies, keep the index in step
    with their writes, use this search for the lists' ``q``, and build the index after a migration that
    finds records but no index (an upgrade)."""
    global _READY
    if _READY:
        return
    _READY = True
    from functools import partial

    from django.db.models.signals import post_migrate

    from .. import hooks
    from ..selectors.lists import LIST_SPECS
    from . import documents, indexing

    documents.register_builtin()
    hooks.on_records_changed(indexing.on_records_changed)
    for key in ("contact", "company"):
        LIST_SPECS[key].search = partial(filter_queryset, object_type=key)
    post_migrate.connect(_build_if_missing, dispatch_uid="rapport.contacts.search.build_if_missing")


def _build_if_missing(sender, app_config=None, using="default", verbosity=1, **kwargs) -> None:
    """After migrating: build an index that is missing (records but no documents: an upgrade), empty one left
    over by records deleted wholesale (``flush``: no records but documents)."""
    if app_config is None or app_config.label != "contacts":
        return
    from django.db import connections

    from .backends import DOC_TABLE, get_backend
    from .registry import TYPES

    if using != "default" or DOC_TABLE not in connections[using].introspection.table_names():
        return  # another database, or migrated backwards past the index
    backend = get_backend()
    records = any(t.model._default_manager.exists() for t in TYPES.values())
    documents = backend.has_documents()
    if documents and not records:
        backend.clear()
    elif records and not documents:
        if verbosity:
            print("  Building the search index ...")
        counts = rebuild()
        if verbosity:
            print("  Search index: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
