"""Subject-side helper of the stage4/io-bottleneck grader: the load and the power cuts, in the learner's process.

The grader calls ``run_load()`` in one round trip instead of one per request and gets back plain
data: the I/O the learner's ``OrderStore`` made, per file and per method, on a simulated disk
whose clock advances by a fixed cost per request (the iostat / iotop figures), and what its
lookups answered against the load's own record of what was placed. ``crash_points()`` cuts the
power at seeded writes of a smaller workload on the grader's ``MemoryStorage`` and reports what
was acknowledged and what recovery found. The verdicts are computed in the grader's process.

The block between the ">>> shared" and "<<< end" lines is copied verbatim into the exercise's
``incidents/io_bottleneck_load.py`` (the script the learner runs). If the two ever drift, the
reference's stated figures stop matching the grader's re-measurement and the proofs fail.
"""

from __future__ import annotations

# >>> shared with support/io_bottleneck_support.py: the grader replays this block, keep it unchanged
import importlib
import random
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

SEED = 4004
HISTORY = 2000  # orders the store already holds when the load starts: ids 1..2000, all delivered
HISTORY_BATCH = 50  # the history is placed, then marked delivered, 50 orders per call, before the measurement
TICKS = 100  # the measured load: 100 ticks of 100 ms, 10 s of traffic on the fake clock
TICK_MS = 100.0
ORDERS_PER_TICK = (4, 12)  # new orders per tick, a whole number drawn uniformly: 80 a second on average
LINES_PER_ORDER = (1, 5)  # lines per order, each (sku, quantity, unit price in cents)
LOOKUPS_PER_TICK = 5  # get() calls per tick: 4 for ids placed so far, 1 for an id that does not exist
CANCEL_SHARE = 0.05  # cancelled 1-5 ticks after being placed; the other orders are paid 1-3 ticks after
SHIP_AFTER = (5, 15)  # ... and shipped 5-15 ticks after being paid
TASKS = ("place", "set_status", "get")  # the OrderStore methods the measurement follows (iotop's processes)
# The simulated disk (a small cloud volume): each request the store makes keeps it busy for a fixed time.
SYNC_MS = 2.0  # sync(): the volume flushes its write cache (fsync)
REQUEST_MS = 0.1  # each read_at(), write_at() or append() ...
MS_PER_KB = 0.05  # ... plus its transfer at 20 MB/s (1 kB = 1024 bytes)
COUNTERS = ("reads", "read_bytes", "writes", "written_bytes", "syncs", "ms")


class RamFile:
    """A file of a RamStorage (see minimysql/storage.py for what each method does)."""

    def __init__(self, files: dict[str, bytearray], name: str) -> None:
        self.files, self.name = files, name

    def _data(self) -> bytearray:
        if self.name not in self.files:
            raise ValueError(f"{self.name} was removed")
        return self.files[self.name]

    def read_at(self, offset: int, size: int) -> bytes:
        if offset < 0 or size < 0:
            raise ValueError("offset and size must not be negative")
        return bytes(self._data()[offset:offset + size])

    def write_at(self, offset: int, data: bytes) -> None:
        if offset < 0:
            raise ValueError("offset must not be negative")
        buf = self._data()
        end = offset + len(data)
        if end > len(buf):
            buf.extend(bytes(end - len(buf)))
        buf[offset:end] = data

    def append(self, data: bytes) -> int:
        buf = self._data()
        offset = len(buf)
        buf.extend(data)
        return offset

    def size(self) -> int:
        return len(self._data())

    def truncate(self, size: int) -> None:
        del self._data()[size:]

    def sync(self) -> None:
        self._data()

    def close(self) -> None:
        pass


class RamStorage:
    """The simulated disk's files, in memory: the load measures I/O, the grader's power cuts test durability."""

    def __init__(self) -> None:
        self.files: dict[str, bytearray] = {}

    def open(self, name: str) -> RamFile:
        if not name or "/" in name:
            raise ValueError(f"a storage file name is one plain name, not {name!r}")
        self.files.setdefault(name, bytearray())
        return RamFile(self.files, name)

    def exists(self, name: str) -> bool:
        return name in self.files

    def remove(self, name: str) -> None:
        self.files.pop(name, None)

    def names(self) -> list[str]:
        return sorted(self.files)


