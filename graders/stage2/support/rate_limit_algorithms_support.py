"""Subject-side helpers of the stage2/rate-limit-algorithms grader.

They run inside the learner's process (this folder is on its sys.path, after the learner's
project), so a whole trace is replayed through the learner's limiters in one call.

The block between the ">>> shared" and "<<< end" lines is the source of truth for the
workloads. It is copied verbatim into the learner's experiments/rate_limit_algorithms.py
(exercises/stage2/rate-limit-algorithms/stub/experiments/). If the copies ever drift, the
numbers the reference states (printed by that script) stop matching what the grader
re-measures here with the same code, and the proofs fail: keep the two blocks identical.
The grader also loads this file in its own process and feeds the same replay its exact
models, through the ``make`` parameter, to compute the key.
"""

from __future__ import annotations

# >>> shared with support/rate_limit_algorithms_support.py: the grader replays this block, keep it unchanged
import math
from collections import Counter
from typing import Any

RATE = 2.0  # per second: tokens the token bucket earns, water the leaky bucket leaks
CAPACITY = 4  # the token bucket's burst (tokens it holds), the leaky bucket's capacity (water)
LIMIT = 4  # sliding window log and fixed window: requests admitted per window
WINDOW = 2.0  # seconds

# Trace A, bursty: the arrival times, in seconds, of 29 requests (the first is request 0).
TRACE_A = [
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0,  # 0-5: a burst of 6 at once
    0.3125, 0.5625, 0.8125, 1.0625, 1.3125, 1.5625,  # 6-11: 4 per second, twice the rate
    2.0625, 2.0625, 2.0625,  # 12-14: 3 at once
    2.3125, 2.5625, 2.8125, 3.0625,  # 15-18: 4 per second again
    6.3125, 6.3125, 6.3125, 6.3125, 6.3125,  # 19-23: after 3 quiet seconds, 5 at once
    6.5, 7.0, 7.5, 8.0, 8.5,  # 24-28: 2 per second, exactly the rate
]

# Trace B, around the boundary at 2.0 s between the fixed windows [0, 2) and [2, 4).
TRACE_B = [
    1.5, 1.625, 1.75, 1.875,  # 0-3: the last half second of the window [0, 2)
    2.0, 2.125, 2.25, 2.375,  # 4-7: the first half second of the window [2, 4)
    2.5, 3.0,  # 8-9
    4.5, 5.0,  # 10-11: in the window [4, 6)
]


class ManualClock:
    """The clock every limiter reads; the replay sets ``now`` before each request."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FixedWindowCounter:
    """Given, for comparison: at most ``limit`` requests in each window [k*window, (k+1)*window)."""

    def __init__(self, limit: int, window: float, clock: ManualClock) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self.current: int | None = None  # the number k of the window being counted
        self.count = 0

    def allow(self) -> bool:
        k = math.floor(self.clock() / self.window)
        if k != self.current:  # a new window: the count starts again from 0
            self.current, self.count = k, 0
        if self.count < self.limit:
            self.count += 1
            return True
        return False


def make_limiter(name: str, clock: ManualClock) -> Any:
    """A new limiter of the kind ``name``, built from YOUR classes (the fixed window is given)."""
    if name == "token_bucket":
        from rate_limiter import TokenBucket

        return TokenBucket(RATE, CAPACITY, clock=clock)
    if name == "leaky_bucket":
        from rate_limit_algorithms import LeakyBucket

        return LeakyBucket(RATE, CAPACITY, clock=clock)
    if name == "sliding_window_log":
        from rate_limit_algorithms import SlidingWindowLog

        return SlidingWindowLog(LIMIT, WINDOW, clock=clock)
    if name == "fixed_window":
        return FixedWindowCounter(LIMIT, WINDOW, clock=clock)
    raise ValueError(f"unknown limiter {name!r}")


def replay(name: str, trace: list[float], make: Any = make_limiter) -> tuple[list[Any], list[tuple[float, float]]]:
    """Send the requests of ``trace`` to a new limiter, each at its arrival time.

    Returns every request's decision (True: admitted) and, for each admitted request, the
    pair (arrival, hand-on time): when it is passed on to the service. Every limiter passes
    a request on the moment it admits it, except the leaky bucket: there a request waits
    until the water ahead of it has leaked out, delay() seconds after it was admitted.
    """
    clock = ManualClock()
    limiter = make(name, clock)
    decisions = []
    handed_on = []
    for arrival in trace:
        clock.now = arrival
        wait = limiter.delay() if name == "leaky_bucket" else 0.0  # asked before the request enters
        admitted = limiter.allow()
        decisions.append(admitted)
        if admitted:
            handed_on.append((arrival, arrival + wait))
    return decisions, handed_on


def most_within(times: list[float], span: float) -> int:
    """The most of ``times`` that fall inside one window [t, t + span), over every start t."""
    times = sorted(round(t, 9) for t in times)  # rounded: 1.4999999999 and 1.5 are one instant
    best = first = 0
    for last, t in enumerate(times):
        while times[first] <= t - span:
            first += 1
        best = max(best, last - first + 1)
    return best


def trace_a_numbers(name: str, make: Any = make_limiter) -> dict[str, Any]:
    """What the answers file asks about trace A, for one limiter."""
    decisions, handed_on = replay(name, TRACE_A, make)
    out = [round(t, 9) for _, t in handed_on]
    return {
        "rejected": [i for i, admitted in enumerate(decisions) if not admitted],
        "most_at_once": max(Counter(out).values(), default=0),
        "most_in_one_second": most_within(out, 1.0),
        "longest_wait": round(max((t - arrival for arrival, t in handed_on), default=0.0), 6),
    }


def trace_b_numbers(name: str, make: Any = make_limiter) -> dict[str, Any]:
    """What the answers file asks about trace B, for one limiter."""
    decisions, handed_on = replay(name, TRACE_B, make)
    return {
        "admitted": sum(1 for admitted in decisions if admitted),
        "most_in_one_window": most_within([arrival for arrival, _ in handed_on], WINDOW),
    }
# <<< end of the shared block


# The grader's own helpers (not in the learner's script).

def drive(class_name: str, args: list[Any], steps: list[list[Any]]) -> list[Any]:
    """Build the learner's ``class_name(*args, clock=clock)`` and make each call of ``steps``.

    ``steps`` are [time, method] pairs: the clock is set to time, then method() is called.
    Returns what each call returned, unchanged (the grader checks the types).
    """
    import importlib

    cls = getattr(importlib.import_module("rate_limit_algorithms"), class_name)
    clock = ManualClock()
    limiter = cls(*args, clock=clock)
    results = []
    for now, method in steps:
        clock.now = now
        results.append(getattr(limiter, method)())
    return results


def log_memory_growth(requests: int) -> int:
    """Bytes a SlidingWindowLog(10, 1.0) keeps allocated over ``requests`` requests, 16 a second.

    It admits 10 a second and must forget each timestamp once it is a second old, so what it
    holds stays the same however long the traffic runs.
    """
    import tracemalloc

    from rate_limit_algorithms import SlidingWindowLog

    clock = ManualClock()
    log = SlidingWindowLog(10, 1.0, clock=clock)
    warm_up = 100
    tracemalloc.start()
    try:
        for i in range(warm_up + requests):
            if i == warm_up:
                before = tracemalloc.get_traced_memory()[0]
            clock.now = i * 0.0625
            log.allow()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return after - before
