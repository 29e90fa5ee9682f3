"""MUTANT: any hit on an old page promotes it: old_blocks_time is never consulted

A scan that touches each page twice (one row after another) promotes every scanned page
and pushes the hot set out of the young sublist.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

POLICIES = ("lru", "midpoint")


class BufferPoolError(Exception):
    """Bad arguments, or a call the pin protocol forbids (unpin of an unpinned page, write to an unpinned page)."""


class PoolExhausted(BufferPoolError):
    """Every frame holds a pinned page: nothing can be evicted to make room."""


class Page:
    """One resident page, handed out pinned by ``fetch()`` and ``new_page()``."""

    def __init__(self, pool: BufferPool, page_id: int, data: bytes) -> None:
        self._pool = pool
        self.page_id = page_id
        self._data = data
        self.pins = 0
        self.dirty = False
        self.loaded_at = 0  # clock of the call that brought the page in (midpoint's old_blocks_time)
        self.young = False

    @property
    def data(self) -> bytes:
        """The page's payload (``payload_size`` bytes), as last read or written."""
        return self._data

    def write(self, data: bytes) -> None:
        """Replace the payload with ``data`` zero-filled to ``payload_size``; the page becomes dirty."""
        self._pool._write(self, data)


def _check_id(page_id: object) -> int:
    if type(page_id) is not int or page_id < 1:
        raise BufferPoolError(f"a page id is an int >= 1, not {page_id!r}")
    return page_id


