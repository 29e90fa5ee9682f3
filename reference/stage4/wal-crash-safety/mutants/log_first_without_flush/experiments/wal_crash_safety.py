"""WAL 如何保证 crash safety？ Cut the power at every write and fsync of a workload; see what recovery finds.

Run it from the project folder:

    python experiments/wal_crash_safety.py

It runs one workload (24 transactions with commits, aborts and checkpoints) on four stores, and
for each store once per write or sync of that run: with the power cut at that moment, then
recovery on what the "disk" kept. It counts, over all those crashes, the acknowledged commits that recovery
lost and the values of transactions that never committed that recovery left visible:

    wal_store         your WalStore (stage4/wal): log first, data only at checkpoints, fsync before ack
    eager_log_first   EagerStore below: every change logged and fsynced, then written to the table
    eager_data_first  EagerStore below: every change written to the table, then logged
    ack_before_fsync  your WalStore on SkipLogSync below: the log is never fsynced

First write EagerTransaction._change and SkipLogSyncFile.sync (the rest is given), then run it
and copy the table into answers/wal-crash-safety.yaml.

The block between the ">>> shared" and "<<< end" lines is the grader's own: the workload, the
simulated disk, and how a recovered state is judged. The grader runs it with your code, so do
not change it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import struct
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Run as a script, Python puts experiments/ on sys.path; minimysql lives one folder up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from minimysql.wal import WAL, WalError, WalStore  # your log and your store (stage4/wal)

# -- EagerStore: changes reach the data file before the transaction commits -----------------------

TABLE = "table.db"
ROW = struct.Struct("<II")  # body length, crc32 of the body; the body: key length (2), present (1), key, value


def encode_row(key: str, value: bytes | None) -> bytes:
    raw = key.encode()
    body = struct.pack("<HB", len(raw), value is not None) + raw + (value or b"")
    return ROW.pack(len(body), zlib.crc32(body)) + body


def read_rows(data: bytes) -> tuple[dict[str, bytes], int]:
    """The table's rows (the last row of a key wins; a row without a value deletes it), and where
    the valid rows end: a torn or corrupt row and everything after it are not rows."""
    rows: dict[str, bytes] = {}
    offset = 0
    while offset + ROW.size <= len(data):
        length, crc = ROW.unpack_from(data, offset)
        body = data[offset + ROW.size:offset + ROW.size + length]
        if length < 3 or len(body) < length or zlib.crc32(body) != crc:
            break
        size, present = struct.unpack_from("<HB", body)
        key = body[3:3 + size].decode()
        if present:
            rows[key] = body[3 + size:]
        else:
            rows.pop(key, None)
        offset += ROW.size + length
    return rows, offset


def encode_change(key: str, before: bytes | None, after: bytes | None) -> bytes:
    """An update record's payload: the key, its value before the change and after it (None: absent)."""
    return json.dumps([key, None if before is None else before.hex(), None if after is None else after.hex()]).encode()


def decode_change(payload: bytes) -> tuple[str, bytes | None, bytes | None]:
    key, before, after = json.loads(payload)
    return key, None if before is None else bytes.fromhex(before), None if after is None else bytes.fromhex(after)


