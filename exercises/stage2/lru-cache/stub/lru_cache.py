"""An LRU (least recently used) cache: a fixed-capacity key-value map.

When the cache is full and a new key is inserted, the entry that was used
least recently is evicted to make room. Reading a key with ``get`` and
writing it with ``put`` both count as a use; ``in`` and ``len`` do not. Both
``get`` and ``put`` must run in O(1) time: build it from a dict that maps each
key to a node of a doubly linked list you write yourself (use sentinel
nodes), keeping the list in recency order. Every method must be safe to call
from many threads at once.
"""

from __future__ import annotations

from collections.abc import Hashable


class LRUCache:
    """A fixed-capacity mapping that evicts the least recently used entry."""

    def __init__(self, capacity: int) -> None:
        """Create an empty cache holding at most ``capacity`` entries.

        Raises:
            TypeError: if ``capacity`` is not an int (a bool is rejected too).
            ValueError: if ``capacity`` is less than 1; the message names the value.
        """
        raise NotImplementedError

    @property
    def capacity(self) -> int:
        """The maximum number of entries. Read-only: there is no setter."""
        raise NotImplementedError

    def get(self, key: Hashable, default: object = None) -> object:
        """Return the value stored for ``key``, or ``default`` if it is absent.

        A hit counts as a use: ``key`` becomes the most recently used entry.
        A miss changes nothing.
        """
        raise NotImplementedError

    def put(self, key: Hashable, value: object) -> None:
        """Store ``value`` under ``key``; ``key`` becomes the most recently used.

        If ``key`` is already present, only its value is replaced (and its
        recency refreshed); nothing is evicted. If ``key`` is new and the cache
        is full, the least recently used entry is evicted first.
        """
        raise NotImplementedError

    def __len__(self) -> int:
        """Return the number of entries currently stored."""
        raise NotImplementedError

    def __contains__(self, key: object) -> bool:
        """Return whether ``key`` is stored. This is NOT a use: order is unchanged."""
        raise NotImplementedError
