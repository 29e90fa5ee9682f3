"""B+Tree 为什么适合磁盘存储？ Count the pages a lookup reads in your B+Tree and in a binary tree.

Run it from the project folder:

    python experiments/why_bplus_tree.py

It builds your BPlusTree (minimysql/btree.py) and the PagedBST below, each on your Pager with
4 KiB pages, at 100, 1 000 and 5 000 keys, and prints for each tree its height, its pages, the
mean page reads of 200 seeded point lookups, and the page reads of a range scan of 500 keys.
Copy the figures into answers/why-bplus-tree.yaml.

First write PagedBST.insert, get and range (the rest of the class is given): a plain binary
search tree whose every node is one page of your pager. Then run the script.

The block between the ">>> shared" and "<<< end" lines is the grader's own workload: it builds
the same trees with your code and counts the same page reads, so do not change it. To explore,
use the options (--page-size 1024, --sizes 100 20000); the answers are for the defaults.
"""

from __future__ import annotations

import argparse
import random
import struct
import sys
import tempfile
from collections import Counter, deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# Run as a script, Python puts experiments/ on sys.path; minimysql lives one folder up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from minimysql.btree import BPlusTree  # your B+Tree (stage4/bplus-tree)
from minimysql.pager import Pager  # your pager (stage4/page-manager)
from minimysql.storage import OsStorage

# -- the binary tree: write insert, get and range ----------------------------------------------------

NODE = struct.Struct("<IIBB")  # left child page id, right child page id (0: no child), key length, value length


def pack_node(key: bytes, value: bytes, left: int, right: int) -> bytes:
    """One node as the bytes of its page."""
    return NODE.pack(left, right, len(key), len(value)) + key + value


def unpack_node(data: bytes) -> tuple[bytes, bytes, int, int]:
    """(key, value, left, right) of a page written by pack_node."""
    left, right, key_size, value_size = NODE.unpack_from(data)
    key = data[NODE.size:NODE.size + key_size]
    return key, data[NODE.size + key_size:NODE.size + key_size + value_size], left, right


