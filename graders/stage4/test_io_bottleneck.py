"""Grader for the stage4/io-bottleneck incident lab: "IO 瓶颈", located with `iostat` / `iotop`.

The shipped order store is I/O-bound: place() syncs after every order line, and set_status()
rewrites (and syncs) the whole status table for every change. Under the load (2000 orders of
history, then 10 s of checkout traffic on a simulated disk whose clock advances by a fixed cost
per request) the disk needs more time than the traffic lasts and acknowledgements wait seconds.
The learner measures it with the load's iostat / iotop report, fixes the program with group
commit and appended status records WITHOUT losing durability, and writes down the figures.

- correctness, the symptom is gone: the load replayed on the learner's program
  (support/io_bottleneck_support.py, the source of truth; the learner's load script holds a
  verbatim copy) needs under half the disk time and acknowledges within 100 ms; syncs per order
  and per status change, bytes per status change, counted on the load and in direct scenarios.
- correctness, nothing broke (the shipped program passes these too): every lookup of the load is
  right, everything is there after a clean reopen, a lookup does not scan the log, and a
  stateful test against a model mixes batches, lookups, reopens and power cuts.
- faults: seeded power cuts (MemoryStorage(cut_after_writes=n)) during a workload lose nothing
  acknowledged and invent nothing, the store keeps working after recovery (a torn tail is cut
  off), and bad input is refused without a trace.
- review: the answers file (before: the key, the shipped program measured; after: what the
  learner's own program does on the load), the iostat reading, the causes and fixes against a
  key, and the postmortem's six sections.

Every verdict is computed here, from plain data; the counts come from the grader's storages,
never from the learner's code.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from swai.grading import Figures, expect_equal, expect_raises, expect_true, fail
from swai.grading.documents import read_answers, read_postmortem
from swai.grading.stateful import run_machine
from swai.subject import RemoteObject, Subject
from swai.subject.client import show
from swai.subject.errors import SubjectError

NAME = "io-bottleneck"
MODULE = "incidents.io_bottleneck"
SUPPORT = "io_bottleneck_support"
LOAD = "python incidents/io_bottleneck_load.py"
RUN = f"Run `{LOAD}` from your project folder and copy the figures it prints."
STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled")
LOAD_TEXT = ("[the load of incidents/io_bottleneck_load.py on your OrderStore: 2000 orders of history, then 10 s of "
             "traffic]")

# -- the thresholds: counts on the simulated disk, never timings ---------------------------------------
DISK_BOUND = 50.0  # disk time the 10 s of traffic need, in % of the 10 s (shipped: 122 %)
LATENCY_BOUND = 100.0  # ms: the slowest acknowledgement of place() or set_status() (shipped: 2.6 s)
SYNCS_PER_ORDER_BOUND = 0.5  # the load brings 8 orders per tick: one sync per place() is 0.125 (shipped: 3.96)
SYNCS_PER_UPDATE_BOUND = 0.5  # ~15 changes per tick: one sync per set_status() is ~0.07 (shipped: 1.0)
BYTES_PER_UPDATE_BOUND = 256  # a change is an id and a word: a record of a few dozen bytes (shipped: 34 kB)
BYTES_PER_ORDER_BOUND = 1024  # an order of 1-5 lines is ~100 bytes of JSON
SYNCS_PER_CALL_BOUND = 2  # a batch of any size: one sync per file the call writes
READS_PER_LOOKUP_BOUND = 8  # the shipped get() reads each line of the order: 2.45 on average
READ_BYTES_PER_LOOKUP_BOUND = 2048
CRASH_POINTS = 40
CRASH_SEED = 11

# -- the key ----------------------------------------------------------------------------------------
# The shipped program on the load (incidents/io_bottleneck.py as the exercise gives it).
KEY_BEFORE: dict[str, Any] = {"disk_time_percent": 122.4, "ack_latency_max_ms": 2603.4, "syncs_per_order": 3.961,
                              "syncs_per_update": 1.0, "bytes_written_per_update": 34062.6, "reads_per_lookup": 2.45,
                              "busiest_file": "orders.log"}
FIGURES = tuple(KEY_BEFORE)
TOLERANCE = {"disk_time_percent": 0.1, "ack_latency_max_ms": 0.1, "syncs_per_order": 0.001,
             "syncs_per_update": 0.001, "bytes_written_per_update": 0.1, "reads_per_lookup": 0.01}
KEY_PATTERNS = {"orders_log_pattern": "flush_per_tiny_write", "status_files_pattern": "huge_writes"}
KEY_CHOICES = {
    "root_cause_orders": "sync_per_line",
    "root_cause_status": "table_rewritten_per_change",
    "fix_orders": "group_commit",
    "fix_status": "append_status_records",
    "ack_rule": "after_sync_returned",
}
PATTERNS = ["flush_per_tiny_write", "huge_writes", "small_reads", "idle"]
CHOICES: dict[str, list[str]] = {
    "orders_log_pattern": PATTERNS,
    "status_files_pattern": PATTERNS,
    "root_cause_orders": ["sync_per_line", "slow_disk", "log_never_compacted", "lookups_compete", "json_encoding"],
    "root_cause_status": ["table_rewritten_per_change", "two_files_double_the_writes", "sync_cost_only",
                          "slow_disk", "lookups_compete"],
    "fix_orders": ["group_commit", "sync_per_order", "ack_before_sync", "sync_at_close", "faster_disk"],
    "fix_status": ["append_status_records", "rewrite_once_per_batch", "rewrite_without_sync", "compress_table",
                   "write_at_shutdown"],
    "ack_rule": ["after_sync_returned", "after_write_returned", "after_next_batch", "at_close"],
}

NUMBER = {"type": "number", "minimum": 0, "description": "a number, as the load prints it"}
SIDE = {"type": "object", "required": list(FIGURES), "additionalProperties": False,
        "properties": {**{f: NUMBER for f in FIGURES},
                       "busiest_file": {"type": "string", "minLength": 1, "description": "a file name, as printed"}},
        "description": "the seven figures: " + ", ".join(FIGURES)}
FIELDS: dict[str, dict[str, Any]] = {
    "before": SIDE,
    "after": SIDE,
    **{name: {"enum": options} for name, options in CHOICES.items()},
}

# -- hints ------------------------------------------------------------------------------------------------
GROUP_HINT = ("Group commit: in place(), validate the whole batch, append the records of every order (one write "
              "is best), sync the log ONCE, and only then return: the one sync acknowledges the whole batch. A "
              "sync per line, or per order, is paid again and again for a batch that arrived together.")
APPEND_HINT = ("A status change is an id and a word: append a small record (['status', id, status]) to a log and "
               "sync it once per set_status() call; recovery replays the records, the last one of an order wins. "
               "Rewriting the whole table costs a write as big as the table for every change, and grows with it.")
DURABLE_HINT = ("place() and set_status() may return only after a sync() that covers every record of their batch "
                "has returned: the service answers 'OK' as soon as they return. A sync deferred to the next call, "
                "to close(), or to a full buffer leaves acknowledged orders in the disk's volatile cache.")
RECOVERY_HINT = ("Recovery replays the log from the start and stops at the first record that is short or fails "
                 "its CRC (a torn write); cut the file there (truncate, then sync) so new records follow the last "
                 "whole one. An order is one record, so it is there whole or not at all; a later status record of "
                 "an order replaces the earlier one.")
STATUS_HINT = ("A status change is acknowledged when set_status() returns: it must be synced by then, and recovery "
               "must replay the changes in the order they were made, so that the last one of an order wins.")
LOOKUP_HINT = ("get() answers {'id', 'customer', 'lines': [(sku, quantity, price), ...], 'status'} exactly as "
               "placed, with the status of the last change applied ('placed' before any), and None for an id never "
               "placed.")
PROGRAM_HINT = "Fix incidents/io_bottleneck.py, run the load again, and update your answers."


# -- the learner's program, in the subject ------------------------------------------------------------------

def support(subject: Subject) -> RemoteObject:
    """The grader's helper module in the subject: its import is no business of the learner's."""
    entries = subject.transcript.entries
    known = len(entries)
    module = subject.import_module(SUPPORT)
    del entries[known:]
    return module


def raised(exc: SubjectError, doing: str) -> None:
    where = f" ({exc.frames[-1].file}, line {exc.frames[-1].line})" if exc.frames else ""
    fail(f"your incidents/io_bottleneck.py raised while {doing}", expected="it to run to its end",
         got=f"{exc.type_name}: {exc.message}{where}", hint=PROGRAM_HINT)


def memory(subject: Subject, seed: int = 0) -> RemoteObject:
    entries = subject.transcript.entries
    known = len(entries)
    storage = subject.import_module("storage_support").MemoryStorage(seed=seed)
    del entries[known:known + 1]  # keep "memorystorage = MemoryStorage(...)", drop the import
    return storage


def open_store(subject: Subject, storage: RemoteObject) -> RemoteObject:
    try:
        store = subject.import_module(MODULE).OrderStore(storage)
    except SubjectError as exc:
        raised(exc, "OrderStore(storage) opened the store")
    if not isinstance(store, RemoteObject):
        fail("OrderStore(storage) should return a store object", expected="an OrderStore instance", got=show(store),
             hint="Keep the class and its constructor: OrderStore(storage) opens (and recovers) the store.")
    return store


_LOADS: dict[tuple[str, str], dict[str, Any]] = {}  # one run per program and grading session: both are seeded
_CRASHES: dict[tuple[str, str], dict[str, Any]] = {}


def program_key(project: Path) -> tuple[str, str]:
    source = project / "incidents" / "io_bottleneck.py"
    return str(project), hashlib.sha256(source.read_bytes()).hexdigest() if source.is_file() else ""


def run_load(subject: Subject, project: Path) -> dict[str, Any]:
    """The load on the learner's program: its I/O per file and method, the lookups, the figures."""
    key = program_key(project)
    if key in _LOADS:
        result = _LOADS[key]
        subject.transcript.add(LOAD_TEXT).outcome = f"-> figures {show(result['figures'], 400)}"
        return result
    try:
        result = subject.call(support(subject), "run_load", (), {}, text=LOAD_TEXT, timeout=60.0)
    except SubjectError as exc:
        raised(exc, "the load ran")
    if not isinstance(result, dict) or not isinstance(result.get("figures"), dict):
        fail("the load came back garbled", expected="the load's report", got=type(result).__name__,
             hint="Keep incidents/io_bottleneck.py to the order store; do not patch other modules.")
    subject.transcript.entries[-1].outcome = f"-> figures {show(result['figures'], 400)}"
    _LOADS[key] = result
    return result


