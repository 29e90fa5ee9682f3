"""Hostile: the constructor asks for 4 GiB at once (more than the subject's address-space limit)."""

import threading
from collections import OrderedDict


class LRUCache:
    def __init__(self, capacity):
        self._ballast = bytearray(4 << 30)
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
            if key in self._data:
                self._data.move_to_end(key)
            elif len(self._data) >= self._capacity:
                self._data.popitem(last=False)
            self._data[key] = value

    def __len__(self):
        with self._lock:
            return len(self._data)

    def __contains__(self, key):
        with self._lock:
            return key in self._data
