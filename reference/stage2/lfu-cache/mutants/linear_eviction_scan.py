"""MUTANT: entries carry a use count and a last-used tick; eviction scans every entry

Behaviour is exactly that of the LFU cache (lowest frequency, then least recent use),
but there are no frequency buckets: each put of a new key into a full cache does a
min() over all n entries, so put is O(n) and doubling the capacity doubles its time.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable


class _Entry:
    """One cache entry, its use count and the tick of its last use."""

    __slots__ = ("freq", "last_used", "value")

    def __init__(self, value: object, last_used: int) -> None:
        self.value = value
        self.freq = 1  # a new entry has been used once: by the put that made it
        self.last_used = last_used


class LFUCache:
    """A fixed-capacity mapping that evicts the least frequently used entry.

    Ties between entries with the same frequency are broken by recency: the
    least recently used of them is evicted.
    """

    def __init__(self, capacity: int) -> None:
        # bool is a subclass of int, but LFUCache(True) is almost surely a bug.
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
        """Return the value for ``key`` and count a use, or return ``default``."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return default
            self._use(entry)
            return entry.value

    def put(self, key: Hashable, value: object) -> None:
        """Insert or update ``key``; an update counts as a use and never evicts."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                entry.value = value
                self._use(entry)
                return
            if len(self._entries) >= self._capacity:
                victim = min(
                    self._entries,
                    key=lambda k: (self._entries[k].freq, self._entries[k].last_used),
                )
                del self._entries[victim]
            self._clock += 1
            self._entries[key] = _Entry(value, self._clock)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __contains__(self, key: object) -> bool:
        # A membership test is a peek: no frequency or recency change.
        with self._lock:
            return key in self._entries

    def _use(self, entry: _Entry) -> None:
        self._clock += 1
        entry.freq += 1
        entry.last_used = self._clock
