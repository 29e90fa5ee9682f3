"""Three ways to route a row to a shard by its key: ranges, hash mod n, and a consistent-hash ring.

A sharding proxy (Vitess, ShardingSphere, a client library) in front of several minimysql servers
asks a router which shard holds a key. Keys are non-negative ints (a user id). ``key_hash`` is
given: every router that hashes uses it, so results do not depend on Python's per-process
``hash()``.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools


def key_hash(text: str) -> int:
    """A stable 64-bit hash: the first 8 bytes of the MD5 of ``text`` (UTF-8), big-endian."""
    return int.from_bytes(hashlib.md5(text.encode()).digest()[:8], "big")


def _key(key: object, what: str = "key") -> int:
    if type(key) is not int:
        raise TypeError(f"{what} must be an int, not {type(key).__name__}")
    if key < 0:
        raise ValueError(f"{what} must not be negative, not {key}")
    return key


def _count(value: object, what: str) -> int:
    if type(value) is not int:
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{what} must be at least 1, not {value}")
    return value


def _span(lo: object, hi: object) -> tuple[int, int]:
    return _key(lo, "lo"), _key(hi, "hi")


class RangeRouter:
    """Shard i holds the keys in [bounds[i - 1], bounds[i]): len(bounds) + 1 shards."""

    def __init__(self, bounds: list[int]) -> None:
        if type(bounds) is not list:
            raise TypeError(f"bounds must be a list, not {type(bounds).__name__}")
        for bound in bounds:
            _key(bound, "a bound")
        if any(a >= b for a, b in itertools.pairwise(bounds)):
            raise ValueError("bounds must be strictly increasing")
        self.bounds = list(bounds)

    def shard_for(self, key: int) -> int:
        return bisect.bisect_left(self.bounds, _key(key))

    def shards_for_range(self, lo: int, hi: int) -> list[int]:
        lo, hi = _span(lo, hi)
        if hi <= lo:
            return []
        return list(range(self.shard_for(lo), self.shard_for(hi - 1) + 1))


class ModRouter:
    """Shard key_hash(str(key)) % shards."""

    def __init__(self, shards: int) -> None:
        self.shards = _count(shards, "shards")

    def shard_for(self, key: int) -> int:
        return key_hash(str(_key(key))) % self.shards

    def shards_for_range(self, lo: int, hi: int) -> list[int]:
        lo, hi = _span(lo, hi)
        return list(range(self.shards)) if hi > lo else []  # a hash scatters neighbouring keys


class ConsistentHashRouter:
    """A hash ring: shard s owns the points key_hash(f"shard-{s}#vnode-{v}") for v < vnodes; a key
    goes to the owner of the first point at or after key_hash(str(key)), wrapping around."""

    def __init__(self, shards: int, vnodes: int = 100) -> None:
        self.shards = _count(shards, "shards")
        _count(vnodes, "vnodes")
        ring = sorted((key_hash(f"shard-{s}#vnode-{v}"), s) for s in range(self.shards) for v in range(vnodes))
        self.points = [point for point, _ in ring]
        self.owners = [owner for _, owner in ring]

    def shard_for(self, key: int) -> int:
        index = bisect.bisect_left(self.points, key_hash(str(_key(key))))
        return self.owners[index % len(self.points)]

    def shards_for_range(self, lo: int, hi: int) -> list[int]:
        lo, hi = _span(lo, hi)
        return list(range(self.shards)) if hi > lo else []
