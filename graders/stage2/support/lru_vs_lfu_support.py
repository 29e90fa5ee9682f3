"""Subject-side helper of the stage2/lru-vs-lfu grader: the seeded traces and the cache-aside replay.

It is imported inside the learner's process, next to the learner's ``LRUCache`` and
``LFUCache``, so one call replays a whole trace (tens of thousands of requests) instead of
one round trip per request.

This module is the source of truth for the workloads. The block between the ">>> shared" and "<<< end"
lines is copied verbatim into the exercise's ``experiments/lru_vs_lfu.py``
(the script learners run to measure). If the two ever drift, the reference's stated hit
ratios stop matching the grader's re-measurement with its own caches, and the proofs fail.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
import sys
from collections.abc import Callable
from typing import Any

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

_built: dict[str, list[int]] = {}


def replay(cache_class: Callable[[int], Any], name: str) -> list[int]:
    """[hits, requests] of the trace ``name`` replayed through ``cache_class(CAPACITY)``."""
    if name not in _built:
        _built[name] = TRACES[name]()
    trace = _built[name]
    return [hit_count(cache_class, trace), len(trace)]


if __name__ == "__main__":  # for maintainers: print the key's hit counts with the reference caches
    parser = argparse.ArgumentParser()
    parser.add_argument("folders", nargs="+", help="folders holding lru_cache.py and lfu_cache.py")
    sys.path[:0] = parser.parse_args().folders
    from lfu_cache import LFUCache
    from lru_cache import LRUCache

    for trace_name in TRACES:
        print(trace_name, replay(LRUCache, trace_name), replay(LFUCache, trace_name))
