"""Subject-side measurements for stage2/timing-wheel-vs-heap, run next to the learner's queues.

Everything between the ">>> shared" and "<<< end" lines is copied verbatim into the learner's
``experiments/timing_wheel_vs_heap.py``: the learner's script and the grader measure the
same seeded workloads with the learner's own ``delay_queue`` module. If the two copies ever
drift, the reference's stated numbers stop matching the grader's re-measurement of them and
the proofs fail. The grader never imports the learner's script (the learner could change it).
"""

from __future__ import annotations

import functools
import gc
import importlib
import random
import time
from typing import Any

# >>> shared with support/timing_wheel_vs_heap_support.py: the grader replays this block, keep it unchanged
SIZES = (1024, 8192, 65536)  # pending tasks
BATCH = 256  # timed calls per round and size
ROUNDS = 7  # a time is the best of this many rounds
CHUNK = 8  # calls timed together
ROUND_BUDGET_S = 0.25  # a round of one size stops early once its calls took this long
SIZE_BUDGET_S = 0.5  # a size gets no more rounds once its calls took this long
SEED = 2024
TICK = 0.01  # the wheel of the growth runs: 10 ms ticks, 64 slots per level
WHEEL_SIZE = 64
WORST_CASE_CALLS = 64  # calls whose deadline comparisons are counted
COMPARISON_CAP = 64 * 2048  # counting stops after the call that passes this many comparisons
BUILD_BUDGET_S = 20.0  # filling the queues may take at most this long


class ManualClock:
    """A clock that stands still: the time is whatever the experiment sets."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Instant) else value


class Instant(float):
    """A float that counts how often it is compared. Sums and differences stay Instants, so a
    deadline computed as clock() + delay is one, and the queue's comparisons of deadlines count."""

    comparisons = 0

    def __add__(self, other: Any) -> Any:
        return Instant(float(self) + _plain(other))

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        return Instant(float(self) - _plain(other))

    def __rsub__(self, other: Any) -> Any:
        return Instant(_plain(other) - float(self))

    def __lt__(self, other: Any) -> bool:
        Instant.comparisons += 1
        return float(self) < _plain(other)

    def __le__(self, other: Any) -> bool:
        Instant.comparisons += 1
        return float(self) <= _plain(other)

    def __gt__(self, other: Any) -> bool:
        Instant.comparisons += 1
        return float(self) > _plain(other)

    def __ge__(self, other: Any) -> bool:
        Instant.comparisons += 1
        return float(self) >= _plain(other)

    def __eq__(self, other: object) -> bool:
        Instant.comparisons += 1
        return float(self) == _plain(other)

    def __ne__(self, other: object) -> bool:
        Instant.comparisons += 1
        return float(self) != _plain(other)

    __hash__ = float.__hash__


class CountingClock(ManualClock):
    """A clock whose readings are Instants."""

    def __call__(self) -> float:
        return Instant(self.now)


def make_queue(module: Any, kind: str, clock: Any) -> Any:
    if kind == "heap":
        return module.HeapDelayQueue(clock=clock)
    return module.TimingWheelDelayQueue(tick_duration=TICK, wheel_size=WHEEL_SIZE, clock=clock)


def noop() -> None:
    """The task of the growth runs (they never run it)."""


def timeout_delays(rng: random.Random, count: int) -> list[float]:
    """Request timeouts of 1 to 60 s, in whole milliseconds."""
    return [rng.randrange(1_000, 60_000) / 1000 for _ in range(count)]


def fill(queue: Any, delays: list[float], started: float) -> list[Any]:
    ids = []
    for delay in delays:
        ids.append(queue.schedule(delay, noop))
        if len(ids) % 1024 == 0 and time.perf_counter() - started > BUILD_BUDGET_S:
            raise TimeoutError(f"scheduling {len(delays)} tasks took more than {BUILD_BUDGET_S:g} s: "
                               "schedule() is far slower than it should be")
    return ids


