"""Grader for stage4/buffer-pool: frames over the pager, pin counts, write-back, LRU and midpoint LRU.

The learner's ``BufferPool`` runs over the learner's own ``Pager`` on a ``MemoryStorage`` that
counts every storage operation: a hit, a miss and a write-back are counts of real I/O, never
timings. Which page is evicted is compared with a model of each policy (``PoolModel``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from swai.grading import Figures, expect_equal, expect_raises, expect_true, fail
from swai.grading.stateful import run_machine
from swai.subject import RemoteObject, Subject
from swai.subject.client import show
from swai.subject.errors import SubjectError

PAGE = 512
NAME = "data.db"
DEFAULT_OLD_BLOCKS_TIME = 64

HINT_LRU = ("With policy='lru', a full pool evicts the unpinned page whose last fetch() (or new_page()) is the "
            "oldest; every fetch() hit makes the page the most recently used.")
HINT_MIDPOINT = ("With policy='midpoint', a page read in (or created) enters the head of the old sublist; a hit on an "
                 "old page moves it to the young head only if at least old_blocks_time clock ticks passed since it "
                 "was read in; when young holds more than frames - max(1, int(frames * old_fraction)) pages its "
                 "tail moves to the old head; the victim is the oldest unpinned old page, else the oldest unpinned "
                 "young one.")
HINT_PIN = ("A pinned page (pin count > 0) is in use by a caller: never pick it as a victim. fetch() and new_page() "
            "add one pin, unpin() removes one; keep a counter per page.")
HINT_DIRTY = ("Page.write() marks the page dirty; before a dirty page's frame is reused, write it back with "
              "pager.write(page_id, data). A clean page needs no write.")
HINT_FLUSH = ("flush_all() writes every dirty page back through pager.write(), then calls pager.sync(): only a "
              "sync makes the writes durable.")
HINT_IO = ("A hit is served from the frame: no pager call, no storage I/O. A miss is one pager.read(); writes reach "
           "the pager only when a dirty page is evicted or flushed.")


def pattern(page_id: int, version: int, size: int) -> bytes:
    """As buffer_pool_support.pattern: page data that names its page and version."""
    return (f"<page {page_id} v{version}>".encode() * (size // 8 + 1))[:size]


# -- the model ---------------------------------------------------------------------------------------

class Exhausted(Exception):
    pass


@dataclass
class ModelPage:
    data: bytes
    pins: int = 1
    dirty: bool = False
    loaded_at: int = 0
    young: bool = False


@dataclass
class PoolModel:
    """What the pool should hold: both replacement orders (oldest first), pins, dirty data, the clock."""

    frames: int
    policy: str = "lru"
    old_fraction: float = 3 / 8
    old_blocks_time: int = DEFAULT_OLD_BLOCKS_TIME
    disk: dict[int, bytes] = field(default_factory=dict)
    pages: dict[int, ModelPage] = field(default_factory=dict)
    young: list[int] = field(default_factory=list)
    old: list[int] = field(default_factory=list)  # the only list of policy="lru"
    clock: int = 0
    stats: dict[str, int] = field(default_factory=lambda: {"hits": 0, "misses": 0, "evictions": 0, "writebacks": 0})

    @property
    def young_max(self) -> int:
        return self.frames - max(1, int(self.frames * self.old_fraction))

    def victim(self) -> int | None:
        if len(self.pages) < self.frames:
            return None
        for order in (self.old, self.young):
            for page_id in order:
                if self.pages[page_id].pins == 0:
                    return page_id
        raise Exhausted

    def evict(self, victim: int | None) -> None:
        if victim is None:
            return
        self.write_back(victim)
        page = self.pages.pop(victim)
        (self.young if page.young else self.old).remove(victim)
        self.stats["evictions"] += 1

    def write_back(self, page_id: int) -> None:
        page = self.pages[page_id]
        if page.dirty:
            self.disk[page_id] = page.data
            page.dirty = False
            self.stats["writebacks"] += 1

    def install(self, page_id: int, data: bytes) -> None:
        self.clock += 1
        self.pages[page_id] = ModelPage(data, loaded_at=self.clock)
        self.old.append(page_id)

    def fetch(self, page_id: int) -> tuple[bool, int | None]:
        """(hit?, evicted page); raises Exhausted as the pool should raise PoolExhausted."""
        page = self.pages.get(page_id)
        if page is not None:
            self.clock += 1
            page.pins += 1
            self.stats["hits"] += 1
            self.touch(page_id, page)
            return True, None
        victim = self.victim()
        self.evict(victim)
        self.install(page_id, self.disk[page_id])
        self.stats["misses"] += 1
        return False, victim

    def new_page(self, page_id: int, size: int) -> int | None:
        victim = self.victim()
        self.evict(victim)
        self.disk[page_id] = bytes(size)
        self.install(page_id, bytes(size))
        return victim

    def touch(self, page_id: int, page: ModelPage) -> None:
        if self.policy == "lru":
            self.old.remove(page_id)
            self.old.append(page_id)
        elif page.young:
            self.young.remove(page_id)
            self.young.append(page_id)
        elif self.clock - page.loaded_at >= self.old_blocks_time:
            self.old.remove(page_id)
            self.young.append(page_id)
            page.young = True
            while len(self.young) > self.young_max:
                demoted = self.young.pop(0)
                self.old.append(demoted)
                self.pages[demoted].young = False

    def unpin(self, page_id: int, dirty: bool = False) -> None:
        self.pages[page_id].pins -= 1
        self.pages[page_id].dirty |= dirty


# -- helpers -----------------------------------------------------------------------------------------

@dataclass
class Env:
    storage: RemoteObject
    pager: RemoteObject
    pool: RemoteObject
    support: RemoteObject
    size: int
    ids: list[int]


def new_pool(subject: Subject, pager: RemoteObject, frames: Any, **options: Any) -> RemoteObject:
    pool = subject.import_module("minimysql.buffer_pool").BufferPool(pager, frames, **options)
    if not isinstance(pool, RemoteObject):
        fail("BufferPool(...) should return a pool", expected="a BufferPool instance", got=show(pool),
             hint="Leave __new__ alone: BufferPool(pager, frames, ...) must build and return the pool.")
    return pool


def setup(subject: Subject, pages: int, frames: int, **options: Any) -> Env:
    """A pager with ``pages`` pages of known data (synced), and a pool of ``frames`` frames over it."""
    support = subject.import_module("buffer_pool_support")
    storage = subject.import_module("storage_support").MemoryStorage()
    pager = subject.import_module("minimysql.pager").Pager(storage, NAME, page_size=PAGE)
    ids = support.prepare(pager, pages)
    storage.reset_counts()
    pool = new_pool(subject, pager, frames, **options)
    return Env(storage, pager, pool, support, int(pager.attr("payload_size")), list(ids))


def model_for(env: Env, frames: int, **options: Any) -> PoolModel:
    model = PoolModel(frames, **options)
    model.disk = {page_id: pattern(page_id, 0, env.size) for page_id in env.ids}
    return model


def reads(env: Env) -> int:
    return int(env.storage.counts(NAME)["reads"])


def fetch_page(env: Env, page_id: int) -> RemoteObject:
    page = env.pool.fetch(page_id)
    if not isinstance(page, RemoteObject):
        fail(f"fetch({page_id}) should return a Page", expected="a Page object (page_id, data, write)",
             got=show(page), hint="fetch() returns the pinned Page object, not its bytes.")
    return page


def expect_data(page: RemoteObject, want: bytes, summary: str, hint: str) -> None:
    got = page.attr("data")
    if type(got) is not bytes or got != want:
        fail(summary, expected=f"{len(want)} bytes {show(want, 60)}",
             got=f"{len(got)} bytes {show(got, 60)}" if type(got) is bytes else show(got), hint=hint)


def expect_pool_error(action: Any, summary: str, hint: str, name: str = "BufferPoolError") -> SubjectError:
    return expect_raises(name, action, summary, hint=hint)


def expect_resident(env: Env, model: PoolModel, summary: str, hint: str) -> None:
    got = sorted(env.support.resident(env.pool, env.ids))
    want = sorted(model.pages)
    if got != want:
        missing, unexpected = sorted(set(want) - set(got)), sorted(set(got) - set(want))
        fail(summary, expected=f"resident pages {want}",
             got=f"resident pages {got} (missing {missing}, unexpected {unexpected})", hint=hint)


def run_scenario(env: Env, model: PoolModel, steps: list[tuple[str, int]], summary: str, hint: str) -> None:
    """Replay fetch/unpin steps on the pool and the model; after each fetch the resident pages must agree."""
    for action, page_id in steps:
        if action == "fetch":
            fetch_page(env, page_id)
            model.fetch(page_id)
            expect_resident(env, model, summary, hint)
        else:
            env.pool.unpin(page_id)
            model.unpin(page_id)


def touch_all(ids: list[int], times: int = 1) -> list[tuple[str, int]]:
    return [step for page_id in ids for _ in range(times) for step in (("fetch", page_id), ("unpin", page_id))]


# -- correctness -------------------------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(1)
def test_fetch_reads_through_once(subject: Subject) -> None:
    """fetch() reads a page through the pager on a miss and serves it from memory on a hit"""
    env = setup(subject, 4, 4)
    page = fetch_page(env, 2)
    expect_equal(page.attr("page_id"), 2, "the Page from fetch(2) should have page_id 2",
                 hint="Keep the page id on the Page object (page.page_id).")
    expect_data(page, pattern(2, 0, env.size), "fetch(2).data should be what the pager holds for page 2",
                hint="On a miss, read the page with pager.read(page_id) into a frame.")
    expect_equal(reads(env), 1, "a miss should cost exactly one storage read (one pager.read)", hint=HINT_IO)
    env.pool.unpin(2)
    again = fetch_page(env, 2)
    expect_data(again, pattern(2, 0, env.size), "a second fetch(2) should return the same data", hint=HINT_IO)
    expect_equal(reads(env), 1, "fetch() of a resident page must not read storage again", hint=HINT_IO)
    env.pool.unpin(2)
    expect_equal(env.pool.stats(), {"hits": 1, "misses": 1, "evictions": 0, "writebacks": 0},
                 "stats() after one miss and one hit", hint="stats() returns {'hits', 'misses', 'evictions', "
                 "'writebacks'}: counts since the pool was created.")
    expect_equal(2 in env.pool, True, "`2 in pool` should be True for a resident page",
                 hint="__contains__ answers whether the page is in a frame (without counting as an access).")
    expect_equal(3 in env.pool, False, "`3 in pool` should be False for a page never fetched",
                 hint="__contains__ answers whether the page is in a frame.")
    expect_equal(len(env.pool), 1, "len(pool) should count the resident pages", hint="__len__ is the pages held.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_new_page_write_and_flush(subject: Subject) -> None:
    """new_page() allocates through the pager, pinned and zeroed; write() marks it dirty; flush() writes it once"""
    env = setup(subject, 3, 4)
    page = env.pool.new_page()
    page_id = page.attr("page_id")
    expect_equal(page_id, 4, "new_page() on a pager holding pages 1..3 should give the pager's next id, 4",
                 hint="new_page() calls pager.allocate() and puts the new page in a frame.")
    expect_data(page, bytes(env.size), "a new page's data should be payload_size zero bytes",
                hint="A newly allocated page is zero-filled: no need to read it.")
    expect_equal(env.pool.pin_count(4), 1, "the page from new_page() should be pinned once",
                 hint="new_page() returns the page pinned, like fetch().")
    expect_equal(page.write(b"hello"), None, "Page.write() should return None",
                 hint="write(data) replaces the page's data and marks it dirty.")
    expect_data(page, b"hello".ljust(env.size, b"\0"), "page.data after write(b'hello') should be the data zero-filled",
                hint="Like pager.write: the data, then zeros up to payload_size.")
    writes = int(env.storage.counts(NAME)["writes"])
    env.pool.unpin(4)
    env.pool.flush(4)
    expect_equal(int(env.storage.counts(NAME)["writes"]) - writes, 1, "flush(4) of a dirty page should write it once",
                 hint="flush(page_id) writes a dirty page back with pager.write and marks it clean.")
    env.pool.flush(4)
    expect_equal(int(env.storage.counts(NAME)["writes"]) - writes, 1, "flush(4) of a clean page should write nothing",
                 hint="After a write-back the page is clean until it is written again.")
    page = fetch_page(env, 1)
    page.write(pattern(1, 7, env.size))
    env.pool.unpin(1)
    env.pool.flush_all()
    fresh = env.support.read_fresh(env.storage, PAGE, [1, 4])
    expect_equal(fresh, {1: pattern(1, 7, env.size), 4: b"hello".ljust(env.size, b"\0")},
                 "after flush_all(), a new pager on the same storage should read the written data", hint=HINT_FLUSH)
    expect_equal(env.pool.stats()["writebacks"], 2, "stats()['writebacks'] should count the pages written back",
                 hint="Count every pager.write the pool makes.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_lru_evicts_least_recently_used(subject: Subject) -> None:
    """policy='lru': a full pool evicts the least recently used unpinned page; a hit refreshes a page"""
    env = setup(subject, 6, 3, policy="lru")
    model = model_for(env, 3)
    steps = touch_all([1, 2, 3]) + touch_all([1]) + touch_all([4]) + touch_all([5]) + touch_all([1, 6])
    run_scenario(env, model, steps, "policy='lru' evicted another page than the least recently used", HINT_LRU)
    run_scenario(env, model, touch_all([2, 3, 4, 2, 5, 2, 1]), "policy='lru' evicted another page than the least "
                 "recently used", HINT_LRU)
    expect_equal(env.pool.stats(), model.stats, "stats() disagrees with the fetches above", hint=HINT_IO)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_pinned_pages_never_evicted(subject: Subject) -> None:
    """a pinned page stays resident however many other pages pass through the pool, with either policy"""
    for policy in ("lru", "midpoint"):
        subject.transcript.clear()
        env = setup(subject, 12, 3, policy=policy)
        pinned = fetch_page(env, 1)
        pinned.write(b"mine")
        for page_id in list(range(2, 13)) * 2:
            fetch_page(env, page_id)
            env.pool.unpin(page_id)
            if 1 not in env.pool:
                fail(f"policy={policy!r}: page 1 is pinned but was evicted to make room for page {page_id}",
                     expected="page 1 resident while pinned", got="page 1 not in the pool", hint=HINT_PIN)
        expect_data(pinned, b"mine".ljust(env.size, b"\0"), f"policy={policy!r}: the pinned page lost its data",
                    hint=HINT_PIN)
        expect_equal(env.pool.pin_count(1), 1, f"policy={policy!r}: pin_count(1) should still be 1", hint=HINT_PIN)
        expect_equal(len(env.pool), 3, f"policy={policy!r}: a full pool should hold exactly `frames` pages",
                     hint="Evict only when every frame is taken, one page per new page.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_pin_count_is_a_counter(subject: Subject) -> None:
    """two fetches need two unpins before a page can be evicted; unpin of an unpinned page is an error"""
    env = setup(subject, 6, 2)
    fetch_page(env, 1)
    fetch_page(env, 1)
    expect_equal(env.pool.pin_count(1), 2, "fetch(1) twice should pin page 1 twice", hint=HINT_PIN)
    env.pool.unpin(1)
    for page_id in (2, 3, 4):
        fetch_page(env, page_id)
        env.pool.unpin(page_id)
    expect_equal(1 in env.pool, True, "page 1 was fetched twice and unpinned once: it is still pinned and must stay",
                 hint=HINT_PIN)
    env.pool.unpin(1)
    expect_pool_error(lambda: env.pool.unpin(1), "unpin(1) of a page with no pins left must raise BufferPoolError",
                      hint="An extra unpin is a caller bug: refuse it instead of letting the count go negative.")
    expect_pool_error(lambda: env.pool.unpin(6), "unpin(6) of a page that is not in the pool must raise "
                      "BufferPoolError", hint="Only a resident, pinned page can be unpinned.")
    expect_equal(env.pool.pin_count(1), 0, "a refused unpin() must leave the pin count at 0", hint=HINT_PIN)
    for page_id in (5, 6):
        fetch_page(env, page_id)
        env.pool.unpin(page_id)
    expect_equal(1 in env.pool, False, "once unpinned as often as fetched, page 1 should be evictable like any page",
                 hint=HINT_PIN)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_exhausted_pool_recovers(subject: Subject) -> None:
    """with every frame pinned, fetch() and new_page() raise PoolExhausted, change nothing, and work after an unpin"""
    env = setup(subject, 6, 3)
    for page_id in (1, 2, 3):
        fetch_page(env, page_id)
    count = env.pager.page_count()
    before = env.storage.counts(NAME)
    hint = "Look for an unpinned victim before touching anything; with none, raise PoolExhausted and change nothing."
    for _ in range(3):
        err = expect_pool_error(lambda: env.pool.fetch(4), "fetch(4) with all 3 frames pinned must raise "
                                "PoolExhausted", hint, "PoolExhausted")
        expect_true(err.is_a("BufferPoolError"), "PoolExhausted should be a subclass of BufferPoolError",
                    expected="class PoolExhausted(BufferPoolError)", got=f"bases {err.mro}",
                    hint="Callers catch BufferPoolError for every pool failure.")
        expect_pool_error(lambda: env.pool.new_page(), "new_page() with all 3 frames pinned must raise PoolExhausted",
                          hint, "PoolExhausted")
    expect_equal(env.pager.page_count(), count, "a refused new_page() must not allocate a page in the pager",
                 hint="Find a frame first, allocate after: a page allocated for nothing is leaked in the file.")
    expect_equal(env.storage.counts(NAME), before, "refused calls must make no storage I/O", hint=hint)
    expect_equal(4 in env.pool, False, "a refused fetch(4) must not leave page 4 in the pool", hint=hint)
    env.pool.unpin(2)
    page = fetch_page(env, 4)
    expect_data(page, pattern(4, 0, env.size), "after unpin(2), fetch(4) should work and read page 4", hint=hint)
    expect_equal(2 in env.pool, False, "page 2, the only unpinned page, should have been evicted for page 4",
                 hint=HINT_PIN)
    for page_id in (1, 3, 4):
        env.pool.unpin(page_id)
    for page_id in (4, 5, 6):
        fetch_page(env, page_id)  # all 3 frames pinned again: none may have been lost to the refused calls
    expect_equal(env.support.pins(env.pool, env.ids), {4: 1, 5: 1, 6: 1},
                 "after the refused calls, the pool should still hold 3 pinned pages in its 3 frames", hint=hint)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_dirty_victim_written_back(subject: Subject) -> None:
    """a dirty page is written back through the pager before its frame is reused; a clean one is not written"""
    env = setup(subject, 6, 2)
    page = fetch_page(env, 1)
    page.write(pattern(1, 5, env.size))
    env.pool.unpin(1)
    for page_id in (2, 3):  # page 1 is the least recently used: evicted for page 3
        fetch_page(env, page_id)
        env.pool.unpin(page_id)
    expect_equal(1 in env.pool, False, "page 1 should have been evicted for page 3", hint=HINT_LRU)
    fresh = env.support.read_fresh(env.storage, PAGE, [1])
    expect_equal(fresh[1], pattern(1, 5, env.size), "page 1 was evicted dirty: a new pager on the same storage "
                 "should read the written data", hint=HINT_DIRTY)
    page = fetch_page(env, 1)
    expect_data(page, pattern(1, 5, env.size), "fetch(1) after its eviction should return the written data",
                hint=HINT_DIRTY)
    env.pool.unpin(1)
    writes = int(env.storage.counts(NAME)["writes"])
    for page_id in (4, 5, 6):
        fetch_page(env, page_id)
        env.pool.unpin(page_id)
    expect_equal(int(env.storage.counts(NAME)["writes"]) - writes, 0, "evicting clean pages should write nothing",
                 hint=HINT_DIRTY)
    page = fetch_page(env, 2)
    env.pool.unpin(2, dirty=True)
    for page_id in (3, 4):
        fetch_page(env, page_id)
        env.pool.unpin(page_id)
    expect_equal(int(env.storage.counts(NAME)["writes"]) - writes, 1,
                 "a page unpinned with dirty=True should be written back when it is evicted",
                 hint="unpin(page_id, dirty=True) marks the page dirty, as Page.write() does.")
    expect_equal(env.pool.stats()["writebacks"], 2, "stats()['writebacks'] should count both write-backs",
                 hint="Count every pager.write the pool makes.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_flush_all_is_durable(subject: Subject) -> None:
    """after flush_all() a power cut keeps every page written through the pool, new pages included"""
    env = setup(subject, 6, 8)
    for page_id in env.ids:
        page = fetch_page(env, page_id)
        page.write(pattern(page_id, 3, env.size))
        env.pool.unpin(page_id)
    created = env.pool.new_page()
    created.write(b"created")
    new_id = created.attr("page_id")
    env.pool.flush_all()
    expect_equal(int(env.storage.unsynced(NAME)), 0, "after flush_all() no write may be at risk of a power cut",
                 hint=HINT_FLUSH)
    after = env.storage.power_cut()
    fresh = env.support.read_fresh(after, PAGE, [*env.ids, new_id])
    want = {page_id: pattern(page_id, 3, env.size) for page_id in env.ids}
    want[new_id] = b"created".ljust(env.size, b"\0")
    for page_id, data in want.items():
        if fresh[page_id] != data:
            fail(f"after flush_all() and a power cut, page {page_id} lost its data", expected=show(data, 60),
                 got=show(fresh[page_id], 60), hint=HINT_FLUSH)
    expect_equal(created.attr("page_id") in env.pool, True, "flush_all() should keep the pages resident",
                 hint="Flushing writes pages back; it does not evict them.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_midpoint_insertion_and_promotion(subject: Subject) -> None:
    """policy='midpoint': new pages enter the old sublist, hot pages are promoted, the old tail is evicted first"""
    options = {"policy": "midpoint", "old_fraction": 3 / 8, "old_blocks_time": 4}
    env = setup(subject, 24, 8, **options)
    model = model_for(env, 8, **options)
    summary = "policy='midpoint' evicted another page than the midpoint rule says"
    # 1..8 fill the pool (all old); 1 and 2 are touched again 7 ticks later (promoted), 8 only 1 tick later (not)
    steps = touch_all(list(range(1, 9))) + touch_all([8, 1, 2]) + touch_all(list(range(9, 24)))
    run_scenario(env, model, steps, summary, HINT_MIDPOINT)
    for page_id in (1, 2):
        expect_equal(page_id in env.pool, True, f"page {page_id} was promoted to young: a scan of 15 pages through "
                     "the old sublist should not evict it", hint=HINT_MIDPOINT)
    run_scenario(env, model, touch_all([9, 1, 24, 20, 21, 22, 23, 20]), summary, HINT_MIDPOINT)
    expect_equal(env.pool.stats(), model.stats, "stats() disagrees with the fetches above", hint=HINT_IO)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_old_blocks_time_delays_promotion(subject: Subject) -> None:
    """policy='midpoint': a page touched again before old_blocks_time ticks stays old; the default is 64 ticks"""
    for given in (5, None):  # None: the default
        subject.transcript.clear()
        options: dict[str, Any] = {"policy": "midpoint"}
        if given is not None:
            options["old_blocks_time"] = given
        env = setup(subject, 16, 4, **options)
        model = model_for(env, 4, **options)
        wait = DEFAULT_OLD_BLOCKS_TIME if given is None else given
        summary = (f"policy='midpoint', old_blocks_time={wait}: a page was promoted before old_blocks_time ticks "
                   "had passed, or not after")
        # clock 5: page 1 again after 4 ticks (stays old, so page 5 evicts it); hits on page 5 advance the
        # clock; page 2 comes back exactly `wait` ticks after it was read in (promoted), page 4 one tick short
        steps = touch_all([1, 2, 3, 4, 1, 5]) + touch_all([5], wait - 5) + touch_all([2, 4, 6, 7, 8])
        run_scenario(env, model, steps, summary, HINT_MIDPOINT + " The clock ticks once per successful fetch() "
                     "or new_page(), and a page's time starts at the call that read it in.")


@pytest.mark.correctness
@pytest.mark.points(4)
def test_behaves_like_the_model(subject: Subject) -> None:
    """random fetch/unpin/write/new_page/flush sequences agree with a model pool, for both policies"""

    class Machine(RuleBasedStateMachine):
        @initialize(policy=st.sampled_from(["lru", "midpoint"]), frames=st.integers(1, 4),
                    wait=st.integers(0, 3), fraction=st.sampled_from([3 / 8, 1 / 2, 0.25]))
        def create(self, policy: str, frames: int, wait: int, fraction: float) -> None:
            options: dict[str, Any] = {"policy": policy}
            if policy == "midpoint":
                options.update(old_fraction=fraction, old_blocks_time=wait)
            self.env = setup(subject, 6, frames, **options)
            self.model = model_for(self.env, frames, **options)
            self.handles: dict[int, RemoteObject] = {}
            self.hint = HINT_LRU if policy == "lru" else HINT_MIDPOINT

        def pinned(self) -> list[int]:
            return sorted(pid for pid, page in self.model.pages.items() if page.pins > 0)

        @rule(index=st.integers(0, 9))
        def fetch(self, index: int) -> None:
            ids = sorted(self.model.disk)
            page_id = ids[index % len(ids)]
            try:
                hit, _ = self.model.fetch(page_id)
            except Exhausted:
                expect_pool_error(lambda: self.env.pool.fetch(page_id), f"fetch({page_id}) with every frame pinned "
                                  "must raise PoolExhausted", HINT_PIN, "PoolExhausted")
                return
            page = fetch_page(self.env, page_id)
            self.handles[page_id] = page
            expect_data(page, self.model.pages[page_id].data, f"fetch({page_id}) returned the wrong data after the "
                        "calls above", HINT_DIRTY)
            stats = self.env.pool.stats()
            if stats != self.model.stats:
                what = "a hit (the page was resident)" if hit else "a miss"
                fail(f"fetch({page_id}) should have been {what}: stats() disagrees with the model",
                     expected=show(self.model.stats), got=show(stats), hint=self.hint)

        @precondition(lambda self: self.pinned())
        @rule(index=st.integers(0, 9), dirty=st.booleans())
        def unpin(self, index: int, dirty: bool) -> None:
            pinned = self.pinned()
            page_id = pinned[index % len(pinned)]
            expect_equal(self.env.pool.unpin(page_id, dirty), None, "unpin() should return None", hint=HINT_PIN)
            self.model.unpin(page_id, dirty)

        @precondition(lambda self: self.pinned())
        @rule(index=st.integers(0, 9), version=st.integers(1, 9))
        def write(self, index: int, version: int) -> None:
            pinned = self.pinned()
            page_id = pinned[index % len(pinned)]
            data = pattern(page_id, version, self.env.size)[: 40 * version]
            self.handles[page_id].write(data)
            page = self.model.pages[page_id]
            page.data, page.dirty = data.ljust(self.env.size, b"\0"), True

        @rule()
        def new_page(self) -> None:
            try:
                victim = self.model.victim()
            except Exhausted:
                expect_pool_error(lambda: self.env.pool.new_page(), "new_page() with every frame pinned must raise "
                                  "PoolExhausted", HINT_PIN, "PoolExhausted")
                return
            page = self.env.pool.new_page()
            page_id = page.attr("page_id")
            expect_true(type(page_id) is int and page_id not in self.model.disk, "new_page() should give a new "
                        "page id", expected=f"an id not in {sorted(self.model.disk)}", got=show(page_id),
                        hint="new_page() takes its id from pager.allocate().")
            self.model.evict(victim)
            self.model.disk[page_id] = bytes(self.env.size)
            self.model.install(page_id, bytes(self.env.size))
            self.env.ids.append(page_id)
            self.handles[page_id] = page

        @rule(index=st.integers(0, 9))
        def flush(self, index: int) -> None:
            ids = sorted(self.model.disk)
            page_id = ids[index % len(ids)]
            self.env.pool.flush(page_id)
            if page_id in self.model.pages:
                self.model.write_back(page_id)

        @rule()
        def flush_all(self) -> None:
            self.env.pool.flush_all()
            for page_id in self.model.pages:
                self.model.write_back(page_id)

        @rule()
        def check(self) -> None:
            expect_resident(self.env, self.model, "the pages in the pool disagree with the model after the calls "
                            "above", self.hint)
            expect_equal(self.env.pool.stats(), self.model.stats, "stats() is wrong after the calls above",
                         hint=self.hint + " Evictions count pages removed to make room; writebacks count "
                         "pager.write calls.")
            pins = {pid: page.pins for pid, page in self.model.pages.items() if page.pins}
            expect_equal(self.env.support.pins(self.env.pool, self.env.ids), pins,
                         "pin counts are wrong after the calls above", hint=HINT_PIN)

    run_machine(subject, Machine, max_examples=80, steps=30)


# -- performance (counts of storage I/O, never time) --------------------------------------------------

@pytest.mark.performance
@pytest.mark.points(1)
def test_resident_fetch_does_no_io(subject: Subject, figures: Figures) -> None:
    """fetch(), unpin() and Page.write() of resident pages make no storage I/O"""
    env = setup(subject, 16, 16)
    env.support.replay(env.pool, env.storage, env.ids)
    before = env.storage.counts(NAME)
    result = env.support.replay(env.pool, env.storage, env.ids * 10)
    page = fetch_page(env, 3)
    page.write(b"in memory")
    env.pool.unpin(3)
    after = env.storage.counts(NAME)
    ops = sum(after[key] - before[key] for key in ("reads", "writes", "syncs"))
    figures.record("storage operations for 160 fetches of resident pages", ops, unit=" ops")
    expect_equal(result["wrong"], [], "resident pages returned wrong data", hint=HINT_IO)
    if ops:
        fail("fetching resident pages reached storage",
             expected="no storage read, write or sync", got=show({k: after[k] - before[k] for k in after}),
             hint=HINT_IO)


@pytest.mark.performance
@pytest.mark.points(2)
def test_zipf_hit_ratio(subject: Subject, figures: Figures) -> None:
    """on a seeded Zipf-like workload (1024 pages, 64 frames) the hit ratio is at least 25%, counted as storage reads"""
    length, threshold = 20_000, 0.25
    for policy in ("lru", "midpoint"):
        subject.transcript.clear()
        env = setup(subject, 1024, 64, policy=policy)
        result = env.support.zipf_replay(env.pool, env.storage, env.ids, length, 1.1, 7)
        ratio = 1 - int(result["reads"]) / length
        figures.record(f"hit ratio, policy={policy!r}", ratio, threshold=threshold, better="higher")
        expect_equal(result["wrong"], [], f"policy={policy!r}: fetched pages returned wrong data", hint=HINT_IO)
        stats = env.pool.stats()
        expect_equal((stats["hits"], stats["misses"]), (length - int(result["reads"]), int(result["reads"])),
                     f"policy={policy!r}: stats() hits and misses disagree with the storage reads made",
                     hint="Count a hit for every fetch served from a frame and a miss for every pager.read.")
        if ratio < threshold:
            fail(f"policy={policy!r}: the hit ratio on a skewed workload is too low",
                 expected=f"at least {threshold:.0%} of {length} fetches served without a storage read",
                 got=f"{ratio:.1%}", hint=HINT_LRU)


def scan_story(touches: int) -> str:
    twice = ", each fetched twice in a row" if touches == 2 else ""
    return (f" (hot set: pages 1-16, fetched 8 times over; then 3 times: a scan of pages 17-272{twice}, "
            "then the hot set once; every fetch followed by its unpin)")


def scan_misses(subject: Subject, policy: str, touches: int) -> tuple[int, int]:
    """Hot set of 16 pages made hot, then three times: a scan of 256 other pages, then the hot set again.
    Returns the hot-set storage reads after the scans, and the storage reads of the scans."""
    env = setup(subject, 16 + 256, 64, policy=policy)
    hot, table = env.ids[:16], env.ids[16:]
    env.support.replay(env.pool, env.storage, hot * 8)
    hot_reads = scan_reads = 0
    for _ in range(3):
        scan = env.support.replay(env.pool, env.storage, table, touches)
        again = env.support.replay(env.pool, env.storage, hot)
        scan_reads += int(scan["reads"])
        hot_reads += int(again["reads"])
        expect_equal(scan["wrong"] + again["wrong"], [], "fetched pages returned wrong data", hint=HINT_IO)
    return hot_reads, scan_reads


@pytest.mark.performance
@pytest.mark.points(3)
def test_scan_resistance(subject: Subject, figures: Figures) -> None:
    """a scan of 4x the pool between hot-set accesses keeps the hot set with policy='midpoint'; plain LRU loses it"""
    bound = 6  # of 48 hot-set fetches after three scans
    midpoint, _ = scan_misses(subject, "midpoint", 1)
    lru, scanned = scan_misses(subject, "lru", 1)
    figures.record("hot-set misses after 3 scans, policy='midpoint'", midpoint, threshold=bound)
    figures.record("hot-set misses after 3 scans, policy='lru'", lru)
    figures.record("storage reads of the 3 scans (768 fetches)", scanned)
    if midpoint > bound:
        fail("policy='midpoint' lost the hot set to a scan" + scan_story(1),
             expected=f"at most {bound} storage reads for the 48 hot-set fetches after 3 scans of 256 pages",
             got=f"{midpoint} reads", hint=HINT_MIDPOINT + " A scan's pages only pass through the old sublist.")
    if lru < 2 * bound:
        fail("policy='lru' kept the hot set through a scan larger than the pool" + scan_story(1),
             expected=f"at least {2 * bound} hot-set misses (plain LRU evicts the hot pages the scan pushes out)",
             got=f"{lru} misses", hint=HINT_LRU + " policy='lru' has no young/old split.")


@pytest.mark.performance
@pytest.mark.points(2)
def test_scan_touching_pages_twice(subject: Subject, figures: Figures) -> None:
    """a scan that fetches every page twice in a row does not promote its pages past the hot set (old_blocks_time)"""
    bound = 6
    midpoint, _ = scan_misses(subject, "midpoint", 2)
    figures.record("hot-set misses after 3 double-touch scans, policy='midpoint'", midpoint, threshold=bound)
    if midpoint > bound:
        fail("policy='midpoint' lost the hot set to a scan that touches each page twice" + scan_story(2),
             expected=f"at most {bound} storage reads for the 48 hot-set fetches after the scans",
             got=f"{midpoint} reads",
             hint="A second touch right after the first (one row after another on the same page) must not promote: "
                  f"an old page moves to young only when old_blocks_time ({DEFAULT_OLD_BLOCKS_TIME} by default) "
                  "ticks have passed since it was read in.")


# -- faults ------------------------------------------------------------------------------------------

@pytest.mark.faults
@pytest.mark.points(2)
def test_bad_arguments_rejected(subject: Subject) -> None:
    """bad frames, policy, old_fraction, old_blocks_time, page ids and data raise clear errors; the pool stays usable"""
    env = setup(subject, 4, 2)
    hint_ctor = ("frames is an int >= 1, policy 'lru' or 'midpoint', old_fraction a number strictly between 0 and 1, "
                 "old_blocks_time an int >= 0: raise BufferPoolError saying what was wrong.")
    for frames in (0, -1, True, "4", 2.5, None):
        expect_pool_error(lambda frames=frames: new_pool(subject, env.pager, frames),
                          f"BufferPool(pager, {frames!r}) must raise BufferPoolError", hint_ctor)
    for options in ({"policy": "fifo"}, {"policy": None}, {"policy": "LRU "},
                    {"policy": "midpoint", "old_fraction": 0}, {"policy": "midpoint", "old_fraction": 1.0},
                    {"policy": "midpoint", "old_fraction": 1.5}, {"policy": "midpoint", "old_fraction": "3/8"},
                    {"policy": "midpoint", "old_blocks_time": -1}, {"policy": "midpoint", "old_blocks_time": 1.5}):
        text = ", ".join(f"{k}={v!r}" for k, v in options.items())
        expect_pool_error(lambda options=options: new_pool(subject, env.pager, 4, **options),
                          f"BufferPool(pager, 4, {text}) must raise BufferPoolError", hint_ctor)
    new_pool(subject, env.pager, 4, policy="midpoint", old_fraction=0.25, old_blocks_time=0)
    hint_id = "A page id is an int >= 1 (not a bool): check it before looking anything up."
    for bad in (0, -3, "1", True, None, 1.0):
        expect_pool_error(lambda bad=bad: env.pool.fetch(bad), f"fetch({bad!r}) must raise BufferPoolError", hint_id)
        expect_pool_error(lambda bad=bad: env.pool.unpin(bad), f"unpin({bad!r}) must raise BufferPoolError", hint_id)
    expect_raises("PagerError", lambda: env.pool.fetch(99), "fetch(99) of a page the pager never allocated should "
                  "raise the pager's PagerError", hint="Let the pager's error reach the caller; do not keep a frame "
                  "for a page that could not be read.")
    page = fetch_page(env, 1)
    for data in (b"x" * (env.size + 1), "text", None, [1, 2]):
        expect_pool_error(lambda data=data: page.write(data), f"page.write({show(data, 30)}) must raise "
                          "BufferPoolError", f"Page data is bytes of at most payload_size ({env.size}) bytes.")
    expect_data(page, pattern(1, 0, env.size), "a refused write() must leave the page's data unchanged",
                hint="Check the data before changing the frame.")
    env.pool.unpin(1)
    expect_pool_error(lambda: page.write(b"late"), "page.write() on a page that is no longer pinned must raise "
                      "BufferPoolError", "Writing is allowed only while the caller holds a pin: an unpinned page "
                      "may be evicted at any moment.")
    for page_id in (2, 3):
        fetch_page(env, page_id)  # both frames pinned: the refused calls above must not have taken one
    expect_equal(env.support.pins(env.pool, env.ids), {2: 1, 3: 1},
                 "after the refused calls, both frames should still be usable", hint=hint_id)
    expect_equal(env.pool.stats()["writebacks"], 0, "refused writes must not make the page dirty",
                 hint="Check the data before marking the page dirty.")


@pytest.mark.faults
@pytest.mark.points(3)
def test_thread_hammer(subject: Subject) -> None:
    """8 threads fetch, write and unpin at once (1 µs switch interval): no pinned page evicted, counts and data exact"""
    # Free-running threads show races by chance; the last run takes seeded turns at the pool's
    # lines, which reach the same interleavings however busy the machine is.
    for policy, seed, turns in (("lru", 1, False), ("midpoint", 2, False), ("lru", 3, False), ("midpoint", 4, True)):
        subject.transcript.clear()
        env = setup(subject, 16 + 8 * 8, 24, policy=policy, old_blocks_time=8)
        shared, owned = env.ids[:16], [env.ids[16 + 8 * t:24 + 8 * t] for t in range(8)]
        hammer = env.support.Hammer(env.pool, shared, owned, seed)
        rounds = 40 if turns else 1000
        _, errors = subject.threads(hammer, [[("run", (thread, rounds))] for thread in range(8)],
                                    interleave=seed if turns else None)
        for thread, error in enumerate(errors):
            if error is not None:
                err = error["error"]
                where = "".join(f"\n      {f['file']}:{f['line']} in {f['function']}: {f['code']}"
                                for f in err["frames"])
                fail(f"policy={policy!r}: concurrent fetch/unpin made your pool raise an exception",
                     expected="no exception from any thread (at most 16 pages pinned at once in 24 frames)",
                     got=f"thread {thread} raised {err['type']}: {err['message']}{where}",
                     hint="Guard the frame table, the replacement order, the pin counts and the pager calls with one "
                          "lock (threading.Lock), taken by every public method.")
        report = hammer.report()
        hint = ("Pin, look up, evict and count under one lock: a victim chosen by one thread while another pins it, "
                "or a counter incremented without the lock, breaks under concurrency.")
        if report["problems"]:
            fail(f"policy={policy!r}: while 8 threads used the pool, a pinned page was not safe",
                 expected="every pinned page resident, with its own data", got="; ".join(report["problems"]),
                 hint=hint)
        fetches = int(report["fetches"])
        stats = env.pool.stats()
        resident = len(env.pool)
        if stats["hits"] + stats["misses"] != fetches or stats["misses"] != stats["evictions"] + resident:
            fail(f"policy={policy!r}: stats() is inconsistent after 8 threads made {fetches} fetches",
                 expected=f"hits + misses == {fetches} and misses == evictions + len(pool) ({resident})",
                 got=show(stats), hint=hint)
        expect_equal(env.support.pins(env.pool, env.ids), {}, f"policy={policy!r}: every page was unpinned as often "
                     "as it was fetched, but some pin counts are not 0", hint=hint)
        env.pool.flush_all()
        fresh = env.support.read_fresh(env.storage, PAGE, env.ids)
        written = report["written"]
        for page_id in env.ids:
            want = pattern(page_id, int(written.get(page_id, 0)), env.size)
            if fresh[page_id] != want:
                fail(f"policy={policy!r}: after the threads and flush_all(), page {page_id} holds the wrong data",
                     expected=show(want, 40), got=show(fresh[page_id], 40),
                     hint=hint + " A write lost here means a dirty page was dropped or evicted while pinned.")


@pytest.mark.faults
@pytest.mark.points(2)
def test_corrupt_page_on_miss(subject: Subject) -> None:
    """a corrupt page read on a miss raises the pager's CorruptPage; no frame is lost and no dirty page forgotten"""
    env = setup(subject, 8, 3)
    for page_id in (1, 2, 3):
        page = fetch_page(env, page_id)
        if page_id == 1:
            page.write(pattern(1, 9, env.size))
        env.pool.unpin(page_id)
    env.storage.corrupt(NAME, 6 * PAGE + 40)
    hint = ("Read the page before giving it a frame (or give the frame back when the read fails), and let the "
            "pager's CorruptPage reach the caller: never keep a page that could not be read.")
    expect_raises("CorruptPage", lambda: env.pool.fetch(6), "fetch(6) of a page whose bytes were flipped on storage "
                  "must raise the pager's CorruptPage", hint=hint)
    expect_equal(6 in env.pool, False, "page 6 could not be read: it must not be in the pool", hint=hint)
    for page_id in (4, 5, 7):
        page = fetch_page(env, page_id)  # all 3 frames pinned: the failed fetch must not have kept one
        expect_data(page, pattern(page_id, 0, env.size), f"fetch({page_id}) after the corrupt page returned wrong "
                    "data", hint=hint)
    expect_equal(env.support.pins(env.pool, env.ids), {4: 1, 5: 1, 7: 1},
                 "after a failed fetch, the pool should still hold 3 pinned pages in its 3 frames", hint=hint)
    for page_id in (4, 5, 7):
        env.pool.unpin(page_id)
    env.storage.corrupt(NAME, 6 * PAGE + 40)  # flip it back
    page = fetch_page(env, 6)
    expect_data(page, pattern(6, 0, env.size), "once the flipped byte is restored, fetch(6) should read page 6",
                hint=hint)
    env.pool.unpin(6)
    env.pool.flush_all()
    fresh = env.support.read_fresh(env.storage, PAGE, [1])
    expect_equal(fresh[1], pattern(1, 9, env.size), "page 1 was dirty when the corrupt read failed: its data must "
                 "still reach storage", hint=HINT_DIRTY)
