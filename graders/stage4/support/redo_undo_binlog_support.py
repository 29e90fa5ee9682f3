"""Subject-side helpers of the stage4/redo-undo-binlog grader.

They run inside the learner's process (this folder is on its sys.path, before the learner's
project), so a whole series of power cuts runs through the learner's Primary in one call.

The block between the ">>> shared" and "<<< end" lines is the source of truth for the experiment:
the workload, the disk that loses unsynced writes, the replica, the outcomes. It is copied
verbatim into the learner's experiments/redo_undo_binlog.py
(exercises/stage4/redo-undo-binlog/stub/experiments/); the proofs check the two copies are equal.
The grader also loads this file in its own process, for ``records`` and ``replica``.
"""

from __future__ import annotations

# >>> shared with support/redo_undo_binlog_support.py: the grader replays this block, keep it unchanged
import contextlib
import json
import struct
import zlib
from collections.abc import Callable
from typing import Any

ORDERS = ("two_phase", "redo_first", "binlog_first")
# Three transfers from alice to bob; the power cut hits T3. T3 is on a side iff alice has 20 there.
WORKLOAD = [
    (1, {"alice": "100", "bob": "100"}),
    (2, {"alice": "70", "bob": "130"}),
    (3, {"alice": "20", "bob": "180"}),
]


class PowerCut(BaseException):
    """The power went out. BaseException, so ``except Exception`` cannot swallow it."""


class SimFile:
    """One file of a SimDisk: a Storage file (see minimysql/storage.py)."""

    def __init__(self, disk: SimDisk, name: str) -> None:
        self.disk, self.name = disk, name

    def read_at(self, offset: int, size: int) -> bytes:
        return bytes(self.disk.files[self.name][offset:offset + size])

    def write_at(self, offset: int, data: bytes) -> None:
        self.disk.call(self.name, "write_at", data)
        buf = self.disk.files[self.name]
        if offset + len(data) > len(buf):
            buf.extend(bytes(offset + len(data) - len(buf)))
        buf[offset:offset + len(data)] = data

    def append(self, data: bytes) -> int:
        self.disk.call(self.name, "append", data)
        offset = len(self.disk.files[self.name])
        self.disk.files[self.name] += data
        return offset

    def size(self) -> int:
        return len(self.disk.files[self.name])

    def truncate(self, size: int) -> None:
        self.disk.call(self.name, "truncate")
        del self.disk.files[self.name][size:]

    def sync(self) -> None:
        self.disk.call(self.name, "sync")
        self.disk.synced[self.name] = bytes(self.disk.files[self.name])

    def close(self) -> None:
        pass


class SimDisk:
    """A Storage in memory that records every storage call, and can cut the power just before the
    n-th call after ``arm(n)``. A power cut loses everything not synced: ``after_power_cut()`` is
    the disk a restart finds, each file as of its last sync()."""

    def __init__(self, files: dict[str, bytes] | None = None) -> None:
        self.files = {name: bytearray(data) for name, data in (files or {}).items()}
        self.synced = {name: bytes(data) for name, data in (files or {}).items()}
        self.calls: list[tuple[str, str, bytes]] = []
        self.cut_before: int | None = None

    def call(self, name: str, op: str, data: bytes = b"") -> None:
        if self.cut_before is not None and len(self.calls) + 1 >= self.cut_before:
            raise PowerCut(f"power cut before {op} on {name}")
        self.calls.append((name, op, data))

    def arm(self, cut_before: int | None) -> None:
        """Count the calls from now on; cut the power just before call number ``cut_before``."""
        self.calls, self.cut_before = [], cut_before

    def after_power_cut(self) -> SimDisk:
        return SimDisk(self.synced)

    def open(self, name: str) -> SimFile:
        self.files.setdefault(name, bytearray())
        self.synced.setdefault(name, b"")
        return SimFile(self, name)

    def exists(self, name: str) -> bool:
        return name in self.files

    def remove(self, name: str) -> None:
        self.files.pop(name, None)
        self.synced.pop(name, None)

    def names(self) -> list[str]:
        return sorted(self.files)


def records(data: bytes) -> list[dict[str, Any]]:
    """The whole records of a log's bytes (length u32 | crc32 u32 | JSON body), up to a torn tail."""
    out, offset = [], 0
    while offset + 8 <= len(data):
        length, crc = struct.unpack_from("<II", data, offset)
        body = data[offset + 8:offset + 8 + length]
        if len(body) < length or zlib.crc32(body) != crc:
            break
        out.append(json.loads(body))
        offset += 8 + length
    return out


def replica(binlog: bytes) -> dict[str, str]:
    """A replica's data: every binlog event applied, in order, from the start."""
    data: dict[str, str] = {}
    for event in records(binlog):
        data.update(event["changes"])
    return data


def call_text(call: tuple[str, str, bytes]) -> str:
    """e.g. 'redo.log append prepare T3', 'binlog.log sync'."""
    name, op, data = call
    if op != "append":
        return f"{name} {op}"
    found = records(data)
    record = found[0] if found else {}
    return f"{name} append {record.get('type', 'event')} T{record.get('txn', '?')}"


