"""MUTANT: a get hit returns the value without increasing the frequency

Reads are not counted: a key that is read many times keeps frequency 1 (and its old
recency) and is evicted before keys that were written once later.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable


class _Node:
    """One cache entry, linked into the bucket of its frequency."""

    __slots__ = ("freq", "key", "next", "prev", "value")

    def __init__(self, key: Hashable, value: object) -> None:
        self.key = key
        self.value = value
        self.freq = 1  # a new entry has been used once: by the put that made it
        # A node points at itself until it is linked in; this keeps the
        # attributes non-optional, so the list code needs no None checks.
        self.prev: _Node = self
        self.next: _Node = self


class _Bucket:
    """A circular doubly linked list around one sentinel, oldest use first.

    ``_root.next`` is the least recently used node and ``_root.prev`` the most
    recently used one; an empty bucket is the sentinel pointing at itself.
    """

    __slots__ = ("_root", "size")

    def __init__(self) -> None:
        self._root = _Node(None, None)
        self.size = 0

    def append(self, node: _Node) -> None:
        """Link ``node`` in as the most recently used."""
        last = self._root.prev
        node.prev = last
        node.next = self._root
        last.next = node
        self._root.prev = node
        self.size += 1

    def remove(self, node: _Node) -> None:
        node.prev.next = node.next
        node.next.prev = node.prev
        self.size -= 1

    def pop_oldest(self) -> _Node:
        node = self._root.next
        self.remove(node)
        return node


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
        self._nodes: dict[Hashable, _Node] = {}
        self._buckets: dict[int, _Bucket] = {}
        self._min_freq = 1  # meaningless while empty; set on every insert
        self._lock = threading.Lock()

    @property
    def capacity(self) -> int:
        """The maximum number of entries (read-only)."""
        return self._capacity

    def get(self, key: Hashable, default: object = None) -> object:
        """Return the value for ``key`` and count a use, or return ``default``."""
        with self._lock:
            node = self._nodes.get(key)
            if node is None:
                return default
            return node.value

    def put(self, key: Hashable, value: object) -> None:
        """Insert or update ``key``; an update counts as a use and never evicts."""
        with self._lock:
            node = self._nodes.get(key)
            if node is not None:
                node.value = value
                self._touch(node)
                return
            # Evict before inserting: otherwise the new key, alone at
            # frequency 1, could be chosen as its own victim.
            if len(self._nodes) >= self._capacity:
                self._evict()
            node = _Node(key, value)
            self._nodes[key] = node
            self._bucket(1).append(node)
            self._min_freq = 1

    def __len__(self) -> int:
        with self._lock:
            return len(self._nodes)

    def __contains__(self, key: object) -> bool:
        # A membership test is a peek: no frequency or recency change.
        with self._lock:
            return key in self._nodes

    # Helpers. The caller holds the lock.

    def _bucket(self, freq: int) -> _Bucket:
        bucket = self._buckets.get(freq)
        if bucket is None:
            bucket = self._buckets[freq] = _Bucket()
        return bucket

    def _touch(self, node: _Node) -> None:
        """Count one use: move ``node`` from its bucket to the next one up."""
        bucket = self._buckets[node.freq]
        bucket.remove(node)
        if bucket.size == 0:
            # Drop empty buckets so the dict does not grow with every
            # frequency ever reached.
            del self._buckets[node.freq]
            if self._min_freq == node.freq:
                self._min_freq = node.freq + 1
        node.freq += 1
        self._bucket(node.freq).append(node)

    def _evict(self) -> None:
        bucket = self._buckets[self._min_freq]
        victim = bucket.pop_oldest()
        if bucket.size == 0:
            del self._buckets[self._min_freq]
        del self._nodes[victim.key]
