"""Hostile: the module raises while it is being imported."""

raise RuntimeError("boom")


class LRUCache:  # never reached
    def __init__(self, capacity):
        self.capacity = capacity
