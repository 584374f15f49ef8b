"""The Fellegi-Sunter model of record linkage, its parameters learned from the records themselves.

For each comparison level, ``m`` is the probability of that level when the two records are the same person and
``u`` when they are not. A pair's evidence is the sum of log2(m / u) over the fields both records have (a missing
value adds nothing); with the prior odds that two records match it gives a match weight and a probability.

Learning needs no labels:
- ``u`` from random pairs, which are almost all different people;
- ``m`` and the share of matches among the candidate pairs by expectation-maximisation (EM) over the candidate
  pairs of blocking, with ``u`` held fixed (the usual practice, as in Splink: EM estimating ``u`` too drifts
  towards whatever splits the pairs best, which need not be identity).

Levels that depend on how common a value is (names) are adjusted by term frequency: agreeing on a name held by
one record in 10,000 is worth more than agreeing on a name held by one in 100 (``adjustment = Σf² / f(value)``,
the share of random agreeing pairs that agree on that value, as in Splink).
"""

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from . import blocking
from .comparisons import COMPARISONS, compare
from .records import Person

MISSING = -1
EM_ITERATIONS = 40
EM_TOLERANCE = 1e-5
U_SAMPLE_PAIRS = 200_000
PROBABILITY_FLOOR = 1e-6  # no level is impossible: one odd value must not veto a pair
MAX_FREQUENCY_FACTOR = 64.0  # a name's rarity moves its weight by at most 6 bits either way


@dataclass
class NameFrequencies:
    """How common each folded first and last name is among the records (relative frequencies), and Σf² of each
    (the chance that two random records agree on it)."""

    first: dict[str, float] = field(default_factory=dict)
    last: dict[str, float] = field(default_factory=dict)
    first_agree: float = 1.0
    last_agree: float = 1.0
    floor: float = 1.0

    @classmethod
    def of(cls, people: Sequence[Person]) -> "NameFrequencies":
        firsts = Counter(p.first for p in people if p.first)
        lasts = Counter(p.last for p in people if p.last)
        nf, nl = max(sum(firsts.values()), 1), max(sum(lasts.values()), 1)
        first = {k: v / nf for k, v in firsts.items()}
        last = {k: v / nl for k, v in lasts.items()}
        return cls(
            first=first,
            last=last,
            first_agree=sum(f * f for f in first.values()) or 1.0,
            last_agree=sum(f * f for f in last.values()) or 1.0,
            floor=1.0 / max(len(people), 1),
        )

    def adjustment(self, field_name: str, level: int, a: Person, b: Person) -> float:
        """The factor on the level's Bayes factor for the values of ``a`` and ``b`` (1 for levels not adjusted).
        Of two spellings the commoner counts ("Alba Fernández" and "Alba Fernández Fernández" agree as common as
        the first), and the factor is bounded: a rare name alone must not outweigh the other fields."""
        if field_name != "name":  # the callers ask only for the comparison's frequency levels
            return 1.0
        first = max(self.first.get(a.first, self.floor), self.first.get(b.first, self.floor))
        last = max(self.last.get(a.last, self.floor), self.last.get(b.last, self.floor))
        if level == 0:
            factor = self.first_agree * self.last_agree / (first * last)
        elif level == 5:
            factor = self.first_agree / first
        else:
            factor = self.last_agree / last
        return min(max(factor, 1 / MAX_FREQUENCY_FACTOR), MAX_FREQUENCY_FACTOR)


@dataclass(frozen=True)
class Contribution:
    field: str
    level: str
    weight: float  # log2 of the Bayes factor: > 0 for evidence of a match, < 0 against


@dataclass(frozen=True)
class Score:
    weight: float  # the match weight: log2 of the posterior odds
    probability: float
    contributions: tuple[Contribution, ...]