class IostatStorage:
    """A Storage that passes every call on to ``inner`` and counts, per file and per task (the
    OrderStore method running), the requests made and the disk time they cost."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.task = "setup"
        self.usage: dict[tuple[str, str], dict[str, float]] = {}  # (file, task) -> COUNTERS
        self.current = dict.fromkeys(COUNTERS, 0.0)  # the requests of the call running now

    def count(self, name: str, what: str, size: int = 0) -> None:
        ms = SYNC_MS if what == "syncs" else REQUEST_MS + size / 1024 * MS_PER_KB
        row = self.usage.setdefault((name, self.task), dict.fromkeys(COUNTERS, 0.0))
        for counts in (row, self.current):
            counts[what] += 1
            counts["ms"] += ms
            if what == "reads":
                counts["read_bytes"] += size
            elif what == "writes":
                counts["written_bytes"] += size

    @contextmanager
    def call(self, tick: int, task: str, calls: list[list[Any]]) -> Iterator[None]:
        """Follow one call of the store: its requests are the task's, and the call is noted in ``calls``."""
        self.task, self.current = task, dict.fromkeys(COUNTERS, 0.0)
        try:
            yield
        finally:
            calls.append([tick, task, *(self.current[c] for c in COUNTERS)])
            self.task = "other"

    def open(self, name: str) -> IostatFile:
        return IostatFile(self, name, self.inner.open(name))

    def exists(self, name: str) -> bool:
        return bool(self.inner.exists(name))

    def remove(self, name: str) -> None:
        self.inner.remove(name)

    def names(self) -> list[str]:
        return list(self.inner.names())


class IostatFile:
    def __init__(self, disk: IostatStorage, name: str, inner: Any) -> None:
        self.disk, self.name, self.inner = disk, name, inner

    def read_at(self, offset: int, size: int) -> bytes:
        data = bytes(self.inner.read_at(offset, size))
        self.disk.count(self.name, "reads", len(data))
        return data

    def write_at(self, offset: int, data: bytes) -> None:
        self.inner.write_at(offset, data)
        self.disk.count(self.name, "writes", len(data))

    def append(self, data: bytes) -> int:
        offset = int(self.inner.append(data))
        self.disk.count(self.name, "writes", len(data))
        return offset

    def size(self) -> int:
        return int(self.inner.size())

    def truncate(self, size: int) -> None:
        self.inner.truncate(size)

    def sync(self) -> None:
        self.inner.sync()
        self.disk.count(self.name, "syncs")

    def close(self) -> None:
        self.inner.close()


def new_order(order_id: int, rng: random.Random) -> dict[str, Any]:
    """One order as the checkout service hands it to place(): id, customer, and its lines."""
    lines = [(f"sku-{rng.randrange(1000):03d}", rng.randint(1, 4), rng.randint(99, 9999))
             for _ in range(rng.randint(*LINES_PER_ORDER))]
    return {"id": order_id, "customer": f"c{rng.randrange(10000):04d}", "lines": lines}


def normal(found: Any) -> Any:
    """What get() returned, as plain comparable data (lines as tuples); anything odd is kept as its repr."""
    if found is None:
        return None
    try:
        return {"id": found["id"], "customer": found["customer"], "status": found["status"],
                "lines": [tuple(line) for line in found["lines"]]}
    except Exception:  # noqa: BLE001 - a malformed answer is reported, not raised
        return repr(found)[:200]


