"""Alternative solution: an LRU cache on top of ``collections.OrderedDict``.

OrderedDict is itself a hash map plus a doubly linked list (in C), so
``move_to_end`` and ``popitem(last=False)`` are O(1). Entries are kept oldest
first: the first item is the least recently used. An RLock (rather than a
plain Lock) guards every public method; behaviour is identical to the
reference.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class LRUCache:
    """A fixed-capacity mapping that evicts the least recently used entry."""

    def __init__(self, capacity: int) -> None:
        if not isinstance(capacity, int) or isinstance(capacity, bool):
            raise TypeError(
                f"capacity must be an int, got {type(capacity).__name__}: {capacity!r}"
            )
        if capacity <= 0:
            raise ValueError(f"capacity must be a positive int, got {capacity}")
        self._capacity = capacity
        self._data: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.RLock()

    @property
    def capacity(self) -> int:
        """The maximum number of entries (read-only)."""
        return self._capacity

    def get(self, key: Hashable, default: object = None) -> object:
        """Return the value for ``key`` and mark it most recently used, or ``default``."""
        with self._lock:
            if key not in self._data:
                return default
            self._data.move_to_end(key)
            return self._data[key]

    def put(self, key: Hashable, value: object) -> None:
        """Insert or update ``key``; either way it becomes the most recently used."""
        with self._lock:
            if key in self._data:
                self._data[key] = value
                self._data.move_to_end(key)
                return
            if len(self._data) == self._capacity:
                self._data.popitem(last=False)
            self._data[key] = value

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._data