def outcome(primary: dict[str, str], binlog: bytes) -> str:
    on_primary = primary.get("alice") == "20"
    on_replica = replica(binlog).get("alice") == "20"
    return {(True, True): "both", (False, False): "neither", (True, False): "primary_only",
            (False, True): "replica_only"}[(on_primary, on_replica)]


def power_cuts(primary_class: Callable[..., Any], order: str) -> dict[str, Any]:
    """The storage calls of T3's commit and, after a power cut before each of them and after the
    commit returned: where T3 is (the outcome), and what recovery decided for it (``recovered``:
    "committed" or "rolled_back", "none" when recovery did not find T3 prepared)."""
    disk = SimDisk()
    server = primary_class(disk, order=order)
    for txn, changes in WORKLOAD[:-1]:
        server.commit(txn, changes)
    disk.arm(None)
    server.commit(*WORKLOAD[-1])
    calls = [call_text(call) for call in disk.calls]
    outcomes, decisions = [], []
    for cut in range(1, len(calls) + 2):  # before call 1 .. before call n, then after the commit returned
        disk = SimDisk()
        server = primary_class(disk, order=order)
        for txn, changes in WORKLOAD[:-1]:
            server.commit(txn, changes)
        disk.arm(cut)
        with contextlib.suppress(PowerCut):
            server.commit(*WORKLOAD[-1])
        restarted = disk.after_power_cut()
        recovered = primary_class(restarted, order=order)  # recovery runs here
        outcomes.append(outcome(recovered.data(), bytes(restarted.files.get("binlog.log", b""))))
        decisions.append(recovered.recovered.get(WORKLOAD[-1][0], "none"))
    return {"calls": calls, "outcomes": outcomes, "decisions": decisions}
# <<< end of the shared block


# -- the grader's own helpers (not in the learner's script) ------------------------------------------

# Six transactions for the seeded power cuts: each marks itself done (t<n>) and moves a shared balance.
FAULT_WORKLOAD = [(n, {f"t{n}": "done", "balance": str(1000 - 10 * n), f"k{n % 3}": f"v{n}"}) for n in range(1, 7)]
AFTER = (100, {"t100": "done", "balance": "0"})  # committed after recovery, then one more restart
BINLOG_NAME = "binlog.log"


def _error(exc: BaseException) -> str:
    return (f"{type(exc).__name__}: {exc}" if str(exc) else f"{type(exc).__name__} (is it still the stub?)")[:300]


def measure_yours() -> dict[str, dict[str, Any]]:
    """What the learner's experiment prints, measured here with their Primary."""
    from minimysql.two_phase_commit import Primary

    return {order: power_cuts(Primary, order) for order in ORDERS}


def commit_calls(order: str) -> dict[str, Any]:
    """The storage calls of T3's commit (file, op, bytes appended), and both logs' bytes after it."""
    from minimysql.two_phase_commit import Primary

    disk = SimDisk()
    server = Primary(disk, order=order)
    for txn, changes in WORKLOAD[:-1]:
        server.commit(txn, changes)
    disk.arm(None)
    server.commit(*WORKLOAD[-1])
    return {"calls": [list(call) for call in disk.calls],
            "files": {name: bytes(data) for name, data in disk.files.items()}, "data": server.data()}


def recover(files: dict[str, bytes], order: str) -> dict[str, Any]:
    """Open a Primary on a disk holding ``files`` (all synced): what recovery made of them."""
    from minimysql.two_phase_commit import Primary

    disk = SimDisk(files)
    try:
        server = Primary(disk, order=order)
        return {"data": server.data(), "recovered": dict(server.recovered),
                "files": {name: bytes(data) for name, data in disk.synced.items()},
                "unsynced": sorted(name for name in disk.files if bytes(disk.files[name]) != disk.synced.get(name))}
    except Exception as exc:  # noqa: BLE001 - the learner's failure is data here
        return {"error": _error(exc)}


def power_cut_runs(cuts: list[int], seeds: list[int]) -> list[dict[str, Any]]:
    """FAULT_WORKLOAD on a MemoryStorage cut at each write number of ``cuts``, with each seed; then
    recovery, one more commit, and a second restart."""
    from minimysql.two_phase_commit import Primary
    from storage_support import MemoryStorage
    from storage_support import PowerCut as Cut

    runs = []
    for cut in cuts:
        for seed in seeds:
            storage = MemoryStorage(seed=seed, cut_after_writes=cut)
            run: dict[str, Any] = {"cut": cut, "seed": seed, "acked": [], "in_flight": None}
            try:
                server = Primary(storage)
                for txn, changes in FAULT_WORKLOAD:
                    run["in_flight"] = txn
                    server.commit(txn, changes)
                    run["acked"].append(txn)
                    run["in_flight"] = None
            except Cut:
                pass
            after = storage.power_cut()
            try:
                recovered = Primary(after)
                run["primary"], run["decided"] = recovered.data(), dict(recovered.recovered)
                run["binlog"] = after.snapshot().get(BINLOG_NAME, b"")
                recovered.commit(*AFTER)
                again = after.power_cut()
                run["primary_again"] = Primary(again).data()
                run["binlog_again"] = again.snapshot().get(BINLOG_NAME, b"")
            except Exception as exc:  # noqa: BLE001 - the learner's failure is data here
                run["error"] = _error(exc)
            runs.append(run)
    return runs

