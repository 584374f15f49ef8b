"""Candidate pairs: only records that share a blocking key are compared, so the work grows about linearly with
the number of records instead of with its square.

Each record gets several keys, each built to survive the corruptions the others do not: a canonical email, a
phone, the date of birth (with day and month in either order) and a name initial, the phonetic code (NYSIIS) of
the last name with the first initial or the year of birth, the same with first and last name swapped, the
postcode and house number. A true pair is missed only when every one of its keys differs.

A key shared by too many records (a common name in one year, a building with hundreds of tenants) would cost a
quadratic number of pairs: such a block is sorted by the records' other values and only neighbours within a
window are paired (sorted neighbourhood), which bounds the work per block.
"""

import random
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

import jellyfish

from .records import Person

MAX_BLOCK = 60  # a block of more records is paired within a sliding window instead of all with all
WINDOW = 20
TRAINING_PAIRS = 300_000  # pairs per training round


def _phonetic(name: str) -> str:
    return jellyfish.nysiis(name.split()[-1]) if name else ""


def keys(p: Person) -> set[str]:
    out = {f"e:{e}" for e in p.emails} | {f"p:{ph}" for ph in p.phones}
    first, last = p.first, p.last
    initials = {x[:1] for x in (first, last) if x}
    if p.birth is not None:
        md = "".join(sorted((f"{p.birth.month:02d}", f"{p.birth.day:02d}")))
        out |= {f"b:{p.birth.year}{md}{i}" for i in initials} or {f"b:{p.birth.year}{md}"}
    code_last, code_first = _phonetic(last), _phonetic(first)
    if code_last:
        out.add(f"n:{code_last}:{first[:1]}")
        if p.birth is not None:
            out.add(f"y:{code_last}:{p.birth.year}")
    if code_first and last:
        out.add(f"n:{code_first}:{last[:1]}")  # first and last name swapped
        if p.birth is not None:
            out.add(f"y:{code_first}:{p.birth.year}")
    if code_last and code_first:
        out.add(f"f:{''.join(sorted((code_first, code_last)))}")  # both names, in either order
    for a in p.addresses:
        if a.postcode and a.number:
            out.add(f"a:{a.postcode}:{a.number}")
    return out


def _blocks(people: Sequence[Person], keys_of) -> dict[str, list[int]]:
    """Key -> the indexes of the records having it."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, p in enumerate(people):
        for key in keys_of(p):
            blocks[key].append(index)
    return blocks


def _order(p: Person) -> tuple:
    return (p.last, p.first, p.birth.isoformat() if p.birth else "", p.emails[:1], p.phones[:1])


def candidate_pairs(people: Sequence[Person]) -> Iterator[tuple[int, int]]:
    """Each pair of indexes ``(i, j)``, ``i < j``, sharing a key, once."""
    blocks = _blocks(people, keys)
    seen: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) < 2:
            continue
        for pair in _pairs_in_block(members, people):
            if pair not in seen:
                seen.add(pair)
                yield pair


def _pairs_in_block(members: list[int], people: Sequence[Person]) -> Iterable[tuple[int, int]]:
    if len(members) <= MAX_BLOCK:
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                i, j = members[x], members[y]
                yield (i, j) if i < j else (j, i)
        return
    ordered = sorted(members, key=lambda i: _order(people[i]))
    for x in range(len(ordered)):
        for y in range(x + 1, min(x + 1 + WINDOW, len(ordered))):
            i, j = ordered[x], ordered[y]
            yield (i, j) if i < j else (j, i)


def _training_keys(p: Person, what: str) -> set[str]:
    if what == "birth":
        return {p.birth.isoformat()} if p.birth else set()
    if what == "name":
        return {f"{_phonetic(p.last)}:{p.first[:1]}"} if p.last and p.first else set()
    return {f"e:{e}" for e in p.emails} | {f"p:{ph}" for ph in p.phones}


def pairs_sharing(
    people: Sequence[Person], what: str, *, limit: int = TRAINING_PAIRS, seed: int = 0
) -> list[tuple[int, int]]:
    """Pairs of records with the same date of birth (``birth``), the same sound of last name and first initial
    (``name``) or an email or phone in common (``contact``): the pairs the model learns from. At most ``limit``,
    from blocks taken in random order (EM needs a fair sample, not every pair)."""
    blocks = _blocks(people, lambda p: _training_keys(p, what))
    shared = [members for members in blocks.values() if len(members) > 1]
    random.Random(seed).shuffle(shared)  # noqa: S311 - a sample, not a secret
    out: set[tuple[int, int]] = set()
    for members in shared:
        out.update(_pairs_in_block(members, people))
        if len(out) >= limit:
            break
    return sorted(out)
