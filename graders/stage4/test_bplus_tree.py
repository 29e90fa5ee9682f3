"""Grader for stage4/bplus-tree: a B+Tree index on the learner's pager pages.

The tree runs on the learner's own ``Pager`` over a ``MemoryStorage`` with 512-byte pages, so a
few hundred keys make a tree of several levels. Every structural rule is checked through the
public API: answers against a sorted-map model, page reads counted by the storage (a lookup reads
``height()`` pages), heights and page counts against the bounds half-full nodes guarantee.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from swai.grading import Figures, expect_equal, expect_raises, expect_true, fail
from swai.grading.stateful import run_machine
from swai.subject import RemoteObject, Subject
from swai.subject.client import show

PAGE = 512
NAME = "data.db"
MAX_KEY = 32
MAX_VALUE = 64

HINT_SEARCH = ("In an internal node, keys below separator k[i] live under child i and keys from k[i] on under child "
               "i + 1 (bisect_right); a leaf keeps its keys sorted.")
HINT_SPLIT = ("Split a full leaf into two halves, link the new right leaf into the chain (right.next = left.next; "
              "left.next = right) and push a copy of the right half's first key up as the separator; an internal "
              "node's middle key moves up (it is not copied). A root split makes a new root.")
HINT_DELETE = ("After removing a key, a node below half full borrows an entry from a sibling (updating the "
               "parent's separator) or merges with it (removing the separator and freeing the page); an internal "
               "root left with one child is freed and its child becomes the root.")
HINT_RANGE = "range(lo, hi) yields (key, value) for lo <= key < hi in key order; None means unbounded on that side."
HINT_META = ("Keep the root page id (and the key count, the height) in pager.set_meta(...) whenever they change; "
             "BPlusTree(pager) on a pager with a meta reads them back instead of starting a new tree.")
HINT_POLICY = ("insert() of a key already there raises DuplicateKey (a KeyError) and changes nothing; put() "
               "replaces the value; delete() of a missing key raises KeyError and changes nothing.")
HINT_LOOKUP = ("get() descends from the root, one page per level, to the only leaf that can hold the key: it never "
               "walks the leaf chain, and reads every page from the pager (no node is cached between calls).")


# -- helpers ------------------------------------------------------------------------------------------

def key_of(i: int, width: int = 24) -> bytes:
    """Keys that sort like their numbers; 24 bytes keeps nodes small, so trees grow tall."""
    return f"k{i:07d}".encode().ljust(width, b".")


def value_of(i: int, version: int = 0, size: int = 8) -> bytes:
    return (f"<{i}.{version}>".encode() * (size // 4 + 1))[:size]


class Tree:
    """The learner's tree, its pager and the storage under them."""

    def __init__(self, subject: Subject, storage: RemoteObject | None = None) -> None:
        self.subject = subject
        self.storage = storage if storage is not None else subject.import_module("storage_support").MemoryStorage()
        self.open()

    def open(self) -> None:
        self.pager = self.subject.import_module("minimysql.pager").Pager(self.storage, NAME, page_size=PAGE)
        self.tree = self.subject.import_module("minimysql.btree").BPlusTree(self.pager)
        if not isinstance(self.tree, RemoteObject):
            fail("BPlusTree(pager) should return a tree", expected="a BPlusTree instance", got=show(self.tree),
                 hint="Leave __new__ alone: BPlusTree(pager) must build and return the tree.")

    def reopen(self) -> None:
        self.pager.close()
        self.open()

    def fill(self, items: list[tuple[bytes, bytes]], text: str, method: str = "put") -> None:
        self.subject.batch(self.tree, [(method, item) for item in items], text=text)

    def remove(self, keys: list[bytes], text: str) -> None:
        self.subject.batch(self.tree, [("delete", (key,)) for key in keys], text=text)

    def items(self, lo: bytes | None = None, hi: bytes | None = None) -> tuple[int, list[Any]]:
        support = self.subject.import_module("btree_support")
        reads, items = support.scan(self.storage, NAME, self.tree, lo, hi)
        return int(reads), list(items)

    def payload(self) -> int:
        size = self.pager.attr("payload_size")
        return int(size) if type(size) is int and 0 < size <= PAGE else PAGE - 32