def per_task(result: dict[str, Any]) -> dict[str, dict[str, float]]:
    """The load's counts summed per method (iotop's view)."""
    out: dict[str, dict[str, float]] = {}
    for _, task, reads, read_bytes, writes, written, syncs, ms in result["usage"]:
        row = out.setdefault(task, dict.fromkeys(("reads", "read_bytes", "writes", "written_bytes", "syncs", "ms"),
                                                 0.0))
        for name, value in zip(row, (reads, read_bytes, writes, written, syncs, ms), strict=True):
            row[name] += value
    return out


def iostat(result: dict[str, Any]) -> str:
    """The load's counts per file (iostat's view), busiest first, for messages."""
    files: dict[str, list[float]] = {}
    for name, _, reads, _, writes, written, syncs, ms in result["usage"]:
        row = files.setdefault(name, [0.0] * 5)
        for i, value in enumerate((reads, writes, written, syncs, ms)):
            row[i] += value
    parts = [f"{name}: {r:.0f} reads, {w:.0f} writes ({b / 1024:.0f} kB), {s:.0f} syncs, {ms / 1000:.2f} s of disk"
             for name, (r, w, b, s, ms) in sorted(files.items(), key=lambda item: -item[1][4])]
    return "; ".join(parts) or "no I/O at all"


