"""Hostile: the first put() kills its parent process (the pytest process running the
grader) with SIGKILL, then carries on as if nothing happened."""

import os
import signal
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
        os.kill(os.getppid(), signal.SIGKILL)
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