class EagerStore:
    """A store whose changes reach its data file (the table) while the transaction runs, as when a
    buffer pool writes a dirty page before its transaction commits ("steal"). Each change is also
    logged in your WAL with its before-image, so recovery can undo a transaction that never
    committed. ``log_first`` decides the order of a change's two writes (EagerTransaction._change).

    The table is an append-only file of rows (the last row of a key wins), synced at every write.
    Recovery: redo the changes of committed transactions in log order, then undo those of
    transactions with neither a commit nor an abort record, newest first; then cut the log.
    """

    def __init__(self, storage: Any, *, log_first: bool) -> None:
        self.log_first = log_first
        self.table = storage.open(TABLE)
        self.rows, end = read_rows(self.table.read_at(0, self.table.size()))
        if end < self.table.size():
            self.table.truncate(end)  # a torn last row: new rows must follow the last whole one
            self.table.sync()
        self.wal = WAL(storage)  # your log (stage4/wal)
        self.active: EagerTransaction | None = None
        records = self.wal.records()
        finished = {txn for _, txn, kind, _ in records if kind in ("commit", "abort")}
        committed = {txn for _, txn, kind, _ in records if kind == "commit"}
        updates = [(txn, decode_change(payload)) for _, txn, kind, payload in records if kind == "update"]
        for txn, (key, _, after) in updates:
            if txn in committed:
                self.write_row(key, after)  # redo
        for txn, (key, before, _) in reversed(updates):
            if txn not in finished:
                self.write_row(key, before)  # undo
        self.next_txn = max((txn for _, txn, _, _ in records), default=0) + 1
        self.wal.reset()  # the table now holds everything the log said

    def write_row(self, key: str, value: bytes | None) -> None:
        """Write the key's new value (None: delete it) to the table, durably (synced)."""
        if (key in self.rows, self.rows.get(key)) != (value is not None, value):
            self.table.append(encode_row(key, value))
            self.table.sync()
        if value is None:
            self.rows.pop(key, None)
        else:
            self.rows[key] = value

    def begin(self) -> EagerTransaction:
        if self.active is not None:
            raise WalError("one transaction at a time")
        self.active = EagerTransaction(self, self.next_txn)
        self.next_txn += 1
        self.wal.append(self.active.id, "begin")
        return self.active

    def get(self, key: str) -> bytes | None:
        return self.rows.get(key)

    def keys(self) -> list[str]:
        return sorted(self.rows)

    def checkpoint(self) -> None:
        if self.active is not None:
            raise WalError("finish the transaction before a checkpoint")
        self.wal.flush()
        self.wal.reset()  # every row is already durable in the table

    def close(self) -> None:
        self.wal.close()


class EagerTransaction:
    def __init__(self, store: EagerStore, txn_id: int) -> None:
        self.store = store
        self.id = txn_id
        self.undo: list[tuple[str, bytes | None]] = []  # (key, value before the change), oldest first

    def put(self, key: str, value: bytes) -> None:
        self._change(key, value)

    def delete(self, key: str) -> None:
        self._change(key, None)

    def _change(self, key: str, value: bytes | None) -> None:
        """Write this. One change (value None: delete), written twice:

        - to the log: ``self.store.wal.append(self.id, "update", encode_change(key, before, value))``
          where ``before`` is the key's value now (``self.store.rows.get(key)``), followed by
          ``self.store.wal.flush()`` so the record is durable;
        - to the table: ``self.store.write_row(key, value)`` (durable too).

        If ``self.store.log_first``, the log first, then the table: the write-ahead rule. Otherwise
        the table first, then the log. Either way, also remember ``(key, before)`` in ``self.undo``
        (abort() puts the old values back from it).
        """
        before = self.store.rows.get(key)
        self.undo.append((key, before))
        if self.store.log_first:
            self.store.wal.append(self.id, "update", encode_change(key, before, value))  # the log first...
            self.store.write_row(key, value)
            self.store.wal.flush()  # ...made durable with the row
        else:
            self.store.write_row(key, value)  # the table changes first: a crash now leaves no record of it
            self.store.wal.append(self.id, "update", encode_change(key, before, value))
            self.store.wal.flush()

    def commit(self) -> None:
        self.store.wal.append(self.id, "commit")
        self.store.wal.flush()  # durable before commit() returns: then it is acknowledged
        self.store.active = None

    def abort(self) -> None:
        for key, before in reversed(self.undo):
            self.store.write_row(key, before)
        self.store.wal.append(self.id, "abort")
        self.store.active = None


# -- SkipLogSync: a commit acknowledged before its log record is durable -----------------------------

