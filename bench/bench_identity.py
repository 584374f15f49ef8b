"""Benchmark: duplicate detection quality and speed (issue 4), on labelled person records from
``bench/identity_data.py`` (realistic corruptions: typos, nicknames, swapped names, initials, missing values,
moved addresses, reformatted phones, email variants; placeholders and common names).

The matcher runs as the bulk scan does, in memory: records to ``identity.records.Person``, blocking, learning
the model from the records themselves (no labels), weighing the candidate pairs, clustering. Reported:

- blocking: candidate pairs, and the share of true duplicate pairs among them (the recall ceiling);
- pairwise precision, recall and F1 of the clusters at the default threshold and around it;
- the time of each step.

Run: .venv/bin/python bench/bench_identity.py   (no database needed)

  BENCH_IDENTITY_RECORDS     records (default 10,000; the issue asks for 10,000 to 1,000,000)
  BENCH_IDENTITY_DUPLICATES  share of records that are duplicates of another (default 0.2)
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")

import django  # noqa: E402

django.setup()

import identity_data  # noqa: E402

from rapport.identity import blocking  # noqa: E402
from rapport.identity.clusters import ScoredPair, clusters  # noqa: E402
from rapport.identity.fellegi_sunter import level_matrix, pair_weights, probability, train  # noqa: E402
from rapport.identity.records import person  # noqa: E402

RECORDS = int(os.environ.get("BENCH_IDENTITY_RECORDS", "10000"))
DUPLICATES = float(os.environ.get("BENCH_IDENTITY_DUPLICATES", "0.2"))
DEFAULT_THRESHOLD = 0.9
THRESHOLDS = (0.5, 0.8, 0.9, 0.95, 0.99)


def to_person(index: int, r: dict):
    address = {"number": r["street_number"], "street": r["street"], "city": r["city"], "postcode": r["postcode"],
               "country": r["country"]}  # fmt: skip
    return person(
        index, first=r["first_name"], middle=r["middle_name"], last=r["last_name"], birth=r["date_of_birth"],
        emails=[r["email"]], phones=[r["phone"]], addresses=[address], companies=[r["company"]],
    )  # fmt: skip


def metrics(predicted: set, truth: set) -> tuple[float, float, float]:
    hits = len(predicted & truth)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def cluster_pairs(groups) -> set[tuple[int, int]]:
    return {(a, b) for g in groups for x, a in enumerate(g) for b in g[x + 1 :]}


def main() -> int:
    started = time.perf_counter()
    records = list(identity_data.generate(RECORDS, duplicate_share=DUPLICATES, seed=42))
    entity = [r["entity_id"] for r in records]
    by_entity: dict[str, list[int]] = {}
    for i, e in enumerate(entity):
        by_entity.setdefault(e, []).append(i)
    truth = cluster_pairs(by_entity.values())
    print(f"{len(records):,} records, {len(by_entity):,} people, {len(truth):,} true duplicate pairs "
          f"(generated in {time.perf_counter() - started:.1f} s)")  # fmt: skip

    steps = {}
    t = time.perf_counter()
    people = [to_person(i, r) for i, r in enumerate(records)]
    steps["records to Person"] = time.perf_counter() - t
    t = time.perf_counter()
    pairs = list(blocking.candidate_pairs(people))
    steps["blocking"] = time.perf_counter() - t
    blocked = set(pairs)
    print(f"blocking: {len(pairs):,} candidate pairs ({len(pairs) / len(people):.1f} per record), "
          f"{len(truth & blocked) / max(len(truth), 1):.4f} of the true pairs among them")  # fmt: skip
    t = time.perf_counter()
    levels = level_matrix(people, pairs)
    steps["comparing the pairs"] = time.perf_counter() - t
    t = time.perf_counter()
    model = train(people, pairs, levels=levels)
    steps["learning (u, EM)"] = time.perf_counter() - t
    t = time.perf_counter()
    weights = pair_weights(people, pairs, model, levels)
    probabilities = probability(weights)
    steps["weighing the pairs"] = time.perf_counter() - t

    print(f"\nprior {model.prior:.2e}; learned m / u per level:")
    from rapport.identity.comparisons import COMPARISONS

    for c, m, u in zip(COMPARISONS, model.m, model.u, strict=True):
        cells = ", ".join(f"{level} {a:.3f}/{b:.4f}" for level, a, b in zip(c.levels, m, u, strict=True))
        print(f"  {c.field}: {cells}")

    print(f"\n{'threshold':>9} {'pairs':>9} {'clusters':>9} {'precision':>9} {'recall':>7} {'F1':>7}")
    for threshold in THRESHOLDS:
        t = time.perf_counter()
        keep = [k for k in range(len(pairs)) if probabilities[k] >= threshold]
        links = [ScoredPair(pairs[k][0], pairs[k][1], float(weights[k]), float(probabilities[k])) for k in keep]
        groups = clusters(len(people), links)
        if threshold == DEFAULT_THRESHOLD:
            steps["clustering"] = time.perf_counter() - t
        precision, recall, f1 = metrics(cluster_pairs(groups), truth)
        mark = "  <- default" if threshold == DEFAULT_THRESHOLD else ""
        print(f"{threshold:>9} {len(links):>9,} {len(groups):>9,} {precision:>9.4f} {recall:>7.4f} {f1:>7.4f}{mark}")
        if threshold == DEFAULT_THRESHOLD:
            _show_errors(records, people, groups, truth, model)

    print("\ntime per step:")
    for name, seconds in steps.items():
        print(f"  {name:<22} {seconds:7.1f} s")
    total = sum(steps.values())
    print(f"  {'scan in all':<22} {total:7.1f} s ({len(people) / total:,.0f} records/s)")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


def _show_errors(records, people, groups, truth, model, n: int = 4) -> None:
    predicted = cluster_pairs(groups)
    wrong = sorted(predicted - truth)[:n]
    missed = sorted(truth - predicted)[:n]
    for label, pairs in (("false matches", wrong), ("missed duplicates", missed)):
        if not pairs:
            continue
        print(f"  {label} (first {len(pairs)}):")
        for i, j in pairs:
            score = model.score(people[i], people[j])
            why = ", ".join(f"{c.field} {c.level} {c.weight:+.1f}" for c in score.contributions)
            print(f"    {_brief(records[i])}  ~  {_brief(records[j])}: p={score.probability:.3f} ({why})")


def _brief(r: dict) -> str:
    return f"{r['first_name']} {r['last_name']} {r['date_of_birth']} {r['email']} {r['phone']} {r['postcode']}"


if __name__ == "__main__":
    sys.exit(main())
