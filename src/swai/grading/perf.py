"""Performance measurements that hold on any machine.

No check compares a wall-clock time to a constant. ``growth`` times the same calls on a
structure of size n and of size factor·n, inside the subject process, and reports the ratio
(an O(1) operation stays near 1, an O(n) one approaches the factor). ``relative_speed``
divides the learner's call rate by the rate of a fixed calibration loop run in the same
process moments before, so a slower machine moves both alike. Both count the CPU time of the
subject thread making the calls, not the wall clock: on a busy machine a process is preempted
for whole time slices, which land on one measurement and not the other and can make a constant
cost look like a growing one; the work a call really does is CPU time whoever else is running.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from swai.grading.checks import fail
from swai.grading.figures import Figures
from swai.subject.client import Call, RemoteObject, Subject

# setup(size) builds a structure of that size and returns it with a function giving the
# calls to time in round r (fresh calls per round, so state does not drift between rounds).
Setup = Callable[[int], tuple[RemoteObject, Callable[[int], Sequence[Call]]]]


@dataclass(frozen=True)
class Growth:
    n: int
    factor: int
    small_s: float  # best time per call at size n
    large_s: float  # best time per call at size factor·n

    @property
    def ratio(self) -> float:
        return self.large_s / self.small_s if self.small_s > 0 else float("inf")


def growth(subject: Subject, setup: Setup, *, n: int, factor: int = 8, repeats: int = 7,
           max_ratio: float | None = None) -> Growth:
    """Best-of-``repeats`` time per call at n and factor·n, measured alternately.

    With ``max_ratio``, a ratio between half of it and twice it (too close to the line to
    tell) goes on being measured, for at most as long again and four times the rounds in all:
    a busy machine only ever adds time, so more rounds bring the best times back to the truth,
    while a cost that really grows stays above the line however often it is timed.
    """
    small, small_calls = setup(n)
    large, large_calls = setup(n * factor)
    best_small = best_large = float("inf")
    started, first_rounds = time.perf_counter(), 0.0
    for round_ in range(repeats if max_ratio is None else 4 * repeats):
        if round_ == repeats:
            first_rounds = time.perf_counter() - started
        if round_ >= repeats and (max_ratio is None or time.perf_counter() - started > 2 * first_rounds
                                  or not best_small * max_ratio / 2 < best_large < best_small * 2 * max_ratio):
            break
        small_round, large_round = small_calls(round_), large_calls(round_)
        if not (small_round and large_round):  # a setup with calls for so many rounds only
            break
        timings, _ = subject.batch(small, small_round, clock="cpu")
        best_small = min(best_small, timings[0] / len(small_round))
        timings, _ = subject.batch(large, large_round, clock="cpu")
        best_large = min(best_large, timings[0] / len(large_round))
    return Growth(n, factor, best_small, best_large)


def check_growth(subject: Subject, figures: Figures, setup: Setup, *, n: int, operation: str,
                 factor: int = 8, max_ratio: float = 4.0, hint: str) -> Growth:
    """Fail when the time per call grows more than ``max_ratio`` times from n to factor·n."""
    result = growth(subject, setup, n=n, factor=factor, max_ratio=max_ratio)
    figures.record(f"time per {operation} at {factor}n / at n (n={n})", result.ratio, threshold=max_ratio,
                   better="lower", unit="x")
    if result.ratio > max_ratio:
        fail(f"{operation} slows down as the structure grows",
             expected=f"time per call at size {n * factor} at most {max_ratio:g}x the time at size {n} "
                      f"(constant time stays near 1x)",
             got=f"{result.ratio:.1f}x ({result.small_s * 1e6:.2f} µs -> {result.large_s * 1e6:.2f} µs per call)",
             hint=hint)
    return result


def relative_speed(subject: Subject, target: RemoteObject, calls: Sequence[Call], *, repeats: int = 5) -> float:
    """Calls per second divided by calibration-loop rounds per second, in one process."""
    timings, _ = subject.batch(target, calls, repeat=repeats, clock="cpu")
    calls_per_s = len(calls) / min(timings)
    rounds = 100_000
    rounds_per_s = rounds / subject.calibrate(rounds=rounds, clock="cpu")
    return calls_per_s / rounds_per_s


def check_speed(subject: Subject, figures: Figures, target: RemoteObject, calls: Sequence[Call], *,
                operation: str, min_speed: float, hint: str) -> float:
    """Fail when the calibrated speed of ``calls`` is below ``min_speed``."""
    speed = relative_speed(subject, target, calls)
    figures.record(f"{operation} speed (calls per calibration round)", speed, threshold=min_speed,
                   better="higher")
    if speed < min_speed:
        fail(f"{operation} is much slower than it needs to be",
             expected=f"at least {min_speed:g} calls per calibration round (a yardstick loop timed in the "
                      f"same process)",
             got=f"{speed:.3g}", hint=hint)
    return speed
