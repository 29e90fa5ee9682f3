"""Hostile: put() takes a non-reentrant lock twice and blocks forever (in C, not bytecode)."""

import threading
from collections import OrderedDict


class LRUCache:
    def __init__(self, capacity):
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise TypeError(f"capacity must be an int, got {capacity!r}")
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._data = OrderedDict()
        self._lock = threading.Lock()

    @property
    def capacity(self):
        return self._capacity

    def get(self, key, default=None):
        with self._lock:
            if key not in self._data:
                return default
            self._data.move_to_end(key)
            return self._data[key]

    def put(self, key, value):
        with self._lock:
            self._store(key, value)

    def _store(self, key, value):
        with self._lock:  # the same non-reentrant lock again: blocks forever
            self._data[key] = value

    def __len__(self):
        with self._lock:
            return len(self._data)

    def __contains__(self, key):
        with self._lock:
            return key in self._data
