"""Subject-side helpers of the stage4/sharding grader.

They run inside the learner's process (this folder is on its sys.path, before the learner's
project), so thousands of keys are routed through the learner's routers in one call.

The block between the ">>> shared" and "<<< end" lines is the source of truth for the experiment:
the keys, the workloads and the figures. It is copied verbatim into the learner's
experiments/sharding.py (exercises/stage4/sharding/stub/experiments/); the proofs check the two
copies are equal. The grader also loads this file in its own process and feeds ``measure`` its
exact models of the three routers, to compute the key.
"""

from __future__ import annotations

# >>> shared with support/sharding_support.py: the grader replays this block, keep it unchanged
import bisect
import itertools
import random
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

KEYS = 20_000  # the users table: ids 0..19 999, spread over 4 shards
SHARDS = 4
VNODES = 100  # points per shard on the consistent-hash ring
NEWEST = 2_000  # the newest rows inserted: ids 18 000..19 999 (AUTO_INCREMENT)
ZIPF_REQUESTS = 20_000  # reads of users with a Zipf popularity
RANGE_QUERY = (10_000, 11_000)  # SELECT ... WHERE id >= 10000 AND id < 11000


def range_bounds(shards: int) -> list[int]:
    """Equal ranges of the ids: [5000, 10000, 15000] for 4 shards."""
    return [KEYS * i // shards for i in range(1, shards)]


def zipf_requests() -> list[int]:
    """20 000 reads: the user of popularity rank r (a seeded shuffle of the ids) is read with
    probability proportional to 1 / (r + 1), Zipf's law with exponent 1: a few users are hot."""
    rng = random.Random(11)
    by_rank = list(range(KEYS))
    rng.shuffle(by_rank)
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(KEYS)))
    return [by_rank[bisect.bisect_left(cumulative, rng.random() * cumulative[-1])] for _ in range(ZIPF_REQUESTS)]


def moved(before: Any, after: Any) -> float:
    """The fraction of the ids whose shard changes from ``before`` to ``after``."""
    return round(sum(1 for key in range(KEYS) if before.shard_for(key) != after.shard_for(key)) / KEYS, 4)


def skew(router: Any, keys: Iterable[int]) -> float:
    """The busiest shard's load over the average load: 1.0 is even, 4.0 is everything on one of 4."""
    keys = list(keys)
    loads = Counter(router.shard_for(key) for key in keys)
    return round(max(loads.values()) / (len(keys) / SHARDS), 4)


def measure(range_router: Callable[..., Any], mod_router: Callable[..., Any],
            consistent_router: Callable[..., Any]) -> dict[str, Any]:
    """Every figure the answers file asks for, measured with the three router classes given."""
    ranges = range_router(range_bounds(SHARDS))
    mod = mod_router(SHARDS)
    ring = consistent_router(SHARDS, VNODES)
    four = {"range": ranges, "mod": mod, "consistent": ring}
    newest = range(KEYS - NEWEST, KEYS)
    zipf = zipf_requests()
    return {
        "moved": {
            "mod_4_to_5": moved(mod, mod_router(SHARDS + 1)),
            "consistent_4_to_5": moved(ring, consistent_router(SHARDS + 1, VNODES)),
            "mod_4_to_8": moved(mod, mod_router(2 * SHARDS)),
            "range_split_last": moved(ranges, range_router([*range_bounds(SHARDS), KEYS * 7 // 8])),
        },
        "skew": {
            "newest_ids": {**{name: skew(router, newest) for name, router in four.items()},
                           "consistent_1_vnode": skew(consistent_router(SHARDS, 1), newest)},
            "zipf": {name: skew(router, zipf) for name, router in four.items()},
        },
        "range_query_shards": {name: len(router.shards_for_range(*RANGE_QUERY)) for name, router in four.items()},
    }
# <<< end of the shared block


# -- the grader's own helpers (not in the learner's script) ------------------------------------------

Outcome = tuple[Any, ...]  # ("ok", result) or ("raised", type name, [names of its classes], message)


def _outcome(action: Callable[[], Any]) -> Outcome:
    try:
        return ("ok", action())
    except Exception as exc:  # noqa: BLE001 - the learner's failure is data here
        return ("raised", type(exc).__name__, [c.__name__ for c in type(exc).__mro__], str(exc)[:300])


def _router(kind: str, args: list[Any]) -> Any:
    import minimysql.sharding as module

    return getattr(module, kind)(*args)


def measure_yours() -> dict[str, Any]:
    """What the learner's experiment prints, measured here with their routers."""
    from minimysql.sharding import ConsistentHashRouter, ModRouter, RangeRouter

    return measure(RangeRouter, ModRouter, ConsistentHashRouter)


def route(kind: str, args: list[Any], keys: list[int]) -> list[Outcome]:
    """What ``kind(*args).shard_for(key)`` gives for each key."""
    router = _router(kind, args)
    return [_outcome(lambda key=key: router.shard_for(key)) for key in keys]


def spans(kind: str, args: list[Any], ranges: list[tuple[int, int]]) -> list[Outcome]:
    """What ``kind(*args).shards_for_range(lo, hi)`` gives for each range."""
    router = _router(kind, args)
    return [_outcome(lambda r=r: router.shards_for_range(*r)) for r in ranges]