class SkipLogSync:
    """A storage that passes every call on to ``inner``, except that the log's fsync does nothing:
    what fsync = off, or innodb_flush_log_at_trx_commit = 0 with a crash of the machine, do."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def open(self, name: str) -> SkipLogSyncFile:
        return SkipLogSyncFile(name, self.inner.open(name))

    def exists(self, name: str) -> bool:
        return bool(self.inner.exists(name))

    def remove(self, name: str) -> None:
        self.inner.remove(name)

    def names(self) -> list[str]:
        return list(self.inner.names())


class SkipLogSyncFile:
    def __init__(self, name: str, inner: Any) -> None:
        self.name, self.inner = name, inner

    def read_at(self, offset: int, size: int) -> bytes:
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
        """Write this: if this file is the log (``LOG``, "wal.log"), return without syncing; any
        other file's sync is passed on to the inner file."""
        if self.name != LOG:
            self.inner.sync()

    def close(self) -> None:
        self.inner.close()


# >>> shared with support/wal_crash_safety_support.py: the grader replays this block, keep it unchanged
LOG = "wal.log"
KEYS = [f"k{i}" for i in range(6)]
Step = tuple[Any, ...]  # ("begin", t), ("put", t, key, value), ("commit", t), ("abort", t), ("checkpoint",)


def workload() -> list[Step]:
    """24 transactions, one after another, seeded: each puts 1 to 3 of six keys, then commits (three
    times in four) or aborts. A checkpoint after every eighth transaction. Every value names the
    transaction that wrote it: b"t7:k2" was written by transaction 7, so a recovered value tells
    whether an acknowledged, an aborted or an unfinished transaction left it there."""
    rng = random.Random(7)
    steps: list[Step] = []
    for t in range(1, 25):
        steps.append(("begin", t))
        for key in rng.sample(KEYS, rng.randint(1, 3)):
            steps.append(("put", t, key, f"t{t}:{key}".encode()))
        steps.append(("commit", t) if rng.random() < 0.75 else ("abort", t))
        if t % 8 == 0:
            steps.append(("checkpoint",))
    return steps


class PowerCut(BaseException):
    """The power went out. A BaseException, so ``except Exception`` in a store cannot swallow it."""


@dataclass
class _FileState:
    durable: bytearray = field(default_factory=bytearray)  # what survives a power cut for sure
    current: bytearray = field(default_factory=bytearray)  # what reads see now
    # the writes (offset, data) and truncates (size, None) since the last sync, oldest first
    pending: list[tuple[int, bytes | None]] = field(default_factory=list)


def _apply(buf: bytearray, offset: int, data: bytes | None) -> None:
    if data is None:
        del buf[offset:]
        return
    if offset + len(data) > len(buf):
        buf.extend(bytes(offset + len(data) - len(buf)))
    buf[offset:offset + len(data)] = data


class PowerCutFile:
    def __init__(self, storage: PowerCutStorage, name: str) -> None:
        self.storage, self.name = storage, name

    def _state(self) -> _FileState:
        return self.storage.files[self.name]

    def read_at(self, offset: int, size: int) -> bytes:
        return bytes(self._state().current[offset:offset + size])

    def write_at(self, offset: int, data: bytes) -> None:
        self.storage.write(self.name, offset, bytes(data))

    def append(self, data: bytes) -> int:
        offset = len(self._state().current)
        self.write_at(offset, data)
        return offset

    def size(self) -> int:
        return len(self._state().current)

    def truncate(self, size: int) -> None:
        self.storage.event(self.name, "truncate")
        state = self._state()
        state.pending.append((size, None))
        _apply(state.current, size, None)

    def sync(self) -> None:
        self.storage.event(self.name, "sync")
        state = self._state()
        state.durable = bytearray(state.current)
        state.pending.clear()

    def close(self) -> None:
        pass


