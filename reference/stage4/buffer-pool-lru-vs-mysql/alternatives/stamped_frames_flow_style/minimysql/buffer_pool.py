"""A buffer pool over a fixed array of frames, ordered by stamps instead of linked lists.

Each frame remembers a stamp: a number from one counter that grows every time a page is put at
the head of its list. The least recently placed page of a list is the one with the smallest
stamp, so choosing a victim is a scan of the frames (fine for the pool sizes of this course; a
linked list makes it O(1)). For the midpoint policy each frame also says whether it is in the
young or the old sublist; moving a page to a head is giving it a fresh stamp.

Locking: one ``threading.RLock`` guards the frames, the page table, the counters and the pager;
every public method and ``Page.write`` hold it for their whole body.
"""

from __future__ import annotations

import threading
from typing import Any


class BufferPoolError(Exception):
    """Bad arguments, or a call the pin protocol forbids."""


class PoolExhausted(BufferPoolError):
    """Every frame holds a pinned page."""


class Page:
    """A frame's view of the page it holds while the caller has it pinned."""

    def __init__(self, pool: BufferPool, frame: _Frame) -> None:
        self._pool = pool
        self._frame = frame
        self.page_id = frame.page_id

    @property
    def data(self) -> bytes:
        return bytes(self._frame.data) if self._frame.page_id == self.page_id else b""

    def write(self, data: bytes) -> None:
        pool = self._pool
        with pool._lock:
            if type(data) not in (bytes, bytearray):
                raise BufferPoolError(f"page data must be bytes, not {type(data).__name__}")
            if len(data) > pool.pager.payload_size:
                raise BufferPoolError(f"{len(data)} bytes are more than a page holds ({pool.pager.payload_size})")
            frame = self._frame
            if frame.page_id != self.page_id or frame.pins < 1:
                raise BufferPoolError(f"page {self.page_id} is not pinned")
            frame.data[:] = bytes(data) + bytes(pool.pager.payload_size - len(data))
            frame.dirty = True


class _Frame:
    __slots__ = ("data", "dirty", "loaded", "page_id", "pins", "stamp", "young")

    def __init__(self) -> None:
        self.page_id = 0  # 0: the frame is free
        self.data = bytearray()
        self.pins = 0
        self.dirty = False
        self.stamp = 0
        self.loaded = 0
        self.young = False


class BufferPool:
    def __init__(self, pager: Any, frames: int, *, policy: str = "lru", old_fraction: float = 3 / 8,
                 old_blocks_time: int = 64) -> None:
        if isinstance(frames, bool) or not isinstance(frames, int) or frames <= 0:
            raise BufferPoolError(f"frames: expected a positive int, got {frames!r}")
        if policy != "lru" and policy != "midpoint":
            raise BufferPoolError(f"unknown policy {policy!r} (use 'lru' or 'midpoint')")
        if isinstance(old_fraction, bool) or not isinstance(old_fraction, int | float) \
                or not 0.0 < old_fraction < 1.0:
            raise BufferPoolError(f"old_fraction must lie strictly between 0 and 1, got {old_fraction!r}")
        if isinstance(old_blocks_time, bool) or not isinstance(old_blocks_time, int) or old_blocks_time < 0:
            raise BufferPoolError(f"old_blocks_time must be a non-negative int, got {old_blocks_time!r}")
        self.pager = pager
        self.frames = frames
        self.policy = policy
        self._young_cap = frames - max(1, int(frames * old_fraction))
        self._old_blocks_time = old_blocks_time
        self._slots = [_Frame() for _ in range(frames)]
        self._table: dict[int, _Frame] = {}
        self._lock = threading.RLock()
        self._stamp = 0
        self._accesses = 0
        self._hits = self._misses = self._evictions = self._writebacks = 0

    @staticmethod
    def _valid(page_id: object) -> int:
        if isinstance(page_id, bool) or not isinstance(page_id, int) or page_id <= 0:
            raise BufferPoolError(f"bad page id {page_id!r}")
        return page_id

    def _next_stamp(self) -> int:
        self._stamp += 1
        return self._stamp

    def _free_frame(self) -> _Frame:
        """A frame to load a page into, its old page evicted; the pool is unchanged if it raises."""
        for frame in self._slots:
            if frame.page_id == 0:
                return frame
        candidates = [f for f in self._slots if f.pins == 0]
        if not candidates:
            raise PoolExhausted(f"no unpinned frame among {self.frames}")
        # old pages first (young is False sorts first), then the smallest stamp
        return min(candidates, key=lambda f: (f.young, f.stamp))

    def _evict(self, frame: _Frame) -> None:
        if frame.page_id == 0:
            return
        self._flush_frame(frame)
        del self._table[frame.page_id]
        frame.page_id = 0
        self._evictions += 1

    def _flush_frame(self, frame: _Frame) -> None:
        if frame.dirty:
            self.pager.write(frame.page_id, bytes(frame.data))
            frame.dirty = False
            self._writebacks += 1

    def _load(self, frame: _Frame, page_id: int, data: bytes) -> Page:
        self._accesses += 1
        frame.page_id, frame.data, frame.pins, frame.dirty = page_id, bytearray(data), 1, False
        frame.young, frame.loaded, frame.stamp = False, self._accesses, self._next_stamp()
        self._table[page_id] = frame
        return Page(self, frame)

    def fetch(self, page_id: int) -> Page:
        page_id = self._valid(page_id)
        with self._lock:
            frame = self._table.get(page_id)
            if frame is None:
                target = self._free_frame()
                data = self.pager.read(page_id)
                self._evict(target)
                self._misses += 1
                return self._load(target, page_id, data)
            self._accesses += 1
            self._hits += 1
            frame.pins += 1
            if self.policy == "lru" or frame.young:
                frame.stamp = self._next_stamp()
            elif self._accesses - frame.loaded >= self._old_blocks_time:
                frame.young, frame.stamp = True, self._next_stamp()
                young = [f for f in self._slots if f.page_id and f.young]
                while len(young) > self._young_cap:
                    oldest = min(young, key=lambda f: f.stamp)
                    oldest.young, oldest.stamp = False, self._next_stamp()
                    young.remove(oldest)
            return Page(self, frame)

    def new_page(self) -> Page:
        with self._lock:
            target = self._free_frame()
            self._evict(target)
            page_id = self.pager.allocate()
            return self._load(target, page_id, bytes(self.pager.payload_size))

    def unpin(self, page_id: int, dirty: bool = False) -> None:
        page_id = self._valid(page_id)
        with self._lock:
            frame = self._table.get(page_id)
            if frame is None or frame.pins == 0:
                raise BufferPoolError(f"unpin({page_id}): the page is not pinned")
            frame.pins -= 1
            frame.dirty = frame.dirty or bool(dirty)

    def flush(self, page_id: int) -> None:
        page_id = self._valid(page_id)
        with self._lock:
            if page_id in self._table:
                self._flush_frame(self._table[page_id])

    def flush_all(self) -> None:
        with self._lock:
            for frame in self._slots:
                if frame.page_id:
                    self._flush_frame(frame)
            self.pager.sync()

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"hits": self._hits, "misses": self._misses, "evictions": self._evictions,
                    "writebacks": self._writebacks}

    def pin_count(self, page_id: int) -> int:
        page_id = self._valid(page_id)
        with self._lock:
            frame = self._table.get(page_id)
            return frame.pins if frame else 0

    def __contains__(self, page_id: object) -> bool:
        with self._lock:
            return page_id in self._table

    def __len__(self) -> int:
        with self._lock:
            return len(self._table)
