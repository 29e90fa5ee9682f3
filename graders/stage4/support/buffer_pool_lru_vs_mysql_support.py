"""Subject-side helper of the stage4/buffer-pool-lru-vs-mysql grader: a hot set, a full scan, three pools.

It runs inside the learner's process, next to their ``minimysql`` (pager and buffer pool), so one
call replays a workload of thousands of fetches instead of one round trip per fetch.

This module is the source of truth for the workload. The block between the ">>> shared" and
"<<< end" lines is copied verbatim into the exercise's ``experiments/buffer_pool_lru_vs_mysql.py``
(the script learners run). There it runs on real files (``OsStorage``); here on the grader's
``MemoryStorage``, whose own count of reads the grader checks against the block's.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

from storage_support import MemoryStorage

# >>> shared with support/buffer_pool_lru_vs_mysql_support.py: the grader replays this block, keep it unchanged
FRAMES = 64  # frames in every pool
PAGE_SIZE = 512  # bytes per page (small pages keep the table file small; the policy does not care)
HOT = list(range(1, 33))  # the hot set: 32 pages every user request touches (index roots, hot rows)
TABLE = list(range(33, 33 + 1024))  # a table of 1024 pages, 16 times the pool: read at random by users, scanned once
ROWS_PER_PAGE = 4  # the scan reads each page's rows one after another: 4 fetches of the page in a row
SCAN_PAGES_PER_USER_FETCH = 4  # during the scan, users keep going: one hot-set fetch after every 4 scanned pages
FILE = "table.db"
CONFIGS: dict[str, dict[str, Any]] = {  # name -> BufferPool keyword arguments
    "lru": {"policy": "lru"},
    "midpoint": {"policy": "midpoint"},  # old_fraction 3/8 and old_blocks_time 64 ticks, the defaults
    "midpoint_no_wait": {"policy": "midpoint", "old_blocks_time": 0},  # promoted on any second touch
}


def user_fetches(count: int, rng: random.Random) -> list[int]:
    """Users' requests: 9 in 10 fetch a page of the hot set, 1 in 10 a random page of the table."""
    return [rng.choice(HOT) if rng.random() < 0.9 else rng.choice(TABLE) for _ in range(count)]


def workload() -> list[tuple[str, int]]:
    """(phase, page id) fetches, seeded: 3000 user fetches to warm the pool up ("warmup"), 1000
    more ("before"), then a full scan of the table, every page fetched ROWS_PER_PAGE times in a row,
    with one user fetch of the hot set after every SCAN_PAGES_PER_USER_FETCH scanned pages
    ("scan" for the scan's own fetches, "during" for the users'), then 200 user fetches ("after")."""
    rng = random.Random(37)
    fetches = [("warmup", page) for page in user_fetches(3000, rng)]
    fetches += [("before", page) for page in user_fetches(1000, rng)]
    for index, page in enumerate(TABLE):
        fetches += [("scan", page)] * ROWS_PER_PAGE
        if index % SCAN_PAGES_PER_USER_FETCH == SCAN_PAGES_PER_USER_FETCH - 1:
            fetches.append(("during", rng.choice(HOT)))
    fetches += [("after", page) for page in user_fetches(200, rng)]
    return fetches


