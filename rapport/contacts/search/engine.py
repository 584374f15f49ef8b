"""Searching: what someone typed -> ranked hits within their record access, and the ``q`` filter of the lists.

A query is tried in steps, each only if the previous ones found too few records of a type:

1. every word whole (``john smith``),
2. the last word as a prefix, the word being typed (``john smi``),
3. every word as a prefix (``jo smi``),
4. when none of these found anything: every word also as its typo corrections from the vocabulary
   (``jon smth`` -> ``john smith``).

Each step asks the index for a bounded number of rows (no database-side ranking of every match, which costs
what the matches cost), with the reader's record access inside the index query. The candidates are then
ranked: the step that found them first (whole words above prefixes above corrections), then how close the
query is to the record's name, or, less, to its emails, company or phones (rapidfuzz).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.expressions import RawSQL
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from rapport.users import access
from rapport.users.enums import Operation, Scope

from . import registry, text
from .backends import Acl, AllOf, Backend, Match, Term, get_backend
from .registry import SearchType

MAX_LIMIT = 100
MAX_CORRECTIONS = 10  # per word

EXACT, TYPING, PREFIX, FUZZY = "exact", "typing", "prefix", "fuzzy"
BASE = {EXACT: 0.72, TYPING: 0.6, PREFIX: 0.55, FUZZY: 0.3}  # + up to 0.28 for closeness: 0 < score <= 1
CLOSENESS = 0.28


@dataclass
class Hit:
    type: str
    id: int
    title: str
    subtitle: str
    url: str
    score: float
    step: str = EXACT


# --- record access ------------------------------------------------------------------------------------------


def acl_for(actor, object_type: str) -> Acl:
    """The reader's read scope of a type as index terms: exactly what ``access.scope_filter`` lets through."""
    spec = access.OBJECT_TYPES[object_type]
    scope = access.scope_of(actor, object_type, Operation.READ)
    if scope == Scope.ALL:
        return Acl(everything=True)
    if scope not in (Scope.OWN, Scope.TEAM):
        return Acl()
    own = (actor.pk,) if spec.owner_path else ()
    if scope == Scope.TEAM and spec.team_path and actor.team_id:
        if spec.owner_path and spec.team_path == f"{spec.owner_path}__team":
            from rapport.users.models import User

            members = set(User.objects.filter(team_id=actor.team_id).values_list("pk", flat=True))
            return Acl(owners=tuple(sorted(members | {actor.pk})))
        return Acl(owners=own, teams=(actor.team_id,))
    return Acl(owners=own)


# --- the steps ---------------------------------------------------------------------------------------------------


def _match(query: text.Query, *, prefix_last=False, prefix_all=False, corrections=None) -> Match:
    groups = []
    last = len(query.words) - 1
    for i, word in enumerate(query.words):
        prefix = prefix_all or (prefix_last and i == last)
        terms = [Term(t, prefix and text.can_prefix(t)) for t in (word.token, *word.alternatives)]
        if word.parts:
            *head, tail = word.parts
            terms.append(AllOf((*(Term(p) for p in head), Term(tail, prefix and text.can_prefix(tail)))))
        if corrections:
            terms += [Term(c) for c in corrections.get(word.token, ())]
        groups.append(tuple(dict.fromkeys(terms)))
    return Match(tuple(groups))


def corrections(backend: Backend, query: text.Query) -> dict[str, list[str]]:
    """Per word, the vocabulary words one typo away (two for words of six letters or more), closest first."""
    if query.phone:
        return {}
    words = [w.token for w in query.words if w.token.isalpha() and len(w.token) >= text.FUZZY_MIN]
    if not words:
        return {}
    out = {}
    for word, found in backend.similar_words(words).items():
        allowed = 1 if len(word) < 6 else 2
        scored = []
        for term in found:
            if term == word:
                continue
            distance = OSA.distance(word, term, score_cutoff=allowed)
            if distance <= allowed:
                scored.append((distance, abs(len(term) - len(word)), term))
        if scored:
            out[word] = [t for _d, _l, t in sorted(scored)[:MAX_CORRECTIONS]]
    return out


def _steps(query: text.Query):
    """``(step, match)`` pairs in order, without repeats; the fuzzy step comes separately (it needs a lookup).
    A lone letter only matches whole (an initial): as a prefix it would match a tenth of everything."""
    if len(query.words) == 1 and len(query.words[0].token) < 2:
        yield EXACT, _match(query)
        return
    seen = set()
    for step, match in (
        (EXACT, _match(query)),
        (TYPING, _match(query, prefix_last=True)),
        (PREFIX, _match(query, prefix_all=True)),
    ):
        if match not in seen:
            seen.add(match)
            yield step, match


# --- ranking -----------------------------------------------------------------------------------------------------