def calls(subject: Subject, storage: RemoteObject, store: RemoteObject, method: str, batches: list[Any],
          text: str) -> list[dict[str, int]]:
    try:
        counts = subject.call(support(subject), "per_call", (storage, store, method, batches), {}, text=text,
                              timeout=30.0)
    except SubjectError as exc:
        raised(exc, f"{method}() ran")
    subject.transcript.entries[-1].outcome = "-> " + ", ".join(f"{c['syncs']} syncs/{c['written_bytes']} bytes"
                                                               for c in counts)
    return list(counts)


def make_orders(first: int, count: int, seed: int) -> list[dict[str, Any]]:
    """Orders first..first+count-1, as the load makes them (1-5 lines each)."""
    rng = random.Random(seed)
    out = []
    for order_id in range(first, first + count):
        lines = [(f"sku-{rng.randrange(1000):03d}", rng.randint(1, 4), rng.randint(99, 9999))
                 for _ in range(rng.randint(1, 5))]
        out.append({"id": order_id, "customer": f"c{rng.randrange(10000):04d}", "lines": lines})
    return out


def orders_(n: int) -> str:
    return f"{n} order" if n == 1 else f"{n} orders"


def as_found(order: dict[str, Any], status: str = "placed") -> dict[str, Any]:
    """What get() must answer for ``order``."""
    return {"id": order["id"], "customer": order["customer"], "status": status,
            "lines": [tuple(line) for line in order["lines"]]}


def state(subject: Subject, store: RemoteObject, doing: str) -> dict[int, Any]:
    try:
        found = subject.call(support(subject), "state_of", (store,), {},
                             text=f"{{i: {store._name}.get(i) for i in {store._name}.ids()}}", timeout=30.0)
    except SubjectError as exc:
        raised(exc, doing)
    subject.transcript.entries[-1].outcome = f"-> {orders_(len(found))}"
    return dict(found)


def differences(want: dict[int, Any], got: dict[int, Any]) -> str:
    """The first few differences between two states, for messages."""
    lines = [f"order {i} missing" for i in want if i not in got][:3]
    lines += [f"order {i} was never placed" for i in got if i not in want][:2]
    lines += [f"order {i}: expected {show(want[i], 160)}, got {show(got[i], 160)}"
              for i in want if i in got and got[i] != want[i]][:3]
    return "; ".join(lines)


# -- correctness: the symptom is gone ------------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(3)
def test_disk_keeps_up_with_the_load(subject: Subject, project: Path, figures: Figures) -> None:
    """on the load, the disk needs under half of the 10 s, and every batch is acknowledged within 100 ms"""
    result = run_load(subject, project)
    measured = result["figures"]
    figures.record("disk time of the load", measured["disk_time_percent"], unit="% of 10 s", threshold=DISK_BOUND)
    figures.record("slowest acknowledgement", measured["ack_latency_max_ms"], unit="ms", threshold=LATENCY_BOUND)
    why = (f"The simulated disk, per file: {iostat(result)}. Read the load's iostat table: which file keeps the disk "
           "busy, and with what: many tiny writes each followed by a flush, or a few huge writes? ")
    expect_true(measured["disk_time_percent"] <= DISK_BOUND, "the load's I/O needs too much of the disk's time",
                expected=f"at most {DISK_BOUND:g} % of the 10 s of traffic",
                got=f"{measured['disk_time_percent']:g} % (above 100 % the disk cannot keep up at all)",
                hint=why + GROUP_HINT)
    expect_true(measured["ack_latency_max_ms"] <= LATENCY_BOUND,
                "checkout waits too long: an acknowledgement waited for the disk",
                expected=f"every place() and set_status() acknowledged within {LATENCY_BOUND:g} ms of its tick",
                got=f"the slowest after {measured['ack_latency_max_ms']:g} ms", hint=why + GROUP_HINT)


