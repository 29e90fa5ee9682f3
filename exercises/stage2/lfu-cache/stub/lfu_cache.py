"""An LFU (least frequently used) cache: a fixed-capacity key-value map.

Every entry has a use count, its frequency. A new key starts at 1 (the
``put`` that created it); each ``get`` hit and each ``put`` on an existing key
adds 1. ``in`` and ``len`` do not count. When the cache is full and a new key
is inserted, the entry with the lowest frequency is evicted first; among
entries with the same lowest frequency, the least recently used one goes.
Both ``get`` and ``put`` must run in O(1) time: keep a dict from key to entry,
group the entries into one bucket per frequency (each bucket ordered by
recency), and track the minimum frequency. Every method must be safe to call
from many threads at once.
"""

from __future__ import annotations

from collections.abc import Hashable


class LFUCache:
    """A fixed-capacity mapping that evicts the least frequently used entry.

    Ties between entries with the same frequency are broken by recency: the
    least recently used of them is evicted.
    """

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

        A hit counts as a use: the frequency of ``key`` goes up by one and it
        becomes the most recently used entry. A miss changes nothing.
        """
        raise NotImplementedError

    def put(self, key: Hashable, value: object) -> None:
        """Store ``value`` under ``key``.

        If ``key`` is already present, its value is replaced and this counts as
        a use (frequency + 1, most recently used); nothing is evicted. If
        ``key`` is new, it starts with frequency 1; if the cache is full, one
        entry is evicted first: the lowest frequency, ties broken by least
        recent use. The new key itself is never the victim.
        """
        raise NotImplementedError

    def __len__(self) -> int:
        """Return the number of entries currently stored."""
        raise NotImplementedError

    def __contains__(self, key: object) -> bool:
        """Return whether ``key`` is stored. This is NOT a use: nothing changes."""
        raise NotImplementedError