class CountingStorage:
    """A Storage that passes every call on to ``inner`` and counts each file's read_at calls:
    a pager reads one page with one read_at, so these are the pool's misses."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.reads: Counter[str] = Counter()

    def open(self, name: str) -> CountingFile:
        return CountingFile(self, name, self.inner.open(name))

    def exists(self, name: str) -> bool:
        return bool(self.inner.exists(name))

    def remove(self, name: str) -> None:
        self.inner.remove(name)

    def names(self) -> list[str]:
        return list(self.inner.names())


class CountingFile:
    def __init__(self, storage: CountingStorage, name: str, inner: Any) -> None:
        self.storage, self.name, self.inner = storage, name, inner

    def read_at(self, offset: int, size: int) -> bytes:
        self.storage.reads[self.name] += 1
        return bytes(self.inner.read_at(offset, size))

    def write_at(self, offset: int, data: bytes) -> None:
        self.inner.write_at(offset, data)

    def append(self, data: bytes) -> int:
        return int(self.inner.append(data))

    def size(self) -> int:
        return int(self.inner.size())

    def truncate(self, size: int) -> None:
        self.inner.truncate(size)

    def sync(self) -> None:
        self.inner.sync()

    def close(self) -> None:
        self.inner.close()


def replay(pool_class: Callable[..., Any], config: str, storage: Any) -> dict[str, Any]:
    """Write the table's pages with a new pager over ``storage``, then replay the workload through a
    new ``pool_class(pager, FRAMES, **CONFIGS[config])``: every fetch is followed by its unpin. A
    fetch that reads the file is a miss. Returns, per phase, the fetches of hot-set pages and how
    many of them hit; the hot-set pages evicted while the scan ran (a hot page in the pool after
    one fetch and gone after the next); the hot-set pages in the pool when the scan began and when
    it ended; the file's reads; pages whose data came back wrong."""
    from minimysql.pager import Pager  # your pager

    counting = CountingStorage(storage)
    pager = Pager(counting, FILE, page_size=PAGE_SIZE)
    for page_id in HOT + TABLE:
        if pager.allocate() != page_id:
            raise RuntimeError("a new pager should hand out page ids 1, 2, 3, ... in order")
        pager.write(page_id, f"page {page_id}".encode())
    pager.sync()
    pool = pool_class(pager, FRAMES, **CONFIGS[config])
    fetches: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    wrong: list[int] = []
    resident: set[int] | None = None  # the hot pages in the pool, followed while the scan runs
    evicted = 0
    at_scan: dict[str, int] = {}
    for phase, page_id in workload():
        scanning = phase in ("scan", "during")
        if scanning and resident is None:
            resident = {page for page in HOT if page in pool}
            at_scan["start"] = len(resident)
        if phase == "after" and "end" not in at_scan:
            at_scan["end"] = sum(page in pool for page in HOT)
        before = counting.reads[FILE]
        page = pool.fetch(page_id)
        if not page.data.startswith(f"page {page_id}".encode()) and len(wrong) < 5:
            wrong.append(page_id)
        pool.unpin(page_id)
        if page_id in HOT:  # the figures follow the hot set's fetches
            fetches[phase] += 1
            hits[phase] += counting.reads[FILE] == before
        if scanning and resident is not None:
            now = {page for page in HOT if page in pool}
            evicted += len(resident - now)
            resident = now
    return {"fetches": dict(fetches), "hits": dict(hits), "hot_evicted_during_scan": evicted,
            "hot_resident_at_scan_start": at_scan["start"], "hot_resident_at_scan_end": at_scan["end"],
            "reads": counting.reads[FILE], "wrong": wrong}


def figures(result: dict[str, Any]) -> dict[str, float | int]:
    """The figures the answers ask for: the hot-set hit ratio before, during and after the scan, and
    the hot-set pages the scan evicted."""
    return {f"hit_ratio_{phase}": round(result["hits"][phase] / result["fetches"][phase], 4)
            for phase in ("before", "during", "after")} | {"hot_pages_evicted": result["hot_evicted_during_scan"]}
# <<< end of the shared block


def run(pool_class: Callable[..., Any], config: str) -> dict[str, Any]:
    """The block's replay on MemoryStorage, with the storage's own count of the file's reads."""
    storage = MemoryStorage()
    result = replay(pool_class, config, storage)
    result["storage_reads"] = storage.counts(FILE)["reads"]
    result["figures"] = figures(result)
    return result


if __name__ == "__main__":  # for maintainers: the figures of a project's buffer pool
    parser = argparse.ArgumentParser()
    parser.add_argument("project", help="a stage4-mini-mysql project folder")
    sys.path[:0] = [parser.parse_args().project]
    from minimysql.buffer_pool import BufferPool  # type: ignore[import-not-found]

    for name in CONFIGS:
        outcome = run(BufferPool, name)
        print(name, outcome["figures"], {k: v for k, v in outcome.items() if k != "figures"})
