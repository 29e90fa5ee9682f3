"""Hostile: the class's __new__ returns plain values instead of cache objects.

LRUCache(capacity) returns None, a number, or a string (by capacity), so the grader gets
a value where it expects a remote object. A grader that then calls cache.put(...) on it
would crash with its own AttributeError instead of failing the check.
"""


class LRUCache:
    def __new__(cls, capacity):
        if capacity == 2:
            return None
        if capacity == 1:
            return 1
        return "a cache"

    def get(self, key, default=None):
        return default

    def put(self, key, value):
        return None

    def __len__(self):
        return 0

    def __contains__(self, key):
        return False
