"""MUTANT: get returns the value but does not move the entry to the most-recent end

A get hit is not counted as a use, so a key that was just read is still evicted as if it
had not been touched since it was last put.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable


class _Node:
    """One cache entry, linked into the recency list."""

    __slots__ = ("key", "next", "prev", "value")

    def __init__(self, key: Hashable, value: object) -> None:
        self.key = key
        self.value = value
        # A node points at itself until it is linked in; this keeps the
        # attributes non-optional, so the list code needs no None checks.
        self.prev: _Node = self
        self.next: _Node = self


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
        self._nodes: dict[Hashable, _Node] = {}
        self._head = _Node(None, None)  # sentinel before the most recent entry
        self._tail = _Node(None, None)  # sentinel after the least recent entry
        self._head.next = self._tail
        self._tail.prev = self._head
        self._lock = threading.Lock()

    @property
    def capacity(self) -> int:
        """The maximum number of entries (read-only)."""
        return self._capacity

    def get(self, key: Hashable, default: object = None) -> object:
        """Return the value for ``key`` and mark it most recently used, or ``default``."""
        with self._lock:
            node = self._nodes.get(key)
            if node is None:
                return default
            return node.value

    def put(self, key: Hashable, value: object) -> None:
        """Insert or update ``key``; either way it becomes the most recently used."""
        with self._lock:
            node = self._nodes.get(key)
            if node is not None:
                # An update is a use. The size does not change, so nothing is
                # evicted, even when the cache is full.
                node.value = value
                self._move_to_front(node)
                return
            if len(self._nodes) >= self._capacity:
                self._evict()
            node = _Node(key, value)
            self._nodes[key] = node
            self._push_front(node)

    def __len__(self) -> int:
        with self._lock:
            return len(self._nodes)

    def __contains__(self, key: object) -> bool:
        # A membership test is a peek: it must not change the recency order.
        with self._lock:
            return key in self._nodes

    # List helpers. The caller holds the lock.

    def _push_front(self, node: _Node) -> None:
        first = self._head.next
        node.prev = self._head
        node.next = first
        first.prev = node
        self._head.next = node

    def _unlink(self, node: _Node) -> None:
        node.prev.next = node.next
        node.next.prev = node.prev

    def _move_to_front(self, node: _Node) -> None:
        self._unlink(node)
        self._push_front(node)

    def _evict(self) -> None:
        victim = self._tail.prev
        self._unlink(victim)
        del self._nodes[victim.key]
