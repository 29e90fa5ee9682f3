"""LRU vs LFU: replay three seeded traces through your own LRUCache and LFUCache.

Run it from the project folder:

    python experiments/lru_vs_lfu.py

It prints the hit ratio of both caches (capacity 100, cache-aside) on each trace. Copy the
numbers into answers/lru-vs-lfu.yaml, then answer the questions there.

The workloads below (CAPACITY, the three traces, hit_count) are the very ones the grader
uses: it rebuilds these traces with the same seeds and replays them through YOUR caches to
check the numbers you state. If you change them here, your numbers will no longer match.
To explore, use the options instead (--capacity 50, --capacity 400, ...); the answers file
asks for the default capacity of 100.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Run as a script, Python puts experiments/ on sys.path; your caches live one folder up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lfu_cache import LFUCache  # your caches, found through the path set above
from lru_cache import LRUCache

# >>> shared with support/lru_vs_lfu_support.py: the grader replays this block, keep it unchanged
CAPACITY = 100  # entries, for both caches on every trace


def scan_trace() -> list[int]:
    """60 rounds of: 300 reads of a hot set of 50 keys (0..49, uniformly), then a one-off
    sequential scan of 300 keys never seen before (1_000_000, 1_000_001, ...). 36 000 reads."""
    rng = random.Random(1)
    trace: list[int] = []
    next_scanned = 1_000_000
    for _ in range(60):
        for _ in range(300):
            trace.append(int(rng.random() * 50))
        for _ in range(300):
            trace.append(next_scanned)
            next_scanned += 1
    return trace


def zipf_trace() -> list[int]:
    """30 000 reads of 5 000 keys (0..4999) with a stable Zipf popularity, exponent 1:
    key k is read with probability proportional to 1 / (k + 1)."""
    rng = random.Random(2)
    cumulative = list(itertools.accumulate(1 / rank for rank in range(1, 5001)))
    total = cumulative[-1]
    return [bisect.bisect_left(cumulative, rng.random() * total) for _ in range(30_000)]


def shift_trace() -> list[int]:
    """6 phases of 5 000 reads. In phase p, 90% of the reads go to that phase's own hot set of
    80 keys (100_000 + 80p .. 100_000 + 80p + 79, uniformly) and 10% to 10 000 background
    keys (0..9999, uniformly). Each phase's hot set is new: the popular keys shift. 30 000 reads."""
    rng = random.Random(3)
    trace: list[int] = []
    for phase in range(6):
        first_hot = 100_000 + 80 * phase
        for _ in range(5000):
            if rng.random() < 0.9:
                trace.append(first_hot + int(rng.random() * 80))
            else:
                trace.append(int(rng.random() * 10_000))
    return trace


TRACES: dict[str, Callable[[], list[int]]] = {"scan": scan_trace, "zipf": zipf_trace, "shift": shift_trace}
MISS = object()  # get()'s default: a stored value can never be this object


def hit_count(cache_class: Callable[[int], Any], trace: list[int], capacity: int = CAPACITY) -> int:
    """Replay ``trace`` cache-aside through a new ``cache_class(capacity)``: every read is a
    get(key, MISS); a result that is not MISS is a hit; on a miss the value is "loaded from the
    database" and put(key, value). Returns the number of hits; hit ratio = hits / len(trace)."""
    cache = cache_class(capacity)
    hits = 0
    for key in trace:
        if cache.get(key, MISS) is MISS:
            cache.put(key, key)
        else:
            hits += 1
    return hits
# <<< end of the shared block


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Hit ratios of your LRUCache and LFUCache on three traces.")
    parser.add_argument("--capacity", type=int, default=CAPACITY, help=f"entries per cache (default {CAPACITY})")
    capacity = parser.parse_args(argv).capacity
    print(f"capacity {capacity}, cache-aside: get(key); on a miss, put(key, value)")
    print(f"{'trace':<8}{'requests':>10}{'LRU hit ratio':>16}{'LFU hit ratio':>16}")
    for name, build in TRACES.items():
        trace = build()
        try:
            lru = hit_count(LRUCache, trace, capacity) / len(trace)
            lfu = hit_count(LFUCache, trace, capacity) / len(trace)
        except NotImplementedError:
            sys.exit("Your LRUCache or LFUCache is still the stub: finish stage2/lru-cache and stage2/lfu-cache first.")
        print(f"{name:<8}{len(trace):>10}{lru:>16.4f}{lfu:>16.4f}")


if __name__ == "__main__":
    main()
