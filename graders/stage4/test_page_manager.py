"""Grader for stage4/page-manager: fixed-size pages with checksums, a free list and a crash-safe header.

Every check runs the learner's ``minimysql.pager.Pager`` on a ``TracingStorage`` (a
``MemoryStorage`` that also logs each operation's offset and size): I/O is counted, not timed,
and power cuts are seeded, so every run is the same.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from swai.grading import Figures, expect_equal, expect_raises, expect_true, fail
from swai.grading.perf import check_growth
from swai.grading.stateful import run_machine
from swai.subject import RemoteObject, Subject
from swai.subject.client import show
from swai.subject.errors import SubjectError

PAGE = 512
NAME = "data.db"
META_MAX = 64

HINT_LAYOUT = ("Page i is the page_size bytes at offset i * page_size; a per-page header (checksum) of at most "
               "32 bytes, then payload_size bytes of data.")
HINT_FREE = ("Keep the freed ids (a stack or a queue) and take from it in allocate() before growing the file; "
             "reject reads, writes and frees of ids that are free or were never allocated.")
HINT_PERSIST = ("sync() and close() write the header (page count, free list head and length, meta) to page 0; "
                "the constructor reads it back when the file is not empty.")
HINT_CHECKSUM = ("Store a checksum (zlib.crc32) of the page id and every other byte of the page in the page, "
                 "recompute it on every read, and raise CorruptPage naming the page when it does not match.")
HINT_CRASH = ("sync(): make the pages durable (file.sync()), then write the header to the slot that does not hold "
              "the last synced header, then sync again. Never overwrite the last synced header between syncs.")


# -- helpers ------------------------------------------------------------------------------------------

def new_storage(subject: Subject, **kwargs: Any) -> RemoteObject:
    return subject.import_module("page_manager_support").TracingStorage(**kwargs)


def open_pager(subject: Subject, storage: RemoteObject, name: str = NAME, page_size: int = PAGE) -> RemoteObject:
    pager = subject.import_module("minimysql.pager").Pager(storage, name, page_size=page_size)
    if not isinstance(pager, RemoteObject):
        fail(f"Pager(storage, {name!r}, page_size={page_size}) should return a pager", expected="a Pager instance",
             got=show(pager), hint="Leave __new__ alone: Pager(...) must build and return the pager.")
    return pager


def payload_size(pager: RemoteObject, page_size: int = PAGE) -> int:
    size = pager.attr("payload_size")
    expect_true(type(size) is int and page_size - 32 <= size < page_size,
                f"payload_size of a pager with page_size={page_size} is out of range",
                expected=f"an int from {page_size - 32} to {page_size - 1}", got=show(size), hint=HINT_LAYOUT)
    return int(size)


def pattern(seed: int, size: int) -> bytes:
    """Page data that reads well in a transcript and differs from every other seed's."""
    return (f"<page data {seed}>".encode() * (size // 8 + 1))[:size]


def noise(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def padded(data: bytes, size: int) -> bytes:
    return data + bytes(size - len(data))


def expect_page(pager: RemoteObject, page_id: int, want: bytes, summary: str, hint: str) -> None:
    got = pager.read(page_id)
    if type(got) is not bytes or got != want:
        fail(summary, expected=f"{len(want)} bytes {show(want, 60)}",
             got=f"{len(got)} bytes {show(got, 60)}" if type(got) is bytes else show(got), hint=hint)


def expect_pager_error(action: Any, summary: str, hint: str) -> SubjectError:
    return expect_raises("PagerError", action, summary, hint=hint)


def names_page(message: str, page_id: int) -> bool:
    return re.search(rf"(?<![\d.]){page_id}(?![\d.])", message) is not None


# -- correctness --------------------------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(1)
def test_write_read_round_trip(subject: Subject) -> None:
    """allocate gives ids 1, 2, 3; read returns what write stored, zero-filled to payload_size"""
    pager = open_pager(subject, new_storage(subject))
    expect_equal(pager.attr("page_size"), PAGE, "page_size should be the size given to the constructor",
                 hint="Keep page_size as a public attribute.")
    size = payload_size(pager)
    ids = [pager.allocate() for _ in range(3)]
    expect_equal(ids, [1, 2, 3], "a new file's first allocations should be pages 1, 2, 3 (page 0 is the header)",
                 hint="With no freed page, allocate() returns the next id after the highest ever allocated.")
    zeros = bytes(size)
    expect_page(pager, 1, zeros, "a newly allocated page should read as payload_size zero bytes",
                hint="allocate() writes a zero-filled page, checksum included.")
    full = pattern(1, size)
    pager.write(1, full)
    expect_page(pager, 1, full, "read() should return exactly what write() stored", hint=HINT_LAYOUT)
    pager.write(2, b"short")
    expect_page(pager, 2, padded(b"short", size), "a short write should read back zero-filled to payload_size",
                hint="write() stores the data and fills the rest of the payload with zero bytes.")
    pager.write(1, b"tiny")
    expect_page(pager, 1, padded(b"tiny", size),
                "a short write over a full page should leave no trace of the old data",
                hint="Each write() replaces the whole page: pad the data with zeros to payload_size.")
    pager.write(3, b"")
    expect_page(pager, 3, zeros, "an empty write should read back as zeros", hint=HINT_LAYOUT)
    expect_page(pager, 2, padded(b"short", size), "writing one page changed another",
                hint="Page i starts at i * page_size and the whole page, header included, is page_size bytes.")
    expect_equal(pager.page_count(), 3, "page_count() should count the allocated pages (not page 0)",
                 hint="page_count() is the number of pages allocated and not freed.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_free_and_reuse(subject: Subject) -> None:
    """freed ids are refused, then reused zero-filled before the file grows; a double free is an error"""
    pager = open_pager(subject, new_storage(subject))
    size = payload_size(pager)
    for page_id in range(1, 6):
        expect_equal(pager.allocate(), page_id, "a new file should hand out pages 1, 2, 3, ... in order",
                     hint="With no freed page, allocate() returns the next id after the highest ever allocated.")
        pager.write(page_id, pattern(page_id, size))
    pager.free(2)
    pager.free(4)
    expect_equal(pager.page_count(), 3, "page_count() should drop when pages are freed", hint=HINT_FREE)
    expect_pager_error(lambda: pager.read(2), "read() of a freed page must raise PagerError", HINT_FREE)
    expect_pager_error(lambda: pager.write(4, b"x"), "write() to a freed page must raise PagerError", HINT_FREE)
    again = sorted([pager.allocate(), pager.allocate()])
    expect_equal(again, [2, 4], "allocate() should reuse the freed ids 2 and 4 before growing the file",
                 hint=HINT_FREE)
    for page_id in again:
        expect_page(pager, page_id, bytes(size), "a reused page should read as zeros, not as its old contents",
                    hint="allocate() writes a zero-filled page, also when it reuses a freed id.")
    expect_equal(pager.allocate(), 6, "with no freed id left, allocate() should grow the file",
                 hint="A fresh id is the next after the highest ever allocated.")
    pager.free(3)
    expect_pager_error(lambda: pager.free(3), "freeing a page twice must raise PagerError",
                       "A double free would put the id on the free list twice and hand it out twice.")
    ids = [pager.allocate(), pager.allocate()]
    expect_equal(ids, [3, 7], "after free(3) and a refused second free(3), allocate() twice should give 3, then 7",
                 hint="Check that the page is allocated before freeing it.")
    expect_equal(pager.page_count(), 7, "page_count() is wrong after the calls above", hint=HINT_FREE)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_meta(subject: Subject) -> None:
    """get_meta/set_meta keep up to 64 bytes, also across close and reopen"""
    storage = new_storage(subject)
    pager = open_pager(subject, storage)
    expect_equal(pager.get_meta(), b"", "a new file's meta should be empty bytes",
                 hint="get_meta() returns b'' until set_meta() is called.")
    pager.set_meta(b"root=7")
    expect_equal(pager.get_meta(), b"root=7", "get_meta() should return what set_meta() stored",
                 hint="Keep the meta with the header.")
    longest = noise(64, META_MAX)
    pager.set_meta(longest)
    expect_equal(pager.get_meta(), longest, "64 bytes of meta should be accepted and kept exactly",
                 hint="The header has room for up to 64 bytes of meta, any byte values (zeros too).")
    pager.set_meta(b"root=42\x00")
    pager.close()
    pager = open_pager(subject, storage)
    expect_equal(pager.get_meta(), b"root=42\x00", "the meta should survive close() and a reopen",
                 hint=HINT_PERSIST + " Store the meta's length too, so trailing zero bytes survive.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_reopen_keeps_everything(subject: Subject) -> None:
    """after close(), a new Pager on the same storage finds its pages, free list, count and meta"""
    storage = new_storage(subject)
    pager = open_pager(subject, storage)
    size = payload_size(pager)
    for page_id in range(1, 7):
        pager.allocate()
        pager.write(page_id, pattern(10 + page_id, size))
    pager.free(2)
    pager.free(5)
    pager.set_meta(b"root=3")
    pager.close()
    pager = open_pager(subject, storage)
    expect_equal(pager.page_count(), 4, "after reopening, page_count() should be what it was at close()",
                 hint=HINT_PERSIST)
    for page_id in (1, 3, 4, 6):
        expect_page(pager, page_id, pattern(10 + page_id, size), f"page {page_id} changed across close and reopen",
                    hint=HINT_PERSIST)
    expect_pager_error(lambda: pager.read(5), "after reopening, a page freed before close() must still be free",
                       HINT_PERSIST + " The free list is part of the header.")
    expect_equal(pager.get_meta(), b"root=3", "the meta should survive close() and a reopen", hint=HINT_PERSIST)
    again = sorted([pager.allocate(), pager.allocate()])
    expect_equal(again, [2, 5], "after reopening, allocate() should reuse the pages freed before close()",
                 hint=HINT_PERSIST + " A free list that lives only in memory leaks every freed page at a restart.")
    expect_equal(pager.allocate(), 7, "after reusing the freed pages, allocate() should grow the file",
                 hint=HINT_PERSIST)
    pager.write(7, b"seven")
    pager.close()
    pager = open_pager(subject, storage)
    expect_page(pager, 7, padded(b"seven", size), "a page written after a reopen did not survive a second reopen",
                hint=HINT_PERSIST)
    expect_equal(pager.page_count(), 7, "page_count() is wrong after the second reopen", hint=HINT_PERSIST)


@dataclass
class Model:
    """What the pager should hold: live pages, free ids, the next fresh id, the meta."""

    pages: dict[int, bytes] = field(default_factory=dict)
    free: set[int] = field(default_factory=set)
    next_fresh: int = 1
    meta: bytes = b""


@pytest.mark.correctness
@pytest.mark.points(4)
def test_behaves_like_the_model(subject: Subject) -> None:
    """random allocate/write/read/free/meta/sync/reopen sequences agree with a model"""

    class Machine(RuleBasedStateMachine):
        @initialize()
        def create(self) -> None:
            self.storage = new_storage(subject)
            self.pager = open_pager(subject, self.storage)
            self.size = payload_size(self.pager)
            self.model = Model()

        def pick(self, ids: set[int] | dict[int, bytes], index: int) -> int:
            ordered = sorted(ids)
            return ordered[index % len(ordered)]

        @rule()
        def allocate(self) -> None:
            page_id = self.pager.allocate()
            model = self.model
            if model.free:
                expect_true(type(page_id) is int and page_id in model.free,
                            "allocate() should reuse a freed id while there is one",
                            expected=f"one of {sorted(model.free)}", got=show(page_id), hint=HINT_FREE)
                model.free.discard(page_id)
            else:
                expect_equal(page_id, model.next_fresh, "with no freed id, allocate() should grow the file by one",
                             hint="A fresh id is the next after the highest ever allocated.")
                model.next_fresh += 1
            model.pages[page_id] = bytes(self.size)

        @precondition(lambda self: self.model.pages)
        @rule(index=st.integers(0, 99), data=st.binary(max_size=12), full=st.booleans())
        def write(self, index: int, data: bytes, full: bool) -> None:
            page_id = self.pick(self.model.pages, index)
            if full:
                data = (data or b"\xff") * self.size
                data = data[: self.size]
            expect_equal(self.pager.write(page_id, data), None, "write() should return None",
                         hint="write() stores the page and returns nothing.")
            self.model.pages[page_id] = padded(data, self.size)

        @precondition(lambda self: self.model.pages)
        @rule(index=st.integers(0, 99))
        def read(self, index: int) -> None:
            page_id = self.pick(self.model.pages, index)
            expect_page(self.pager, page_id, self.model.pages[page_id],
                        f"read({page_id}) returned the wrong bytes after the calls above", HINT_LAYOUT)

        @precondition(lambda self: self.model.pages)
        @rule(index=st.integers(0, 99))
        def free(self, index: int) -> None:
            page_id = self.pick(self.model.pages, index)
            expect_equal(self.pager.free(page_id), None, "free() should return None", hint=HINT_FREE)
            del self.model.pages[page_id]
            self.model.free.add(page_id)

        @precondition(lambda self: self.model.free)
        @rule(index=st.integers(0, 99), action=st.sampled_from(["read", "free"]))
        def use_freed(self, index: int, action: str) -> None:
            page_id = self.pick(self.model.free, index)
            expect_pager_error(lambda: getattr(self.pager, action)(page_id),
                               f"{action}({page_id}) of a freed page must raise PagerError", HINT_FREE)

        @rule(data=st.binary(max_size=META_MAX))
        def set_meta(self, data: bytes) -> None:
            self.pager.set_meta(data)
            self.model.meta = data

        @rule()
        def check_counts(self) -> None:
            expect_equal(self.pager.page_count(), len(self.model.pages), "page_count() is wrong after the calls above",
                         hint="page_count() is the number of pages allocated and not freed.")
            expect_equal(self.pager.get_meta(), self.model.meta, "get_meta() is wrong after the calls above",
                         hint=HINT_PERSIST)

        @rule()
        def sync(self) -> None:
            expect_equal(self.pager.sync(), None, "sync() should return None", hint=HINT_CRASH)

        @rule()
        def reopen(self) -> None:
            self.pager.close()
            self.pager = open_pager(subject, self.storage)

    run_machine(subject, Machine, max_examples=100, steps=30)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_bad_arguments_rejected(subject: Subject) -> None:
    """bad page sizes, page ids, data and meta raise PagerError and change nothing"""
    for bad in (1000, 256, 131072, 0, -4096, True, "4096", 4096.0, None):
        expect_pager_error(lambda bad=bad: open_pager(subject, new_storage(subject), page_size=bad),
                           f"Pager(storage, page_size={bad!r}) must raise PagerError",
                           "page_size is an int, a power of two, from 512 to 65536; say what was wrong.")
    pager = open_pager(subject, new_storage(subject))
    size = payload_size(pager)
    pager.allocate()
    pager.allocate()
    data = pattern(5, size)
    pager.write(1, data)
    for bad in (0, -1, 3, 99, True, "1", None, 1.0):
        hint = "Page ids are ints from 1 to the highest allocated; page 0 is the header; bool is not an id."
        expect_pager_error(lambda bad=bad: pager.read(bad), f"read({bad!r}) must raise PagerError", hint)
        expect_pager_error(lambda bad=bad: pager.write(bad, b"x"), f"write({bad!r}, b'x') must raise PagerError", hint)
        expect_pager_error(lambda bad=bad: pager.free(bad), f"free({bad!r}) must raise PagerError", hint)
    for bad_data in (b"x" * (size + 1), "text", [1, 2], None, 7):
        expect_pager_error(lambda bad_data=bad_data: pager.write(1, bad_data),
                           f"write(1, {show(bad_data, 40)}) must raise PagerError",
                           f"Page data is bytes of at most payload_size ({size}) bytes.")
    expect_page(pager, 1, data, "a refused write() must leave the page as it was",
                hint="Check the arguments before writing anything.")
    expect_equal(pager.page_count(), 2, "refused calls must not change page_count()",
                 hint="Check the arguments before changing anything.")
    pager.set_meta(b"keep")
    for bad_meta in (b"m" * (META_MAX + 1), "root", None):
        expect_pager_error(lambda bad_meta=bad_meta: pager.set_meta(bad_meta),
                           f"set_meta({show(bad_meta, 40)}) must raise PagerError",
                           "Meta is bytes of at most 64 bytes.")
    expect_equal(pager.get_meta(), b"keep", "a refused set_meta() must keep the old meta",
                 hint="Check the argument before storing it.")
    pager.close()
    expect_pager_error(lambda: pager.read(1), "read() on a closed pager must raise PagerError",
                       "After close() every call but close() and stats() raises PagerError.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_not_a_pager_file(subject: Subject) -> None:
    """a file that is not a pager file, or has another page size, is refused with PagerError and left alone"""
    storage = new_storage(subject)
    garbage = noise(99, 3 * PAGE)
    storage.write_raw("junk.db", 0, garbage)
    expect_pager_error(lambda: open_pager(subject, storage, "junk.db"),
                       "opening a file of random bytes must raise PagerError",
                       "A non-empty file without a valid header (magic, page size, checksum) is not a pager file.")
    storage.write_raw("notes.txt", 0, b"hello, this is not a database\n")
    expect_pager_error(lambda: open_pager(subject, storage, "notes.txt"),
                       "opening a short text file must raise PagerError",
                       "A non-empty file without a valid header is not a pager file, even a short one.")
    expect_equal(storage.read_raw("junk.db", 0, 3 * PAGE), garbage, "a refused file must not be changed",
                 hint="Only an empty (new) file gets a fresh header; never write over a file you could not read.")
    pager = open_pager(subject, storage)
    pager.allocate()
    pager.write(1, b"hello")
    pager.close()
    err = expect_pager_error(lambda: open_pager(subject, storage, page_size=1024),
                             "reopening a file of 512-byte pages with page_size=1024 must raise PagerError",
                             "The header records the page size; compare it with page_size.")
    expect_true(names_page(err.message, PAGE), "the PagerError for a page size mismatch should name the file's size",
                expected="a message mentioning 512", got=repr(err.message),
                hint="Say what the file holds, e.g. f'data.db has pages of {stored} bytes, not {page_size}'.")
    pager = open_pager(subject, storage)
    expect_page(pager, 1, padded(b"hello", payload_size(pager)), "a refused reopen must leave the file intact",
                hint="Check the header before writing anything.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_read_write_io(subject: Subject) -> None:
    """read() is one storage read of the page, write() one storage write; meta and counts do no I/O"""
    storage = new_storage(subject)
    for page_size in (PAGE, 1024):
        name = f"io{page_size}.db"
        pager = open_pager(subject, storage, name, page_size)
        size = payload_size(pager, page_size)
        for page_id in range(1, 5):
            pager.allocate()
            pager.write(page_id, pattern(page_id, size))
        storage.take_log()
        pager.read(3)
        expect_equal(storage.take_log(), [("read", name, 3 * page_size, page_size)],
                     f"read(3) with page_size={page_size} should be one storage read of that page",
                     hint="Read the whole page with one read_at(page_id * page_size, page_size); keep the header "
                          "in memory instead of reading it again, and cache no page contents.")
        pager.read(3)
        expect_equal(storage.take_log(), [("read", name, 3 * page_size, page_size)],
                     "reading the same page again should read it from storage again",
                     hint="The pager caches no page contents (the buffer pool exercise does): every read() reaches "
                          "storage, so its checksum is checked every time.")
        pager.write(2, b"new")
        expect_equal(storage.take_log(), [("write", name, 2 * page_size, page_size)],
                     f"write(2, ...) with page_size={page_size} should be one storage write of the whole page",
                     hint="Build the page (checksum, header, padded payload) in memory and write it with one "
                          "write_at(page_id * page_size, page); do not read the page first.")
        pager.set_meta(b"m")
        pager.get_meta()
        pager.page_count()
        pager.stats()
        expect_equal(storage.take_log(), [], "set_meta, get_meta, page_count and stats should do no storage I/O",
                     hint="Keep the header in memory: it is read when the pager opens and written by sync() "
                          "and close().")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_stats_count_real_io(subject: Subject) -> None:
    """stats() counts the storage reads and writes the pager really made"""
    storage = new_storage(subject)
    pager = open_pager(subject, storage)
    before = pager.stats()
    expect_true(type(before) is dict and set(before) == {"reads", "writes"}
                and all(type(v) is int for v in before.values()),
                "stats() should return {'reads': int, 'writes': int}", expected="{'reads': int, 'writes': int}",
                got=show(before), hint="Count every read_at and write_at your pager makes.")
    storage.take_log()
    ids = [pager.allocate() for _ in range(4)]
    for page_id in ids:
        pager.write(page_id, pattern(page_id, 40))
    for page_id in ids + ids:
        pager.read(page_id)
    pager.free(ids[1])
    pager.sync()
    pager.allocate()
    after = pager.stats()
    log = storage.take_log()
    real = {"reads": sum(op == "read" for op, *_ in log), "writes": sum(op in ("write", "append") for op, *_ in log)}
    got = {key: after[key] - before[key] for key in ("reads", "writes")}
    expect_equal(got, real, "stats() changed by other amounts than the storage reads and writes made",
                 hint="Count in the one place that calls read_at/write_at (header I/O included); a read served "
                      "from memory is not a storage read.")
    expect_true(real["reads"] >= 8, "8 read() calls should make at least 8 storage reads",
                expected="at least 8 reads", got=str(real["reads"]),
                hint="The pager must not cache page contents: every read() reaches storage.")


# -- performance --------------------------------------------------------------------------------------

def io_costs(subject: Subject, pages: int) -> dict[str, list[tuple[str, str, int, int]]]:
    """The storage operations of one read, write, free and allocate in a file of ``pages`` pages."""
    storage = new_storage(subject)
    pager = open_pager(subject, storage)
    subject.batch(pager, [("allocate", ())] * pages)
    middle = pages // 2
    costs = {}
    for label, method, args in (("read", "read", (middle,)), ("write", "write", (middle, b"x" * 40)),
                                ("free", "free", (middle,)), ("allocate (reusing a freed id)", "allocate", ()),
                                ("allocate (growing the file)", "allocate", ())):
        storage.take_log()
        getattr(pager, method)(*args)
        costs[label] = storage.take_log()
    return costs


@pytest.mark.performance
@pytest.mark.points(2)
def test_io_per_operation_stays_constant(subject: Subject, figures: Figures) -> None:
    """read/write cost one storage operation, allocate/free at most two, in a small and a large file"""
    small, large = io_costs(subject, 16), io_costs(subject, 2048)
    for label, ops in large.items():
        figures.record(f"storage operations per {label} at 2048 pages", len(ops), unit=" ops")
    limits = {"read": 1, "write": 1, "free": 2}
    for label, ops in large.items():
        limit = limits.get(label, 2)
        if len(ops) > limit or len(ops) != len(small[label]):
            fail(f"{label} costs more storage operations in a larger file",
                 expected=f"at most {limit} operation(s), the same at 16 and at 2048 pages",
                 got=f"{len(small[label])} at 16 pages, {len(ops)} at 2048 pages: {show(ops, 200)}",
                 hint="Keep the header and the free list's head in memory: allocate() takes a freed id from the "
                      "list (or the next fresh id) without searching the file.")
        header = [op for op in ops if op[0] != "read" and op[2] < PAGE]
        if header or any(op[0] == "sync" for op in ops):
            fail(f"{label} wrote or synced the header (page 0) between syncs",
                 expected="only sync() and close() write page 0 or call file.sync()", got=show(ops, 200),
                 hint=HINT_CRASH)


@pytest.mark.performance
@pytest.mark.points(2)
def test_time_stays_constant_as_file_grows(subject: Subject, figures: Figures) -> None:
    """read/write/free/allocate stay O(1): time per call at 8n pages over time at n"""
    data = b"p" * 64

    def setup(pages: int) -> tuple[RemoteObject, Any]:
        pager = open_pager(subject, new_storage(subject))
        subject.batch(pager, [("allocate", ())] * pages)

        def calls(round_: int) -> list[tuple[str, tuple[Any, ...]]]:
            rng = random.Random(round_)
            out: list[tuple[str, tuple[Any, ...]]] = []
            for _ in range(120):
                page_id = rng.randint(1, pages)
                out += [("read", (rng.randint(1, pages),)), ("write", (rng.randint(1, pages), data)),
                        ("free", (page_id,)), ("allocate", ())]  # the only free id: allocate() takes it back
            return out

        return pager, calls

    check_growth(subject, figures, setup, n=256, operation="read/write/free/allocate",
                 hint="No call may loop over the pages or the free list: keep free ids in a set or a stack, the "
                      "page count in memory, and compute a page's offset from its id.")


# -- faults -------------------------------------------------------------------------------------------

@pytest.mark.faults
@pytest.mark.points(2)
def test_flipped_byte_detected(subject: Subject) -> None:
    """a flipped byte anywhere in a page makes read() raise CorruptPage naming the page"""
    storage = new_storage(subject)
    pager = open_pager(subject, storage)
    size = payload_size(pager)
    for page_id in range(1, 10):
        pager.allocate()
        pager.write(page_id, pattern(page_id, size))
    pager.sync()
    target = 7
    for offset in (0, 1, 3, 4, 6, 8, 9, 31, 100, PAGE // 2, PAGE - 1):
        storage.corrupt(NAME, target * PAGE + offset)
        err = expect_raises("CorruptPage", lambda: pager.read(target),
                            f"read({target}) after byte {offset} of page {target} was flipped must raise CorruptPage",
                            hint=HINT_CHECKSUM + " Every byte of the page on storage must be covered.")
        expect_true(err.is_a("PagerError"), "CorruptPage should be a subclass of PagerError",
                    expected="class CorruptPage(PagerError)", got=f"bases {err.mro}",
                    hint="Callers catch PagerError for every pager failure.")
        expect_true(names_page(err.message, target), "the CorruptPage message should name the page",
                    expected=f"a message mentioning page {target}", got=repr(err.message),
                    hint="e.g. raise CorruptPage(f'page {page_id} failed its checksum').")
        for neighbour in (target - 1, target + 1):
            expect_page(pager, neighbour, pattern(neighbour, size), "a corrupt page must not affect its neighbours",
                        hint=HINT_LAYOUT)
        storage.corrupt(NAME, target * PAGE + offset)  # flip it back
        expect_page(pager, target, pattern(target, size), "once the flipped byte is restored the page reads again",
                    hint="Do not remember a page as corrupt: check the checksum of what storage holds now.")


@pytest.mark.faults
@pytest.mark.points(1)
def test_misdirected_page_detected(subject: Subject) -> None:
    """a valid page copied to another page's place (a misdirected write) raises CorruptPage"""
    storage = new_storage(subject)
    pager = open_pager(subject, storage)
    size = payload_size(pager)
    for page_id in range(1, 7):
        pager.allocate()
        pager.write(page_id, pattern(page_id, size))
    pager.sync()
    copy = storage.read_raw(NAME, 3 * PAGE, PAGE)
    storage.write_raw(NAME, 6 * PAGE, copy)
    err = expect_raises("CorruptPage", lambda: pager.read(6),
                        "page 3's bytes copied over page 6 must not read as page 6's data",
                        hint="Let the checksum cover the page id too (crc32 of the id, then of the page), so a page "
                             "written at the wrong offset fails its check.")
    expect_true(names_page(err.message, 6), "the CorruptPage message should name the page",
                expected="a message mentioning page 6", got=repr(err.message),
                hint="e.g. raise CorruptPage(f'page {page_id} failed its checksum').")
    expect_page(pager, 3, pattern(3, size), "page 3 itself should still read correctly", hint=HINT_CHECKSUM)


def build_torn_workload(subject: Subject, storage: RemoteObject, size: int | None = None) -> tuple[RemoteObject, int]:
    pager = open_pager(subject, storage)
    size = size or payload_size(pager)
    for page_id in range(1, 4):
        pager.allocate()
        pager.write(page_id, pattern(page_id, size))
    pager.sync()
    return pager, size


@pytest.mark.faults
@pytest.mark.points(2)
def test_torn_write_detected(subject: Subject) -> None:
    """a page torn by a power cut reads as its old or new version, or raises CorruptPage, never as a mix"""
    dry = new_storage(subject)
    pager, size = build_torn_workload(subject, dry)
    cut_at = int(dry.attr("total_writes")) + 1
    old = dry.read_raw(NAME, 2 * PAGE, PAGE)
    pager.write(2, pattern(200, size))
    new = dry.read_raw(NAME, 2 * PAGE, PAGE)
    torn = 0
    for seed in range(16):
        subject.transcript.clear()
        storage = new_storage(subject, seed=seed, cut_after_writes=cut_at)
        pager, _ = build_torn_workload(subject, storage, size)
        expect_raises("PowerCut", lambda pager=pager: pager.write(2, pattern(200, size)),
                      "the power cut during write() should reach the caller",
                      hint="Do not catch BaseException around storage calls: PowerCut must propagate.")
        after = storage.power_cut()
        pager = open_pager(subject, after)
        raw = after.snapshot()[NAME][2 * PAGE:3 * PAGE]
        if raw == old:
            expect_page(pager, 2, pattern(2, size), "the write was lost in the cut: page 2 should read as before",
                        hint=HINT_CHECKSUM)
        elif raw == new:
            expect_page(pager, 2, pattern(200, size), "the write survived the cut: page 2 should read as written",
                        hint=HINT_CHECKSUM)
        else:
            torn += 1
            expect_raises("CorruptPage", lambda pager=pager: pager.read(2),
                          "page 2 was torn by a power cut (part new, part old bytes); read(2) must raise CorruptPage",
                          hint=HINT_CHECKSUM)
        for page_id in (1, 3):
            expect_page(pager, page_id, pattern(page_id, size), "a power cut while writing page 2 changed a "
                        "page written and synced before", hint=HINT_CHECKSUM)
    expect_true(torn >= 4, "the power cuts should have torn page 2 in several of the 16 runs",
                expected="at least 4 torn pages", got=f"{torn} torn",
                hint="write() must write the whole page (page_size bytes) with one write_at.")


# The crash workload: handles name pages (the pager chooses their ids); "sync" marks a durable point.
WORKLOAD: list[tuple[Any, ...]] = [
    ("alloc", "a"), ("alloc", "b"), ("alloc", "c"), ("alloc", "d"),
    ("write", "a", 1), ("write", "b", 2), ("write", "c", 3), ("write", "d", 4), ("meta", b"root=a;v1"), ("sync",),
    ("write", "b", 5), ("free", "c"), ("alloc", "e"), ("write", "e", 6), ("alloc", "f"), ("write", "f", 7),
    ("meta", b"root=b;v2"), ("sync",),
    ("write", "a", 8), ("free", "d"), ("alloc", "g"), ("write", "g", 9), ("free", "f"), ("meta", b"root=g;v3"),
    ("sync",),
    ("write", "b", 10), ("alloc", "h"), ("write", "h", 11), ("free", "e"), ("write", "a", 12), ("meta", b"root=h;v4"),
]


@dataclass
class Durable:
    """The state one completed sync made durable, and the pages changed since."""

    pages: dict[int, bytes]
    meta: bytes
    touched: set[int] = field(default_factory=set)


@dataclass
class Run:
    handles: dict[str, int] = field(default_factory=dict)
    pages: dict[int, bytes] = field(default_factory=dict)
    versions: dict[int, list[bytes]] = field(default_factory=dict)
    meta: bytes = b""
    syncs: list[Durable] = field(default_factory=list)
    cut_step: int | None = None
    sync_writes: set[int] = field(default_factory=set)  # write numbers made inside sync() (dry run)


def run_workload(subject: Subject, storage: RemoteObject, *, dry: bool) -> Run:
    pager = open_pager(subject, storage)
    size = payload_size(pager)
    run = Run(syncs=[Durable({}, b"")])
    for index, step in enumerate(WORKLOAD):
        kind = step[0]
        before = int(storage.attr("total_writes")) if dry and kind == "sync" else 0
        if kind in ("write", "free"):  # recorded first: a cut during the call may leave either version
            page_id = run.handles[step[1]]
            run.syncs[-1].touched.add(page_id)
            if kind == "write":
                run.versions.setdefault(page_id, []).append(pattern(step[2], size))
        try:
            if kind == "alloc":
                page_id = pager.allocate()
                run.handles[step[1]] = page_id
                run.pages[page_id] = bytes(size)
            elif kind == "write":
                page_id = run.handles[step[1]]
                data = pattern(step[2], size)
                run.pages[page_id] = data
                pager.write(page_id, data)
            elif kind == "free":
                page_id = run.handles[step[1]]
                run.pages.pop(page_id)
                pager.free(page_id)
            elif kind == "meta":
                run.meta = step[1]
                pager.set_meta(step[1])
            else:
                run.syncs.append(Durable(dict(run.pages), run.meta))
                pager.sync()
        except SubjectError as exc:
            if not exc.is_a("PowerCut"):
                raise
            run.cut_step = index
            return run
        if kind == "alloc":
            page_id = run.handles[step[1]]
            run.syncs[-1].touched.add(page_id)
            run.versions.setdefault(page_id, []).append(bytes(size))
        if dry and kind == "sync":
            run.sync_writes.update(range(before + 1, int(storage.attr("total_writes")) + 1))
    if not dry:
        fail("the power was cut during the workload, but no call raised PowerCut",
             expected="PowerCut raised by the call whose write the power cut hit", got="every call returned",
             hint="Do not catch BaseException around storage calls: PowerCut must propagate.")
    return run


def crash_points(subject: Subject) -> tuple[list[int], int]:
    """Every write the workload makes after the pager is created (or, if there are many, every write
    inside sync() and an even spread of the rest), from a run without a power cut."""
    probe = new_storage(subject)
    open_pager(subject, probe)
    created = int(probe.attr("total_writes"))
    dry = new_storage(subject)
    run = run_workload(subject, dry, dry=True)
    total = int(dry.attr("total_writes"))
    points = list(range(created + 1, total + 1))
    if len(points) > 40:
        rest = [p for p in points if p not in run.sync_writes]
        points = sorted(run.sync_writes & set(points) | set(rest[:: max(1, len(rest) // 30)]))
    return points, total


@pytest.mark.faults
@pytest.mark.points(3)
def test_synced_state_survives_power_cuts(subject: Subject) -> None:
    """at every write of a workload a power cut keeps the last synced pages, meta and a usable free list"""
    points, total = crash_points(subject)
    expect_true(len(points) >= 20, "the crash workload should make at least 20 writes after the pager is created",
                expected="at least 20 writes", got=f"{len(points)} writes",
                hint="allocate(), write() and free() each write a page; sync() writes the header.")
    for cut, seed in [(point, seed) for point in points for seed in (point, 1000 + point)]:
        subject.transcript.clear()
        storage = new_storage(subject, seed=seed, cut_after_writes=cut)
        run = run_workload(subject, storage, dry=False)
        assert run.cut_step is not None
        in_sync = WORKLOAD[run.cut_step][0] == "sync"
        # a cut inside sync() may leave the state of that sync or of the one before it
        candidates = run.syncs[-2:] if in_sync else run.syncs[-1:]
        after = storage.power_cut()
        where = (f"(power cut at write {cut} of {total}, seed {seed}, "
                 f"during step {run.cut_step + 1}: {WORKLOAD[run.cut_step]})")
        try:
            pager = open_pager(subject, after)
        except SubjectError as exc:
            fail(f"after a power cut the file could not be reopened {where}",
                 expected="the state of the last completed sync()", got=str(exc), hint=HINT_CRASH)
        meta = pager.get_meta()
        chosen = [state for state in candidates if state.meta == meta]
        if not chosen:
            fail(f"after a power cut the meta is not the one of the last sync() {where}",
                 expected=" or ".join(show(s.meta) for s in candidates), got=show(meta), hint=HINT_CRASH)
        state = chosen[-1]
        first = next(i for i, s in enumerate(run.syncs) if s is state)
        touched = set().union(*(s.touched for s in run.syncs[first:]))
        intact = {pid: data for pid, data in state.pages.items() if pid not in touched}
        for page_id, data in intact.items():
            expect_page(pager, page_id, data, f"page {page_id}, written and synced before the cut and not changed "
                        f"since, is not intact after the restart {where}", hint=HINT_CRASH)
        for page_id in sorted(set(state.pages) - set(intact)):
            try:
                got = pager.read(page_id)
            except SubjectError as exc:
                if exc.is_a("PagerError"):
                    continue
                raise
            allowed = [state.pages[page_id], *run.versions.get(page_id, [])]
            if got not in allowed:
                fail(f"page {page_id}, changed after the last sync, read back as bytes never written to it {where}",
                     expected="its synced version, a later version, or CorruptPage", got=show(got, 60),
                     hint=HINT_CHECKSUM)
        fresh = [pager.allocate() for _ in range(3)]
        reused = [pid for pid in fresh if pid in intact]
        if reused:
            fail(f"after the restart allocate() handed out page {reused[0]}, which holds synced data {where}",
                 expected=f"ids other than {sorted(intact)}", got=show(fresh),
                 hint="Trust only the free list of the last synced header, and stop following it at a page that "
                      "is not a valid free page (a crash may have reused it before the next sync).")
        for index, page_id in enumerate(fresh):
            pager.write(page_id, pattern(500 + index, 32))
        pager.close()
        pager = open_pager(subject, after)
        size = payload_size(pager)
        for index, page_id in enumerate(fresh):
            expect_page(pager, page_id, padded(pattern(500 + index, 32), size),
                        f"a page written after the restart did not survive close() and reopen {where}",
                        hint=HINT_PERSIST)
        for page_id, data in intact.items():
            expect_page(pager, page_id, data, f"page {page_id} was lost after the restart and a clean reopen {where}",
                        hint=HINT_CRASH)
