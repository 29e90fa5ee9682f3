"""Subject-side half of the stage2/bloom-filter-false-positives grader: the experiment, run
next to the learner's own BloomFilter so 240 000 add/`in` calls cost one round trip.

This module is the source of truth for the workload. The learner's script
experiments/bloom_filter_false_positives.py (the exercise's stub) holds a verbatim copy of
the block between the ">>> shared" and "<<< end" lines below; keep both copies identical. If they ever
drift, the reference's stated numbers stop matching the grader's re-measurement and the
proofs (tests/test_proofs.py) fail.
"""

from __future__ import annotations

import random
from typing import Any

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


def measure() -> list[dict[str, Any]]:
    """The experiment with the learner's BloomFilter (imported from the learner's project)."""
    from bloom_filter import BloomFilter  # the learner's module: the project comes first on sys.path

    members, probes = workload()
    return [run_experiment(BloomFilter, N, p, members, probes) for p in FP_RATES]
