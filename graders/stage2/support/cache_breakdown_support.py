"""The load of stage2/cache-breakdown, and the grader's fault scenarios, run inside the subject.

The grader calls ``run_load()`` from here in one round trip: this module is the source of truth
for the load. The learner's incidents/cache_breakdown_load.py holds a verbatim copy of
everything between the ">>> shared" and "<<< end" lines below, so what the learner measures is
exactly what the grader re-measures with the same incidents/cache_breakdown.py. If the two
copies ever drift, the reference's stated figures stop matching the re-measurement and the
exercise's proof fails; keep them identical.

Below the block: the scenarios only the grader plays (a failing backend, keys whose hashing
releases the GIL, a load that hangs while other keys are read). Every one waits a bounded
time for the learner's code and reports what it saw as plain data; the verdicts are computed
in the grader's process.
"""

from __future__ import annotations

# >>> shared with support/cache_breakdown_support.py: the grader replays this block, keep it unchanged
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable
from typing import Any

HOT = "product:42"  # the hot key: the product page every visitor of the sale opens
READERS = 100  # readers released together right after the hot key expired
EXPIRIES = 3  # how many times the hot key expires during the load
TTL = 30.0  # seconds the cache keeps a value, on the load's own clock
LOAD_TIME = 0.05  # seconds one backend load takes (real time: it is what makes the readers overlap)
ARRIVAL_LIMIT = 1.0  # seconds the backend waits for a burst's readers to arrive before it answers
ROUND_LIMIT = 2.0  # seconds a burst's readers are given; a reader still in get() then counts as stuck
STACK_SIZE = 512 * 1024  # readers need little stack; 100 threads of 8 MiB would take 800 MiB of address space


class ManualClock:
    """The cache's clock: time moves only when the load says so, so expiry happens exactly."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


class BackendError(Exception):
    """The backend (the database behind the cache) could not answer a load."""


class Backend:
    """The database behind the cache: counts its loads and how many of them run at once.

    A load takes ``load_time`` seconds of real time, counted from the moment every reader of
    the current burst has called get(): on a busy machine starting 100 threads can take longer
    than a load, and the load must show the same thing on every machine. Its value names the
    key and the load that produced it ("product:42#7"), so a reader's value tells which load
    it came from.
    """

    def __init__(self, load_time: float = LOAD_TIME) -> None:
        self.load_time = load_time
        self.loads = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.failing = False  # while True, every load raises BackendError
        self.produced: list[str] = []  # the values of the successful loads, in order
        self._arrived = threading.Event()
        self._arrived.set()
        self._lock = threading.Lock()

    def load(self, key: Hashable) -> str:
        with self._lock:
            self.loads += 1
            number = self.loads
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            failing = self.failing
        try:
            self._arrived.wait(ARRIVAL_LIMIT)
            time.sleep(self.load_time)
            if failing:
                raise BackendError(f"backend unavailable: load #{number} of {key} refused")
            value = f"{key}#{number}"
            with self._lock:
                self.produced.append(value)
            return value
        finally:
            with self._lock:
                self.in_flight -= 1

    def set_failing(self, failing: bool) -> None:
        with self._lock:
            self.failing = bool(failing)

    def counts(self) -> dict[str, int]:
        """Loads so far, and the most that ran at once since the last reset_peak()."""
        with self._lock:
            return {"loads": self.loads, "max_concurrent_loads": self.max_in_flight}

    def reset_peak(self) -> None:
        with self._lock:
            self.max_in_flight = self.in_flight

    def hold(self) -> None:
        """Loads from now on wait until arrived() (at most ARRIVAL_LIMIT seconds)."""
        self._arrived.clear()

    def arrived(self) -> None:
        self._arrived.set()


def shown(value: Any) -> str:
    """A value as plain text: the backend's values are strings, anything else is named."""
    if type(value) is str:
        return value
    return f"<{type(value).__name__}: {value!r}>"[:120]


def outcome(call: Callable[[], Any]) -> list[str]:
    """["value", what it returned] or ["error", type name, message]."""
    try:
        return ["value", shown(call())]
    except Exception as exc:  # noqa: BLE001 - what the reader got is the data here
        return ["error", type(exc).__name__, str(exc)[:200]]