@pytest.mark.correctness
@pytest.mark.points(3)
def test_one_sync_per_batch_of_orders(subject: Subject, project: Path, figures: Figures) -> None:
    """place() syncs once per batch, however many orders and lines it holds (group commit)"""
    result = run_load(subject, project)
    measured = result["figures"]
    placed = result["done"]["orders"]
    written = per_task(result).get("place", {}).get("written_bytes", 0.0) / max(1, placed)
    figures.record("syncs per order on the load", measured["syncs_per_order"], threshold=SYNCS_PER_ORDER_BOUND)
    figures.record("bytes written per order on the load", written, unit="bytes", threshold=BYTES_PER_ORDER_BOUND)
    expect_true(measured["syncs_per_order"] <= SYNCS_PER_ORDER_BOUND,
                "place() syncs too often on the load",
                expected=f"at most {SYNCS_PER_ORDER_BOUND:g} syncs per order (the load brings 4 to 12 orders per "
                         f"place() call: one sync per call is about 0.125)",
                got=f"{measured['syncs_per_order']:g} syncs per order", hint=GROUP_HINT)
    expect_true(written <= BYTES_PER_ORDER_BOUND, "place() writes far more than the orders it stores",
                expected=f"at most {BYTES_PER_ORDER_BOUND} bytes per order (an order is ~100 bytes of JSON)",
                got=f"{written:.0f} bytes per order", hint="Append each order once; never rewrite what is on disk.")
    storage = memory(subject)
    store = open_store(subject, storage)
    sizes = [1, 10, 40]
    batches = [make_orders(first, size, first) for first, size in zip((1, 2, 12), sizes, strict=True)]
    counts = calls(subject, storage, store, "place", batches, text=f"[{store._name}.place(batch) with batches of "
                                                                  f"{', '.join(map(str, sizes))} orders]")
    for size, count in zip(sizes, counts, strict=True):
        expect_true(count["syncs"] <= SYNCS_PER_CALL_BOUND, f"place() of {size} orders made too many syncs",
                    expected=f"at most {SYNCS_PER_CALL_BOUND}, however many orders and lines the batch holds",
                    got=f"{count['syncs']} syncs", hint=GROUP_HINT)


@pytest.mark.correctness
@pytest.mark.points(3)
def test_status_change_writes_only_the_change(subject: Subject, project: Path, figures: Figures) -> None:
    """set_status() writes a few dozen bytes per change, however many orders the store holds"""
    measured = run_load(subject, project)["figures"]
    figures.record("bytes written per status change on the load", measured["bytes_written_per_update"],
                   unit="bytes", threshold=BYTES_PER_UPDATE_BOUND)
    expect_true(measured["bytes_written_per_update"] <= BYTES_PER_UPDATE_BOUND,
                "set_status() writes far more than the changes on the load",
                expected=f"at most {BYTES_PER_UPDATE_BOUND} bytes per change (an id and a status word)",
                got=f"{measured['bytes_written_per_update']:g} bytes per change", hint=APPEND_HINT)
    storage = memory(subject)
    store = open_store(subject, storage)
    try:
        subject.call(support(subject), "history", (store, 1000), {},
                     text=f"[{store._name}: 1000 orders placed and marked delivered, 50 per call]", timeout=30.0)
    except SubjectError as exc:
        raised(exc, "1000 orders were placed and marked delivered")
    (count,) = calls(subject, storage, store, "set_status", [[(7, "cancelled")]],
                     text=f"{store._name}.set_status([(7, 'cancelled')])")
    expect_true(count["written_bytes"] <= BYTES_PER_UPDATE_BOUND,
                "one status change in a store of 1000 orders wrote far more than the change",
                expected=f"at most {BYTES_PER_UPDATE_BOUND} bytes", got=f"{count['written_bytes']} bytes",
                hint=APPEND_HINT)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_one_sync_per_batch_of_status_changes(subject: Subject, project: Path, figures: Figures) -> None:
    """set_status() syncs once per batch of changes, however many it holds"""
    measured = run_load(subject, project)["figures"]
    figures.record("syncs per status change on the load", measured["syncs_per_update"],
                   threshold=SYNCS_PER_UPDATE_BOUND)
    expect_true(measured["syncs_per_update"] <= SYNCS_PER_UPDATE_BOUND, "set_status() syncs too often on the load",
                expected=f"at most {SYNCS_PER_UPDATE_BOUND:g} syncs per change (about 15 changes per call)",
                got=f"{measured['syncs_per_update']:g} syncs per change", hint=APPEND_HINT)
    storage = memory(subject)
    store = open_store(subject, storage)
    subject.batch(store, [("place", (make_orders(1, 40, 5),))], text=f"{store._name}.place([orders 1..40])")
    sizes = [1, 10, 40]
    batches = [[(1 + (i * 7 + n) % 40, STATUSES[1 + (i + n) % 4]) for i in range(n)] for n in sizes]
    counts = calls(subject, storage, store, "set_status", batches,
                   text=f"[{store._name}.set_status(batch) with batches of {', '.join(map(str, sizes))} changes]")
    for size, count in zip(sizes, counts, strict=True):
        expect_true(count["syncs"] <= SYNCS_PER_CALL_BOUND, f"set_status() of {size} changes made too many syncs",
                    expected=f"at most {SYNCS_PER_CALL_BOUND}, however many changes the batch holds",
                    got=f"{count['syncs']} syncs", hint=APPEND_HINT)


