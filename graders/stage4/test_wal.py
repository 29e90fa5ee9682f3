"""Grader for stage4/wal: a write-ahead log with CRC-framed records, and a transactional store that recovers.

The log's byte format is part of the spec, so the grader writes logs of its own (whole, torn,
bit-flipped, with garbage or stale records) and compares the learner's file with the bytes it
expects. Durability is counted on a ``MemoryStorage`` (what a commit left unsynced, what was
written to a data file while the log was not durable); crashes are seeded power cuts in the
learner's process, and one real SIGKILL on the file system.
"""

from __future__ import annotations

import random
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from swai.grading import Figures, expect_equal, expect_raises, expect_true, fail
from swai.grading.perf import check_growth
from swai.grading.stateful import run_machine
from swai.subject import RemoteObject, Subject
from swai.subject.client import show

LOG = "wal.log"
KINDS = {"begin": 1, "update": 2, "commit": 3, "abort": 4, "checkpoint": 5}
HEADER = 25  # length u32, crc32 u32, lsn u64, txn u64, kind u8
CHECKPOINT_LOG_MAX = 64

HINT_FORMAT = ("Each record is length:u32 | crc32:u32 | lsn:u64 | txn:u64 | kind:u8 | payload, little-endian "
               "(struct '<II' then '<QQB'); length counts the bytes after the crc (17 + len(payload)) and the "
               "crc is zlib.crc32 of exactly those bytes.")
HINT_SCAN = ("On open, read records from offset 0 and stop at the first one that is short, has a length outside "
             "17..17+2 MiB, a CRC that does not match, an unknown kind, or an LSN that is not the previous one + 1. "
             "Truncate the file there (and sync) so new records follow the last whole one.")
HINT_LSN = "LSNs count from 1 and go on from the last record in the log when it is opened again."
HINT_COMMIT = ("commit(): append the commit record, then flush the log up to it (file.sync()) and only then "
               "return. Until the sync returns, a crash can take the commit away.")
HINT_RECOVERY = ("Recovery reads the records in order, collects each transaction's changes, and applies them only "
                 "at that transaction's commit record; a transaction without one (open at the crash, or aborted) "
                 "is never applied. Give new transactions ids no record in the log uses yet.")
HINT_WAL_RULE = ("Write-ahead rule: before any write to a data file, flush the log (every record appended so far "
                 "is synced). The data file may only ever hold changes the log can already vouch for.")
HINT_CHECKPOINT = ("checkpoint(): flush the log, write the data image to a file that does not hold the last good "
                   "image (a torn write must not destroy it), sync it, and only then cut the log.")


# -- helpers ------------------------------------------------------------------------------------------

def frame(lsn: int, txn: int, kind: str, payload: bytes) -> bytes:
    body = struct.pack("<QQB", lsn, txn, KINDS[kind]) + payload
    return struct.pack("<II", len(body), zlib.crc32(body)) + body


def memory(subject: Subject, **kwargs: Any) -> RemoteObject:
    return subject.import_module("storage_support").MemoryStorage(**kwargs)


def watched(subject: Subject) -> RemoteObject:
    return subject.import_module("wal_support").WatchedStorage()


def open_wal(subject: Subject, storage: RemoteObject) -> RemoteObject:
    wal = subject.import_module("minimysql.wal").WAL(storage)
    if not isinstance(wal, RemoteObject):
        fail("WAL(storage) should return a log object", expected="a WAL instance", got=show(wal),
             hint="Leave __new__ alone: WAL(storage) must open the log and return it.")
    return wal


def open_store(subject: Subject, storage: RemoteObject) -> RemoteObject:
    store = subject.import_module("minimysql.wal").WalStore(storage)
    if not isinstance(store, RemoteObject):
        fail("WalStore(storage) should return a store object", expected="a WalStore instance", got=show(store),
             hint="Leave __new__ alone: WalStore(storage) must open (and recover) the store and return it.")
    return store


def write_file(storage: RemoteObject, name: str, data: bytes) -> None:
    """Replace a file's bytes, durably (the grader's own log, or a damaged one)."""
    file = storage.open(name)
    file.truncate(0)
    if data:
        file.write_at(0, data)
    file.sync()
    file.close()


def log_bytes(storage: RemoteObject) -> bytes:
    snapshot = storage.snapshot()
    return snapshot.get(LOG, b"") if isinstance(snapshot, dict) else b""