@dataclass
class Model:
    m: list[np.ndarray]
    u: list[np.ndarray]
    prior: float  # the probability that two records taken at random are the same person
    frequencies: NameFrequencies = field(default_factory=NameFrequencies)

    @classmethod
    def default(cls) -> "Model":
        """Sensible parameters before any learning: agreement likely for matches, rare for others."""
        m, u = [], []
        for comparison in COMPARISONS:
            n = len(comparison.levels)
            m.append(_normalised(np.array([0.9 * 0.35**i for i in range(n - 1)] + [0.05])))
            u.append(_normalised(np.array([0.002 * 3**i for i in range(n - 1)] + [0.95])))
        return cls(m=m, u=u, prior=1e-4)

    @property
    def prior_weight(self) -> float:
        return math.log2(self.prior / (1 - self.prior))

    def score(self, a: Person, b: Person, levels: Sequence[int | None] | None = None) -> Score:
        """One pair, with its explanation (``pair_weights`` weighs many pairs the same way)."""
        levels = compare(a, b) if levels is None else levels
        contributions, total = [], self.prior_weight
        for i, (comparison, level) in enumerate(zip(COMPARISONS, levels, strict=True)):
            if level is None or level == MISSING:
                continue
            bayes = self.m[i][level] / self.u[i][level]
            if level in comparison.frequency_levels:
                bayes *= self.frequencies.adjustment(comparison.field, level, a, b)
            weight = math.log2(bayes)
            total += weight
            contributions.append(Contribution(comparison.field, comparison.levels[level], round(weight, 2)))
        return Score(round(total, 3), float(probability(total)), tuple(contributions))


def pair_weights(
    people: Sequence[Person], pairs: Sequence[tuple[int, int]], model: Model, levels: np.ndarray | None = None
) -> np.ndarray:
    """The match weight of every pair: ``Model.score`` for many pairs at once, without the explanation."""
    if levels is None:
        levels = level_matrix(people, pairs)
    weights = np.full(len(pairs), model.prior_weight)
    for col, comparison in enumerate(COMPARISONS):
        table = np.log2(model.m[col] / model.u[col])
        column = levels[:, col]
        present = column != MISSING
        weights[present] += table[column[present]]
        if not comparison.frequency_levels:
            continue
        for row in np.flatnonzero(np.isin(column, list(comparison.frequency_levels))):
            a, b = people[pairs[row][0]], people[pairs[row][1]]
            weights[row] += math.log2(model.frequencies.adjustment(comparison.field, int(column[row]), a, b))
    return weights


def probability(weight):
    """The match probability of a match weight (a number or an array of them)."""
    return 1 / (1 + np.exp2(-np.clip(weight, -1000, 60)))


def _normalised(p: np.ndarray) -> np.ndarray:
    p = np.maximum(p, PROBABILITY_FLOOR)
    return p / p.sum()


def level_matrix(people: Sequence[Person], pairs: Sequence[tuple[int, int]]) -> np.ndarray:
    """The levels of every pair of ``people`` indexes (``MISSING`` where a value is missing), as int8."""
    out = np.full((len(pairs), len(COMPARISONS)), MISSING, dtype=np.int8)
    for row, (i, j) in enumerate(pairs):
        for col, level in enumerate(compare(people[i], people[j])):
            if level is not None:
                out[row, col] = level
    return out


def estimate_u(people: Sequence[Person], *, sample: int = U_SAMPLE_PAIRS, seed: int = 0) -> list[np.ndarray]:
    """``u`` of every level from random pairs (Laplace-smoothed level frequencies among non-missing values)."""
    n = len(people)
    rng = random.Random(seed)  # noqa: S311 - sampling pairs, not secrets
    if n < 2:
        return Model.default().u
    pairs = set()
    total = n * (n - 1) // 2
    target = min(sample, total)
    while len(pairs) < target:
        i, j = rng.randrange(n), rng.randrange(n)
        if i != j:
            pairs.add((min(i, j), max(i, j)))
    levels = level_matrix(people, sorted(pairs))
    return [_level_shares(levels[:, col], len(c.levels)) for col, c in enumerate(COMPARISONS)]


def _level_shares(column: np.ndarray, n_levels: int, weights: np.ndarray | None = None) -> np.ndarray:
    present = column != MISSING
    counts = np.bincount(column[present], weights=None if weights is None else weights[present], minlength=n_levels)
    return _normalised((counts + 0.5) / (counts.sum() + 0.5 * n_levels))


