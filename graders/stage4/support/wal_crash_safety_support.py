"""Subject-side helper of the stage4/wal-crash-safety grader: one workload, a power cut at every write and sync.

It runs inside the learner's process, next to their ``minimysql.wal`` and the ``EagerStore`` and
``SkipLogSync`` of their experiment script, so one call replays the workload a few hundred times
(once per crash point) instead of one round trip per operation. It returns plain data; the grader
computes every verdict.

This module is the source of truth for the workload, the simulated power cuts and the judging of
what recovery found. The block between the ">>> shared" and "<<< end" lines is copied verbatim into
the exercise's ``experiments/wal_crash_safety.py`` (the script learners run). Its ``PowerCutStorage``
keeps the rules of ``storage_support.MemoryStorage`` (unsynced writes may be lost or torn at a power
cut, seeded) in a form the learner's script can carry, and can also cut the power at a sync; the
order checks below use the grader's own ``MemoryStorage``.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from storage_support import MemoryFile, MemoryStorage

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


CONFIGS = ("wal_store", "eager_log_first", "eager_data_first", "ack_before_fsync")


def tally(name: str, wal_store: Any, eager_store: Any, skip_log_sync: Any) -> dict[str, Any]:
    """crash_tally of one configuration."""
    return crash_tally(configurations(wal_store, eager_store, skip_log_sync)[name])


# -- the order of writes, on the grader's MemoryStorage ------------------------------------------------

class _Recording(MemoryStorage):
    """A MemoryStorage that notes every write and sync as "file:write" / "file:sync", in order."""

    def __init__(self) -> None:
        super().__init__(seed=0)
        self.events: list[str] = []

    def open(self, name: str) -> _RecordingFile:
        super().open(name)
        return _RecordingFile(self, name)

    def _before_write(self, name: str, op: Any) -> None:
        super()._before_write(name, op)
        self.events.append(f"{name}:write")


class _RecordingFile(MemoryFile):
    def __init__(self, storage: _Recording, name: str) -> None:
        super().__init__(storage, name)
        self._recording = storage

    def sync(self) -> None:
        super().sync()
        self._recording.events.append(f"{self._name}:sync")


def put_events(eager_store: Any, log_first: bool) -> dict[str, Any]:
    """The writes and syncs of one txn.put() (and then of its commit) in an EagerStore, in order."""
    storage = _Recording()
    store = eager_store(storage, log_first=log_first)
    txn = store.begin()
    storage.events.clear()
    txn.put("k0", b"t1:k0")
    put = list(storage.events)
    storage.events.clear()
    txn.commit()
    return {"put": put, "commit": list(storage.events)}


def skipped_sync(wal_store: Any, skip_log_sync: Any) -> dict[str, Any]:
    """WalStore(SkipLogSync(MemoryStorage)): unsynced writes left in each file after a commit returns,
    and after a checkpoint."""
    storage = MemoryStorage(seed=0)
    store = wal_store(skip_log_sync(storage))
    txn = store.begin()
    txn.put("k0", b"t1:k0")
    txn.commit()
    after_commit = {name: storage.unsynced(name) for name in storage.names()}
    store.checkpoint()
    after_checkpoint = {name: storage.unsynced(name) for name in storage.names()}
    return {"after_commit": after_commit, "after_checkpoint": after_checkpoint, "value": store.get("k0")}
