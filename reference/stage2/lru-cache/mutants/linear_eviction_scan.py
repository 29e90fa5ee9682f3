"""MUTANT: entries carry a last-used counter and eviction scans every entry for the oldest

Behaviour is exactly that of an LRU cache, but there is no linked list: each put of a
new key into a full cache does a min() over all n entries, so put is O(n) and doubling
the capacity doubles the time per put.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable


class _Entry:
    """One cache entry and the tick of its last use."""

    __slots__ = ("last_used", "value")

    def __init__(self, value: object, last_used: int) -> None:
        self.value = value
        self.last_used = last_used


class LRUCache:
    """A fixed-capacity mapping that evicts the least recently used entry."""

    def __init__(self, capacity: int) -> None:
        # bool is a subclass of int, but LRUCache(True) is almost surely a bug.
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise TypeError(
                f"capacity must be an int, got {type(capacity).__name__}: {capacity!r}"
            )
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._entries: dict[Hashable, _Entry] = {}
        self._clock = 0  # counts uses; a bigger tick means more recently used
        self._lock = threading.Lock()

    @property
    def capacity(self) -> int:
        """The maximum number of entries (read-only)."""
        return self._capacity

    def get(self, key: Hashable, default: object = None) -> object:
        """Return the value for ``key`` and mark it most recently used, or ``default``."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return default
            entry.last_used = self._tick()
            return entry.value

    def put(self, key: Hashable, value: object) -> None:
        """Insert or update ``key``; either way it becomes the most recently used."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                entry.value = value
                entry.last_used = self._tick()
                return
            if len(self._entries) >= self._capacity:
                oldest = min(self._entries, key=lambda k: self._entries[k].last_used)
                del self._entries[oldest]
            self._entries[key] = _Entry(value, self._tick())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __contains__(self, key: object) -> bool:
        # A membership test is a peek: it must not change the recency order.
        with self._lock:
            return key in self._entries

    def _tick(self) -> int:
        self._clock += 1
        return self._clock