# -- correctness: nothing broke (the shipped program passes these too) ---------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(2)
def test_lookups_on_the_load_are_right(subject: Subject, project: Path) -> None:
    """every get() of the load answers the order as placed, with its latest status, or None"""
    result = run_load(subject, project)
    wrong = result["wrong_lookups"]
    if wrong:
        order_id, want, got = wrong[0]
        expected, got_ = contrast([want], got)
        fail(f"get({order_id}) answered wrong during the load", expected=expected, got=got_, hint=LOOKUP_HINT)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_reopen_keeps_everything(subject: Subject, project: Path) -> None:
    """after the load, close() and a new OrderStore on the same storage find every order and status"""
    wrong = run_load(subject, project)["wrong_after_reopen"]
    if wrong:
        order_id, want, got = wrong[0]
        expected, got_ = contrast([want], got) if order_id != "ids()" else (want, got)
        fail(f"after the load, close() and reopening, get({order_id}) is wrong" if order_id != "ids()" else
             "after the load, close() and reopening, ids() is wrong", expected=expected, got=got_,
             hint="Everything acknowledged is on disk, synced, before place() or set_status() returns; close() "
                  "loses nothing and opening replays it all. " + RECOVERY_HINT)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_lookups_do_not_scan(subject: Subject, project: Path, figures: Figures) -> None:
    """a get() reads a few small pieces at most, never the log from the start"""
    result = run_load(subject, project)
    lookups = max(1, result["done"]["lookups"])
    get = per_task(result).get("get", {})
    reads, read_bytes = get.get("reads", 0.0) / lookups, get.get("read_bytes", 0.0) / lookups
    figures.record("reads per lookup", reads, threshold=READS_PER_LOOKUP_BOUND)
    figures.record("bytes read per lookup", read_bytes, unit="bytes", threshold=READ_BYTES_PER_LOOKUP_BOUND)
    expect_true(reads <= READS_PER_LOOKUP_BOUND and read_bytes <= READ_BYTES_PER_LOOKUP_BOUND,
                "get() reads too much on the load",
                expected=f"at most {READS_PER_LOOKUP_BOUND} reads and {READ_BYTES_PER_LOOKUP_BOUND} bytes per lookup",
                got=f"{reads:.2f} reads and {read_bytes:.0f} bytes per lookup",
                hint="Keep an index (order id -> where its record is, or the order itself) in memory, built when "
                     "the store opens: a lookup reads one record at most, never the log from the start.")


@pytest.mark.correctness
@pytest.mark.points(4)
def test_store_against_a_model(subject: Subject) -> None:
    """batches, lookups, reopens and power cuts in any order keep every acknowledged order (stateful test)"""

    class Machine(RuleBasedStateMachine):
        storage: RemoteObject
        store: RemoteObject

        @initialize(seed=st.integers(0, 1 << 16))
        def create(self, seed: int) -> None:
            self.storage = memory(subject, seed=seed)
            self.store = open_store(subject, self.storage)
            self.model: dict[int, dict[str, Any]] = {}
            self.next_id = 1

        @rule(count=st.integers(1, 6), seed=st.integers(0, 1 << 16))
        def place(self, count: int, seed: int) -> None:
            batch = make_orders(self.next_id, count, seed)
            self.store.place(batch)
            self.next_id += count
            self.model.update({o["id"]: as_found(o) for o in batch})

        @precondition(lambda self: bool(self.model))
        @rule(picks=st.lists(st.tuples(st.integers(0, 1 << 16), st.sampled_from(STATUSES)), min_size=1, max_size=6))
        def set_status(self, picks: list[tuple[int, str]]) -> None:
            ids = sorted(self.model)
            updates = [(ids[pick % len(ids)], status) for pick, status in picks]
            self.store.set_status(updates)
            for order_id, status in updates:
                self.model[order_id]["status"] = status

        @rule(pick=st.integers(0, 1 << 16))
        def get(self, pick: int) -> None:
            order_id = 1 + pick % (self.next_id + 2)  # now and then an id never placed
            got = subject.call(support(subject), "lookup", (self.store, order_id), {},
                               text=f"{self.store._name}.get({order_id})")
            expect_equal(got, self.model.get(order_id), f"get({order_id}) after the calls above", hint=LOOKUP_HINT)

        @rule()
        def reopen(self) -> None:
            self.store.close()
            self.store = open_store(subject, self.storage)
            self.expect_all("after close() and reopening the store", RECOVERY_HINT)

        @rule()
        def power_cut(self) -> None:
            self.storage = self.storage.power_cut()
            self.store = open_store(subject, self.storage)
            self.expect_all("after a power cut between calls (every call had returned) and reopening",
                            DURABLE_HINT)

        def expect_all(self, when: str, hint: str) -> None:
            got = state(subject, self.store, "the store was read back")
            if got != self.model:
                fail(f"{when}, the store does not hold what was acknowledged",
                     expected=f"{orders_(len(self.model))} as placed, with their latest status",
                     got=differences(self.model, got), hint=hint)

    run_machine(subject, Machine, max_examples=25, steps=20)


