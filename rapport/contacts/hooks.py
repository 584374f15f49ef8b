"""Keeping derived data in step with contacts and companies: services call ``records_changed`` after every
write, in the same transaction. Other parts (the search index) register what they need to refresh.

Work that writes many records one by one (bulk upserts, bulk actions) runs inside ``batch()``: the
``records_changed`` calls are collected and each listener hears once per object type, with every id, when the
batch ends (still inside the caller's transaction)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_LISTENERS: list[Callable[[str, list[int]], None]] = []

# {object_type: {id: None}} (ordered, without repeats) while a batch collects; None otherwise.
_pending: ContextVar[dict[str, dict[int, None]] | None] = ContextVar("rapport_records_changed", default=None)


def on_records_changed(listener: Callable[[str, list[int]], None]) -> None:
    _LISTENERS.append(listener)


def records_changed(object_type: str, ids: list[int]) -> None:
    """Contacts or companies ``ids`` were created, changed or deleted."""
    pending = _pending.get()
    if pending is not None:
        pending.setdefault(object_type, {}).update(dict.fromkeys(ids))
        return
    _notify(object_type, list(ids))


@contextmanager
def batch() -> Iterator[None]:
    """Collect ``records_changed`` calls and tell the listeners once per object type on leaving without an
    error. Nested batches are part of the outermost one. Leaving with an error tells nobody: the caller's
    transaction is rolled back, and with it the changes."""
    if _pending.get() is not None:
        yield
        return
    token = _pending.set({})
    try:
        yield
        collected = _pending.get()
    finally:
        _pending.reset(token)
    for object_type, ids in collected.items():
        if ids:
            _notify(object_type, list(ids))


def _notify(object_type: str, ids: list[int]) -> None:
    for listener in _LISTENERS:
        listener(object_type, ids)
