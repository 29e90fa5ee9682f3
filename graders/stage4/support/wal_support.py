"""Subject-side helpers of the stage4/wal grader.

They run in the learner's process next to ``minimysql.wal``, so one call can drive a whole
workload (fifty crash points, a commit loop, a workload killed with SIGKILL) instead of one
round trip per operation. They return plain data; the grader computes every verdict.
"""

from __future__ import annotations

import os
import time
from typing import Any

from storage_support import MemoryFile, MemoryStorage, PowerCut

LOG = "wal.log"

# A workload step, as plain data: ("begin",), ("put", key, value), ("delete", key), ("commit",),
# ("abort",), ("checkpoint",).
Step = tuple[Any, ...]


class _WatchedFile(MemoryFile):
    def __init__(self, storage: WatchedStorage, name: str) -> None:
        super().__init__(storage, name)
        self._watcher = storage

    def truncate(self, size: int) -> None:
        if self._name == LOG and size < self.size():
            self._watcher._log_shrinks(f"truncate({size})")
        super().truncate(size)


class WatchedStorage(MemoryStorage):
    """A MemoryStorage that notes every breach of the write-ahead rules, as plain strings:

    - a write to a data file (any file but wal.log) while wal.log has unsynced writes;
    - wal.log losing bytes (truncate, remove) while a data file has unsynced writes.
    """

    def __init__(self, *, seed: int = 0, cut_after_writes: int | None = None) -> None:
        super().__init__(seed=seed, cut_after_writes=cut_after_writes)
        self.breaches: list[str] = []
        self.data_writes = 0

    def open(self, name: str) -> _WatchedFile:
        super().open(name)
        return _WatchedFile(self, name)

    def _before_write(self, name: str, op: Any) -> None:
        if name != LOG:
            self.data_writes += 1
            pending = self.unsynced(LOG)
            if pending:
                self.breaches.append(f"wrote {len(op.data)} bytes at offset {op.offset} of {name} while "
                                     f"{LOG} had {pending} unsynced write(s)")
        super()._before_write(name, op)

    def _log_shrinks(self, what: str) -> None:
        dirty = [name for name in self._files if name != LOG and self.unsynced(name)]
        if dirty:
            self.breaches.append(f"{what} on {LOG} while {', '.join(dirty)} had unsynced writes")

    def remove(self, name: str) -> None:
        if name == LOG:
            self._log_shrinks("remove")
        super().remove(name)


class _CountingStorage(MemoryStorage):
    """Notes the numbers of the writes that went to a data file (any file but wal.log)."""

    def __init__(self) -> None:
        super().__init__(seed=0)
        self.data_writes: list[int] = []

    def _before_write(self, name: str, op: Any) -> None:
        super()._before_write(name, op)
        if name != LOG:
            self.data_writes.append(self.total_writes)


def run_steps(store: Any, steps: list[Step], progress: dict[str, Any]) -> None:
    """Run a workload on a WalStore; ``progress`` tracks which commits were acknowledged."""
    txn = None
    for index, step in enumerate(steps):
        progress["step"] = index
        op = step[0]
        if op == "begin":
            txn = store.begin()
        elif op == "put":
            txn.put(step[1], step[2])
        elif op == "delete":
            txn.delete(step[1])
        elif op == "commit":
            progress["committing"] = index
            txn.commit()
            progress["committing"] = None
            progress["acked"].append(index)
        elif op == "abort":
            txn.abort()
        elif op == "checkpoint":
            store.checkpoint()


def state_of(store: Any) -> dict[str, bytes]:
    keys = store.keys()
    return {key: store.get(key) for key in keys}


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def crash_points(steps: list[Step], count: int) -> dict[str, Any]:
    """Run ``steps`` on a fresh WalStore, cutting the power at ``count`` spread-out writes.

    Per point: the seed and write number, which commits were acknowledged, the commit in
    progress at the cut, the state recovery found, and the state after one more transaction
    and a clean reopen (or the exception recovery raised).
    """
    from minimysql.wal import WalStore

    clean = _CountingStorage()
    store = WalStore(clean)
    run_steps(store, steps, {"acked": [], "committing": None, "step": 0})
    store.close()
    total = max(1, clean.total_writes)
    # The riskiest moments first: each data-file write (twice, torn differently) and the write
    # after it (a checkpoint in progress), then points spread evenly over the whole workload.
    risky = [n + d for n in clean.data_writes for d in (0, 0, 1) if n + d <= total][: count // 2]
    spread = [1 + (i * total) // (count - len(risky)) for i in range(count - len(risky))]
    points = []
    for i, cut in enumerate(risky + spread):
        seed = i
        storage = MemoryStorage(seed=seed, cut_after_writes=cut)
        progress: dict[str, Any] = {"acked": [], "committing": None, "step": -1}
        point: dict[str, Any] = {"seed": seed, "cut_after_writes": cut, "cut": False}
        try:
            run_steps(WalStore(storage), steps, progress)
        except PowerCut:
            point["cut"] = True
        except Exception as exc:  # noqa: BLE001 - the workload failed before the cut: an outcome to report
            point["workload_error"] = _describe(exc)
        point.update(acked=progress["acked"], committing=progress["committing"], step=progress["step"])
        after = storage.power_cut()
        try:
            recovered = WalStore(after)
            point["recovered"] = state_of(recovered)
            txn = recovered.begin()
            txn.put("after-recovery", b"works")
            txn.commit()
            recovered.close()
            point["reopened"] = state_of(WalStore(after))
        except Exception as exc:  # noqa: BLE001 - recovery that raises is an outcome to report
            point["recovery_error"] = _describe(exc)
        points.append(point)
    return {"total_writes": clean.total_writes, "points": points}


def commit_one(store: Any, key: str, value: bytes) -> None:
    """One single-put transaction (the unit the commit-cost check times)."""
    txn = store.begin()
    txn.put(key, value)
    txn.commit()


def kill_workload(root: str, acks: str, first: int, keys: int, seconds: float) -> int:
    """Commit transactions first, first+1, ... on OsStorage(root) until killed (or ``seconds`` pass).

    Transaction i puts f"k{(i + j) % keys}" = f"{i}".encode() for j in 0..2 and deletes
    f"k{(i + 3) % keys}". After each commit returns, i is written to ``acks`` and synced, so the
    grader knows which commits were acknowledged before the kill.
    """
    from minimysql.storage import OsStorage
    from minimysql.wal import WalStore

    store = WalStore(OsStorage(root))
    fd = os.open(acks, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    deadline = time.monotonic() + seconds
    i = first
    while time.monotonic() < deadline:
        txn = store.begin()
        for j in range(3):
            txn.put(f"k{(i + j) % keys}", str(i).encode())
        txn.delete(f"k{(i + 3) % keys}")
        txn.commit()
        os.write(fd, f"{i}\n".encode())
        os.fsync(fd)
        if (i - first) % 25 == 24:
            store.checkpoint()
        i += 1
    os.close(fd)
    store.close()
    return i


def read_state(root: str) -> dict[str, bytes]:
    from minimysql.storage import OsStorage
    from minimysql.wal import WalStore

    store = WalStore(OsStorage(root))
    state = state_of(store)
    store.close()
    return state
