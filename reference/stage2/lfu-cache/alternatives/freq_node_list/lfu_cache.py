"""Alternative solution: the "O(1) LFU" layout of Shah, Mitra and Matani (2010).

The frequencies themselves form a doubly linked list, in increasing order.
Each frequency node holds the keys currently at that frequency, as an
OrderedDict used as an ordered set (least recently used first), and each item
points back at its frequency node. There is no tracked minimum: the
least frequent bucket is simply the first frequency node after the sentinel.
A use moves an item to the next frequency node, creating it if the next node
is not exactly ``freq + 1`` and unlinking the old node if it became empty.
A Lock guards every public method; behaviour is identical to the reference.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class _FreqNode:
    """All keys that have exactly ``freq`` uses, oldest use first."""

    __slots__ = ("freq", "keys", "next", "prev")

    def __init__(self, freq: int) -> None:
        self.freq = freq
        self.keys: OrderedDict[Hashable, None] = OrderedDict()
        self.prev: _FreqNode = self
        self.next: _FreqNode = self

    def insert_after(self, other: _FreqNode) -> None:
        """Link ``self`` into the list right after ``other``."""
        self.prev = other
        self.next = other.next
        other.next.prev = self
        other.next = self

    def unlink(self) -> None:
        self.prev.next = self.next
        self.next.prev = self.prev


class _Item:
    __slots__ = ("parent", "value")

    def __init__(self, value: object, parent: _FreqNode) -> None:
        self.value = value
        self.parent = parent


class LFUCache:
    """A fixed-capacity mapping that evicts the least frequently used entry.

    Ties between entries with the same frequency are broken by recency: the
    least recently used of them is evicted.
    """

    def __init__(self, capacity: int) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise TypeError(
                f"capacity must be an int, got {type(capacity).__name__}: {capacity!r}"
            )
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._items: dict[Hashable, _Item] = {}
        # Circular list of frequency nodes; the sentinel has frequency 0.
        self._root = _FreqNode(0)
        self._lock = threading.Lock()

    @property
    def capacity(self) -> int:
        """The maximum number of entries (read-only)."""
        return self._capacity

    def get(self, key: Hashable, default: object = None) -> object:
        """Return the value for ``key`` and count a use, or return ``default``."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return default
            self._promote(key, item)
            return item.value

    def put(self, key: Hashable, value: object) -> None:
        """Insert or update ``key``; an update counts as a use and never evicts."""
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                item.value = value
                self._promote(key, item)
                return
            if len(self._items) >= self._capacity:
                lowest = self._root.next
                victim, _ = lowest.keys.popitem(last=False)
                if not lowest.keys:
                    lowest.unlink()
                del self._items[victim]
            first = self._root.next
            if first.freq != 1:
                first = _FreqNode(1)
                first.insert_after(self._root)
            first.keys[key] = None
            self._items[key] = _Item(value, first)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    def _promote(self, key: Hashable, item: _Item) -> None:
        current = item.parent
        target = current.next
        if target.freq != current.freq + 1:
            # The sentinel has frequency 0, so this also covers "no next node".
            target = _FreqNode(current.freq + 1)
            target.insert_after(current)
        del current.keys[key]
        if not current.keys:
            current.unlink()
        target.keys[key] = None
        item.parent = target
