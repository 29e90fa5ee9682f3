"""Hostile: put() ends the whole process with os._exit(0) in the middle of a call.

Exit code 0 looks like success to anything that only checks the exit status; the grader
must see a call that never answered.
"""

import os
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
        print("PASSED: all checks passed", flush=True)
        os._exit(0)

    def __len__(self):
        with self._lock:
            return len(self._data)

    def __contains__(self, key):
        with self._lock:
            return key in self._data