# -- faults -------------------------------------------------------------------------------------------------------

def crash_run(subject: Subject, project: Path) -> dict[str, Any]:
    key = program_key(project)
    text = (f"[a workload of 24 place() batches of 1-5 orders and set_status() batches of 0-6 changes, on "
            f"MemoryStorage(cut_after_writes=n) at {CRASH_POINTS} points spread over its writes; after each cut: "
            f"storage.power_cut(), OrderStore(recovered storage), one more order and change, close(), reopen]")
    if key in _CRASHES:
        result = _CRASHES[key]
        subject.transcript.add(text).outcome = f"-> {len(result['points'])} power cuts over {result['total_writes']} " \
                                               "writes"
        return result
    try:
        result = subject.call(support(subject), "crash_points", (CRASH_SEED, CRASH_POINTS), {}, text=text,
                              timeout=60.0)
    except SubjectError as exc:
        raised(exc, "the power-cut workload ran")
    entry = subject.transcript.entries[-1]
    entry.outcome = f"-> {len(result['points'])} power cuts over {result['total_writes']} writes"
    _CRASHES[key] = dict(result)
    return _CRASHES[key]


def acknowledged(steps: list[Any], acked: int) -> dict[int, dict[str, Any]]:
    """The state after the first ``acked`` steps of the workload."""
    model: dict[int, dict[str, Any]] = {}
    for op, batch in steps[:acked]:
        if op == "place":
            model.update({o["id"]: as_found(o) for o in batch})
        else:
            for order_id, status in batch:
                model[order_id]["status"] = status
    return model


@pytest.mark.faults
@pytest.mark.points(4)
def test_power_cuts_keep_acknowledged_work(subject: Subject, project: Path, figures: Figures) -> None:
    """after a power cut at any of 40 seeded writes, every acknowledged order and status is there, nothing else"""
    result = crash_run(subject, project)
    check_recovered(result)
    figures.record("power cuts survived", len(result["points"]))


def check_recovered(result: dict[str, Any]) -> None:
    """Every point of a crash run: what recovery found against what was acknowledged."""
    steps, total = result["steps"], result["total_writes"]
    for point in result["points"]:
        where = describe_cut(point, steps, total)
        if "workload_error" in point:
            fail(f"the workload raised before the power cut ({where})", expected="the calls to succeed",
                 got=point["workload_error"], hint=PROGRAM_HINT)
        if "recovery_error" in point:
            fail(f"opening the store after a {where} raised", expected="recovery to find what was acknowledged",
                 got=point["recovery_error"], hint=RECOVERY_HINT)
        want = acknowledged(steps, point["acked"])
        got = dict(point["recovered"])
        allowed = {order_id: [order] for order_id, order in want.items()}  # what each order may look like
        running = point["running"]
        if running is not None and steps[running][0] == "place":  # the call cut short: any part of it, or none
            allowed.update({o["id"]: [None, as_found(o)] for o in steps[running][1]})
        elif running is not None:
            for order_id, status in steps[running][1]:
                allowed[order_id].append({**want[order_id], "status": status})
        lost = [i for i in want if got.get(i) is None]
        if lost:
            fail(f"after a {where}, acknowledged orders are gone", expected=f"orders {show(lost[:8])} (their "
                 "place() had returned)", got="not in ids() after recovery", hint=DURABLE_HINT)
        invented = [i for i in got if i not in allowed]
        if invented:
            fail(f"after a {where}, the store holds orders that were never placed", expected="only orders placed",
                 got=f"orders {show(invented[:8])}", hint=RECOVERY_HINT)
        for order_id, options in allowed.items():
            found = got.get(order_id)
            if found in options:
                continue
            if order_id in want and isinstance(found, dict) and {**found, "status": want[order_id]["status"]} == \
                    want[order_id]:
                fail(f"after a {where}, order {order_id} has lost an acknowledged status change",
                     expected="status " + " or ".join(repr(o["status"]) for o in options),
                     got=f"status {found['status']!r}", hint=STATUS_HINT)
            expected, got_ = contrast(options, found)
            fail(f"after a {where}, order {order_id} is not as acknowledged" if order_id in want else
                 f"after a {where}, order {order_id}, placed by the call the power cut cut short, came back damaged",
                 expected=expected, got=got_,
                 hint="Each order is written whole or not at all (one record, checked by its CRC). " + RECOVERY_HINT)


