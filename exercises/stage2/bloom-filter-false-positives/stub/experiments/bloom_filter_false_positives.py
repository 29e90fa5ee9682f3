"""The experiment of stage2/bloom-filter-false-positives: 布隆过滤器的误判率与空间关系？

Run it from your project folder, after finishing bloom_filter.py (stage2/bloom-filter):

    python experiments/bloom_filter_false_positives.py

It builds one BloomFilter(10_000, p) of yours for each target rate p = 0.1, 0.01, 0.001, adds
10 000 seeded items (the filter's capacity), asks it about 20 000 other items that were never
added and counts how many it says are present; then it adds 10 000 more items (twice the
capacity) and asks again. Copy the rates it prints into answers/bloom-filter-false-positives.yaml.

The grader does not run this file: it re-runs the same experiment with your bloom_filter.py
from its own copy of the workload, and compares the numbers you stated with what it measures.
The block between the ">>> shared" and "<<< end" lines below is that copy, character for character. Do not change
it: with another workload your numbers will not match the grader's. Play with your own
sizes and seeds in a copy of this script instead.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project folder, for bloom_filter.py

# >>> shared with support/bloom_filter_false_positives_support.py: the grader replays this block, keep it unchanged
N = 10_000  # expected_items of every filter
PROBES = 20_000  # items never added, asked of every filter
FP_RATES = (0.1, 0.01, 0.001)  # the target false-positive rates p
SEED = 2718


def workload(n: int = N, probes: int = PROBES, seed: int = SEED) -> tuple[list[str], list[str]]:
    """2 * n distinct items to add, then ``probes`` distinct items never added (another prefix)."""
    rng = random.Random(seed)
    members = [f"member-{i}-{rng.getrandbits(48):012x}" for i in range(2 * n)]
    others = [f"probe-{i}-{rng.getrandbits(48):012x}" for i in range(probes)]
    return members, others


def false_positives(bloom: Any, probes: list[str]) -> int:
    """How many of the probes (none of them ever added) the filter reports present."""
    return sum(1 for item in probes if item in bloom)


def run_experiment(bloom_class: Any, n: int, fp_rate: float, members: list[str], probes: list[str]) -> dict[str, Any]:
    """Fill a filter sized for n items at fp_rate with n items, then with 2n; count false positives each time."""
    bloom = bloom_class(n, fp_rate)
    for item in members[:n]:
        bloom.add(item)
    at_capacity = false_positives(bloom, probes)
    for item in members[n : 2 * n]:
        bloom.add(item)
    at_double = false_positives(bloom, probes)
    missed = sum(1 for item in members[: 2 * n] if item not in bloom)  # a Bloom filter never misses: 0
    return {"expected_items": n, "fp_rate": fp_rate, "size_bits": bloom.size_bits, "hash_count": bloom.hash_count,
            "probes": len(probes), "false_positives_at_capacity": at_capacity,
            "false_positives_at_double": at_double, "missed": missed}
# <<< end of the shared block


def main() -> None:
    from bloom_filter import BloomFilter  # yours

    members, probes = workload()
    print(f"BloomFilter(expected_items={N}, fp_rate=p): add {N} items, then {N} more; "
          f"ask about {PROBES} items never added (seed {SEED}).")
    print()
    print(f"{'target p':>9}  {'at capacity (n items)':<24}  {'at 2x capacity (2n items)':<25}  missed")
    results = [run_experiment(BloomFilter, N, p, members, probes) for p in FP_RATES]
    for r in results:
        at_capacity = r["false_positives_at_capacity"] / r["probes"]
        at_double = r["false_positives_at_double"] / r["probes"]
        print(f"{r['fp_rate']:>9g}  {r['false_positives_at_capacity']:>6} / {r['probes']} = {at_capacity:.5f}"
              f"  {r['false_positives_at_double']:>6} / {r['probes']} = {at_double:.5f}   {r['missed']:>6}")
    print()
    print("For answers/bloom-filter-false-positives.yaml:")
    print("measured:")
    for r in results:
        print(f"  p_{r['fp_rate']:g}:")
        print(f"    fp_rate_at_capacity: {r['false_positives_at_capacity'] / r['probes']:.5f}")
        print(f"    fp_rate_at_double: {r['false_positives_at_double'] / r['probes']:.5f}")


if __name__ == "__main__":
    main()