def start(target: Callable[[], None]) -> threading.Thread:
    old = threading.stack_size(STACK_SIZE)
    try:
        thread = threading.Thread(target=target, daemon=True)
        thread.start()
    finally:
        threading.stack_size(old)
    return thread


def bounded_get(cache: Any, key: Hashable, limit: float = ROUND_LIMIT) -> list[str]:
    """cache.get(key) in a thread of its own, waited for at most ``limit`` seconds: ["stuck"] if it
    has not returned by then."""
    result: list[list[str]] = []
    thread = start(lambda: result.append(outcome(lambda: cache.get(key))))
    thread.join(limit)
    return result[0] if result else ["stuck"]


def burst(cache: Any, keys: list[Any], backend: Backend, limit: float = ROUND_LIMIT) -> dict[str, Any]:
    """One reader thread per entry of ``keys``, released together by a barrier; each calls
    cache.get(its key) once. Reports what the readers got and what the backend did meanwhile."""
    before = backend.counts()["loads"]
    backend.reset_peak()
    backend.hold()
    barrier = threading.Barrier(len(keys))
    outcomes: list[list[str] | None] = [None] * len(keys)
    entered = [0]
    lock = threading.Lock()

    def read(index: int) -> None:
        barrier.wait()
        with lock:
            entered[0] += 1
            if entered[0] == len(keys):
                backend.arrived()  # every reader has called get(): the loads may now answer
        outcomes[index] = outcome(lambda: cache.get(keys[index]))

    try:
        threads = [start(lambda i=i: read(i)) for i in range(len(keys))]
        deadline = time.monotonic() + limit
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
    finally:
        backend.arrived()
    counts = backend.counts()
    served = Counter(o[1] for o in outcomes if o is not None and o[0] == "value")
    errors = Counter(f"{o[1]}: {o[2]}" for o in outcomes if o is not None and o[0] == "error")
    return {
        "readers": len(keys),
        "loads": counts["loads"] - before,
        "max_concurrent_loads": counts["max_concurrent_loads"],
        "served": dict(served),  # value -> how many readers got it
        "errors": dict(errors),  # "Type: message" -> how many readers raised it
        "stuck": sum(1 for thread in threads if thread.is_alive()),
    }


def new_cache(backend: Backend, clock: Callable[[], float], ttl: float = TTL) -> Any:
    from incidents.cache_breakdown import ReadThroughCache

    return ReadThroughCache(backend.load, ttl, clock=clock)


def run_load(expiries: int = EXPIRIES, readers: int = READERS) -> dict[str, Any]:
    """Warm the hot key, then ``expiries`` times: let it expire and release ``readers`` readers on it.

    The figures: ``loads_per_expiry``, the most backend loads one expiry caused, and
    ``max_concurrent_loads``, the most loads the backend ran at once.
    """
    clock = ManualClock()
    backend = Backend()
    cache = new_cache(backend, clock)
    warm = bounded_get(cache, HOT)
    rounds = []
    for _ in range(expiries):
        clock.advance(TTL)  # the hot key has just expired
        produced = len(backend.produced)
        result = burst(cache, [HOT] * readers, backend)
        result["produced"] = backend.produced[produced:]
        rounds.append(result)
        if result["stuck"]:
            break  # readers still inside get() would skew the next burst
    return {
        "warm": warm,
        "rounds": rounds,
        "loads_per_expiry": max(r["loads"] for r in rounds),
        "max_concurrent_loads": max(r["max_concurrent_loads"] for r in rounds),
    }


def report(result: dict[str, Any]) -> list[str]:
    """The load's figures as the lines the load script prints."""
    lines = ["expiry  backend loads  max concurrent loads  readers served  distinct values  errors  stuck"]
    for number, r in enumerate(result["rounds"], 1):
        lines.append(f"{number:>6}  {r['loads']:>13}  {r['max_concurrent_loads']:>20}  {sum(r['served'].values()):>14}"
                     f"  {len(r['served']):>15}  {sum(r['errors'].values()):>6}  {r['stuck']:>5}")
    for r in result["rounds"]:
        for error, count in r["errors"].items():
            lines.append(f"  {count} readers raised {error}")
    if result["rounds"][-1]["stuck"]:
        lines.append(f"  {result['rounds'][-1]['stuck']} readers were still inside get() after {ROUND_LIMIT:g} s: "
                     "the load stopped there")
    lines.append(f"backend loads per expiry (highest): {result['loads_per_expiry']}")
    lines.append(f"max concurrent loads (highest):     {result['max_concurrent_loads']}")
    return lines