def contrast(options: list[Any], found: Any) -> tuple[str, str]:
    """(expected, got) for a message: only the fields of an order that differ, so that they are seen."""
    whole = [o for o in options if isinstance(o, dict)]
    if not isinstance(found, dict) or len(whole) != len([o for o in options if o is not None]) or not whole:
        return " or ".join(show(o, 150) for o in options), show(found, 150)
    keys = [k for k in ("id", "customer", "status", "lines") if any(found.get(k) != o.get(k) for o in whole)]

    def part(order: dict[str, Any]) -> str:
        return ", ".join(f"{k} {show(order.get(k), 240)}" for k in keys)

    return " or ".join("not there" if o is None else part(o) for o in options), part(found)


def describe_cut(point: dict[str, Any], steps: list[Any], total: int) -> str:
    if not point["cut"]:
        return f"power cut after the workload's {len(steps)} calls had all returned"
    running = point["running"]
    op, batch = steps[running]
    noun = ("order" if op == "place" else "change") + ("" if len(batch) == 1 else "s")
    return (f"power cut at write {point['cut_after_writes']} of {total} (during call {running + 1} of {len(steps)}, "
            f"{op}() of {len(batch)} {noun}, {point['acked']} call{'' if point['acked'] == 1 else 's'} acknowledged)")


@pytest.mark.faults
@pytest.mark.points(2)
def test_new_work_after_a_power_cut_survives(subject: Subject, project: Path) -> None:
    """after a power cut and recovery, new orders and changes survive the next reopen (a torn tail is cut off)"""
    check_continued(crash_run(subject, project))


def check_continued(result: dict[str, Any]) -> None:
    """Every point of a crash run: the work done after recovery against what the reopen found."""
    steps, total = result["steps"], result["total_writes"]
    for point in result["points"]:
        if "recovered" not in point:
            continue  # the check above reports a recovery that fails
        where = describe_cut(point, steps, total)
        if "continue_error" in point:
            fail(f"after a {where} and recovery, the store failed on new work", expected="place(), set_status(), "
                 "close() and a reopen to work", got=point["continue_error"], hint=RECOVERY_HINT)
        want = {**point["recovered"], 10_000: as_found(point["extra"], "paid")}
        got = point.get("reopened", {})
        if got != want:
            fail(f"after a {where}, recovery, then order 10000 placed and marked paid, close() and a reopen: the store "
                 "lost work", expected="what recovery found, plus order 10000 (paid)",
                 got=differences(want, got), hint=RECOVERY_HINT)


@pytest.mark.faults
@pytest.mark.points(2)
def test_bad_input_is_refused(subject: Subject) -> None:
    """invalid orders and status changes are refused (TypeError, ValueError, KeyError); nothing of the batch stays"""
    storage = memory(subject)
    store = open_store(subject, storage)
    good = make_orders(1, 3, 1)
    store.place(good)
    store.set_status([(2, "paid")])
    model = {o["id"]: as_found(o, "paid" if o["id"] == 2 else "placed") for o in good}
    fresh = make_orders(10, 2, 2)
    order = fresh[0]
    place_cases: list[tuple[str, list[Any], str]] = [
        ("ValueError", [fresh[1], {**order, "id": 11}], "the same id twice in one call"),
        ("ValueError", [fresh[1], {**good[0]}], "an id already placed"),
        ("ValueError", [{**order, "lines": []}], "an order without lines"),
        ("ValueError", [fresh[1], {**order, "lines": [("sku-1", 0, 100)]}], "a quantity of 0"),
        ("ValueError", [{**order, "lines": [("sku-1", 1, -5)]}], "a negative price"),
        ("ValueError", [{**order, "id": 0}], "order id 0"),
        ("ValueError", [{**order, "customer": ""}], "an empty customer"),
        ("TypeError", [{**order, "id": True}], "an id that is a bool"),
        ("TypeError", [{**order, "lines": [("sku-1", "2", 100)]}], "a quantity that is a str"),
        ("TypeError", [fresh[1], {**order, "lines": [("sku-1", 2)]}], "a line of two fields"),
        ("TypeError", [fresh[1], "order 12"], "an order that is not a dict"),
    ]
    for error, batch, what in place_cases:
        expect_raises(error, lambda batch=batch: store.place(batch), f"place() with {what} must be refused",
                      hint="Validate the whole batch before writing anything: ids are ints >= 1 not placed before "
                           "(nor twice in the call), customers and skus non-empty str, quantities ints >= 1, prices "
                           "ints >= 0, at least one line of (sku, quantity, price).")
    status_cases: list[tuple[str, list[Any], str]] = [
        ("KeyError", [(1, "paid"), (99, "paid")], "an order never placed"),
        ("ValueError", [(1, "shipped"), (3, "lost")], "a status not in STATUSES"),
        ("TypeError", [(1, "paid", "now")], "an update of three fields"),
    ]
    for error, batch, what in status_cases:
        expect_raises(error, lambda batch=batch: store.set_status(batch), f"set_status() with {what} must be refused",
                      hint="Validate every change before writing any: the order must have been placed (KeyError), "
                           "the status one of STATUSES (ValueError).")
    expect_equal(store.get(11), None, "order 11 came only in refused calls: it must not be stored", hint=LOOKUP_HINT)
    got = state(subject, store, "the store was read back")
    if got != model:
        fail("a refused call left something behind", expected="the 3 orders placed before, order 2 paid",
             got=differences(model, got), hint="A refused call changes nothing: validate first, then write.")
    store.close()
    again = state(subject, open_store(subject, storage), "the store was reopened")
    if again != model:
        fail("after refused calls, close() and a reopen, the store holds something else", expected="the 3 orders "
             "placed before, order 2 paid", got=differences(model, again),
             hint="A refused call writes nothing: validate the whole batch before the first write.")


