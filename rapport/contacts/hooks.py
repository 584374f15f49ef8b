"""Keeping derived data in step with contacts and companies: services call ``records_changed`` after every
write, in the same transaction. Other parts (the search index) register what they need to refresh."""

from collections.abc import Callable

_LISTENERS: list[Callable[[str, list[int]], None]] = []


def on_records_changed(listener: Callable[[str, list[int]], None]) -> None:
    _LISTENERS.append(listener)


def records_changed(object_type: str, ids: list[int]) -> None:
    """Contacts or companies ``ids`` were created, changed or deleted."""
    for listener in _LISTENERS:
        listener(object_type, ids)