# <<< end of the shared block

# ---- the grader's own scenarios ----------------------------------------------------------------------

HASH_TIME = 0.002  # seconds a SlowKey's hash takes, with the GIL released
SLOW_KEY_READERS = 20
HOT_KEYS = 10
READERS_PER_KEY = 10


class SlowKey:
    """A key whose hashing takes time and releases the GIL (think of a key object that hashes a
    large payload in C): every dict lookup of it lets other threads run in between."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __hash__(self) -> int:
        time.sleep(HASH_TIME)
        return hash(self.name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SlowKey) and other.name == self.name

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"SlowKey({self.name!r})"


def expired_burst(keys: list[Any], *, failing: bool = False, cold: bool = False) -> dict[str, Any]:
    """Warm every distinct key and let them all expire (or, ``cold``, leave the cache empty),
    then one burst of readers on ``keys``."""
    clock = ManualClock()
    backend = Backend()
    cache = new_cache(backend, clock)
    backend.load_time = 0.0  # warming up is not what is measured
    warm = {} if cold else {str(key): bounded_get(cache, key) for key in dict.fromkeys(keys)}
    backend.load_time = LOAD_TIME
    clock.advance(TTL)
    backend.set_failing(failing)
    produced = len(backend.produced)
    result = burst(cache, keys, backend)
    result["produced"] = backend.produced[produced:]
    result["warm"] = warm
    return result


def slow_key_burst() -> dict[str, Any]:
    """SLOW_KEY_READERS readers of one SlowKey on a cold cache (the service has just started)."""
    key = SlowKey(HOT)
    return expired_burst([key] * SLOW_KEY_READERS, cold=True)


def hot_keys_burst() -> dict[str, Any]:
    """HOT_KEYS hot keys expire together; READERS_PER_KEY readers of each are released at once."""
    keys = [f"product:{n}" for n in range(1, HOT_KEYS + 1)]
    result = expired_burst([key for key in keys for _ in range(READERS_PER_KEY)])
    result["keys"] = keys
    return result


def failing_burst() -> dict[str, Any]:
    """READERS readers of the expired hot key, while every backend load fails."""
    return expired_burst([HOT] * READERS, failing=True)


class StallingBackend(Backend):
    """Loads of ``stalled`` hang until release(); loads of other keys answer at once."""

    def __init__(self, stalled: str) -> None:
        super().__init__(load_time=0.0)
        self.stalled = stalled
        self.stall_started = threading.Event()
        self._release = threading.Event()

    def load(self, key: Hashable) -> str:
        if key == self.stalled:
            self.stall_started.set()
            self._release.wait(ARRIVAL_LIMIT * 5)
        return super().load(key)

    def release(self) -> None:
        self._release.set()


def reads_during_a_stalled_load() -> dict[str, Any]:
    """A load of one key hangs; meanwhile a cached key and a cold key are read."""
    clock = ManualClock()
    backend = StallingBackend("product:stalled")
    cache = new_cache(backend, clock)
    warm = bounded_get(cache, "product:cached")
    stalled: list[list[str]] = []
    thread = start(lambda: stalled.append(outcome(lambda: cache.get("product:stalled"))))
    started = backend.stall_started.wait(ROUND_LIMIT)
    others: dict[str, list[str]] = {}

    def read(key: str) -> None:
        others[key] = outcome(lambda: cache.get(key))

    readers = [start(lambda k=k: read(k)) for k in ("product:cached", "product:cold")]
    deadline = time.monotonic() + 1.0
    for reader in readers:
        reader.join(max(0.0, deadline - time.monotonic()))
    during = {key: others.get(key, ["stuck"]) for key in ("product:cached", "product:cold")}
    backend.release()
    thread.join(ROUND_LIMIT)
    return {"warm": warm, "stall_started": started, "during": during,
            "stalled": stalled[0] if stalled else ["stuck"]}