def estimate_m(
    levels: np.ndarray,
    model: Model,
    *,
    ignore: frozenset = frozenset(),
    iterations: int = EM_ITERATIONS,
    fix_m: bool = False,
) -> tuple[list, float]:
    """EM over candidate pairs' levels with ``u`` fixed: ``m`` of every level, and the share of matches among the
    pairs. Comparisons in ``ignore`` (those the pairs were chosen by, which agree by construction) are left out
    of the likelihood and keep their ``m``; with ``fix_m`` only the share is estimated. The pairs are grouped by
    their pattern of levels first, so that an iteration costs the patterns (thousands), not the pairs
    (millions)."""
    if not len(levels):
        return model.m, 0.0
    levels = levels.copy()
    for col, comparison in enumerate(COMPARISONS):
        if comparison.field in ignore:
            levels[:, col] = MISSING
    patterns, counts = np.unique(levels, axis=0, return_counts=True)
    counts = counts.astype(float)
    m = [x.copy() for x in model.m]
    share = 0.1
    log_u = _log_probabilities(patterns, model.u)
    for _ in range(iterations):
        log_m = _log_probabilities(patterns, m)
        odds = np.exp(np.clip(log_m - log_u, -700, 700)) * share / (1 - share)
        weights = odds / (1 + odds) * counts
        new_share = float(np.clip(weights.sum() / counts.sum(), 1e-9, 1 - 1e-9))
        new_m = m if fix_m else [
            m[col] if c.field in ignore else _level_shares(patterns[:, col], len(c.levels), weights)
            for col, c in enumerate(COMPARISONS)
        ]  # fmt: skip
        change = max(abs(new_share - share), *(float(np.abs(a - b).max()) for a, b in zip(new_m, m, strict=True)))
        m, share = new_m, new_share
        if change < EM_TOLERANCE:
            break
    return m, share


def _log_probabilities(patterns: np.ndarray, probabilities: list[np.ndarray]) -> np.ndarray:
    out = np.zeros(len(patterns))
    for col, p in enumerate(probabilities):
        column = patterns[:, col]
        present = column != MISSING
        out[present] += np.log(p[column[present]])
    return out


def train(
    people: Sequence[Person],
    candidate_pairs: Sequence[tuple[int, int]],
    *,
    seed: int = 0,
    u_sample: int = U_SAMPLE_PAIRS,
    levels: np.ndarray | None = None,
) -> Model:
    """A model learned from ``people`` and their candidate pairs (indexes into ``people``).

    ``m`` is learned in rounds, each over the pairs that agree on one thing (the date of birth; the name's sound;
    an email or phone), with that thing left out: over all candidate pairs at once EM would take "same name"
    for "same person", since namesakes outnumber duplicates. Each comparison's ``m`` is the mean of the rounds
    that learned it. The prior then comes from all candidate pairs with ``m`` and ``u`` fixed (``levels``: their
    levels, when the caller has them already)."""
    model = Model.default()
    model.u = estimate_u(people, sample=u_sample, seed=seed)
    model.frequencies = NameFrequencies.of(people)
    learned: dict[int, list[np.ndarray]] = {}
    for chosen_by, ignore in TRAINING_ROUNDS:
        pairs = blocking.pairs_sharing(people, chosen_by)
        if len(pairs) < 10:
            continue
        m, _share = estimate_m(level_matrix(people, pairs), model, ignore=ignore)
        for col, comparison in enumerate(COMPARISONS):
            if comparison.field not in ignore:
                learned.setdefault(col, []).append(m[col])
    model.m = [_normalised(np.mean(learned[col], axis=0)) if col in learned else model.m[col]
               for col in range(len(COMPARISONS))]  # fmt: skip
    if levels is None:
        levels = level_matrix(people, candidate_pairs)
    _m, share = estimate_m(levels, model, fix_m=True)
    total_pairs = max(len(people) * (len(people) - 1) // 2, 1)
    model.prior = float(np.clip(share * len(candidate_pairs) / total_pairs, 1e-12, 0.5))
    return model


# (what the training pairs share, the comparisons that agree by construction and are left out)
TRAINING_ROUNDS = (
    ("birth", frozenset({"date_of_birth"})),
    ("name", frozenset({"name"})),
    ("contact", frozenset({"email", "phone"})),
)
