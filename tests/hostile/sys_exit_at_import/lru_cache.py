"""Hostile: the module exits the interpreter as soon as it is imported."""

import sys

print("12 passed in 0.01s")
sys.exit(3)


class LRUCache:  # never reached
    def __init__(self, capacity):
        self.capacity = capacity
