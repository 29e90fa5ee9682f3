"""Buffer Pool 的 LRU 和 MySQL 的 LRU 区别（young/old 分代）: a full scan through three buffer pools.

Run it from the project folder:

    python experiments/buffer_pool_lru_vs_mysql.py

It replays one seeded workload through your BufferPool (minimysql/buffer_pool.py) three times,
64 frames each: plain LRU, InnoDB's midpoint LRU with your default old_blocks_time, and midpoint
LRU with old_blocks_time=0. Users read a hot set of 32 pages (and now and then a page of a big
table); then a full scan reads the table's 1024 pages, each page 4 times in a row, while users
keep reading the hot set; then users carry on. It prints, per pool, the hot set's hit ratio
before, during and after the scan, and how many times the scan pushed a hot page out. Copy them
into answers/buffer-pool-lru-vs-mysql.yaml.

The block between the ">>> shared" and "<<< end" lines is the grader's own workload: it replays the
same fetches through your pool and counts the same misses, so do not change it. To explore, copy
the script and change FRAMES, ROWS_PER_PAGE or the configurations.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Run as a script, Python puts experiments/ on sys.path; minimysql lives one folder up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from minimysql.buffer_pool import BufferPool  # your buffer pool (stage4/buffer-pool)
from minimysql.storage import OsStorage

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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A full table scan through plain LRU and midpoint LRU buffer pools.")
    parser.parse_args(argv)
    print(f"{FRAMES} frames; hot set of {len(HOT)} pages; a scan of {len(TABLE)} pages, each fetched {ROWS_PER_PAGE} "
          f"times in a row; hit ratios of the hot set's fetches\n")
    print(f"{'pool':<18}{'before':>10}{'during':>10}{'after':>10}{'hot pages evicted by the scan':>32}")
    for config in CONFIGS:
        with tempfile.TemporaryDirectory() as folder:
            try:
                result = replay(BufferPool, config, OsStorage(folder))
            except NotImplementedError:
                sys.exit("Your BufferPool (or your Pager) is still the stub: finish stage4/buffer-pool first.")
        row = figures(result)
        print(f"{config:<18}{row['hit_ratio_before']:>10.4f}{row['hit_ratio_during']:>10.4f}"
              f"{row['hit_ratio_after']:>10.4f}{row['hot_pages_evicted']:>32}")
        if result["wrong"]:
            print(f"WRONG ({config}): pages {result['wrong']} came back with another page's data")


if __name__ == "__main__":
    main()
