"""The sections of the contact and company cards that other apps contribute (deals, tickets, campaigns, scores).

An app registers a section once, at start-up (in its ``AppConfig.ready``)::

    from rapport.contacts import card

    card.register_section(
        "deals", title="Deals", object_types=("contact", "company"), order=20,
        template="sales/_card_deals.html", context=lambda request, record, object_type: {...},
    )

The card renders only registered sections, in ``order``; a section whose ``context`` returns ``None`` is left
out for that record (nothing to show, or nothing the user may see), so a card never shows an empty placeholder.
The template is included with the card's context plus ``section`` (the section) and ``data`` (what
``context`` returned). A section that is slow to compute can give ``url`` instead of a template: the card then
loads it with htmx after the page (``url(record, object_type)`` answers an HTML fragment).

``context`` runs on every card view: keep it to a fixed number of queries, whatever the record's history.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

OBJECT_TYPES = ("contact", "company")
PLACEMENTS = ("main", "side")


@dataclass(frozen=True)
class CardSection:
    key: str
    title: str
    object_types: tuple[str, ...]
    template: str | None = None
    context: Callable[[Any, Any, str], dict | None] | None = None
    url: Callable[[Any, str], str] | None = None
    order: int = 100
    placement: str = "main"


@dataclass
class RenderedSection:
    section: CardSection
    data: dict = field(default_factory=dict)
    url: str | None = None

    @property
    def key(self) -> str:
        return self.section.key

    @property
    def title(self) -> str:
        return self.section.title

    @property
    def template(self) -> str | None:
        return self.section.template


_SECTIONS: dict[str, CardSection] = {}


def register_section(
    key: str,
    *,
    title: str,
    object_types: tuple[str, ...] = OBJECT_TYPES,
    template: str | None = None,
    context: Callable[[Any, Any, str], dict | None] | None = None,
    url: Callable[[Any, str], str] | None = None,
    order: int = 100,
    placement: str = "main",
) -> CardSection:
    """Add (or replace) a card section. Give a ``template`` (with an optional ``context``) or a ``url``."""
    if (template is None) == (url is None):
        raise ValueError("A card section has either a template or a url.")
    unknown = set(object_types) - set(OBJECT_TYPES)
    if unknown or not object_types:
        raise ValueError(f"Card sections are for {', '.join(OBJECT_TYPES)}.")
    if placement not in PLACEMENTS:
        raise ValueError(f"Place a card section in one of: {', '.join(PLACEMENTS)}.")
    section = CardSection(key, title, tuple(object_types), template, context, url, order, placement)
    _SECTIONS[key] = section
    return section


def unregister_section(key: str) -> None:
    _SECTIONS.pop(key, None)


def registered(object_type: str) -> list[CardSection]:
    return sorted((s for s in _SECTIONS.values() if object_type in s.object_types), key=lambda s: (s.order, s.key))


def sections_for(request, record, object_type: str) -> dict[str, list[RenderedSection]]:
    """The sections to show on this record's card, by placement (``main``, ``side``)."""
    out: dict[str, list[RenderedSection]] = {p: [] for p in PLACEMENTS}
    for section in registered(object_type):
        if section.url is not None:
            out[section.placement].append(RenderedSection(section, url=section.url(record, object_type)))
            continue
        data = section.context(request, record, object_type) if section.context else {}
        if data is None:
            continue
        out[section.placement].append(RenderedSection(section, data=data))
    return out