class PagedBST:
    """A plain (unbalanced) binary search tree on your pager: every node is one page.

    A node holds one key, its value and the page ids of its two children (0: no child); keys below
    a node's key live in its left subtree, keys above it in its right subtree. Like your B+Tree it
    keeps no node in memory between calls: every node it needs is read with ``pager.read`` and
    every node it changes written with ``pager.write``. What it keeps in the pager's meta (and in
    memory) is the root's page id and the number of levels.
    """

    def __init__(self, pager: Pager) -> None:
        self.pager = pager
        meta = pager.get_meta()
        self.root = int.from_bytes(meta[:4], "little") if meta else 0  # page id of the root node; 0: empty
        self.levels = int.from_bytes(meta[4:8], "little") if meta else 0  # the tree's height

    def save_meta(self) -> None:
        """Keep the root's page id and the height in the pager's meta; call it whenever they change."""
        self.pager.set_meta(self.root.to_bytes(4, "little") + self.levels.to_bytes(4, "little"))

    def height(self) -> int:
        """The number of levels: the most pages a lookup reads (0 for an empty tree)."""
        return self.levels

    def insert(self, key: bytes, value: bytes) -> None:
        """Add a key the tree does not hold (KeyError if it does).

        An empty tree: allocate a page, write the node (no children) there; it is the root, the
        tree has 1 level. Otherwise descend from the root, reading one node per level, to the node
        whose missing child is where ``key`` belongs; allocate a page for the new node, write it,
        and write the parent again with the new child's page id. If the new node is deeper than
        any before, the tree has one more level. Save the meta when the root or the height change.
        """
        self.root, depth = self._insert_below(self.root, key, value, 1)
        if depth > self.levels:
            self.levels = depth
        self.save_meta()

    def _insert_below(self, page_id: int, key: bytes, value: bytes, depth: int) -> tuple[int, int]:
        """Insert into the subtree at page_id (0: none); returns its page id and the new node's depth."""
        if page_id == 0:
            page_id = self.pager.allocate()
            self.pager.write(page_id, pack_node(key, value, 0, 0))
            return page_id, depth
        node_key, node_value, left, right = unpack_node(self.pager.read(page_id))
        if key == node_key:
            raise KeyError(key)
        if key < node_key:
            child, where = self._insert_below(left, key, value, depth + 1)
            if child != left:
                self.pager.write(page_id, pack_node(node_key, node_value, child, right))
        else:
            child, where = self._insert_below(right, key, value, depth + 1)
            if child != right:
                self.pager.write(page_id, pack_node(node_key, node_value, left, child))
        return page_id, where

    def get(self, key: bytes, default: bytes | None = None) -> bytes | None:
        """The value of ``key``, or ``default``: descend from the root, one page read per node on
        the way, and stop at the node holding the key (or at a missing child)."""
        page_id = self.root
        while page_id != 0:
            node = unpack_node(self.pager.read(page_id))
            if node[0] == key:
                return node[1]
            page_id = node[2] if key < node[0] else node[3]
        return default

    def range(self, lo: bytes, hi: bytes) -> Iterator[tuple[bytes, bytes]]:
        """(key, value) for every key with lo <= key < hi, in key order: an in-order traversal that
        reads a node's page only when its subtree may hold such keys. Start at the root; after
        reading a node with key k, go into its left child only if lo < k, yield the node itself if
        lo <= k < hi, then go into its right child only if k < hi. A child id of 0 is no child:
        nothing to read."""
        stack: list[tuple[bytes, bytes, int]] = []  # nodes read whose key and right subtree are still to come
        page_id = self.root
        while True:
            while page_id:  # go down the left spine of the subtree, as far as it may hold keys >= lo
                key, value, left, right = unpack_node(self.pager.read(page_id))
                stack.append((key, value, right))
                page_id = left if lo < key else 0
            if not stack:
                return
            key, value, right = stack.pop()
            if lo <= key < hi:
                yield key, value
            page_id = right if key < hi else 0


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Page reads of your B+Tree and of a binary tree of one node per page.")
    parser.add_argument("--page-size", type=int, default=PAGE_SIZE, help="bytes per page (default %(default)s)")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="keys per tree (default %(default)s)")
    options = parser.parse_args(argv)
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for kind, tree_class in (("bplus_tree", BPlusTree), ("binary_tree", PagedBST)):
            for n in options.sizes:
                storage = OsStorage(Path(folder) / f"{kind}-{n}")
                try:
                    rows[kind, n] = measure(tree_class, kind, n, storage, options.page_size)
                except NotImplementedError:
                    sys.exit(f"{tree_class.__name__} is not written yet: finish stage4/bplus-tree, and "
                             "PagedBST.insert/get/range in this file, first.")
    print(f"pages of {options.page_size} bytes, keys and values of 16 bytes; {LOOKUPS} seeded lookups per size\n")
    print(f"{'':8}  {'B+Tree (your BPlusTree)':<32}{'binary tree (PagedBST)':<32}")
    print(f"{'keys':>8}  " + f"{'height':>8}{'pages':>8}{'reads/lookup':>14}  " * 2)
    for n in options.sizes:
        cells = [f"{r['height']:>8}{r['pages']:>8}{r['reads_per_lookup']:>14.2f}  "
                 for r in (rows["bplus_tree", n], rows["binary_tree", n])]
        print(f"{n:>8}  " + "".join(cells))
    n = options.sizes[-1]
    bplus, binary = rows["bplus_tree", n], rows["binary_tree", n]
    start, _ = range_bounds(n)
    print(f"\nrange scan of {bplus['range_keys']} consecutive keys from key {start} (n = {n}): "
          f"B+Tree {bplus['range_reads']} page reads, binary tree {binary['range_reads']} page reads")
    for (kind, n), row in rows.items():
        for problem in row["wrong"]:
            print(f"WRONG ({kind}, n = {n}): {problem}")


if __name__ == "__main__":
    main()