# -- review: the answers and the postmortem --------------------------------------------------------------------------

def schema(*wanted: str) -> dict[str, Any]:
    if not wanted:
        return {"type": "object", "required": list(FIELDS), "properties": FIELDS, "additionalProperties": False,
                "description": "the template's keys: " + ", ".join(FIELDS)}
    return {"type": "object", "required": list(wanted), "properties": {w: FIELDS[w] for w in wanted},
            "description": "the template's keys, " + ", ".join(wanted) + " among them"}


def answers(project: Path, *wanted: str) -> dict[str, Any]:
    return read_answers(project, NAME, schema(*wanted))


def mismatches(stated: dict[str, Any], measured: dict[str, Any]) -> list[str]:
    out = []
    for name in FIGURES:
        got, want = stated[name], measured.get(name)
        if name == "busiest_file":
            same = got == want
        else:
            same = isinstance(want, int | float) and abs(got - want) <= TOLERANCE[name] + 1e-9
        if not same:
            out.append(f"{name}: you state {got}, measured {want}")
    return out


@pytest.mark.review
@pytest.mark.points(1)
def test_answers_file_is_complete(project: Path) -> None:
    """answers/io-bottleneck.yaml answers every question in the template's form"""
    answers(project)


@pytest.mark.review
@pytest.mark.points(2)
def test_before_figures_are_the_shipped_programs(project: Path) -> None:
    """the 'before' figures are what the shipped program does on the load"""
    wrong = mismatches(answers(project, "before")["before"], KEY_BEFORE)
    if wrong:
        fail("before: these figures are not what the shipped program does on the load",
             expected="the figures the load prints for incidents/io_bottleneck.py as the exercise gave it",
             got="; ".join(w.split(", measured")[0] for w in wrong),
             hint="Measure before you fix: run the load on the program as shipped (git stash, or a copy of the "
                  "original file) and copy its figures. " + RUN)


@pytest.mark.review
@pytest.mark.points(2)
def test_after_figures_match_your_program(subject: Subject, project: Path) -> None:
    """the 'after' figures are what your fixed program does on the load"""
    stated = answers(project, "after")["after"]
    wrong = mismatches(stated, run_load(subject, project)["figures"])
    if wrong:
        fail("the 'after' figures you state are not what your program does on the load",
             expected="your answers to match the load replayed with your incidents/io_bottleneck.py",
             got="; ".join(wrong),
             hint=RUN + " State what you measured, not what should happen; if it looks wrong, fix the program.")


@pytest.mark.review
@pytest.mark.points(1)
def test_iostat_patterns(project: Path) -> None:
    """what iostat shows for orders.log and for the status files of the shipped program"""
    stated = answers(project, *KEY_PATTERNS)
    hints = {
        "orders_log_pattern": "Compare orders.log's w/s with its f/s, and its wareq-sz (kB per write) with 1 kB.",
        "status_files_pattern": "Compare a status file's wkB/s with what changed: ~150 changes a second of an id "
                                "and a word each. What is its wareq-sz?",
    }
    for name, key in KEY_PATTERNS.items():
        if stated[name] != key:
            fail(f"{name}: not what the shipped program's iostat table shows",
                 expected="another of the choices the template lists", got=str(stated[name]), hint=hints[name])


@pytest.mark.review
@pytest.mark.points(2)
def test_cause_and_fix(project: Path) -> None:
    """the two root causes, their fixes, and when a batch may be acknowledged are the right choices"""
    stated = answers(project, *KEY_CHOICES)
    hints = {
        "root_cause_orders": "Count orders.log's syncs per order in the iotop table, and read place(): when does it "
                             "call sync()?",
        "root_cause_status": "A status change is ~15 bytes of news; how many bytes does set_status() write for it, "
                             "and what happens to that number as the shop gets more orders?",
        "fix_orders": "The batch arrives together and is acknowledged together: how few syncs can cover it, and "
                      "which choices acknowledge something a power cut can still take away?",
        "fix_status": "Which choice writes what changed, and no more, while still syncing before the call returns?",
        "ack_rule": "The service answers 'OK' when the call returns. Which bytes does a power cut never take away?",
    }
    for name, key in KEY_CHOICES.items():
        if stated[name] != key:
            fail(f"{name}: not the right choice", expected="another of the choices the template lists",
                 got=str(stated[name]), hint=hints[name])


@pytest.mark.review
@pytest.mark.points(2)
def test_postmortem_has_its_six_sections(project: Path) -> None:
    """postmortems/io-bottleneck.md has the six sections, each written out"""
    read_postmortem(project, NAME)
