"""令牌桶 vs 漏桶 vs 滑动窗口: replay two request traces through your own rate limiters.

Run it from the project folder:

    python experiments/rate_limit_algorithms.py

It replays trace A through YOUR TokenBucket (rate_limiter.py), YOUR LeakyBucket and YOUR
SlidingWindowLog (rate_limit_algorithms.py), and trace B through YOUR SlidingWindowLog and
the fixed window counter given below. It prints every request's fate, then the numbers the
answers file asks for, laid out as in answers/rate-limit-algorithms.yaml: copy them there.

The definitions between the ">>> shared" and "<<< end" lines are the very ones the grader
uses: it replays these traces through YOUR classes to check the numbers you state. If you
change them here, your numbers will no longer match. To explore, copy the file and change
the copy.
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


# ---- printing -----------------------------------------------------------------------------------
TRACE_A_LIMITERS = ("token_bucket", "leaky_bucket", "sliding_window_log")
TRACE_B_LIMITERS = ("fixed_window", "sliding_window_log")


def measure() -> dict[str, dict[str, dict[str, Any]]]:
    """Every number the answers file asks for (raises if one of your classes does)."""
    return {"trace_a": {name: trace_a_numbers(name) for name in TRACE_A_LIMITERS},
            "trace_b": {name: trace_b_numbers(name) for name in TRACE_B_LIMITERS}}


def timeline(title: str, trace: list[float], names: tuple[str, ...]) -> None:
    """One line per request: its arrival, and what each limiter did with it."""
    print(title)
    print("    #  arrival  " + "".join(f"{name:>24}" for name in names))
    columns = []
    for name in names:
        try:
            decisions, handed_on = replay(name, trace)
        except Exception as exc:  # noqa: BLE001 - e.g. NotImplementedError: say so, show the others
            columns.append([f"{type(exc).__name__}"] * len(trace))
            continue
        outs = iter(handed_on)
        cells = []
        for admitted in decisions:
            if not admitted:
                cells.append("refused")
                continue
            out = next(outs)[1]
            cells.append(f"admitted, out at {out:.4f}" if name == "leaky_bucket" else "admitted")
        columns.append(cells)
    for i, arrival in enumerate(trace):
        print(f"  {i:>3}  {arrival:7.4f}  " + "".join(f"{column[i]:>24}" for column in columns))
    print()


def main() -> None:
    import sys
    from pathlib import Path

    # Run as a script, Python puts experiments/ first on sys.path, where this file's own name
    # would hide your rate_limit_algorithms.py: your modules live one folder up.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    timeline(f"Trace A: token and leaky bucket at {RATE:g}/s with capacity {CAPACITY}; "
             f"sliding window log: {LIMIT} per {WINDOW:g} s", TRACE_A, TRACE_A_LIMITERS)
    timeline(f"Trace B: {LIMIT} requests per window of {WINDOW:g} s", TRACE_B, TRACE_B_LIMITERS)
    print("Copy into answers/rate-limit-algorithms.yaml:")
    print()
    for section, names, numbers in (("trace_a", TRACE_A_LIMITERS, trace_a_numbers),
                                    ("trace_b", TRACE_B_LIMITERS, trace_b_numbers)):
        print(f"{section}:")
        for name in names:
            print(f"  {name}:")
            try:
                result = numbers(name)
            except Exception as exc:  # noqa: BLE001 - say so, print the others
                print(f"    # not measured yet: your code raised {exc!r}")
                continue
            for field, value in result.items():
                print(f"    {field}: {value}")


if __name__ == "__main__":
    main()
