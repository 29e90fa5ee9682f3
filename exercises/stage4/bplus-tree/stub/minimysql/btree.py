"""A B+Tree index whose nodes are pages of your pager (``minimysql/pager.py``).

Keys are ``bytes`` of 1 to 32 bytes, compared as bytes; values are ``bytes`` of 0 to 64 bytes.
Every node is one page, read with ``pager.read`` and written with ``pager.write`` on every
operation: between calls the tree keeps nothing in memory but what it stores in the pager's meta
(the root page id, and e.g. the key count and the height). The README has every rule.
"""

from __future__ import annotations

from collections.abc import Iterator

from minimysql.pager import Pager

MAX_KEY = 32  # bytes
MAX_VALUE = 64  # bytes


class DuplicateKey(KeyError):
    """insert() of a key the tree already holds."""


class BPlusTree:
    """A B+Tree of bytes keys to bytes values, stored in ``pager``'s pages."""

    def __init__(self, pager: Pager) -> None:
        """Open the tree kept in ``pager``: if ``pager.get_meta()`` is empty, start a new tree (one empty
        leaf page as the root, its id saved with ``pager.set_meta``); otherwise read the root page id
        (and whatever else you keep there) from the meta."""
        raise NotImplementedError

    def insert(self, key: bytes, value: bytes) -> None:
        """Add a new key.

        Raises:
            DuplicateKey: the tree already holds ``key`` (nothing changes).
            TypeError: ``key`` or ``value`` is not bytes.
            ValueError: ``key`` is empty or longer than 32 bytes, or ``value`` longer than 64 bytes.
        """
        raise NotImplementedError

    def put(self, key: bytes, value: bytes) -> None:
        """Add ``key``, or replace its value if the tree holds it. Raises as insert() for bad arguments."""
        raise NotImplementedError

    def get(self, key: bytes, default: bytes | None = None) -> bytes | None:
        """The value of ``key``, or ``default``; reads exactly height() pages, one per level.
        Raises TypeError/ValueError for a bad key."""
        raise NotImplementedError

    def delete(self, key: bytes) -> bytes:
        """Remove ``key`` and return its value; borrow or merge so no node but the root is below half full.

        Raises:
            KeyError: the tree does not hold ``key`` (nothing changes).
            TypeError, ValueError: a bad key.
        """
        raise NotImplementedError

    def range(self, lo: bytes | None = None, hi: bytes | None = None) -> Iterator[tuple[bytes, bytes]]:
        """(key, value) pairs with lo <= key < hi, in key order, read along the leaf chain. None leaves
        that side open. Raises TypeError for a bound that is neither bytes nor None."""
        raise NotImplementedError

    def __len__(self) -> int:
        """The number of keys held (no page reads)."""
        raise NotImplementedError

    def height(self) -> int:
        """The number of levels, leaves included: 1 for a tree that is one leaf."""
        raise NotImplementedError