class BufferPool:
    """``frames`` pages of ``pager`` in memory, evicted by ``policy`` ("lru" or "midpoint")."""

    def __init__(self, pager: Any, frames: int, *, policy: str = "lru", old_fraction: float = 3 / 8,
                 old_blocks_time: int = 64) -> None:
        if type(frames) is not int or frames < 1:
            raise BufferPoolError(f"frames must be an int >= 1, got {frames!r}")
        if policy not in POLICIES:
            raise BufferPoolError(f"policy must be one of {POLICIES}, got {policy!r}")
        if type(old_fraction) not in (float, int) or not 0 < old_fraction < 1:
            raise BufferPoolError(f"old_fraction must be a number between 0 and 1 (exclusive), got {old_fraction!r}")
        if type(old_blocks_time) is not int or old_blocks_time < 0:
            raise BufferPoolError(f"old_blocks_time must be an int >= 0, got {old_blocks_time!r}")
        self.pager = pager
        self.frames = frames
        self.policy = policy
        self.old_fraction = old_fraction
        self.old_blocks_time = old_blocks_time
        self._young_max = frames - max(1, int(frames * old_fraction))
        self._lock = threading.Lock()
        self._pages: dict[int, Page] = {}
        # Replacement order, least recently used / oldest first. "lru" uses only _old.
        self._young: OrderedDict[int, None] = OrderedDict()
        self._old: OrderedDict[int, None] = OrderedDict()
        self._clock = 0
        self._stats = {"hits": 0, "misses": 0, "evictions": 0, "writebacks": 0}

    # -- the public API -----------------------------------------------------------------------------
    def fetch(self, page_id: int) -> Page:
        """The page, pinned: from its frame on a hit, read through the pager on a miss."""
        page_id = _check_id(page_id)
        with self._lock:
            now = self._clock + 1
            page = self._pages.get(page_id)
            if page is not None:
                page.pins += 1
                self._clock = now
                self._stats["hits"] += 1
                self._touch(page, now)
                return page
            victim = self._victim()
            data = self.pager.read(page_id)  # before evicting: a refused or corrupt page costs the pool nothing
            self._evict(victim)
            page = Page(self, page_id, data)
            self._install(page, now)
            self._stats["misses"] += 1
            return page

    def new_page(self) -> Page:
        """A page newly allocated by the pager (zero-filled), pinned."""
        with self._lock:
            now = self._clock + 1
            victim = self._victim()  # before allocating: an exhausted pool must not leak a page of the file
            self._evict(victim)
            page_id = self.pager.allocate()
            page = Page(self, page_id, bytes(self.pager.payload_size))
            self._install(page, now)
            return page

    def unpin(self, page_id: int, dirty: bool = False) -> None:
        """Drop one pin; ``dirty=True`` marks the page modified (it is written back before it leaves)."""
        page_id = _check_id(page_id)
        with self._lock:
            page = self._pages.get(page_id)
            if page is None:
                raise BufferPoolError(f"page {page_id} is not in the pool")
            if page.pins == 0:
                raise BufferPoolError(f"page {page_id} is not pinned")
            page.pins -= 1
            if dirty:
                page.dirty = True

    def flush(self, page_id: int) -> None:
        """Write the page back through the pager if it is resident and dirty (no sync)."""
        page_id = _check_id(page_id)
        with self._lock:
            page = self._pages.get(page_id)
            if page is not None:
                self._write_back(page)

    def flush_all(self) -> None:
        """Write every dirty page back, then ``pager.sync()``: everything written so far is durable."""
        with self._lock:
            for page_id in sorted(self._pages):
                self._write_back(self._pages[page_id])
            self.pager.sync()

    def stats(self) -> dict[str, int]:
        with self._lock:
            return dict(self._stats)

    def pin_count(self, page_id: int) -> int:
        page_id = _check_id(page_id)
        with self._lock:
            page = self._pages.get(page_id)
            return 0 if page is None else page.pins

    def __contains__(self, page_id: object) -> bool:
        with self._lock:
            return page_id in self._pages

    def __len__(self) -> int:
        with self._lock:
            return len(self._pages)

    # -- internals (called with the lock held) -------------------------------------------------------
    def _write(self, page: Page, data: bytes) -> None:
        if not isinstance(data, bytes | bytearray):
            raise BufferPoolError(f"page data must be bytes, not {type(data).__name__}")
        size = self.pager.payload_size
        if len(data) > size:
            raise BufferPoolError(f"{len(data)} bytes do not fit in a page of {size} payload bytes")
        with self._lock:
            if self._pages.get(page.page_id) is not page or page.pins == 0:
                raise BufferPoolError(f"page {page.page_id} is not pinned: fetch it before writing")
            page._data = bytes(data).ljust(size, b"\0")
            page.dirty = True

    def _write_back(self, page: Page) -> None:
        if page.dirty:
            self.pager.write(page.page_id, page.data)
            page.dirty = False
            self._stats["writebacks"] += 1

    def _victim(self) -> Page | None:
        """The page to evict for one more (None while a frame is free); PoolExhausted if all are pinned."""
        if len(self._pages) < self.frames:
            return None
        for order in (self._old, self._young):
            for page_id in order:
                if self._pages[page_id].pins == 0:
                    return self._pages[page_id]
        raise PoolExhausted(f"all {self.frames} frames hold pinned pages; unpin a page first")

    def _evict(self, victim: Page | None) -> None:
        if victim is None:
            return
        self._write_back(victim)  # a dirty victim reaches the pager before its frame is reused
        del self._pages[victim.page_id]
        (self._young if victim.young else self._old).pop(victim.page_id)
        self._stats["evictions"] += 1

    def _install(self, page: Page, now: int) -> None:
        page.pins = 1
        page.loaded_at = now
        self._clock = now
        self._pages[page.page_id] = page
        self._old[page.page_id] = None  # most recent end: the LRU head, or midpoint's old head

    def _touch(self, page: Page, now: int) -> None:
        if self.policy == "lru":
            self._old.move_to_end(page.page_id)
        elif page.young:
            self._young.move_to_end(page.page_id)
        else:
            del self._old[page.page_id]
            self._young[page.page_id] = None
            page.young = True
            while len(self._young) > self._young_max:  # the young tail becomes the old head
                demoted, _ = self._young.popitem(last=False)
                self._old[demoted] = None
                self._pages[demoted].young = False