def expect_records(wal: RemoteObject, want: list[tuple[int, int, str, bytes]], summary: str, hint: str) -> None:
    got = wal.records()
    if type(got) is not list or [type(r) for r in got] != [tuple] * len(got) or got != want:
        fail(summary, expected=describe_records(want), got=describe_records(got) if type(got) is list else show(got),
             hint=hint)


def describe_records(records: Any) -> str:
    if not records:
        return "[] (no records)"
    shown = [show(r, 60) for r in records[:6]]
    more = f", ... ({len(records)} records)" if len(records) > 6 else ""
    return "[" + ", ".join(shown) + more + "]"


def committed_state(store: RemoteObject) -> dict[str, Any]:
    keys = store.keys()
    if type(keys) is not list:
        fail("store.keys() should return a list of the committed keys", expected="a sorted list of str",
             got=show(keys), hint="keys() returns sorted(the committed keys).")
    return {key: store.get(key) for key in keys}


def random_steps(seed: int, transactions: int, keys: int, checkpoint_every: int) -> list[tuple[Any, ...]]:
    """A seeded workload: one transaction putting every key, then transactions of 1 to 4 puts/deletes (a fifth
    of them aborted), with checkpoints between."""
    rng = random.Random(seed)
    steps: list[tuple[Any, ...]] = [("begin",), *(("put", f"key{k}", b"first") for k in range(keys)), ("commit",)]
    for t in range(transactions):
        steps.append(("begin",))
        for _ in range(rng.randint(1, 4)):
            key = f"key{rng.randrange(keys)}"
            if rng.random() < 0.25:
                steps.append(("delete", key))
            else:
                steps.append(("put", key, f"t{t}-{rng.randrange(1000)}".encode() * rng.randint(1, 3)))
        steps.append(("abort",) if rng.random() < 0.2 else ("commit",))
        if t % checkpoint_every == checkpoint_every - 1:
            steps.append(("checkpoint",))
    return steps


def apply_txn(state: dict[str, bytes], steps: list[tuple[Any, ...]], commit_index: int) -> dict[str, bytes]:
    """The state after the transaction whose commit step is ``commit_index``."""
    begin = max(i for i in range(commit_index) if steps[i][0] == "begin")
    out = dict(state)
    for step in steps[begin + 1:commit_index]:
        if step[0] == "put":
            out[step[1]] = step[2]
        elif step[0] == "delete":
            out.pop(step[1], None)
    return out


def show_steps(steps: list[tuple[Any, ...]], upto: int) -> str:
    lines = []
    for step in steps[: upto + 1][-12:]:
        op, args = step[0], ", ".join(show(a, 30) for a in step[1:])
        lines.append(f"{op}({args})" if op in ("put", "delete") else f"{op}()")
    return "; ".join(lines)


