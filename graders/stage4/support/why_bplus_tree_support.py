"""Subject-side helper of the stage4/why-bplus-tree grader: both trees built and counted in page reads.

It runs inside the learner's process, next to their ``minimysql`` (pager and B+Tree) and the
``PagedBST`` of their experiment script, so one call builds a tree of thousands of keys and
counts the page reads of every lookup instead of one round trip per call.

This module is the source of truth for the workloads. The block between the ">>> shared" and
"<<< end" lines is copied verbatim into the exercise's ``experiments/why_bplus_tree.py`` (the
script learners run). There it counts reads on real files (``OsStorage``); here on the grader's
``MemoryStorage``, whose own counts the grader checks against the block's.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from storage_support import MemoryStorage

# >>> shared with support/why_bplus_tree_support.py: the grader replays this block, keep it unchanged
PAGE_SIZE = 4096  # bytes per page, for both trees
SIZES = (100, 1_000, 5_000)  # keys in the trees
LOOKUPS = 200  # seeded point lookups of keys the tree holds, per size
RANGE_KEYS = 500  # consecutive keys read by the range scan (all of them when the tree holds fewer)
FILE = "tree.db"


def key_of(i: int) -> bytes:
    """16-byte keys that sort like their numbers: b'key:000000000042'."""
    return f"key:{i:012d}".encode()


def value_of(i: int) -> bytes:
    """16-byte values: b'val:000000000042'."""
    return f"val:{i:012d}".encode()


def bplus_order(n: int) -> list[int]:
    """The B+Tree gets the keys 0..n-1 in a seeded random order, as rows arrive in a table."""
    order = list(range(n))
    random.Random(n).shuffle(order)
    return order


def binary_order(n: int) -> list[int]:
    """The binary tree gets the middle key first, then the middle keys of both halves, level by level.
    A plain binary search tree built in this order is perfectly balanced: its height is
    ceil(log2(n + 1)), the best any binary tree (AVL, red-black) can do."""
    order: list[int] = []
    halves = deque([(0, n)])
    while halves:
        lo, hi = halves.popleft()
        if lo < hi:
            middle = (lo + hi) // 2
            order.append(middle)
            halves.extend([(lo, middle), (middle + 1, hi)])
    return order


ORDERS: dict[str, Callable[[int], list[int]]] = {"bplus_tree": bplus_order, "binary_tree": binary_order}


def lookup_keys(n: int) -> list[int]:
    """The keys looked up in a tree of n keys: LOOKUPS of them, seeded, the same for both trees."""
    return random.Random(n + 1).sample(range(n), min(LOOKUPS, n))


def range_bounds(n: int) -> tuple[int, int]:
    """The range scan reads keys start..stop-1: RANGE_KEYS consecutive keys in the middle of the tree."""
    start = max(0, n // 2 - RANGE_KEYS // 2)
    return start, min(n, start + RANGE_KEYS)


class CountingStorage:
    """A Storage that passes every call on to ``inner`` and counts each file's read_at calls:
    a pager reads one page with one read_at, so these are page reads."""

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


def measure(tree_class: Callable[[Any], Any], kind: str, n: int, storage: Any,
            page_size: int = PAGE_SIZE) -> dict[str, Any]:
    """Build a tree of ``tree_class`` (BPlusTree or PagedBST) on a new pager over ``storage``:
    insert the n keys in the order of ``kind`` ("bplus_tree" or "binary_tree"), then count the
    page reads of each seeded lookup and of the range scan. Returns the figures as plain data."""
    from minimysql.pager import Pager  # your pager

    counting = CountingStorage(storage)
    pager = Pager(counting, FILE, page_size=page_size)
    tree = tree_class(pager)
    for i in ORDERS[kind](n):
        tree.insert(key_of(i), value_of(i))
    wrong: list[str] = []  # lookups that returned the wrong value (the first few)
    lookup_reads: list[int] = []
    for i in lookup_keys(n):
        before = counting.reads[FILE]
        value = tree.get(key_of(i))
        lookup_reads.append(counting.reads[FILE] - before)
        if value != value_of(i) and len(wrong) < 3:
            wrong.append(f"get({key_of(i)!r}) returned {value!r}, not {value_of(i)!r}")
    for absent in (key_of(n), key_of(n // 2) + b"+", b"a"):  # after, between and before the keys
        if tree.get(absent) is not None and len(wrong) < 3:
            wrong.append(f"get({absent!r}) of a key never inserted returned {tree.get(absent)!r}, not None")
    start, stop = range_bounds(n)
    before = counting.reads[FILE]
    items = list(tree.range(key_of(start), key_of(stop)))
    range_reads = counting.reads[FILE] - before
    if items != [(key_of(i), value_of(i)) for i in range(start, stop)] and len(wrong) < 3:
        wrong.append(f"range({key_of(start)!r}, {key_of(stop)!r}) returned {len(items)} items, not the "
                     f"{stop - start} keys {start}..{stop - 1} in order")
    return {"n": n, "height": tree.height(), "pages": pager.page_count(), "lookup_reads": lookup_reads,
            "reads_per_lookup": sum(lookup_reads) / len(lookup_reads), "range_keys": stop - start,
            "range_reads": range_reads, "total_reads": counting.reads[FILE], "wrong": wrong}
# <<< end of the shared block


def run(tree_class: Callable[[Any], Any], kind: str) -> list[dict[str, Any]]:
    """The block's figures for every size, on MemoryStorage; each also carries the storage's own count
    of the file's reads, which must equal the block's ``total_reads``."""
    figures = []
    for n in SIZES:
        storage = MemoryStorage()
        result = measure(tree_class, kind, n, storage)
        result["storage_reads"] = storage.counts(FILE)["reads"]
        figures.append(result)
    return figures


if __name__ == "__main__":  # for maintainers: the figures of a project's trees
    parser = argparse.ArgumentParser()
    parser.add_argument("project", help="a stage4-mini-mysql project folder (with experiments/why_bplus_tree.py)")
    folder = parser.parse_args().project
    sys.path[:0] = [folder]
    from experiments.why_bplus_tree import PagedBST  # type: ignore[import-not-found]
    from minimysql.btree import BPlusTree  # type: ignore[import-not-found]

    for name, cls in (("bplus_tree", BPlusTree), ("binary_tree", PagedBST)):
        for row in run(cls, name):
            print(name, {k: v for k, v in row.items() if k != "lookup_reads"})
