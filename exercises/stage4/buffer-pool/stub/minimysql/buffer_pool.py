"""The buffer pool: a fixed number of frames in memory caching the pager's pages.

Callers ``fetch()`` a page (it is pinned: it cannot be evicted), read ``page.data`` or change it
with ``page.write(data)`` (the page becomes dirty), and ``unpin()`` it when done. When a page
must come in and every frame is taken, an unpinned page is evicted, written back through the
pager first if it is dirty. Two replacement policies: plain LRU, and InnoDB's midpoint LRU
(young and old sublists). Time for the midpoint policy is a logical clock: the number of
successful ``fetch()`` and ``new_page()`` calls so far. The README has every rule.

Describe your locking here: which lock guards what, and which methods take it.
"""

from __future__ import annotations

from typing import Any


class BufferPoolError(Exception):
    """Bad arguments, or a call the pin protocol forbids (unpin of an unpinned page, write to an unpinned page)."""


class PoolExhausted(BufferPoolError):
    """Every frame holds a pinned page: nothing can be evicted to make room."""


class Page:
    """One resident page, handed out pinned by ``fetch()`` and ``new_page()``."""

    page_id: int  # the pager's id of this page

    @property
    def data(self) -> bytes:
        """The page's payload (exactly ``pager.payload_size`` bytes), as last read or written."""
        raise NotImplementedError

    def write(self, data: bytes) -> None:
        """Replace the payload with ``data`` zero-filled to ``payload_size``; the page becomes dirty.
        No storage I/O: the page reaches the pager when it is evicted or flushed.

        Raises:
            BufferPoolError: ``data`` is not bytes or is longer than payload_size; the page is not
                pinned (nothing is changed then).
        """
        raise NotImplementedError


class BufferPool:
    """``frames`` pages of ``pager`` in memory, evicted by ``policy`` ("lru" or "midpoint")."""

    pager: Any  # the Pager given to the constructor
    frames: int
    policy: str

    def __init__(self, pager: Any, frames: int, *, policy: str = "lru", old_fraction: float = 3 / 8,
                 old_blocks_time: int = 64) -> None:
        """A pool of ``frames`` frames over ``pager`` (your ``minimysql.pager.Pager``).

        ``old_fraction`` and ``old_blocks_time`` matter only for ``policy="midpoint"``: the old
        sublist's share of the frames, and the clock ticks a page must spend in the pool before a
        hit moves it from old to young.

        Raises:
            BufferPoolError: frames not an int >= 1 (bool neither); policy not "lru" or "midpoint";
                old_fraction not a number strictly between 0 and 1; old_blocks_time not an int >= 0.
        """
        raise NotImplementedError

    def fetch(self, page_id: int) -> Page:
        """The page, pinned once more. A hit is served from its frame (no I/O); a miss reads it
        with one ``pager.read(page_id)``, evicting an unpinned page if every frame is taken.

        Raises:
            BufferPoolError: ``page_id`` is not an int >= 1.
            PoolExhausted: the page is not resident and every frame is pinned (nothing changes).
            PagerError, CorruptPage: the pager's, when it cannot read the page (no frame is kept for it).
        """
        raise NotImplementedError

    def new_page(self) -> Page:
        """A new page from ``pager.allocate()``, zero-filled and pinned (nothing is read).

        Raises:
            PoolExhausted: every frame is pinned (and no page is allocated).
        """
        raise NotImplementedError

    def unpin(self, page_id: int, dirty: bool = False) -> None:
        """Drop one pin of the page; ``dirty=True`` also marks it modified.

        Raises:
            BufferPoolError: a bad id, a page that is not in the pool, or one with no pins left.
        """
        raise NotImplementedError

    def flush(self, page_id: int) -> None:
        """If the page is resident and dirty, write it back with ``pager.write`` (it becomes clean).
        Does nothing for a clean or non-resident page. No sync.

        Raises:
            BufferPoolError: ``page_id`` is not an int >= 1.
        """
        raise NotImplementedError

    def flush_all(self) -> None:
        """Write every dirty page back through the pager, then ``pager.sync()``. Pages stay resident."""
        raise NotImplementedError

    def stats(self) -> dict[str, int]:
        """``{"hits", "misses", "evictions", "writebacks"}`` since the pool was created: fetches served
        from a frame, fetches that read the pager, pages evicted to make room, ``pager.write`` calls."""
        raise NotImplementedError

    def pin_count(self, page_id: int) -> int:
        """How many pins the page holds now (0 if it is not in the pool). Not an access."""
        raise NotImplementedError

    def __contains__(self, page_id: object) -> bool:
        """Whether the page is in a frame now. Not an access: it changes no order."""
        raise NotImplementedError

    def __len__(self) -> int:
        """How many pages are in frames now."""
        raise NotImplementedError