# -- the log ------------------------------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(2)
def test_append_and_read_back(subject: Subject) -> None:
    """append() numbers records 1, 2, 3... and records() returns them whole, in order"""
    storage = memory(subject)
    wal = open_wal(subject, storage)
    expect_records(wal, [], "a new log should hold no records", hint="records() of an empty log is [].")
    expect_equal(wal.attr("last_lsn"), 0, "a new log's last_lsn should be 0", hint=HINT_LSN)
    rng = random.Random(1)
    want = []
    for i in range(12):
        kind = ["begin", "update", "update", "commit", "abort", "checkpoint"][i % 6]
        payload = rng.randbytes(rng.choice([0, 1, 7, 300])) if kind == "update" else b""
        txn = 0 if kind == "checkpoint" else 1 + i // 6
        lsn = wal.append(txn, kind, payload)
        expect_equal(lsn, i + 1, f"append() #{i + 1} should return LSN {i + 1}", hint=HINT_LSN)
        want.append((lsn, txn, kind, payload))
    expect_equal(wal.attr("last_lsn"), 12, "last_lsn should be the LSN of the last append", hint=HINT_LSN)
    expect_records(wal, want, "records() should return every record appended, as (lsn, txn, kind, payload)",
                   hint="records() returns a list of plain tuples, oldest first, including records not yet flushed.")
    wal.flush()
    wal.close()
    again = open_wal(subject, storage)
    expect_records(again, want, "a reopened log should return the same records", hint=HINT_FORMAT)
    expect_equal(again.attr("dropped_bytes"), 0, "reopening a clean log should drop nothing",
                 hint="dropped_bytes is the number of bytes cut from a bad tail on open; 0 for a clean log.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_record_framing(subject: Subject) -> None:
    """the log file holds exactly the documented frames: length, CRC32, LSN, txn, kind, payload"""
    storage = memory(subject)
    wal = open_wal(subject, storage)
    records = [(1, 7, "begin", b""), (2, 7, "update", b"hello"), (3, 7, "update", bytes(range(256))),
               (4, 7, "commit", b""), (5, 8, "begin", b""), (6, 8, "abort", b"")]
    for _, txn, kind, payload in records:
        wal.append(txn, kind, payload)
    wal.flush()
    want = b"".join(frame(*r) for r in records)
    got = log_bytes(storage)
    if got != want:
        at = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), min(len(got), len(want)))
        fail(f"{LOG} does not hold the documented frames (first difference at byte {at})",
             expected=f"{len(want)} bytes: {show(want[at:at + 24])} from byte {at}",
             got=f"{len(got)} bytes: {show(got[at:at + 24])} from byte {at}", hint=HINT_FORMAT)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_lsns_continue_after_reopen(subject: Subject) -> None:
    """a reopened or reset log goes on numbering from its last record"""
    storage = memory(subject)
    wal = open_wal(subject, storage)
    for _ in range(5):
        wal.append(1, "update", b"x")
    wal.flush()
    wal.close()
    wal = open_wal(subject, storage)
    expect_equal(wal.attr("last_lsn"), 5, "a reopened log's last_lsn should be its last record's LSN", hint=HINT_LSN)
    expect_equal(wal.attr("durable_lsn"), 5, "a reopened log's durable_lsn should be its last record's LSN",
                 hint="Everything found on open is durable (open syncs the log after any truncation).")
    expect_equal(wal.append(2, "commit"), 6, "the first append after reopening should get LSN 6", hint=HINT_LSN)
    wal.flush()
    wal.close()
    wal = open_wal(subject, storage)
    expect_equal([r[0] for r in wal.records()], [1, 2, 3, 4, 5, 6],
                 "after a reopen and one more append, the LSNs of records() are wrong", hint=HINT_LSN)
    hint = "reset() cuts the log to one durable checkpoint record (txn 0, no payload) numbered last_lsn + 1."
    expect_equal(wal.reset(), 7, "reset() should return the LSN of its checkpoint record", hint=hint)
    expect_records(wal, [(7, 0, "checkpoint", b"")], "after reset(), the log should hold only its checkpoint record",
                   hint=hint)
    wal.close()
    wal = open_wal(subject, storage)
    expect_equal(wal.append(3, "begin"), 8, "after reset() and a reopen, numbering should go on from 7", hint=HINT_LSN)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_flush_makes_records_durable(subject: Subject) -> None:
    """append() is not durable; flush(upto) syncs the log, once, and a power cut keeps what was flushed"""
    storage = memory(subject)
    wal = open_wal(subject, storage)
    for i in range(6):
        wal.append(1, "update", bytes([i]) * 10)
    expect_equal(wal.attr("durable_lsn"), 0, "durable_lsn should stay 0 until a flush",
                 hint="durable_lsn is the highest LSN a sync has covered; append() alone does not sync.")
    wal.flush(4)
    durable = wal.attr("durable_lsn")
    expect_true(type(durable) is int and 4 <= durable <= 6, "after flush(4), durable_lsn should be at least 4",
                expected="4 <= durable_lsn <= 6", got=show(durable),
                hint="flush(upto) syncs the log; durable_lsn becomes the last LSN the sync covered.")
    expect_equal(storage.unsynced(LOG), 0, f"after flush(4), {LOG} still has unsynced writes",
                 hint="flush(upto) must call file.sync() after the records up to upto are written.")
    syncs = storage.counts(LOG)["syncs"]
    wal.flush(3)
    expect_equal(storage.counts(LOG)["syncs"], syncs, "flush(3) after flush(4) should not sync again",
                 hint="When upto <= durable_lsn there is nothing to do: return without syncing.")
    after = storage.power_cut()
    survivor = open_wal(subject, after)
    got = survivor.records()
    want = [(i + 1, 1, "update", bytes([i]) * 10) for i in range(4)]
    expect_true(type(got) is list and got[:4] == want, "a power cut after flush(4) lost flushed records",
                expected=describe_records(want) + " at least", got=describe_records(got),
                hint="flush(upto) must call file.sync() after the records up to upto are written.")
    wal.flush()
    expect_equal(storage.unsynced(LOG), 0, "after flush() the log should have nothing unsynced",
                 hint="flush() with no argument makes every appended record durable.")
    expect_equal(wal.attr("durable_lsn"), 6, "after flush(), durable_lsn should be the last LSN", hint=HINT_LSN)


CASES = 40


