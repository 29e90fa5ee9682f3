"""MUTANT: the negative cache has a TTL but no bound

Every id the filter lets through is kept until its entry expires: a flood of distinct ids
grows the cache without limit (negative_capacity is accepted and ignored).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from bloom_filter import BloomFilter


def _seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, got {type(value).__name__}: {value!r}")
    if not 0 < value < math.inf:  # rejects NaN too
        raise ValueError(f"{name} must be a finite number of seconds > 0, got {value!r}")
    return float(value)


def _count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}: {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


class UserLookup:
    """Profiles by user id, cached for ``ttl`` seconds in front of ``db``. Not thread-safe."""

    def __init__(self, db: Any, *, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 expected_keys: int = 10_000, fp_rate: float = 0.01, negative_ttl: float = 30.0,
                 negative_capacity: int = 10_000) -> None:
        self._ttl = _seconds("ttl", ttl)
        self._negative_ttl = _seconds("negative_ttl", negative_ttl)
        self._negative_capacity = _count("negative_capacity", negative_capacity)
        expected_keys = _count("expected_keys", expected_keys)
        if isinstance(fp_rate, bool) or not isinstance(fp_rate, (int, float)):
            raise TypeError(f"fp_rate must be a number, got {type(fp_rate).__name__}: {fp_rate!r}")
        if not 0 < fp_rate < 1:
            raise ValueError(f"fp_rate must be strictly between 0 and 1, got {fp_rate!r}")
        self._db = db
        self._clock = clock
        self._entries: dict[str, tuple[str, float]] = {}  # key -> (value, expires at)
        # key -> expires at. Every entry gets the same negative_ttl, so with a clock that does not go
        # backwards insertion order is expiry order: expired entries are found at the front.
        self._absent: OrderedDict[str, float] = OrderedDict()
        self._known = BloomFilter(expected_keys, fp_rate)
        existing = db.keys()  # one full scan of the table, at start-up
        for key in existing:
            self._known.add(key)

    def get(self, key: str) -> str | None:
        """The user's profile, or None when there is no such user."""
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None:
            if now < entry[1]:
                return entry[0]
            del self._entries[key]
        if key not in self._known:
            return None  # never written: certainly absent, no database read
        expires = self._absent.get(key)
        if expires is not None:
            if now < expires:
                return None
            del self._absent[key]
        value = self._db.get(key)  # an error here propagates: nothing is remembered
        if value is None:
            self._remember_absent(key, now)
            return None
        self._entries[key] = (value, now + self._ttl)
        return value

    def put(self, key: str, value: str) -> None:
        """Write the profile to the table, then make every later get() see it."""
        self._db.put(key, value)
        self._known.add(key)
        self._absent.pop(key, None)
        self._entries[key] = (value, self._clock() + self._ttl)

    def stats(self) -> dict[str, int]:
        """What the service holds, for its metrics endpoint."""
        return {"cached": len(self._entries), "negative": len(self._absent)}

    def _remember_absent(self, key: str, now: float) -> None:
        absent = self._absent
        while absent and next(iter(absent.values())) <= now:
            absent.popitem(last=False)
        absent[key] = now + self._negative_ttl
