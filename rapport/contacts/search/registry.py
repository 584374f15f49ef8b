"""The kinds of record global search finds. Contacts and companies register here when the app is ready; deals
and tickets register the same way (``register(SearchType(...))``) and are then indexed and searched like them.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

MAX_CODE = 15
ID_BITS = 40  # a document's id is ``code << 40 | object_id``: each type's documents are one range of ids


@dataclass
class Document:
    """What the index holds about one record. Text fields are lists of tokens (see ``text.tokens``)."""

    object_id: int
    owner_id: int | None
    team_id: int | None
    title: str
    subtitle: str = ""
    name: list[str] = field(default_factory=list)  # the record's own name: ranks first
    contact: list[str] = field(default_factory=list)  # emails, domains
    phone: list[str] = field(default_factory=list)  # phone numbers as digit strings
    related: list[str] = field(default_factory=list)  # the record it belongs to (a contact's company)
    extra: list[str] = field(default_factory=list)  # anything else worth finding it by (job title)
    related_id: int | None = None  # the id of that record (of the type's ``related_type``)


@dataclass(frozen=True)
class SearchType:
    """A searchable object type.

    ``key`` is its record-access object type (``rapport.users.access``): the index keeps each document's owner
    and team so that search answers within the reader's scope, as that module defines it.
    ``code`` (1-15) is stable: it is part of the index's row ids (object ids up to 2**40). ``documents(ids)`` returns the documents of
    the records among ``ids`` that exist (a few queries for the whole batch, never one per record); those
    absent are removed from the index. ``related_type``: the type whose changes this type's documents show
    (a contact shows its company's name): when such a record changes, the documents pointing to it are rebuilt.
    """

    key: str
    code: int
    label: str
    model: type
    documents: Callable[[list[int]], list[Document]]
    url: Callable[[int], str]
    related_type: str | None = None
    order: int = 0  # where it comes in the results page (lower first)
    noun: str = ""  # one of them, for labels ("Contact")

    def doc_id(self, object_id: int) -> int:
        return (self.code << ID_BITS) | int(object_id)

    @property
    def doc_ids(self) -> tuple[int, int]:
        """The first and last document id of this type."""
        return self.code << ID_BITS, ((self.code + 1) << ID_BITS) - 1


TYPES: dict[str, SearchType] = {}


def register(search_type: SearchType) -> SearchType:
    if not 1 <= search_type.code <= MAX_CODE:
        raise ValueError(f"Search type codes are 1-{MAX_CODE}.")
    for other in TYPES.values():
        if other.code == search_type.code and other.key != search_type.key:
            raise ValueError(f"Search type code {search_type.code} is taken by {other.key}.")
    TYPES[search_type.key] = search_type
    return search_type


def get(key: str) -> SearchType:
    return TYPES[key]


def by_code(code: int) -> SearchType | None:
    return next((t for t in TYPES.values() if t.code == code), None)


def dependents_of(key: str) -> list[SearchType]:
    return [t for t in TYPES.values() if t.related_type == key]


def ordered(keys: Iterable[str] | None = None) -> list[SearchType]:
    chosen = TYPES.values() if keys is None else [TYPES[k] for k in keys if k in TYPES]
    return sorted(chosen, key=lambda t: (t.order, t.code))