def damaged_log(case: int) -> tuple[bytes, list[tuple[int, int, str, bytes]], str]:
    """A seeded log and the records a correct open keeps: whole records, then damage of one of six kinds."""
    rng = random.Random(1000 + case)
    records = []
    for lsn in range(1, rng.randint(2, 7) + 1):
        kind = rng.choice(["begin", "update", "update", "commit", "abort"])
        payload = rng.randbytes(rng.randint(0, 40)) if kind == "update" else b""
        records.append((lsn, rng.randint(1, 9), kind, payload))
    frames = [frame(*r) for r in records]
    ends = [sum(len(f) for f in frames[: i + 1]) for i in range(len(frames))]
    blob = b"".join(frames)
    damage = ["torn", "flipped", "garbage", "stale", "zeros", "all-garbage"][case % 6]
    if damage == "torn":  # the last write stopped partway: cut inside the last record
        cut = rng.randint(ends[-2] + 1, ends[-1] - 1)
        return blob[:cut], records[:-1], f"the last record torn after byte {cut}"
    if damage == "flipped":  # bit rot in one byte of record k (its length, CRC or body)
        k = rng.randrange(len(records))
        start = ends[k - 1] if k else 0
        offset = rng.randrange(start, ends[k])
        bad = bytearray(blob)
        bad[offset] ^= 1 << rng.randrange(8)
        return bytes(bad), records[:k], f"one bit flipped at byte {offset} (record with LSN {k + 1})"
    if damage == "garbage":
        return blob + rng.randbytes(rng.randint(1, 60)), records, "random bytes after the last record"
    if damage == "stale":  # a whole, CRC-valid record whose LSN does not follow: left over, not ours
        lsn = rng.choice([records[-1][0], records[-1][0] + 3, 1])
        return blob + frame(lsn, 9, "commit", b""), records, f"a valid-looking record with LSN {lsn} at the end"
    if damage == "zeros":
        return blob + bytes(rng.randint(1, 64)), records, "zero bytes after the last record"
    return rng.randbytes(rng.randint(1, 80)), [], "nothing but random bytes"


@pytest.mark.faults
@pytest.mark.points(3)
def test_torn_or_corrupt_tail(subject: Subject) -> None:
    """a torn, bit-flipped or garbage tail: open keeps the longest valid prefix, drops the rest, appends after it"""
    for case in range(CASES):
        blob, keep, what = damaged_log(case)
        storage = memory(subject)
        write_file(storage, LOG, blob)
        subject.transcript.add(f"-- {LOG} now holds {len(blob)} bytes: {len(keep)} whole records, then {what} --")
        wal = open_wal(subject, storage)
        summary = f"opening a log with {what} returned the wrong records"
        expect_records(wal, keep, summary, hint=HINT_SCAN)
        valid = sum(len(frame(*r)) for r in keep)
        expect_equal(wal.attr("dropped_bytes"), len(blob) - valid,
                     f"opening a log with {what}: dropped_bytes should count the bytes cut off", hint=HINT_SCAN)
        lsn = wal.append(5, "commit", b"after")
        expect_equal(lsn, len(keep) + 1, f"after opening a log with {what}, the next LSN is wrong", hint=HINT_LSN)
        wal.flush()
        wal.close()
        again = open_wal(subject, storage)
        expect_records(again, [*keep, (lsn, 5, "commit", b"after")],
                       f"a record appended after opening a log with {what} was lost on the next open",
                       hint="Truncate the bad tail on open; otherwise new records land after the garbage and the "
                            "next open stops before them.")
        subject.transcript.clear()


# -- the store ----------------------------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(2)
def test_store_basics(subject: Subject) -> None:
    """a transaction sees its own writes; others see them only after commit; abort discards them"""
    store = open_store(subject, memory(subject))
    txn = store.begin()
    txn.put("a", b"1")
    txn.put("b", b"2")
    hint = "A transaction keeps its own changes (key -> value or deleted) and applies them to the store at commit."
    expect_equal(txn.get("a"), b"1", "txn.get() should see the transaction's own put", hint=hint)
    expect_equal(store.get("a"), None, "store.get() should not see an uncommitted put", hint=hint)
    txn.delete("b")
    expect_equal(txn.get("b"), None, "txn.get() should see the transaction's own delete", hint=hint)
    txn.commit()
    expect_equal(store.get("a"), b"1", "store.get() should see a committed put", hint=hint)
    expect_equal(store.keys(), ["a"], "keys() should list the committed keys, sorted", hint=hint)
    txn = store.begin()
    txn.put("a", b"changed")
    txn.put("c", b"")
    txn.abort()
    expect_equal(store.get("a"), b"1", "an aborted put should leave the old value", hint=hint)
    expect_equal(store.get("c"), None, "an aborted put of a new key should leave no key", hint=hint)
    txn = store.begin()
    txn.put("c", b"")
    txn.delete("a")
    txn.commit()
    expect_equal(store.get("c"), b"", "b'' is a value like any other", hint="Only delete() removes a key.")
    expect_equal(store.keys(), ["c"], "keys() should list the committed keys after a delete", hint=hint)


