"""Alternative solution: an LFU cache with one OrderedDict per frequency.

Instead of hand-written lists, each frequency bucket is an
``OrderedDict[key, None]`` used as an ordered set, oldest use first. Values and
frequencies live in two plain dicts. ``popitem(last=False)`` takes the least
recently used key of the minimum bucket in O(1). An RLock guards every public
method; behaviour is identical to the reference.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class LFUCache:
    """A fixed-capacity mapping that evicts the least frequently used entry.

    Ties between entries with the same frequency are broken by recency: the
    least recently used of them is evicted.
    """

    def __init__(self, capacity: int) -> None:
        if not isinstance(capacity, int) or isinstance(capacity, bool):
            raise TypeError(
                f"capacity must be an int, got {type(capacity).__name__}: {capacity!r}"
            )
        if capacity <= 0:
            raise ValueError(f"capacity must be a positive int, got {capacity}")
        self._capacity = capacity
        self._values: dict[Hashable, object] = {}
        self._freq: dict[Hashable, int] = {}
        self._buckets: dict[int, OrderedDict[Hashable, None]] = {}
        self._min_freq = 0
        self._lock = threading.RLock()

    @property
    def capacity(self) -> int:
        """The maximum number of entries (read-only)."""
        return self._capacity

    def get(self, key: Hashable, default: object = None) -> object:
        """Return the value for ``key`` and count a use, or return ``default``."""
        with self._lock:
            if key not in self._values:
                return default
            self._bump(key)
            return self._values[key]

    def put(self, key: Hashable, value: object) -> None:
        """Insert or update ``key``; an update counts as a use and never evicts."""
        with self._lock:
            if key in self._values:
                self._values[key] = value
                self._bump(key)
                return
            if len(self._values) == self._capacity:
                victim, _ = self._buckets[self._min_freq].popitem(last=False)
                if not self._buckets[self._min_freq]:
                    del self._buckets[self._min_freq]
                del self._values[victim]
                del self._freq[victim]
            self._values[key] = value
            self._freq[key] = 1
            self._buckets.setdefault(1, OrderedDict())[key] = None
            self._min_freq = 1

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._values

    def _bump(self, key: Hashable) -> None:
        freq = self._freq[key]
        bucket = self._buckets[freq]
        del bucket[key]
        if not bucket:
            del self._buckets[freq]
            if freq == self._min_freq:
                self._min_freq = freq + 1
        self._freq[key] = freq + 1
        self._buckets.setdefault(freq + 1, OrderedDict())[key] = None