def _word_closeness(words: list[str], field_tokens: list[str]) -> float:
    """0-1: how well the query's words match a field's words: a whole word 1, a prefix by how much of the word
    it is (``joh``: John above Johnson), a near word by its similarity."""
    if not field_tokens:
        return 0.0
    total = 0.0
    for word in words:
        best = 0.0
        for token in field_tokens:
            if token == word:
                best = 1.0
                break
            if token.startswith(word):
                best = max(best, 0.7 + 0.3 * len(word) / len(token))
            elif best < 0.7:
                best = max(best, fuzz.ratio(word, token, score_cutoff=60) / 100 * 0.8)
        total += best
    return total / len(words)


def _closeness(query: text.Query, row) -> float:
    """0-1: how close the query is to the record's name, or (counting less) to its other fields."""
    _id, _oid, title, _subtitle, name, contact, phone, related, extra = row
    if query.phone:
        keys = {query.words[0].token, *query.words[0].alternatives}
        return 1.0 if keys & set(phone.split()) else 0.9
    words = [p for w in query.words for p in (w.parts or [w.token])]
    best = 0.85 * _word_closeness(words, name.split()) + 0.15 * fuzz.ratio(query.text, text.fold(title)) / 100
    if best < 0.8:
        for field_text, weight in ((contact, 0.8), (related, 0.75), (extra, 0.6)):
            if field_text:
                best = max(best, weight * _word_closeness(words, field_text.split()))
    return best


# --- searching ---------------------------------------------------------------------------------------------------


def search(*, actor, q, types: Iterable[str] | None = None, limit: int = 20) -> list[Hit]:
    """The records best matching ``q`` among ``types`` (default: all searchable types) that ``actor`` may
    read, best first. Never fails on odd input: an empty or unreadable query finds nothing."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    query = text.parse(q)
    if not query:
        return []
    backend = get_backend()
    chosen = registry.ordered(types)
    acls = {t.key: acl_for(actor, t.key) for t in chosen}
    chosen = [t for t in chosen if not acls[t.key].nothing]
    found: dict[str, dict[int, tuple]] = {t.key: {} for t in chosen}  # type -> doc id -> (step, row)

    def run(step: str, match: Match) -> None:
        short = [t for t in chosen if len(found[t.key]) < limit]
        if not short:
            return
        asked = limit + max(len(found[t.key]) for t in short)  # rows found by earlier steps come again
        for key, rows in backend.find_types(short, match, acls, asked).items():
            seen = found[key]
            for row in rows:
                if row[0] not in seen:
                    seen[row[0]] = (step, row)

    for step, match in _steps(query):
        run(step, match)
    if not any(found.values()):  # nothing as typed: maybe a typo
        fixes = corrections(backend, query)
        if fixes:
            run(FUZZY, _match(query, prefix_all=True, corrections=fixes))
    hits = []
    for stype in chosen:
        visible = _still_visible(actor, stype, [row[1] for _step, row in found[stype.key].values()])
        for step, row in found[stype.key].values():
            if row[1] not in visible:
                continue
            score = round(BASE[step] + CLOSENESS * _closeness(query, row), 4)
            hits.append(Hit(stype.key, row[1], row[2], row[3], stype.url(row[1]), score, step))
    order = {t.key: i for i, t in enumerate(chosen)}
    hits.sort(key=lambda h: (-h.score, order[h.type], -h.id))
    return hits[:limit]


def _still_visible(actor, stype: SearchType, ids: list[int]) -> set[int]:
    """The ids among ``ids`` that exist and are readable now. The index already answered within the reader's
    scope; this guards against an index that missed a change (one indexed query per type)."""
    if not ids:
        return set()
    # The scope as a correlated EXISTS on the row's own key: the ids drive the query. Side by side with the id
    # list, SQLite without statistics serves a team scope (owner = me OR team = mine) from the owner and team
    # indexes, reading every record of the team (30 ms for 50,000) to keep a handful.
    manager = stype.model._default_manager
    readable = access.scoped(manager.filter(pk=OuterRef("pk")), actor=actor, object_type=stype.key)
    found = manager.filter(pk__in=ids).filter(Exists(readable.order_by())).order_by()
    return set(found.values_list("pk", flat=True))


def filter_queryset(queryset: QuerySet, q, *, object_type: str) -> QuerySet:
    """``queryset`` restricted to the records matching ``q`` (every word as a prefix; when nothing matches so,
    with typo corrections). Its ordering is left alone."""
    stype = registry.get(object_type)
    query = text.parse(q)
    if not query:
        return queryset.none()
    backend = get_backend()
    match = _match(query, prefix_all=True)
    if not backend.exists(stype, match):
        fixes = corrections(backend, query)
        if fixes:
            match = _match(query, prefix_all=True, corrections=fixes)
    sql, params = backend.matching_sql(stype, match)
    return queryset.filter(pk__in=RawSQL(sql, params))  # noqa: S611 - the backend's SQL; the query is a parameter


def group_by_type(hits: list[Hit]) -> dict[str, list[Hit]]:
    out = defaultdict(list)
    for hit in hits:
        out[hit.type].append(hit)
    return dict(out)