KEYS = st.sampled_from(["a", "b", "c", "d"])
VALUES = st.sampled_from([b"", b"1", b"22", b"\x00\xff", b"v" * 40])


@pytest.mark.correctness
@pytest.mark.points(5)
def test_store_behaves_like_the_model(subject: Subject) -> None:
    """random begin/put/delete/commit/abort/get/checkpoint/reopen/power cuts agree with a dict"""
    module = subject.import_module("minimysql.wal")
    support = subject.import_module("storage_support")

    class Machine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.storage = support.MemoryStorage(seed=7)
            self.store = module.WalStore(self.storage)
            self.committed: dict[str, bytes] = {}
            self.txn: RemoteObject | None = None
            self.writes: dict[str, bytes | None] = {}

        def active(self) -> bool:
            return self.txn is not None

        @precondition(lambda self: not self.active())
        @rule()
        def begin(self) -> None:
            self.txn = self.store.begin()
            self.writes = {}

        @precondition(active)
        @rule(key=KEYS, value=VALUES)
        def put(self, key: str, value: bytes) -> None:
            assert self.txn is not None
            self.txn.put(key, value)
            self.writes[key] = value

        @precondition(active)
        @rule(key=KEYS)
        def delete(self, key: str) -> None:
            assert self.txn is not None
            self.txn.delete(key)
            self.writes[key] = None

        @precondition(active)
        @rule(key=KEYS)
        def txn_get(self, key: str) -> None:
            assert self.txn is not None
            want = self.writes[key] if key in self.writes else self.committed.get(key)
            expect_equal(self.txn.get(key), want, f"txn.get({key!r}) is wrong after the calls above",
                         hint="A transaction reads its own writes first, then the committed data.")

        @precondition(active)
        @rule()
        def commit(self) -> None:
            assert self.txn is not None
            self.txn.commit()
            for key, value in self.writes.items():
                if value is None:
                    self.committed.pop(key, None)
                else:
                    self.committed[key] = value
            self.txn = None

        @precondition(active)
        @rule()
        def abort(self) -> None:
            assert self.txn is not None
            self.txn.abort()
            self.txn = None

        @rule(key=KEYS)
        def get(self, key: str) -> None:
            expect_equal(self.store.get(key), self.committed.get(key),
                         f"store.get({key!r}) is wrong after the calls above", hint=HINT_RECOVERY)

        @rule()
        def keys(self) -> None:
            expect_equal(self.store.keys(), sorted(self.committed), "store.keys() is wrong after the calls above",
                         hint=HINT_RECOVERY)

        @precondition(lambda self: not self.active())
        @rule()
        def checkpoint(self) -> None:
            self.store.checkpoint()

        @precondition(lambda self: not self.active())
        @rule()
        def reopen(self) -> None:
            self.store.close()
            self.store = module.WalStore(self.storage)
            self.keys()

        @rule()
        def power_cut(self) -> None:
            self.storage = self.storage.power_cut()  # an open transaction dies with the process
            self.store = module.WalStore(self.storage)
            self.txn = None
            self.keys()

    run_machine(subject, Machine, max_examples=60, steps=30)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_commit_is_durable_before_it_returns(subject: Subject) -> None:
    """commit() returns only after the log is synced: a power cut right after keeps the commit"""
    storage = memory(subject, seed=3)
    store = open_store(subject, storage)
    for i in range(5):
        txn = store.begin()
        txn.put(f"k{i}", f"v{i}".encode())
        txn.delete(f"k{i - 1}")
        txn.commit()
        expect_equal(storage.unsynced(LOG), 0, f"commit #{i + 1} returned with writes to {LOG} not yet synced",
                     hint=HINT_COMMIT)
    after = storage.power_cut()
    survivor = open_store(subject, after)
    expect_equal(committed_state(survivor), {"k4": b"v4"}, "a power cut right after commit() lost committed data",
                 hint=HINT_COMMIT)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_log_before_data(subject: Subject) -> None:
    """no data-file write while the log has unsynced records (write-ahead rule)"""
    storage = watched(subject)
    store = open_store(subject, storage)
    support = subject.import_module("wal_support")
    steps = random_steps(11, transactions=30, keys=8, checkpoint_every=4)
    support.run_steps(store, steps, {"acked": [], "committing": None, "step": 0})
    expect_true(storage.attr("data_writes") > 0, "checkpoint() never wrote a data file",
                expected="writes to a file other than wal.log at each checkpoint", got="none",
                hint="checkpoint() writes the committed data to a data file, so the log can be cut.")
    breaches = [b for b in storage.attr("breaches") if b.startswith("wrote")]
    if breaches:
        fail(f"a data file was written while the log was not durable ({len(breaches)} time(s))",
             expected="every data-file write after the log is flushed", got=breaches[0], hint=HINT_WAL_RULE)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_checkpoint_cuts_log_after_data_is_durable(subject: Subject) -> None:
    """checkpoint() makes the data file durable before it cuts the log, and leaves a short log"""
    storage = watched(subject)
    store = open_store(subject, storage)
    want: dict[str, bytes] = {}
    for i in range(20):
        txn = store.begin()
        txn.put(f"k{i % 7}", f"v{i}".encode() * 5)
        want[f"k{i % 7}"] = f"v{i}".encode() * 5
        txn.commit()
    store.checkpoint()
    breaches = [b for b in storage.attr("breaches") if not b.startswith("wrote")]
    if breaches:
        fail("the log was cut while the data file was not yet synced", expected="data file synced first",
             got=breaches[0], hint=HINT_CHECKPOINT)
    size = len(log_bytes(storage))
    expect_true(size <= CHECKPOINT_LOG_MAX, "after checkpoint() the log should be cut",
                expected=f"{LOG} at most {CHECKPOINT_LOG_MAX} bytes", got=f"{size} bytes",
                hint="Once the data file is synced, the log's records are no longer needed: reset the log.")
    survivor = open_store(subject, storage.power_cut())
    expect_equal(committed_state(survivor), want, "a power cut right after checkpoint() lost committed data",
                 hint=HINT_CHECKPOINT)
    txn = survivor.begin()
    txn.put("k0", b"new")
    txn.commit()
    expect_equal(survivor.get("k0"), b"new", "the store recovered after a checkpoint should keep working",
                 hint="After recovery the store accepts transactions as before.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_recovery_ignores_losers(subject: Subject) -> None:
    """after a restart, uncommitted and aborted changes are invisible, even after later commits"""
    storage = memory(subject)
    store = open_store(subject, storage)
    txn = store.begin()
    txn.put("kept", b"yes")
    txn.commit()
    txn = store.begin()
    txn.put("aborted", b"no")
    txn.put("kept", b"overwritten by an abort")
    txn.abort()
    txn = store.begin()
    txn.put("open", b"no")
    txn.delete("kept")
    # the process stops with this transaction open; its records are in the log, unsynced or not
    store = open_store(subject, storage)
    want = {"kept": b"yes"}
    expect_equal(committed_state(store), want, "after a restart, a loser's changes are visible", hint=HINT_RECOVERY)
    txn = store.begin()
    txn.put("later", b"ok")
    txn.commit()
    store.close()
    store = open_store(subject, storage)
    want["later"] = b"ok"
    expect_equal(committed_state(store), want,
                 "a transaction left open before a restart became visible when a later transaction committed",
                 hint=HINT_RECOVERY)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_committed_delete_survives_restart(subject: Subject) -> None:
    """a committed delete stays deleted after a restart"""
    storage = memory(subject)
    store = open_store(subject, storage)
    txn = store.begin()
    txn.put("a", b"1")
    txn.put("b", b"2")
    txn.commit()
    store.checkpoint()
    txn = store.begin()
    txn.delete("a")
    txn.commit()
    store.close()
    store = open_store(subject, storage)
    expect_equal(committed_state(store), {"b": b"2"}, "a committed delete came back after a restart",
                 hint="Log a delete like a put (an update record saying the key is gone) and redo it in recovery.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_bad_input_rejected(subject: Subject) -> None:
    """bad record fields, keys and values raise TypeError or ValueError and change nothing"""
    storage = memory(subject)
    wal = open_wal(subject, storage)
    hint = "Check every argument before writing anything; see the README's table of errors."
    for args, error in [((1.0, "begin"), "TypeError"), ((True, "begin"), "TypeError"), ((-1, "begin"), "ValueError"),
                        ((1, "bogus"), "ValueError"), ((1, "update", "text"), "TypeError"),
                        ((1, "update", [1, 2]), "TypeError")]:
        shown = ", ".join(show(a) for a in args)
        expect_raises(error, lambda args=args: wal.append(*args), f"append({shown}) should raise {error}", hint=hint)
    expect_equal(wal.append(1, "begin"), 1, "a rejected append must not use up an LSN", hint=hint)
    expect_raises("ValueError", lambda: wal.flush(5), "flush(5) beyond the last LSN should raise ValueError",
                  hint=hint)
    store = open_store(subject, memory(subject))
    txn = store.begin()
    for key, value, error in [(1, b"v", "TypeError"), ("", b"v", "ValueError"), ("k" * 1025, b"v", "ValueError"),
                              ("k", "text", "TypeError"), ("k", None, "TypeError"),
                              ("k", bytes(1024 * 1024 + 1), "ValueError")]:
        expect_raises(error, lambda key=key, value=value: txn.put(key, value),
                      f"put({show(key, 20)}, {show(value, 20)}) should raise {error}", hint=hint)
    expect_raises("TypeError", lambda: txn.delete(7), "delete(7) should raise TypeError", hint=hint)
    expect_raises("TypeError", lambda: store.get(b"k"), "store.get(b'k') should raise TypeError", hint=hint)
    txn.put("k", b"v")
    txn.commit()
    expect_equal(committed_state(store), {"k": b"v"}, "rejected calls must leave the transaction usable and clean",
                 hint=hint)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_misuse_rejected(subject: Subject) -> None:
    """a finished transaction, a second writer and a checkpoint mid-transaction raise WalError"""
    store = open_store(subject, memory(subject))
    hint = "Raise WalError (from minimysql.wal) for these, with a message that says what was wrong."
    txn = store.begin()
    expect_raises("WalError", store.begin, "begin() while a transaction is active should raise WalError", hint=hint)
    expect_raises("WalError", store.checkpoint, "checkpoint() during a transaction should raise WalError", hint=hint)
    txn.put("a", b"1")
    txn.commit()
    for name, call in [("put", lambda: txn.put("a", b"2")), ("delete", lambda: txn.delete("a")),
                       ("get", lambda: txn.get("a")), ("commit", txn.commit), ("abort", txn.abort)]:
        expect_raises("WalError", call, f"{name}() on a committed transaction should raise WalError", hint=hint)
    other = store.begin()
    other.abort()
    expect_raises("WalError", other.commit, "commit() after abort() should raise WalError", hint=hint)
    expect_equal(store.get("a"), b"1", "misuse must not change committed data", hint=hint)


# -- crashes ------------------------------------------------------------------------------------------

CRASH_POINTS = 50


@pytest.mark.faults
@pytest.mark.points(4)
def test_power_cut_at_50_points(subject: Subject, figures: Figures) -> None:
    """power cut at 50 seeded writes of a workload: every acknowledged commit survives, nothing uncommitted shows"""
    steps = random_steps(5, transactions=14, keys=16, checkpoint_every=4)
    support = subject.import_module("wal_support")
    result = subject.call(support, "crash_points", (steps, CRASH_POINTS), {}, timeout=60.0)
    points = result["points"]
    violations: list[str] = []
    acked_total = 0
    for point in points:
        where = (f"MemoryStorage(seed={point['seed']}, cut_after_writes={point['cut_after_writes']}); "
                 f"the power went out at step {point['step']}")
        if "workload_error" in point:
            violations.append(f"{where}: the workload raised {point['workload_error']}")
            continue
        if "recovery_error" in point:
            violations.append(f"{where}: reopening after the cut raised {point['recovery_error']}")
            continue
        acked = point["acked"]
        acked_total += len(acked)
        state: dict[str, bytes] = {}
        for index in acked:
            state = apply_txn(state, steps, index)
        allowed = [state]
        if point["committing"] is not None:  # cut inside commit(): either outcome is fine
            allowed.append(apply_txn(state, steps, point["committing"]))
        if point["recovered"] not in allowed:
            lost = sorted(k for k in state if point["recovered"].get(k) != state[k])
            extra = sorted(k for k in point["recovered"] if k not in state)
            violations.append(f"{where} [steps so far: {show_steps(steps, point['step'])}]: after recovery "
                              f"expected {show(state, 200)}, got {show(point['recovered'], 200)} "
                              f"(keys wrong: {lost}, keys from nowhere: {extra})")
            continue
        want_after = {**point["recovered"], "after-recovery": b"works"}
        if point["reopened"] != want_after:
            violations.append(f"{where}: after recovery, one more commit and a reopen, expected "
                              f"{show(want_after, 200)}, got {show(point['reopened'], 200)}")
    figures.record("crash points tried", len(points))
    figures.record("acknowledged commits checked", acked_total)
    figures.record("crash points with lost or phantom data", len(violations), threshold=0, better="lower")
    if violations:
        fail(f"{len(violations)} of {len(points)} power cuts lost acknowledged commits or showed uncommitted data",
             expected="after each cut: exactly the acknowledged commits (plus, if the cut hit commit(), maybe that "
                      "one), and a store that keeps working",
             got=violations[0], hint=HINT_RECOVERY + " " + HINT_CHECKPOINT)


@pytest.mark.faults
@pytest.mark.points(3)
def test_sigkill_mid_workload(subject: Subject, tmp_path: Path, figures: Figures) -> None:
    """kill -9 during a stream of commits on real files: every acknowledged commit is there after restart"""
    root, acks = tmp_path / "db", tmp_path / "acks.txt"
    keys, first, checked = 10, 0, 0
    for round_, seconds in enumerate((0.5, 0.35, 0.6)):
        support = subject.import_module("wal_support")
        with subject.killed_after(seconds):
            support.kill_workload(str(root), str(acks), first, keys, 3.0)
        subject.restart()
        acked = [int(line) for line in acks.read_text().split()] if acks.exists() else []
        last = max(acked, default=first - 1)
        checked = len(acked)  # the acks file keeps every round's acknowledgements
        storage = subject.import_module("minimysql.storage").OsStorage(str(root))
        store = open_store(subject, storage)
        got = committed_state(store)
        store.close()
        # transactions run one after another, so recovery must show the state after some transaction j,
        # with j at least the last acknowledged one (later ones may have committed without their ack)
        candidates = {j: kill_state(j, keys) for j in range(last, last + 3)}
        if got not in candidates.values():
            fail(f"after kill -9 in round {round_ + 1}, the store is not the state after any whole transaction "
                 f"from the last acknowledged one on", expected=f"the state after transaction {last} (or {last + 1}, "
                 f"{last + 2} if they committed before the kill): {show(candidates[last], 200)}",
                 got=show(got, 200), hint=HINT_COMMIT + " " + HINT_RECOVERY)
        first = max(j for j, s in candidates.items() if s == got) + 1
    figures.record("acknowledged commits checked after kill -9", checked)


def kill_state(last: int, keys: int) -> dict[str, bytes]:
    """The store after transactions 0..last of wal_support.kill_workload."""
    state: dict[str, bytes] = {}
    for i in range(last + 1):
        for j in range(3):
            state[f"k{(i + j) % keys}"] = str(i).encode()
        state.pop(f"k{(i + 3) % keys}", None)
    return state


# -- performance --------------------------------------------------------------------------------------

@pytest.mark.performance
@pytest.mark.points(2)
def test_append_constant_time(subject: Subject, figures: Figures) -> None:
    """append() stays O(1) as the log grows: time per append at 8n records over at n"""
    payload = b"p" * 32

    def setup(size: int) -> tuple[RemoteObject, Any]:
        wal = open_wal(subject, memory(subject))
        subject.batch(wal, [("append", (1, "update", payload))] * size)

        def calls(round_: int) -> list[tuple[str, tuple[Any, ...]]]:
            return [("append", (1, "update", payload))] * 200

        return wal, calls

    check_growth(subject, figures, setup, n=300, operation="append",
                 hint="Keep the next LSN and the end offset in memory; never re-read or rewrite the log to append.")


@pytest.mark.performance
@pytest.mark.points(2)
def test_commit_cost_independent_of_size(subject: Subject, figures: Figures) -> None:
    """a one-key commit costs the same in a store of 8n keys as of n: data is written at checkpoints"""
    support = subject.import_module("wal_support")

    def setup(size: int) -> tuple[RemoteObject, Any]:
        store = open_store(subject, memory(subject))
        for start in range(0, size, 100):  # small transactions, checkpointed: the log stays short
            txn = store.begin()
            subject.batch(txn, [("put", (f"key{i}", b"v" * 20)) for i in range(start, start + 100)])
            txn.commit()
            store.checkpoint()

        def calls(round_: int) -> list[tuple[str, tuple[Any, ...]]]:
            return [("commit_one", (store, f"key{i}", b"w" * 20)) for i in range(100)]

        return support, calls

    check_growth(subject, figures, setup, n=300, operation="one-key commit",
                 hint="commit() appends and syncs log records only; write the data file at checkpoint().")