class PowerCutStorage:
    """Files in memory whose power goes out at the ``cut_at``-th event, an event being a write, a
    sync or a truncate of any file, counted from 1. A write cut by the power reaches its file only
    in part (a seeded prefix); a sync or truncate cut by it does not happen. Then PowerCut is
    raised, and every later call too. Until a file's sync(), its writes are not durable:
    ``power_cut()`` gives the storage a restart finds, each file's synced bytes plus a seeded
    prefix of the writes after them, the last one maybe torn."""

    def __init__(self, *, seed: int = 0, cut_at: int | None = None) -> None:
        self.files: dict[str, _FileState] = {}
        self.rng = random.Random(seed)
        self.cut_at = cut_at
        self.events = 0

    def open(self, name: str) -> PowerCutFile:
        self.files.setdefault(name, _FileState())
        return PowerCutFile(self, name)

    def exists(self, name: str) -> bool:
        return name in self.files

    def remove(self, name: str) -> None:
        self.files.pop(name, None)

    def names(self) -> list[str]:
        return sorted(self.files)

    def event(self, name: str, kind: str) -> bool:
        """Count one event; raise PowerCut if the power is out. True: this write is the one cut short."""
        if self.cut_at is not None and self.events >= self.cut_at:
            raise PowerCut("the power is already out")
        self.events += 1
        if self.events != self.cut_at:
            return False
        if kind == "write":
            return True
        raise PowerCut(f"power cut at event {self.events} ({kind} of {name})")

    def write(self, name: str, offset: int, data: bytes) -> None:
        torn = self.event(name, "write")
        state = self.files[name]
        if torn:
            data = data[:self.rng.randint(0, len(data))]
        state.pending.append((offset, data))
        _apply(state.current, offset, data)
        if torn:
            raise PowerCut(f"power cut at event {self.events} (write to {name})")

    def power_cut(self) -> PowerCutStorage:
        after = PowerCutStorage(seed=self.rng.randrange(1 << 30))
        for name, state in self.files.items():
            survivor = bytearray(state.durable)
            kept = self.rng.randint(0, len(state.pending))
            for index, (offset, data) in enumerate(state.pending[:kept]):
                if index == kept - 1 and data:
                    data = data[:self.rng.randint(1, len(data))]  # the last write that made it may be torn
                _apply(survivor, offset, data)
            after.files[name] = _FileState(durable=bytearray(survivor), current=bytearray(survivor))
        return after


def run_workload(store: Any, steps: list[Step], progress: dict[str, Any]) -> None:
    """Run the steps on a store with WalStore's API; ``progress`` records the acknowledged commits
    (a commit is acknowledged when commit() returns) and the commit in progress when the power went."""
    txn = None
    for step in steps:
        if step[0] == "begin":
            txn = store.begin()
        elif step[0] == "put":
            txn.put(step[2], step[3])
        elif step[0] == "commit":
            progress["committing"] = step[1]
            txn.commit()
            progress["committing"] = None
            progress["acked"].append(step[1])
        elif step[0] == "abort":
            txn.abort()
        elif step[0] == "checkpoint":
            store.checkpoint()


def judge(state: dict[str, bytes | None], steps: list[Step], acked: list[int],
          committing: int | None) -> tuple[set[int], list[str]]:
    """What recovery found, against what was promised. Returns the acknowledged transactions whose
    change is missing (lost), and the keys that show a value of a transaction that never committed
    (visible). The commit in progress at the cut may count either way: it was never acknowledged."""
    changes: dict[int, dict[str, bytes | None]] = {}
    for step in steps:
        if step[0] == "put":
            changes.setdefault(step[1], {})[step[2]] = step[3]
    want: dict[str, bytes | None] = {}
    writer: dict[str, int] = {}  # key -> the acknowledged transaction whose change it should show
    for t in acked:
        for key, value in changes.get(t, {}).items():
            want[key], writer[key] = value, t
    maybe = changes.get(committing, {}) if committing is not None else {}
    lost: set[int] = set()
    visible: list[str] = []
    for key in sorted(set(KEYS) | set(state)):
        got = state.get(key)
        if got == want.get(key) or (key in maybe and got == maybe[key]):
            continue
        source = int(got.split(b":")[0][1:]) if got is not None and got.startswith(b"t") and b":" in got else None
        if got is None or source in acked:
            lost.add(writer.get(key, 0))  # the acknowledged change that should be there is not
        else:
            visible.append(key)  # a value no acknowledged transaction left there
    return lost, visible