def expect_contents(tree: Tree, model: dict[bytes, bytes], summary: str, hint: str) -> None:
    """Full range, len and a sample of gets agree with the model."""
    _, got = tree.items()
    want = sorted(model.items())
    if got != want:
        got_keys = [item[0] if isinstance(item, tuple) and item else item for item in got]
        missing = sorted(set(model) - set(got_keys))
        extra = [k for k in got_keys if k not in model]
        detail = (f"{len(got)} items; missing {show(missing, 80)}; unexpected {show(extra, 80)}; "
                  f"in order: {got_keys == sorted(got_keys)}")
        fail(f"{summary}: range() does not list the keys held, in order", expected=f"{len(want)} items in key order",
             got=detail, hint=hint)
    expect_equal(len(tree.tree), len(model), f"{summary}: len(tree) is wrong", hint=hint)
    keys = sorted(model)
    sample = keys[:: max(1, len(keys) // 40)] + keys[-1:]
    results = tree.subject.batch(tree.tree, [("get", (k,)) for k in sample], results=True,
                                 text=f"[get() of {len(sample)} keys held]")[1]
    for key, value in zip(sample, results, strict=True):
        if value != model[key]:
            fail(f"{summary}: get({key!r}) returned the wrong value", expected=show(model[key]), got=show(value),
                 hint=hint)


def capacities(payload: int) -> tuple[int, int]:
    """The fewest entries a non-root leaf, and children a non-root internal node, may hold (README)."""
    leaf_min = (payload - 32) // (MAX_KEY + MAX_VALUE + 8)
    fanout_min = (payload - 32) // (MAX_KEY + 8)
    return max(1, leaf_min // 2), max(2, fanout_min // 2)


def height_bound(n: int, payload: int) -> int:
    """The tallest a tree of n keys can be when every non-root node is at least half full."""
    leaf, inner = capacities(payload)
    height = 1
    while 2 * inner ** (height - 1) * leaf <= n:  # a tree of height + 1 holds at least this many keys
        height += 1
    return height


def pages_bound(n: int, payload: int) -> int:
    leaf, inner = capacities(payload)
    level = max(1, n // leaf)
    total = level
    while level > 1:
        level = max(1, level // inner)
        total += level
    return total


def shuffled(n: int, seed: int) -> list[int]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return order


# -- correctness --------------------------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(1)
def test_insert_get_len(subject: Subject) -> None:
    """a new tree is one empty leaf; get returns what insert stored, the default on a miss; len counts"""
    tree = Tree(subject)
    expect_equal(len(tree.tree), 0, "a new tree should be empty", hint="len(tree) is the number of keys held.")
    expect_equal(tree.tree.height(), 1, "a new tree should be one leaf: height() == 1",
                 hint="BPlusTree(pager) on a pager without meta allocates one empty leaf as the root.")
    expect_equal(tree.tree.get(b"nothing"), None, "get() of a missing key should return None",
                 hint="get(key, default=None) returns default on a miss.")
    for i, value in ((5, b"five"), (1, b""), (9, b"x" * MAX_VALUE), (3, b"\x00three\x00")):
        expect_equal(tree.tree.insert(key_of(i, 8), value), None, "insert() should return None",
                     hint="insert() stores the pair and returns nothing.")
    expect_equal(tree.tree.get(key_of(9, 8)), b"x" * MAX_VALUE, "get() should return the 64-byte value stored",
                 hint="Values are bytes of 0 to 64 bytes, kept exactly.")
    expect_equal(tree.tree.get(key_of(1, 8), b"miss"), b"", "an empty value is a value, not a miss",
                 hint="Return the stored value even when it is b''; only a missing key gives the default.")
    expect_equal(tree.tree.get(key_of(3, 8)), b"\x00three\x00", "values must keep their zero bytes",
                 hint="Store each value's length; do not strip zeros.")
    expect_equal(tree.tree.get(key_of(4, 8), b"miss"), b"miss", "get(key, default) of a missing key returns default",
                 hint="get(key, default=None) returns default on a miss.")
    expect_equal(len(tree.tree), 4, "len(tree) should count the keys inserted", hint="Keep a count of the keys.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_duplicate_and_missing_keys(subject: Subject) -> None:
    """insert of a held key raises DuplicateKey, put replaces, delete returns the value or raises KeyError"""
    tree = Tree(subject)
    tree.tree.insert(b"apple", b"red")
    tree.tree.insert(b"banana", b"yellow")
    err = expect_raises("DuplicateKey", lambda: tree.tree.insert(b"apple", b"green"),
                        "insert() of a key the tree holds must raise DuplicateKey", hint=HINT_POLICY)
    expect_true(err.is_a("KeyError"), "DuplicateKey should be a subclass of KeyError",
                expected="class DuplicateKey(KeyError)", got=f"bases {err.mro}", hint=HINT_POLICY)
    expect_equal(tree.tree.get(b"apple"), b"red", "a refused insert() must keep the old value", hint=HINT_POLICY)
    expect_equal(len(tree.tree), 2, "a refused insert() must not add an entry", hint=HINT_POLICY)
    expect_equal(tree.tree.put(b"apple", b"green"), None, "put() should return None", hint=HINT_POLICY)
    tree.tree.put(b"cherry", b"dark red")
    expect_equal(tree.tree.get(b"apple"), b"green", "put() of a held key should replace its value", hint=HINT_POLICY)
    expect_equal(len(tree.tree), 3, "put() of a held key must not add a second entry", hint=HINT_POLICY)
    expect_equal(tree.tree.delete(b"banana"), b"yellow", "delete() should return the value it removed",
                 hint=HINT_POLICY)
    expect_raises("KeyError", lambda: tree.tree.delete(b"banana"), "delete() of a missing key must raise KeyError",
                  hint=HINT_POLICY)
    expect_raises("KeyError", lambda: tree.tree.delete(b"durian"), "delete() of a missing key must raise KeyError",
                  hint=HINT_POLICY)
    expect_contents(tree, {b"apple": b"green", b"cherry": b"dark red"},
                    "after the calls above", HINT_POLICY)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_splits_keep_every_key(subject: Subject) -> None:
    """ascending, descending and random inserts of 700 keys split leaves and internal nodes without losing one"""
    for label, order in (("ascending", list(range(700))), ("descending", list(range(699, -1, -1))),
                         ("random", shuffled(700, 4))):
        subject.transcript.clear()
        tree = Tree(subject)
        model: dict[bytes, bytes] = {}
        for start in range(0, 700, 100):
            chunk = [(key_of(i), value_of(i, size=8 + i % 57)) for i in order[start:start + 100]]
            tree.fill(chunk, f"[insert() of the keys {label} #{start}..#{start + 99}: key_of(i) = "
                             f"b'k%07d' padded with '.' to 24 bytes]", method="insert")
            model.update(chunk)
            expect_contents(tree, model, f"after {start + 100} {label} inserts", HINT_SPLIT)
        height = tree.tree.height()
        expect_true(type(height) is int and height >= 3, "700 keys of 24 bytes in 512-byte pages should make a tree "
                    "of at least 3 levels", expected="height() >= 3", got=show(height),
                    hint="Each node is one page: a leaf splits when its entries no longer fit in payload_size bytes "
                         "(or your capacity), and height() counts the levels, leaves included.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_deletes_merge_and_shrink(subject: Subject) -> None:
    """deleting every key in ascending, descending or random order keeps the rest and shrinks to one leaf"""
    for label, order in (("ascending", list(range(500))), ("descending", list(range(499, -1, -1))),
                         ("random", shuffled(500, 9))):
        subject.transcript.clear()
        tree = Tree(subject)
        items = [(key_of(i), value_of(i, size=i % 65)) for i in shuffled(500, 1)]
        tree.fill(items, "[insert() of 500 keys in random order]", method="insert")
        model = dict(items)
        for start in range(0, 500, 50):
            chunk = [key_of(i) for i in order[start:start + 50]]
            tree.remove(chunk, f"[delete() of the keys {label} #{start}..#{start + 49}]")
            for key in chunk:
                del model[key]
            expect_contents(tree, model, f"after {start + 50} {label} deletes", HINT_DELETE)
        expect_equal(tree.tree.height(), 1, f"after deleting every key ({label}) the tree should be one leaf again",
                     hint=HINT_DELETE)
        expect_equal(tree.pager.page_count(), 1, f"after deleting every key ({label}) the tree should use one page",
                     hint="pager.free() every page a merge empties, and the old root when the tree shrinks.")
        tree.tree.insert(b"again", b"1")
        expect_contents(tree, {b"again": b"1"}, "an emptied tree should work again", HINT_DELETE)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_range_bounds(subject: Subject) -> None:
    """range(lo, hi) is lo <= key < hi in key order, for held, absent, outside and None bounds"""
    tree = Tree(subject)
    held = list(range(0, 600, 3))  # keys 0, 3, 6, ... so 1, 2, 4, ... are absent
    items = [(key_of(i), value_of(i)) for i in held]
    tree.fill([items[i] for i in shuffled(len(items), 2)], "[insert() of key_of(i) for i in range(0, 600, 3)]",
              method="insert")
    model = dict(items)
    bounds: list[bytes | None] = [None, key_of(0), key_of(1), key_of(299), key_of(300), key_of(301), key_of(597),
                                  key_of(598), key_of(9999), b"\x00", b"k", key_of(300)[:8]]
    for lo in bounds:
        for hi in bounds:
            _, got = tree.items(lo, hi)
            want = [(k, v) for k, v in sorted(model.items()) if (lo is None or lo <= k) and (hi is None or k < hi)]
            if got != want:
                fail(f"list(tree.range({lo!r}, {hi!r})) is wrong", expected=f"{len(want)} items "
                     f"{show([k for k, _ in want[:2]], 70)}...{show([k for k, _ in want[-2:]], 70)}",
                     got=f"{len(got)} items {show(got[:2], 70)}...{show(got[-2:], 70)}", hint=HINT_RANGE)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_reopen_finds_the_tree(subject: Subject) -> None:
    """after pager.close(), BPlusTree(Pager(storage)) finds every key, len and height again"""
    tree = Tree(subject)
    items = [(key_of(i), value_of(i, size=20)) for i in shuffled(400, 3)]
    tree.fill(items, "[insert() of 400 keys in random order]", method="insert")
    model = dict(items)
    tree.remove([key_of(i) for i in range(0, 400, 4)], "[delete() of every 4th key]")
    for i in range(0, 400, 4):
        del model[key_of(i)]
    height = tree.tree.height()
    tree.reopen()
    expect_contents(tree, model, "after closing the pager and opening a new Pager and BPlusTree", HINT_META)
    expect_equal(tree.tree.height(), height, "height() changed across close and reopen", hint=HINT_META)
    more = [(key_of(i), value_of(i, 1)) for i in range(400, 500)]
    tree.fill(more, "[insert() of 100 more keys]", method="insert")
    model.update(more)
    tree.reopen()
    expect_contents(tree, model, "after inserting more keys and reopening again", HINT_META)


@pytest.mark.correctness
@pytest.mark.points(4)
def test_behaves_like_the_model(subject: Subject) -> None:
    """random insert/put/get/delete/range/reopen sequences agree with a sorted map"""

    def k(i: int) -> bytes:
        return (f"{i:03d}-".encode() * 8)[: 4 + (i * 7) % 29]  # 4 to 32 bytes, in the order of i

    class Machine(RuleBasedStateMachine):
        @initialize()
        def create(self) -> None:
            self.tree = Tree(subject)
            self.model: dict[bytes, bytes] = {}
            self.version = 0

        def value(self, i: int, size: int) -> bytes:
            self.version += 1
            return value_of(i, self.version, size)

        @rule(i=st.integers(0, 299), size=st.integers(0, MAX_VALUE))
        def insert(self, i: int, size: int) -> None:
            key, value = k(i), self.value(i, size)
            if key in self.model:
                expect_raises("DuplicateKey", lambda: self.tree.tree.insert(key, value),
                              f"insert({key!r}, ...) of a key the tree holds must raise DuplicateKey", hint=HINT_POLICY)
                return
            self.tree.tree.insert(key, value)
            self.model[key] = value

        @rule(i=st.integers(0, 299), size=st.integers(0, MAX_VALUE))
        def put(self, i: int, size: int) -> None:
            key, value = k(i), self.value(i, size)
            self.tree.tree.put(key, value)
            self.model[key] = value

        @rule(start=st.integers(0, 299), count=st.integers(10, 80), step=st.sampled_from([1, 2, 3, -1]))
        def put_many(self, start: int, count: int, step: int) -> None:
            picks = [(start + n * step) % 300 for n in range(count)]
            items = [(k(i), self.value(i, 8 + i % 40)) for i in picks]
            self.tree.fill(items, f"[for n in range({count}): tree.put(k(({start} + n * {step}) % 300), ...)]")
            self.model.update(items)

        @rule(start=st.integers(0, 299), count=st.integers(10, 80))
        def delete_many(self, start: int, count: int) -> None:
            keys = sorted(self.model)
            chosen = keys[start % max(1, len(keys)):][:count]
            self.tree.remove(chosen, f"[delete() of {len(chosen)} held keys from {show(chosen[:1])}]")
            for key in chosen:
                del self.model[key]

        @rule(i=st.integers(0, 299))
        def get(self, i: int) -> None:
            key = k(i)
            expect_equal(self.tree.tree.get(key), self.model.get(key), f"get({key!r}) is wrong after the calls above",
                         hint=HINT_SEARCH)

        @rule(i=st.integers(0, 299))
        def delete(self, i: int) -> None:
            key = k(i)
            if key not in self.model:
                expect_raises("KeyError", lambda: self.tree.tree.delete(key),
                              f"delete({key!r}) of a missing key must raise KeyError", hint=HINT_POLICY)
                return
            expect_equal(self.tree.tree.delete(key), self.model.pop(key),
                         f"delete({key!r}) should return the value removed", hint=HINT_DELETE)

        @rule(lo=st.none() | st.integers(0, 300), hi=st.none() | st.integers(0, 300))
        def range(self, lo: int | None, hi: int | None) -> None:
            lo_key = None if lo is None else k(lo)
            hi_key = None if hi is None else k(hi) if hi < 300 else b"\xff"
            _, got = self.tree.items(lo_key, hi_key)
            want = [(key, v) for key, v in sorted(self.model.items())
                    if (lo_key is None or lo_key <= key) and (hi_key is None or key < hi_key)]
            expect_equal(got, want, f"list(tree.range({lo_key!r}, {hi_key!r})) is wrong after the calls above",
                         hint=HINT_RANGE)

        @rule()
        def check(self) -> None:
            expect_equal(len(self.tree.tree), len(self.model), "len(tree) is wrong after the calls above",
                         hint="Count inserts of new keys and deletes; put() of a held key adds nothing.")
            height = self.tree.tree.height()
            bound = height_bound(len(self.model), self.tree.payload())
            expect_true(type(height) is int and 1 <= height <= bound, "height() is out of bounds after the calls above",
                        expected=f"1 to {bound} for {len(self.model)} keys", got=show(height), hint=HINT_DELETE)

        @rule()
        def reopen(self) -> None:
            self.tree.reopen()

    run_machine(subject, Machine, max_examples=40, steps=30)


# -- performance (page reads, counted by the storage) ----------------------------------------------

def reads_of_gets(tree: Tree, keys: list[bytes]) -> list[tuple[int, Any]]:
    support = tree.subject.import_module("btree_support")
    return [(int(r), v) for r, v in support.reads_per_call(tree.storage, NAME, tree.tree, "get",
                                                           [(key,) for key in keys])]


@pytest.mark.performance
@pytest.mark.points(3)
def test_lookup_reads_one_page_per_level(subject: Subject, figures: Figures) -> None:
    """get() reads exactly height() pages, and height() stays within the half-full bound"""
    n = 2000
    tree = Tree(subject)
    tree.fill([(key_of(i), value_of(i)) for i in shuffled(n, 5)], f"[insert() of {n} keys in random order]",
              method="insert")
    height = tree.tree.height()
    bound = height_bound(n, tree.payload())
    figures.record(f"height() at {n} keys (512-byte pages)", height, unit=" levels")
    expect_true(type(height) is int and 2 <= height <= bound, f"height() of a tree of {n} keys is out of bounds",
                expected=f"2 to {bound} levels (every node but the root at least half full)", got=show(height),
                hint=HINT_SPLIT)
    probes = [key_of(i) for i in random.Random(6).sample(range(n), 30)] + [key_of(i) + b"?" for i in range(0, n, 200)]
    costs = reads_of_gets(tree, probes)
    figures.record(f"page reads per get() at {n} keys", max(r for r, _ in costs), unit=" pages")
    for key, (cost, _) in zip(probes, costs, strict=True):
        if cost != height:
            fail(f"get({key!r}) read {cost} pages in a tree of height {height}",
                 expected=f"{height} page reads (one per level)", got=f"{cost} page reads", hint=HINT_LOOKUP)


@pytest.mark.performance
@pytest.mark.points(2)
def test_range_reads_follow_the_leaf_chain(subject: Subject, figures: Figures) -> None:
    """a range of k keys reads one path down and then about k / (half a leaf) leaves, also after many deletes"""
    n = 1500
    tree = Tree(subject)
    tree.fill([(key_of(i), value_of(i)) for i in shuffled(n, 7)], f"[insert() of {n} keys in random order]",
              method="insert")
    leaf, _ = capacities(tree.payload())
    alive = list(range(n))
    for phase in ("after the inserts", "after deleting 2 keys of every 3"):
        if phase != "after the inserts":
            gone = [i for i in shuffled(n, 8) if i % 3]
            tree.remove([key_of(i) for i in gone], f"[delete() of {len(gone)} keys in random order]")
            alive = [i for i in range(n) if i % 3 == 0]
        lo, hi = key_of(n // 4), key_of(3 * n // 4)
        reads, items = tree.items(lo, hi)
        k = sum(1 for i in alive if n // 4 <= i < 3 * n // 4)
        height = int(tree.tree.height())
        bound = height + -(-k // leaf) + 1
        figures.record(f"page reads for a range of {k} keys {phase}", reads, unit=" pages")
        expect_equal(len(items), k, f"range() {phase} returned the wrong number of keys", hint=HINT_RANGE)
        if reads > bound:
            fail(f"list(tree.range({lo!r}, {hi!r})) of {k} keys read too many pages {phase}",
                 expected=f"at most {bound} pages: {height - 1} internal nodes down, then at most "
                          f"{-(-k // leaf) + 1} leaves (each at least half full)",
                 got=f"{reads} page reads",
                 hint="Descend once to the first leaf, then follow the next-leaf pointers; keep every node but the "
                      "root at least half full (borrow or merge on delete).")


@pytest.mark.performance
@pytest.mark.points(2)
def test_height_and_pages_stay_bounded(subject: Subject, figures: Figures) -> None:
    """sequential or random inserts keep height and pages within bounds; deletes shrink both back"""
    n = 2400
    for label, order in (("ascending", list(range(n))), ("descending", list(range(n - 1, -1, -1))),
                         ("random", shuffled(n, 10))):
        subject.transcript.clear()
        tree = Tree(subject)
        payload = tree.payload()
        tree.fill([(key_of(i), value_of(i)) for i in order], f"[insert() of {n} keys, {label}]", method="insert")
        for left, phase in ((n, f"after {n} {label} inserts"), (30, f"after deleting all but 30 keys ({label})")):
            if left < n:
                gone = [i for i in shuffled(n, 11) if i >= 30]
                tree.remove([key_of(i) for i in gone], f"[delete() of {len(gone)} keys in random order]")
            height, pages = tree.tree.height(), tree.pager.page_count()
            h_bound, p_bound = height_bound(left, payload), pages_bound(left, payload)
            if label == "random":
                figures.record(f"height {phase}", height, unit=" levels")
                figures.record(f"pages in use {phase}", pages, unit=" pages")
            expect_true(type(height) is int and height <= h_bound, f"height() is too large {phase}",
                        expected=f"at most {h_bound} levels for {left} keys", got=show(height),
                        hint=HINT_DELETE if left < n else HINT_SPLIT)
            expect_true(type(pages) is int and pages <= p_bound, f"the tree uses too many pages {phase}",
                        expected=f"at most {p_bound} pages for {left} keys (nodes at least half full)",
                        got=show(pages), hint=HINT_DELETE if left < n else HINT_SPLIT)


# -- faults -------------------------------------------------------------------------------------------

@pytest.mark.faults
@pytest.mark.points(2)
def test_bad_keys_and_values_rejected(subject: Subject) -> None:
    """wrong types raise TypeError, empty or too long keys and values ValueError, and the tree is unchanged"""
    tree = Tree(subject)
    items = [(key_of(i), value_of(i, size=MAX_VALUE)) for i in shuffled(200, 12)]
    tree.fill(items, "[insert() of 200 keys with 64-byte values]", method="insert")
    model = dict(items)
    good_key, good_value = key_of(77) + b"+", b"v"
    bad_keys = [("str", "abc", "TypeError"), ("int", 7, "TypeError"), ("None", None, "TypeError"),
                ("empty", b"", "ValueError"), ("33-byte", b"k" * (MAX_KEY + 1), "ValueError")]
    bad_values = [("str", "value", "TypeError"), ("None", None, "TypeError"), ("int", 3, "TypeError"),
                  ("65-byte", b"v" * (MAX_VALUE + 1), "ValueError")]
    hint = (f"Check the key (bytes, 1 to {MAX_KEY} long) and the value (bytes, at most {MAX_VALUE} long) before "
            "touching any page: raise TypeError for a wrong type, ValueError for a wrong length.")
    for method in ("insert", "put"):
        for label, key, error in bad_keys:
            expect_raises(error, lambda method=method, key=key: getattr(tree.tree, method)(key, good_value),
                          f"{method}() of a {label} key must raise {error}", hint=hint)
        for label, value, error in bad_values:
            expect_raises(error, lambda method=method, value=value: getattr(tree.tree, method)(good_key, value),
                          f"{method}() of a {label} value must raise {error}", hint=hint)
    for label, key, error in bad_keys:
        expect_raises(error, lambda key=key: tree.tree.get(key), f"get() of a {label} key must raise {error}",
                      hint=hint)
        expect_raises(error, lambda key=key: tree.tree.delete(key), f"delete() of a {label} key must raise {error}",
                      hint=hint)
    expect_raises("TypeError", lambda: tree.items("a", None), "range('a', None) must raise TypeError",
                  hint="Range bounds are bytes or None.")
    expect_contents(tree, model, "after the refused calls above", hint)
    tree.tree.insert(good_key, b"x" * MAX_VALUE)
    model[good_key] = b"x" * MAX_VALUE
    expect_contents(tree, model, "after the refused calls and one good insert", hint)


@pytest.mark.faults
@pytest.mark.points(2)
def test_corrupt_page_raises_corrupt_page(subject: Subject) -> None:
    """a flipped byte in any node makes get/range raise the pager's CorruptPage, never return wrong data"""
    tree = Tree(subject)
    n = 160
    items = [(key_of(i), value_of(i, size=16)) for i in shuffled(n, 13)]
    tree.fill(items, f"[insert() of {n} keys]", method="insert")
    model = dict(items)
    tree.pager.sync()
    keys = sorted(model)
    support = subject.import_module("btree_support")
    pages = int(tree.pager.page_count())
    hint = ("Read every node with pager.read() on every operation and let CorruptPage propagate: never catch it and "
            "carry on, and never serve a node from a copy kept in memory.")
    for page_id in sorted({1 + (j * pages) // 24 for j in range(24)}):
        offset = page_id * PAGE + PAGE // 2
        tree.storage.corrupt(NAME, offset)
        outcomes = [support.probe_scan(tree.tree), *support.probe_gets(tree.tree, keys)]
        what = ["list(tree.range())", *(f"get({key!r})" for key in keys)]
        wants = [sorted(model.items()), *(model[key] for key in keys)]
        corrupt = 0
        for call, outcome, want in zip(what, outcomes, wants, strict=True):
            if outcome[0] == "raised":
                if "CorruptPage" not in outcome[2]:
                    fail(f"with byte {PAGE // 2} of page {page_id} flipped, {call} raised {outcome[1]}",
                         expected="the correct answer, or the pager's CorruptPage", got=f"{outcome[1]}: {outcome[3]}",
                         hint=hint)
                corrupt += 1
            elif outcome[1] != want:
                fail(f"with byte {PAGE // 2} of page {page_id} flipped, {call} returned wrong data",
                     expected=f"{show(want, 60)} or CorruptPage", got=show(outcome[1], 60), hint=hint)
        expect_true(corrupt > 0, f"with page {page_id} corrupt, no get() of any key and no range() raised CorruptPage",
                    expected="CorruptPage from the calls that read that page", got="every call answered", hint=hint)
        tree.storage.corrupt(NAME, offset)  # flip it back
    expect_contents(tree, model, "after the corrupt bytes were restored", hint)
