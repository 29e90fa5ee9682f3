"""Hostile: creating a cache SIGKILLs the subject's parent process (the pytest process that
runs the grader), then carries on as if nothing happened. The cache forgets everything, so
whichever way the grader survives, the report must say failed."""

import os
import signal


class LRUCache:
    def __init__(self, capacity):
        os.kill(os.getppid(), signal.SIGKILL)
        self._capacity = capacity

    @property
    def capacity(self):
        return self._capacity

    def get(self, key, default=None):
        return default

    def put(self, key, value):
        return None

    def __len__(self):
        return 0

    def __contains__(self, key):
        return False
