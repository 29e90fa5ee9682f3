"""Routers written another way: a linear scan for ranges, a ring of (point, shard) tuples searched with
bisect on tuples, and validation by a small decorator."""

from __future__ import annotations

import bisect
import functools
import hashlib
from collections.abc import Callable
from typing import Any


def key_hash(text: str) -> int:
    """A stable 64-bit hash: the first 8 bytes of the MD5 of ``text`` (UTF-8), big-endian."""
    return int.from_bytes(hashlib.md5(text.encode()).digest()[:8], "big")


def _natural(value: Any, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"expected an int >= {minimum}, got {value}")
    return value


def checked(method: Callable[..., Any]) -> Callable[..., Any]:
    """Check every positional argument of a routing method is a non-negative int."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any) -> Any:
        return method(self, *(_natural(a) for a in args))

    return wrapper


class RangeRouter:
    def __init__(self, bounds: list[int]) -> None:
        if not isinstance(bounds, list):
            raise TypeError("bounds must be a list")
        self.bounds = [_natural(b) for b in bounds]
        for previous, bound in zip(self.bounds, self.bounds[1:], strict=False):
            if bound <= previous:
                raise ValueError("bounds must increase")

    @checked
    def shard_for(self, key: int) -> int:
        shard = 0
        while shard < len(self.bounds) and key >= self.bounds[shard]:
            shard += 1
        return shard

    @checked
    def shards_for_range(self, lo: int, hi: int) -> list[int]:
        shards = range(len(self.bounds) + 1)
        starts = [0, *self.bounds]
        ends = [*self.bounds, None]
        return [s for s in shards if lo < hi and (ends[s] is None or lo < ends[s]) and starts[s] < hi]


class ModRouter:
    def __init__(self, shards: int) -> None:
        self.n = _natural(shards, 1)

    @checked
    def shard_for(self, key: int) -> int:
        return key_hash(str(key)) % self.n

    @checked
    def shards_for_range(self, lo: int, hi: int) -> list[int]:
        return [*range(self.n)] if lo < hi else []


class ConsistentHashRouter:
    def __init__(self, shards: int, vnodes: int = 100) -> None:
        self.n = _natural(shards, 1)
        _natural(vnodes, 1)
        self.ring: list[tuple[int, int]] = []
        for shard in range(self.n):
            for v in range(vnodes):
                bisect.insort(self.ring, (key_hash(f"shard-{shard}#vnode-{v}"), shard))

    @checked
    def shard_for(self, key: int) -> int:
        index = bisect.bisect_left(self.ring, (key_hash(str(key)), -1))
        return self.ring[index][1] if index < len(self.ring) else self.ring[0][1]

    @checked
    def shards_for_range(self, lo: int, hi: int) -> list[int]:
        return [*range(self.n)] if lo < hi else []
