"""The profile service's user lookup, fixed with the stage's BloomFilter and a negative cache whose
expiries sit in a min-heap (the nearest first); when full it evicts the entry nearest to expiry.
The profile cache and the negative cache are checked in the other order: negative first.

    python incidents/cache_penetration_load.py
"""

from __future__ import annotations

import heapq
import math
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bloom_filter import BloomFilter


def _positive_seconds(name: str, value: Any) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name}: expected seconds, got {value!r}")
    if math.isnan(value) or math.isinf(value) or value <= 0:
        raise ValueError(f"{name}: expected finite seconds > 0, got {value!r}")
    return float(value)


@dataclass
class _Negatives:
    """Ids the table did not have, each until its expiry; at most ``capacity`` of them."""

    ttl: float
    capacity: int
    expiry: dict[str, float] = field(default_factory=dict)
    heap: list[tuple[float, str]] = field(default_factory=list)

    def holds(self, key: str, now: float) -> bool:
        when = self.expiry.get(key)
        return when is not None and now < when

    def add(self, key: str, now: float) -> None:
        self._trim(now)
        while len(self.expiry) >= self.capacity:
            when, victim = heapq.heappop(self.heap)
            if self.expiry.get(victim) == when:
                del self.expiry[victim]
        self.expiry[key] = now + self.ttl
        heapq.heappush(self.heap, (now + self.ttl, key))

    def discard(self, key: str) -> None:
        self.expiry.pop(key, None)  # its heap item goes stale and is skipped later

    def _trim(self, now: float) -> None:
        while self.heap and (self.heap[0][0] <= now or self.expiry.get(self.heap[0][1]) != self.heap[0][0]):
            when, key = heapq.heappop(self.heap)
            if self.expiry.get(key) == when:
                del self.expiry[key]
        if len(self.heap) > 2 * self.capacity + 16:  # too many stale items: rebuild
            self.heap = [(when, key) for key, when in self.expiry.items()]
            heapq.heapify(self.heap)


class UserLookup:
    def __init__(self, db: Any, *, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 expected_keys: int = 10_000, fp_rate: float = 0.01, negative_ttl: float = 30.0,
                 negative_capacity: int = 10_000) -> None:
        ttl = _positive_seconds("ttl", ttl)
        negative_ttl = _positive_seconds("negative_ttl", negative_ttl)
        if not isinstance(negative_capacity, int) or isinstance(negative_capacity, bool):
            raise TypeError(f"negative_capacity: expected an int, got {negative_capacity!r}")
        if negative_capacity < 1:
            raise ValueError(f"negative_capacity: expected at least 1, got {negative_capacity}")
        self._keys = BloomFilter(expected_keys, fp_rate)  # it checks its own parameters
        self._db, self._ttl, self._clock = db, ttl, clock
        self._cache: dict[str, tuple[str, float]] = {}
        self._negatives = _Negatives(negative_ttl, negative_capacity)
        for key in db.keys():  # noqa: SIM118 - db is a table, not a dict
            self._keys.add(key)

    def get(self, key: str) -> str | None:
        now = self._clock()
        if self._negatives.holds(key, now):
            return None
        hit = self._cache.get(key)
        if hit is not None and now < hit[1]:
            return hit[0]
        if key not in self._keys:
            return None
        value = self._db.get(key)
        if value is None:
            self._cache.pop(key, None)
            self._negatives.add(key, now)
        else:
            self._cache[key] = (value, now + self._ttl)
        return value

    def put(self, key: str, value: str) -> None:
        self._db.put(key, value)
        self._keys.add(key)
        self._negatives.discard(key)
        self._cache[key] = (value, self._clock() + self._ttl)

    def stats(self) -> dict[str, int]:
        return {"cached": len(self._cache), "negative": len(self._negatives.expiry)}