def run_load(module: ModuleType | None = None, storage: Any = None) -> dict[str, Any]:
    """Play the load on ``incidents.io_bottleneck``'s OrderStore; the I/O it made, then the figures.

    Before the measurement the store gets its history: HISTORY orders, placed and marked
    delivered. Then, each tick of 100 ms: that tick's new orders go to place(), the status
    changes due go to set_status(), and LOOKUPS_PER_TICK get() calls follow, each checked against
    what the load placed. After the last tick the store is closed and opened again, and every
    order is looked up once more. Nothing of the close and the reopen is measured.
    """
    program = module or importlib.import_module("incidents.io_bottleneck")
    rng = random.Random(SEED)
    disk = IostatStorage(RamStorage() if storage is None else storage)
    store = program.OrderStore(disk)
    want: dict[int, dict[str, Any]] = {}  # what get() must answer, per order id
    for first in range(1, HISTORY + 1, HISTORY_BATCH):
        batch = [new_order(i, rng) for i in range(first, first + HISTORY_BATCH)]
        store.place(batch)
        store.set_status([(order["id"], "delivered") for order in batch])
        want.update({o["id"]: {**o, "status": "delivered"} for o in batch})
    disk.usage.clear()  # the measurement starts here
    calls: list[list[Any]] = []  # per call: tick, task, then COUNTERS
    schedule: dict[int, list[tuple[int, str]]] = {}  # tick -> the status changes due then
    next_id = HISTORY + 1
    done = {"orders": 0, "updates": 0, "lookups": 0}
    wrong: list[list[Any]] = []  # [order id, what get() should answer, what it answered]
    for tick in range(TICKS):
        orders = [new_order(i, rng) for i in range(next_id, next_id + rng.randint(*ORDERS_PER_TICK))]
        next_id += len(orders)
        for order in orders:
            if rng.random() < CANCEL_SHARE:
                schedule.setdefault(tick + rng.randint(1, 5), []).append((order["id"], "cancelled"))
            else:
                paid = tick + rng.randint(1, 3)
                schedule.setdefault(paid, []).append((order["id"], "paid"))
                schedule.setdefault(paid + rng.randint(*SHIP_AFTER), []).append((order["id"], "shipped"))
        updates = schedule.pop(tick, [])
        lookups = [rng.randint(1, next_id - 1) for _ in range(LOOKUPS_PER_TICK - 1)] + [next_id + rng.randrange(1000)]
        with disk.call(tick, "place", calls):
            store.place(orders)
        want.update({o["id"]: {**o, "status": "placed"} for o in orders})
        with disk.call(tick, "set_status", calls):
            store.set_status(updates)
        for order_id, status in updates:
            want[order_id]["status"] = status
        for order_id in lookups:
            with disk.call(tick, "get", calls):
                found = normal(store.get(order_id))
            if found != want.get(order_id) and len(wrong) < 5:
                wrong.append([order_id, want.get(order_id), found])
        done["orders"] += len(orders)
        done["updates"] += len(updates)
        done["lookups"] += len(lookups)
    usage = [[name, task, *(counts[c] for c in COUNTERS)] for (name, task), counts in sorted(disk.usage.items())]
    store.close()
    again = program.OrderStore(disk)  # a restart: everything acknowledged is still there
    wrong_after = [[i, w, f] for i, w in want.items() if (f := normal(again.get(i))) != w][:5]
    ids = again.ids()
    if list(ids) != sorted(want):
        wrong_after.append(["ids()", f"{len(want)} ids, 1..{len(want)}", f"{len(ids)} ids"])
    again.close()
    return {"usage": usage, "calls": calls, "done": done, "wrong_lookups": wrong, "wrong_after_reopen": wrong_after,
            "figures": figures(usage, calls, done)}


