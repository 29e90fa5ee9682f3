"""The profile service's user lookup, fixed differently: a small Bloom filter of its own (sha256,
double hashing over an int-indexed bytearray), a negative cache of (expiry, key) pairs in a deque
with lazy removal, and a put() that invalidates the cached profile instead of writing through.

    python incidents/cache_penetration_load.py
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import deque
from collections.abc import Callable
from typing import Any


class _KeyFilter:
    """A Bloom filter over str keys: m = ceil(-n ln p / ln 2 ^ 2) bits, k = round(m / n ln 2) positions."""

    def __init__(self, expected: int, rate: float) -> None:
        self.m = math.ceil(-expected * math.log(rate) / math.log(2) ** 2)
        self.k = max(1, round(self.m / expected * math.log(2)))
        self.bits = bytearray(-(-self.m // 8))

    def _positions(self, key: str) -> list[int]:
        digest = hashlib.sha256(key.encode("utf-8")).digest()
        a, b = int.from_bytes(digest[:8], "big"), int.from_bytes(digest[8:16], "big") | 1
        return [(a + i * b) % self.m for i in range(self.k)]

    def add(self, key: str) -> None:
        for p in self._positions(key):
            self.bits[p // 8] |= 1 << (p % 8)

    def might_hold(self, key: str) -> bool:
        return all(self.bits[p // 8] >> (p % 8) & 1 for p in self._positions(key))


class UserLookup:
    """Profiles by user id, cached for ttl seconds in front of db. Not thread-safe."""

    def __init__(self, db: Any, *, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 expected_keys: int = 10_000, fp_rate: float = 0.01, negative_ttl: float = 30.0,
                 negative_capacity: int = 10_000) -> None:
        for name, value in (("ttl", ttl), ("negative_ttl", negative_ttl), ("fp_rate", fp_rate)):
            if type(value) not in (int, float):
                raise TypeError(f"{name} must be a number, not {type(value).__name__}")
        for name, value in (("expected_keys", expected_keys), ("negative_capacity", negative_capacity)):
            if type(value) is not int:
                raise TypeError(f"{name} must be an int, not {type(value).__name__}")
            if value <= 0:
                raise ValueError(f"{name} must be positive: {value}")
        if not (ttl > 0 and math.isfinite(ttl)):
            raise ValueError(f"ttl must be finite and positive: {ttl}")
        if not (negative_ttl > 0 and math.isfinite(negative_ttl)):
            raise ValueError(f"negative_ttl must be finite and positive: {negative_ttl}")
        if not (fp_rate > 0 and fp_rate < 1):
            raise ValueError(f"fp_rate must lie in (0, 1): {fp_rate}")
        self.db, self.ttl, self.clock = db, float(ttl), clock
        self.negative_ttl, self.negative_capacity = float(negative_ttl), negative_capacity
        self.profiles: dict[str, tuple[float, str]] = {}
        self.missing: dict[str, float] = {}  # key -> expires at
        self.order: deque[tuple[float, str]] = deque()  # (expires at, key), oldest first; may hold stale pairs
        self.filter = _KeyFilter(expected_keys, fp_rate)
        for key in list(db.keys()):
            self.filter.add(key)

    def get(self, key: str) -> str | None:
        now = self.clock()
        cached = self.profiles.get(key)
        if cached and cached[0] > now:
            return cached[1]
        self.profiles.pop(key, None)
        if not self.filter.might_hold(key):
            return None
        if self.missing.get(key, -math.inf) > now:
            return None
        row = self.db.get(key)
        if row is not None:
            self.missing.pop(key, None)
            self.profiles[key] = (now + self.ttl, row)
            return row
        self._note_missing(key, now)
        return None

    def put(self, key: str, value: str) -> None:
        self.db.put(key, value)
        self.filter.add(key)
        self.missing.pop(key, None)
        self.profiles.pop(key, None)  # the next get() reads the new row

    def stats(self) -> dict[str, int]:
        return {"cached": len(self.profiles), "negative": len(self.missing), "filter_bits": self.filter.m}

    def _note_missing(self, key: str, now: float) -> None:
        expires = now + self.negative_ttl
        self.missing[key] = expires
        self.order.append((expires, key))
        # Drop pairs that are stale (the key was re-noted, written, or evicted) or expired, then the
        # oldest live ones while over capacity.
        while self.order:
            when, oldest = self.order[0]
            live = self.missing.get(oldest) == when
            if live and when > now and len(self.missing) <= self.negative_capacity:
                break
            self.order.popleft()
            if live:
                del self.missing[oldest]