def state_of(store: Any) -> dict[str, bytes | None]:
    keys = store.keys()
    return {key: store.get(key) for key in keys}


def crash_tally(factory: Callable[[Any], Any]) -> dict[str, Any]:
    """Run the workload on ``factory(PowerCutStorage())`` once without a crash, counting its events
    (writes, syncs, truncates); then once per event n, with the power cut at event n (seed n), and
    recover with ``factory`` on the storage the cut left. Totals over all the cuts: acknowledged
    commits lost, uncommitted values visible, recoveries that raised."""
    steps = workload()
    clean = PowerCutStorage()
    progress: dict[str, Any] = {"acked": [], "committing": None}
    store = factory(clean)
    run_workload(store, steps, progress)
    lost, visible = judge(state_of(store), steps, progress["acked"], None)
    result: dict[str, Any] = {"cuts": clean.events, "lost": 0, "visible": 0, "failed": 0, "examples": [],
                              "clean_run": {"lost": sorted(lost), "visible": visible}}
    for cut in range(1, clean.events + 1):
        storage = PowerCutStorage(seed=cut, cut_at=cut)
        progress = {"acked": [], "committing": None}
        with contextlib.suppress(PowerCut):
            run_workload(factory(storage), steps, progress)
        try:
            recovered = state_of(factory(storage.power_cut()))
        except Exception as exc:  # noqa: BLE001 - a recovery that raises is an outcome to count
            result["failed"] += 1
            result["examples"].append(f"cut at event {cut}: recovery raised {type(exc).__name__}: {exc}")
            continue
        lost, visible = judge(recovered, steps, progress["acked"], progress["committing"])
        result["lost"] += len(lost)
        result["visible"] += len(visible)
        if (lost or visible) and len(result["examples"]) < 3:
            result["examples"].append(f"cut at event {cut}: lost acknowledged transactions {sorted(lost)}, "
                                      f"uncommitted values visible at {visible}")
    return result


def configurations(wal_store: Callable[[Any], Any], eager_store: Callable[..., Any],
                   skip_log_sync: Callable[[Any], Any]) -> dict[str, Callable[[Any], Any]]:
    """The four stores the experiment crashes, each built on a storage."""
    return {
        "wal_store": wal_store,  # your WalStore: log first, data only at checkpoints, fsync before ack
        "eager_log_first": lambda storage: eager_store(storage, log_first=True),
        "eager_data_first": lambda storage: eager_store(storage, log_first=False),
        "ack_before_fsync": lambda storage: wal_store(skip_log_sync(storage)),  # your WalStore, log never synced
    }
# <<< end of the shared block


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Power cuts at every write and sync of a workload, on four stores.")
    parser.parse_args(argv)
    steps = workload()
    transactions = sum(step[0] == "begin" for step in steps)
    checkpoints = sum(step[0] == "checkpoint" for step in steps)
    print(f"a power cut at every write and sync of the workload ({transactions} transactions, {checkpoints} "
          "checkpoints), then recovery\n")
    print(f"{'store':<18}{'cuts':>6}{'acked commits lost':>20}{'uncommitted visible':>21}{'recoveries failed':>19}")
    stores = configurations(WalStore, EagerStore, SkipLogSync)
    examples = []
    for name, factory in stores.items():
        try:
            result = crash_tally(factory)
        except NotImplementedError:
            sys.exit(f"{name}: something is not written yet (your minimysql/wal.py, or "
                     "EagerTransaction._change / SkipLogSyncFile.sync in this file).")
        print(f"{name:<18}{result['cuts']:>6}{result['lost']:>20}{result['visible']:>21}{result['failed']:>19}")
        clean = result["clean_run"]
        if clean["lost"] or clean["visible"]:
            examples.append(f"{name}: WRONG even without a power cut: {clean}")
        examples += [f"{name}: {example}" for example in result["examples"][:2]]
    print()
    for example in examples:
        print(example)


if __name__ == "__main__":
    main()
