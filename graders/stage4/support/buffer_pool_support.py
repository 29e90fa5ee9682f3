"""Workloads the buffer-pool grader runs inside the learner's process.

A trace of thousands of fetches, or eight threads hammering the pool, would cost a round trip
per call from the grader; here they run next to the pool. Every verdict is plain data (counts,
lists of problems) computed from the storage's counts and the pool's public API only.
"""

from __future__ import annotations

import random
import threading
from typing import Any

from storage_support import MemoryStorage

NAME = "data.db"


def pattern(page_id: int, version: int, size: int) -> bytes:
    """Page data that names its page and version, so a misplaced page is easy to spot."""
    return (f"<page {page_id} v{version}>".encode() * (size // 8 + 1))[:size]


def prepare(pager: Any, pages: int) -> list[int]:
    """Allocate ``pages`` pages, write each one's version-0 pattern, sync; returns the ids."""
    ids = [pager.allocate() for _ in range(pages)]
    for page_id in ids:
        pager.write(page_id, pattern(page_id, 0, pager.payload_size))
    pager.sync()
    return ids


def reads(storage: MemoryStorage) -> int:
    return storage.counts(NAME)["reads"] if storage.exists(NAME) else 0


def replay(pool: Any, storage: MemoryStorage, ids: list[int], touches: int = 1) -> dict[str, Any]:
    """Fetch and unpin each id ``touches`` times in a row; the storage reads it cost, and pages whose
    data was wrong (first few)."""
    before = reads(storage)
    wrong: list[int] = []
    size = pool.pager.payload_size
    for page_id in ids:
        for _ in range(touches):
            page = pool.fetch(page_id)
            if len(wrong) < 5 and page.data != pattern(page_id, 0, size):
                wrong.append(page_id)
            pool.unpin(page_id)
    return {"reads": reads(storage) - before, "wrong": wrong}


def zipf_trace(pages: list[int], length: int, s: float, seed: int) -> list[int]:
    """A seeded skewed trace: the k-th most popular page is drawn with weight 1 / k**s; popularity
    is shuffled over the ids so the hot pages are not simply the first ones."""
    rng = random.Random(seed)
    ranked = list(pages)
    rng.shuffle(ranked)
    weights = [1 / (rank + 1) ** s for rank in range(len(ranked))]
    return rng.choices(ranked, weights=weights, k=length)


def zipf_replay(pool: Any, storage: MemoryStorage, pages: list[int], length: int, s: float,
                seed: int) -> dict[str, Any]:
    return replay(pool, storage, zipf_trace(pages, length, s, seed))


class Hammer:
    """Eight threads share one pool: each fetches pages (several pinned at a time), checks they stay
    resident and pinned while it holds them, writes a counter into pages it owns, and unpins."""

    def __init__(self, pool: Any, shared: list[int], owned: list[list[int]], seed: int) -> None:
        self.pool = pool
        self.shared = shared
        self.owned = owned
        self.seed = seed
        self.problems: list[str] = []
        self.fetches = 0
        self.written: dict[int, int] = {}  # owned page -> last version written
        self._lock = threading.Lock()  # guards the hammer's own bookkeeping, not the pool

    def _problem(self, text: str) -> None:
        with self._lock:
            if len(self.problems) < 5:
                self.problems.append(text)

    def run(self, thread: int, rounds: int) -> int:
        rng = random.Random(self.seed * 100 + thread)
        pool = self.pool
        size = pool.pager.payload_size
        mine = self.owned[thread]
        fetches = 0
        version: dict[int, int] = {}
        for round_ in range(rounds):
            held = [rng.choice(self.shared), rng.choice(mine)]
            pages = []
            for page_id in held:
                pages.append(pool.fetch(page_id))
                fetches += 1
            own = pages[1]
            new = round_ + 1
            own.write(pattern(held[1], new, size))
            version[held[1]] = new
            for page_id in held:
                if page_id not in pool or pool.pin_count(page_id) < 1:
                    self._problem(f"thread {thread}: page {page_id} was evicted while this thread held it pinned")
            if pages[0].data != pattern(held[0], 0, size):
                self._problem(f"thread {thread}: page {held[0]} read back another page's or version's data")
            pool.unpin(held[0])
            pool.unpin(held[1], True)
        with self._lock:
            self.fetches += fetches
            self.written.update(version)
        return fetches

    def report(self) -> dict[str, Any]:
        return {"problems": self.problems, "fetches": self.fetches, "written": dict(self.written)}


def resident(pool: Any, ids: list[int]) -> list[int]:
    """The ids of ``ids`` the pool holds now (``in`` is no access: it changes no order)."""
    return [page_id for page_id in ids if page_id in pool]


def pins(pool: Any, ids: list[int]) -> dict[int, int]:
    """The pin count of every id of ``ids`` that is pinned."""
    counts = {page_id: pool.pin_count(page_id) for page_id in ids}
    return {page_id: count for page_id, count in counts.items() if count != 0}


def read_fresh(storage: MemoryStorage, page_size: int, ids: list[int]) -> dict[int, bytes]:
    """What a new pager on ``storage`` reads for ``ids`` (what really reached the file)."""
    from minimysql.pager import Pager

    pager = Pager(storage, NAME, page_size=page_size)
    return {page_id: pager.read(page_id) for page_id in ids}