def time_per_call(module: Any, kind: str) -> dict[str, list[float]]:
    """Best time per schedule() and per cancel(), in seconds, with each of SIZES tasks pending.

    A round schedules BATCH new timeouts (timed), then cancels as many pending tasks picked at
    random (timed), so the queue keeps its size. Rounds alternate between the sizes. A round
    stops early once its calls took ROUND_BUDGET_S, and a size gets no more rounds once its
    calls took SIZE_BUDGET_S: a slow queue is measured on fewer calls, not for minutes.
    """
    rng = random.Random(SEED)
    enabled = gc.isenabled()
    gc.disable()  # a garbage collection in the middle of a round would time the collector
    try:
        started = time.perf_counter()
        queues = []
        for size in SIZES:
            queue = make_queue(module, kind, ManualClock())
            queues.append((queue, fill(queue, timeout_delays(rng, size), started)))
        best = {"schedule": [float("inf")] * len(SIZES), "cancel": [float("inf")] * len(SIZES)}
        spent = [0.0] * len(SIZES)
        for _ in range(ROUNDS):
            for index, (queue, ids) in enumerate(queues):
                if spent[index] > SIZE_BUDGET_S:
                    continue
                delays = timeout_delays(rng, BATCH)
                schedule = queue.schedule
                elapsed, done = 0.0, 0
                while done < BATCH and elapsed < ROUND_BUDGET_S:
                    begin = time.perf_counter()
                    for delay in delays[done:done + CHUNK]:
                        ids.append(schedule(delay, noop))
                    elapsed += time.perf_counter() - begin
                    done = min(done + CHUNK, BATCH)
                best["schedule"][index] = min(best["schedule"][index], elapsed / done)
                spent[index] += elapsed
                victims = []
                for _ in range(done):  # swap-remove random ids: the list stays the pending set
                    position = rng.randrange(len(ids))
                    ids[position], ids[-1] = ids[-1], ids[position]
                    victims.append(ids.pop())
                cancel = queue.cancel
                elapsed, done = 0.0, 0
                while done < len(victims) and elapsed < ROUND_BUDGET_S:
                    begin = time.perf_counter()
                    for task_id in victims[done:done + CHUNK]:
                        cancel(task_id)
                    elapsed += time.perf_counter() - begin
                    done = min(done + CHUNK, len(victims))
                ids.extend(victims[done:])  # not cancelled after all: still pending
                best["cancel"][index] = min(best["cancel"][index], elapsed / done)
                spent[index] += elapsed
        return best
    finally:
        if enabled:
            gc.enable()


def comparisons_per_call(module: Any, kind: str) -> dict[str, list[float]]:
    """Deadline comparisons per schedule() and per cancel(), in the worst case for a heap.

    The queue holds SIZES tasks with increasing deadlines. Then WORST_CASE_CALLS tasks are
    scheduled, each with a deadline earlier than every pending task (a new heap root every
    time), and cancelled again, always the earliest pending one (the root). A run stops after
    the call that brings its count past COMPARISON_CAP and averages over the calls it made:
    that is still the same number on every run.
    """
    counts: dict[str, list[float]] = {"schedule": [], "cancel": []}
    started = time.perf_counter()
    for size in SIZES:
        queue = make_queue(module, kind, CountingClock(0.0))
        fill(queue, [1000 + i / 64 for i in range(size)], started)
        Instant.comparisons = 0
        ids = []
        for i in range(WORST_CASE_CALLS):
            ids.append(queue.schedule(999 - i / 64, noop))
            if Instant.comparisons > COMPARISON_CAP:
                break
        counts["schedule"].append(Instant.comparisons / len(ids))
        Instant.comparisons = 0
        done = 0
        for task_id in reversed(ids):
            queue.cancel(task_id)
            done += 1
            if Instant.comparisons > COMPARISON_CAP:
                break
        counts["cancel"].append(Instant.comparisons / done)
    return counts


def note_lateness(late: list[float], clock: ManualClock, deadline: float) -> None:
    late.append(clock() - deadline)


def lateness(module: Any) -> dict[str, float]:
    """How long after their deadlines tasks run, when run_due() is called every 1/64 s.

    64 tasks with deadlines 2 + k/64 s (k = 0..63), on a heap and on a wheel with 0.25 s
    ticks and 8 slots per level; the clock steps from 0 to 4 s by 1/64 s. These numbers are
    exact in binary floating point, so every correct queue gives exactly the same answers.
    """
    result = {}
    for kind in ("heap", "wheel"):
        clock = ManualClock(0.0)
        if kind == "heap":
            queue = module.HeapDelayQueue(clock=clock)
        else:
            queue = module.TimingWheelDelayQueue(tick_duration=0.25, wheel_size=8, clock=clock)
        late: list[float] = []
        for k in range(64):
            deadline = 2 + k / 64
            queue.schedule(deadline, functools.partial(note_lateness, late, clock, deadline))
        for step in range(1, 4 * 64 + 1):
            clock.now = step / 64
            queue.run_due()
        if len(late) != 64:
            raise AssertionError(f"{len(late)} of 64 tasks ran on the {kind} by 4 s, though all were due by 3 s")
        result[f"{kind}_max_s"] = max(late)
        result[f"{kind}_mean_s"] = sum(late) / len(late)
    return result
# <<< end of the shared block


def _delay_queue() -> Any:
    return importlib.import_module("delay_queue")


def measure_times(kind: str) -> dict[str, list[float]]:
    return time_per_call(_delay_queue(), kind)


def measure_comparisons(kind: str) -> dict[str, list[float]]:
    return comparisons_per_call(_delay_queue(), kind)


def measure_lateness() -> dict[str, float]:
    return lateness(_delay_queue())
