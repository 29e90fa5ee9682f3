"""MUTANT: ties at the lowest frequency go to the first-inserted key, not the least recently used

Each entry's tie-breaking stamp is set when the key is inserted and never refreshed on
a use, so with a and b at the same lowest frequency, where a was inserted first but
used more recently, the cache evicts a instead of b. Frequencies are right, and every
operation is still O(log n) amortised (a heap with lazily discarded stale entries).
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Hashable


class _Entry:
    """One cache entry: its value, use count and tie-breaking stamp."""

    __slots__ = ("freq", "stamp", "value")

    def __init__(self, value: object, stamp: int) -> None:
        self.value = value
        self.freq = 1  # a new entry has been used once: by the put that made it
        self.stamp = stamp  # smaller stamp = older; evicted first among equals


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
        # Min-heap of (freq, stamp, key). Updating a priority in place is not
        # possible, so a use pushes a new tuple and the old one goes stale;
        # stale tuples are skipped when popped.
        self._heap: list[tuple[int, int, Hashable]] = []
        self._stamps = itertools.count()
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
            self._use(key, entry)
            return entry.value

    def put(self, key: Hashable, value: object) -> None:
        """Insert or update ``key``; an update counts as a use and never evicts."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                entry.value = value
                self._use(key, entry)
                return
            if len(self._entries) >= self._capacity:
                self._evict()
            entry = _Entry(value, next(self._stamps))
            self._entries[key] = entry
            self._push(key, entry)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __contains__(self, key: object) -> bool:
        # A membership test is a peek: no frequency or recency change.
        with self._lock:
            return key in self._entries

    # Helpers. The caller holds the lock.

    def _use(self, key: Hashable, entry: _Entry) -> None:
        entry.freq += 1
        self._push(key, entry)

    def _push(self, key: Hashable, entry: _Entry) -> None:
        heapq.heappush(self._heap, (entry.freq, entry.stamp, key))
        # Keep stale tuples from piling up: rebuild from the live entries
        # once they outnumber them. O(n), but only every ~n pushes.
        if len(self._heap) > 2 * len(self._entries) + 16:
            self._heap = [(e.freq, e.stamp, k) for k, e in self._entries.items()]
            heapq.heapify(self._heap)

    def _evict(self) -> None:
        while True:
            freq, stamp, key = heapq.heappop(self._heap)
            entry = self._entries.get(key)
            if entry is not None and entry.freq == freq and entry.stamp == stamp:
                del self._entries[key]
                return
