"""From scored pairs to duplicate clusters, and the whole scan of a set of records.

Clusters are the connected components of the pairs at or above the threshold. Chaining can join people who
were never compared (A~B, B~C), so a component bigger than ``MAX_CLUSTER`` is split: its weakest links are
dropped until every part is small enough. That bounds the work per cluster and keeps a run of near-namesakes
from becoming one huge "duplicate".
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import blocking
from .fellegi_sunter import Model, level_matrix, pair_weights, probability, train
from .records import Person

MAX_CLUSTER = 20


@dataclass(frozen=True)
class ScoredPair:
    i: int
    j: int
    weight: float
    probability: float


def clusters(n: int, links: Sequence[ScoredPair], *, max_size: int = MAX_CLUSTER) -> list[list[int]]:
    """Groups of two or more record indexes joined by ``links``, none bigger than ``max_size``."""
    ordered = sorted(links, key=lambda link: -link.weight)
    parent = list(range(n))
    size = [1] * n

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for link in ordered:  # strongest first: a link that would make a cluster too big is the weakest of its kind
        a, b = root(link.i), root(link.j)
        if a == b or size[a] + size[b] > max_size:
            continue
        if size[a] < size[b]:
            a, b = b, a
        parent[b] = a
        size[a] += size[b]
    groups: dict[int, list[int]] = {}
    for x in {i for link in links for i in (link.i, link.j)}:
        groups.setdefault(root(x), []).append(x)
    return [sorted(g) for g in groups.values() if len(g) > 1]


@dataclass
class Scan:
    model: Model
    candidates: int
    links: list[ScoredPair]
    clusters: list[list[int]]


def scan(people: Sequence[Person], *, threshold: float, model: Model | None = None, **training) -> Scan:
    """Learn a model from ``people`` (unless given), score their candidate pairs, cluster those at or above the
    ``threshold`` probability."""
    pairs = list(blocking.candidate_pairs(people))
    levels = level_matrix(people, pairs)
    model = model or train(people, pairs, levels=levels, **training)
    weights = pair_weights(people, pairs, model, levels)
    probabilities = probability(weights)
    keep = np.flatnonzero(probabilities >= threshold)
    links = [ScoredPair(pairs[k][0], pairs[k][1], float(weights[k]), float(probabilities[k])) for k in keep]
    return Scan(model=model, candidates=len(pairs), links=links, clusters=clusters(len(people), links))
