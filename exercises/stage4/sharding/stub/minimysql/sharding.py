"""Three ways to route a row to a shard by its key: ranges, hash mod n, and a consistent-hash ring.

A sharding proxy (Vitess, ShardingSphere, a client library) in front of several minimysql servers
asks a router which shard holds a key. Keys are non-negative ints (a user id). ``key_hash`` is
given: every router that hashes uses it, so results do not depend on Python's per-process
``hash()``. The README has every rule.
"""

from __future__ import annotations

import hashlib


def key_hash(text: str) -> int:
    """A stable 64-bit hash: the first 8 bytes of the MD5 of ``text`` (UTF-8), big-endian. Given."""
    return int.from_bytes(hashlib.md5(text.encode()).digest()[:8], "big")


class RangeRouter:
    """Shard i holds the keys in [bounds[i - 1], bounds[i]) (from 0 for shard 0, without end for the
    last): len(bounds) + 1 shards."""

    def __init__(self, bounds: list[int]) -> None:
        """TypeError if bounds is not a list of ints (bools neither); ValueError if one is negative or
        they are not strictly increasing. An empty list is one shard."""
        raise NotImplementedError

    def shard_for(self, key: int) -> int:
        """The shard that holds ``key``. TypeError for a key that is not an int (a bool neither),
        ValueError for a negative one; the same in every router."""
        raise NotImplementedError

    def shards_for_range(self, lo: int, hi: int) -> list[int]:
        """The shards a query for the keys in [lo, hi) must visit, ascending: only those whose range
        meets [lo, hi). [] when hi <= lo."""
        raise NotImplementedError


class ModRouter:
    """Shard ``key_hash(str(key)) % shards``."""

    def __init__(self, shards: int) -> None:
        """TypeError if shards is not an int (a bool neither), ValueError if it is below 1."""
        raise NotImplementedError

    def shard_for(self, key: int) -> int:
        raise NotImplementedError

    def shards_for_range(self, lo: int, hi: int) -> list[int]:
        """Every shard, ascending (a hash scatters neighbouring keys over all of them); [] when hi <= lo."""
        raise NotImplementedError


class ConsistentHashRouter:
    """A hash ring with ``vnodes`` points per shard: shard s owns the points
    ``key_hash(f"shard-{s}#vnode-{v}")`` for v in 0..vnodes-1. A key goes to the owner of the first
    point at or after ``key_hash(str(key))`` going up, wrapping around to the lowest point."""

    def __init__(self, shards: int, vnodes: int = 100) -> None:
        """TypeError/ValueError as ModRouter, for shards and for vnodes."""
        raise NotImplementedError

    def shard_for(self, key: int) -> int:
        raise NotImplementedError

    def shards_for_range(self, lo: int, hi: int) -> list[int]:
        """Every shard, ascending; [] when hi <= lo."""
        raise NotImplementedError