def timeline(calls: list[list[Any]]) -> list[dict[str, float]]:
    """The disk second by second: it serves the calls in order, each from its tick's start (or once it is free).

    Per second: the requests of the calls made in that second, the share of the second the disk
    was busy (%util, at most 100), and the slowest acknowledgement (place or set_status) of a
    call made in that second: the wait for the disk plus the call's own disk time.
    """
    seconds = [dict.fromkeys((*COUNTERS, "util", "ack_ms"), 0.0) for _ in range(int(TICKS * TICK_MS // 1000))]
    free = 0.0
    for tick, task, *counts in calls:
        arrival = tick * TICK_MS
        start = max(arrival, free)
        free = start + counts[-1]
        row = seconds[int(arrival // 1000)]
        for name, value in zip(COUNTERS, counts, strict=True):
            row[name] += value
        if task != "get":
            row["ack_ms"] = max(row["ack_ms"], free - arrival)
        for second, busy in enumerate(seconds):  # the busy span [start, free), spread over the seconds
            overlap = min(free, (second + 1) * 1000.0) - max(start, second * 1000.0)
            if overlap > 0:
                busy["util"] += overlap / 10.0
    return seconds


def figures(usage: list[list[Any]], calls: list[list[Any]], done: dict[str, int]) -> dict[str, Any]:
    """The figures the load prints, and the answers file states."""
    per_task = {task: dict.fromkeys(COUNTERS, 0.0) for task in TASKS}
    per_file: dict[str, float] = {}
    for name, task, *counts in usage:
        per_file[name] = per_file.get(name, 0.0) + counts[-1]
        if task in per_task:
            for counter, value in zip(COUNTERS, counts, strict=True):
                per_task[task][counter] += value
    place, status, get = (per_task[task] for task in TASKS)
    seconds = timeline(calls)
    return {
        "disk_time_percent": round(100 * sum(per_file.values()) / (TICKS * TICK_MS), 1),
        "ack_latency_max_ms": round(max(s["ack_ms"] for s in seconds), 1),
        "syncs_per_order": round(place["syncs"] / max(1, done["orders"]), 3),
        "syncs_per_update": round(status["syncs"] / max(1, done["updates"]), 3),
        "bytes_written_per_update": round(status["written_bytes"] / max(1, done["updates"]), 1),
        "reads_per_lookup": round(get["reads"] / max(1, done["lookups"]), 2),
        "busiest_file": max(per_file, key=lambda name: (per_file[name], name)) if per_file else "none",
    }
# <<< end of the shared block


# -- the grader's own scenarios ------------------------------------------------------------------------

from storage_support import MemoryStorage, PowerCut  # noqa: E402 - after the shared block on purpose

STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled")


def state_of(store: Any) -> dict[int, Any]:
    """Every order the store holds, as get() answers it (plain data)."""
    return {order_id: normal(store.get(order_id)) for order_id in store.ids()}


def lookup(store: Any, order_id: int) -> Any:
    """get(order_id), as plain data."""
    return normal(store.get(order_id))


def per_call(storage: Any, store: Any, method: str, batches: list[Any]) -> list[dict[str, int]]:
    """Call ``store.<method>(batch)`` for each batch; the MemoryStorage's counts each call added."""
    out = []
    for batch in batches:
        before = storage.counts()
        getattr(store, method)(batch)
        after = storage.counts()
        out.append({key: after[key] - before[key] for key in after})
    return out


def orders(first: int, count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [new_order(i, rng) for i in range(first, first + count)]


def history(store: Any, count: int, seed: int = 7) -> None:
    """Place ``count`` orders (ids 1..count) in calls of 50 and mark them delivered, as the load's history."""
    for first in range(1, count + 1, HISTORY_BATCH):
        batch = orders(first, min(HISTORY_BATCH, count + 1 - first), seed + first)
        store.place(batch)
        store.set_status([(o["id"], "delivered") for o in batch])


def crash_workload(seed: int, ticks: int = 24) -> list[list[Any]]:
    """A seeded workload of small batches: ["place", orders] and ["set_status", updates] steps.

    Updates pick any order placed so far, an order may change twice in one batch (the last wins).
    """
    rng = random.Random(seed)
    steps: list[list[Any]] = []
    placed: list[int] = []
    next_id = 1
    for _ in range(ticks):
        batch = [new_order(i, rng) for i in range(next_id, next_id + rng.randint(1, 5))]
        next_id += len(batch)
        placed += [o["id"] for o in batch]
        steps.append(["place", batch])
        updates = [(rng.choice(placed), rng.choice(STATUSES[1:])) for _ in range(rng.randint(0, 6))]
        if updates:
            steps.append(["set_status", updates])
    return steps


def _run(store: Any, steps: list[list[Any]], progress: dict[str, Any]) -> None:
    for index, (op, batch) in enumerate(steps):
        progress["running"] = index
        getattr(store, op)(batch)
        progress["acked"] = index + 1
    progress["running"] = None


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def crash_points(seed: int, count: int) -> dict[str, Any]:
    """Run the workload of ``seed`` on a fresh store, cutting the power at ``count`` spread-out writes
    (the last point after the workload's end: every call returned, then the power went out).

    Per point: the write it was cut at, how many steps were acknowledged (their call returned)
    and which was running, what recovery found, and the state after one more order and status
    change and a clean reopen (or the exception the workload, recovery or the reopen raised).
    """
    module = importlib.import_module("incidents.io_bottleneck")
    steps = crash_workload(seed)
    clean = MemoryStorage(seed=seed)
    _run(module.OrderStore(clean), steps, {})
    total = max(1, clean.total_writes)
    points = []
    for i in range(count):
        # spread over the writes; the last point is past them: the workload ends, then the power goes
        cut = 1 + (i * total) // (count - 1) if i < count - 1 else total + 1
        storage = MemoryStorage(seed=seed * 1000 + i, cut_after_writes=cut)
        progress: dict[str, Any] = {"acked": 0, "running": None}
        point: dict[str, Any] = {"cut_after_writes": cut, "cut": False}
        try:
            _run(module.OrderStore(storage), steps, progress)
        except PowerCut:
            point["cut"] = True
        except Exception as exc:  # noqa: BLE001 - a workload that fails before the cut is an outcome to report
            point["workload_error"] = _describe(exc)
        point.update(acked=progress["acked"], running=progress["running"])
        after = storage.power_cut()
        try:
            recovered = module.OrderStore(after)
            point["recovered"] = state_of(recovered)
        except Exception as exc:  # noqa: BLE001 - recovery that raises is an outcome to report
            point["recovery_error"] = _describe(exc)
            points.append(point)
            continue
        extra = orders(10_000, 1, seed)
        point["extra"] = extra[0]
        try:
            recovered.place(extra)
            recovered.set_status([(10_000, "paid")])
            recovered.close()
            point["reopened"] = state_of(module.OrderStore(after))
        except Exception as exc:  # noqa: BLE001 - new work after recovery that fails is an outcome to report
            point["continue_error"] = _describe(exc)
        points.append(point)
    return {"steps": steps, "total_writes": clean.total_writes, "points": points}
