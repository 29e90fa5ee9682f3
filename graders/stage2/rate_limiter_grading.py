"""Helpers for the stage2/rate-limiter grader: an exact model of a token bucket, and scenarios.

The model keeps tokens and times as fractions, so it is exact. The grader drives the learner's
bucket with a FakeClock and small binary fractions of a second, which floats hold exactly too;
still, a correct solution written another way (dividing by the rate, say) can land a hair
beside an exact boundary, so an answer within EPS of a boundary accepts either verdict and
the model follows the learner's choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from swai.grading import fail
from swai.subject import RemoteObject, Subject
from swai.subject.client import show

MODULE, CLASS = "rate_limiter", "TokenBucket"
EPS = 1e-6  # tokens, or seconds for wait_time: far below any step the grader uses (1/64)

REFILL_HINT = ("Refill lazily on every call: read the clock once, add (now - last) * rate tokens, cap at burst, "
               "and remember now as last.")


def fmt(value: Fraction | float) -> str:
    """A number as a learner reads it: 2.5, 0.0625, 1/3 ~ 0.3333."""
    as_float = float(value)
    if isinstance(value, Fraction) and value.denominator & (value.denominator - 1):  # not a binary fraction
        return f"{as_float:.6g}"
    return f"{as_float:g}"


class BucketModel:
    """The specification in a few lines, with exact arithmetic."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = Fraction(rate)
        self.burst = burst
        self.tokens = Fraction(burst)  # a new bucket is full
        self.last = Fraction(now)

    def refill(self, now: float) -> None:
        reading = Fraction(now)
        if reading > self.last:
            self.tokens = min(Fraction(self.burst), self.tokens + (reading - self.last) * self.rate)
        self.last = reading  # a backward jump adds nothing and becomes the new reference

    def verdict(self, n: int, now: float) -> bool | None:
        """Whether allow(n) must succeed at ``now``; None when it is within EPS of the boundary."""
        self.refill(now)
        if abs(self.tokens - n) <= EPS:
            return None
        return self.tokens > n

    def settle(self, n: int, admitted: bool) -> None:
        """Apply the outcome of allow(n), after ``verdict``."""
        if admitted:
            self.tokens = max(Fraction(0), self.tokens - n)

    def wait_time(self, n: int, now: float) -> Fraction:
        self.refill(now)
        return max(Fraction(0), (n - self.tokens) / self.rate)


@dataclass
class Bucket:
    """The learner's bucket, its FakeClock, and the model kept in step with both."""

    subject: Subject
    obj: RemoteObject
    clock: RemoteObject
    model: BucketModel
    now: float

    @property
    def rate(self) -> Fraction:
        return self.model.rate

    @property
    def burst(self) -> int:
        return self.model.burst

    def advance(self, seconds: float) -> None:
        self.now = float(self.clock.advance(seconds))

    def set(self, when: float) -> None:
        self.now = float(self.clock.set(when))

    def state(self) -> str:
        return (f"the bucket (rate {fmt(self.rate)}/s, burst {self.burst}) should hold "
                f"{fmt(self.model.tokens)} tokens")

    def allow(self, n: int, summary: str, hint: str, *, default: bool = False) -> bool:
        """Call allow(n) (allow() if ``default``), compare with the model, and return the result."""
        want = self.model.verdict(n, self.now)
        tokens = self.model.tokens
        got: object = self.obj.allow() if default else self.obj.allow(n)
        if type(got) is not bool:
            fail(summary, expected="True or False", got=show(got),
                 hint="allow() answers with a bool: True when it took the tokens, False when it took none.")
        if want is not None and got is not want:
            fail(summary, expected=f"{want} ({fmt(tokens)} tokens available, {n} requested)", got=show(got),
                 hint=hint)
        admitted = got is True
        self.model.settle(n, admitted)
        return admitted

    def wait_time(self, n: int, summary: str, hint: str, *, default: bool = False) -> float:
        want = self.model.wait_time(n, self.now)
        got = self.obj.wait_time() if default else self.obj.wait_time(n)
        if type(got) not in (int, float):
            fail(summary, expected="a float (seconds)", got=show(got),
                 hint="wait_time() returns the number of seconds as a float; 0.0 when the tokens are there now.")
        if abs(Fraction(got) - want) > EPS + float(want) * 1e-9:
            fail(summary, expected=f"{fmt(want)} s ({fmt(self.model.tokens)} tokens available, {n} requested, "
                                   f"rate {fmt(self.rate)}/s)", got=show(got), hint=hint)
        return float(got)


def new_clock(subject: Subject, start: float = 0.0) -> RemoteObject:
    clock: RemoteObject = subject.import_module("swai.subject.fakes").FakeClock(start)
    return clock


def new_bucket(subject: Subject, rate: float, burst: int, *, start: float = 0.0) -> Bucket:
    clock = new_clock(subject, start)
    obj = getattr(subject.import_module(MODULE), CLASS)(rate, burst, clock=clock)
    return Bucket(subject, obj, clock, BucketModel(rate, burst, start), start)


Step = tuple[str, Any]  # ("advance", seconds) | ("set", time) | ("allow", n) | ("wait_time", n) | (..., None)


def run_scenario(subject: Subject, rate: float, burst: int, steps: Sequence[Step], summary: str, hint: str,
                 *, start: float = 0.0) -> Bucket:
    """Replay ``steps`` on the learner's bucket and the model; every answer must agree.

    An argument of None calls allow() / wait_time() without one, to check the default n = 1.
    """
    bucket = new_bucket(subject, rate, burst, start=start)
    for op, arg in steps:
        if op == "advance":
            bucket.advance(arg)
        elif op == "set":
            bucket.set(arg)
        elif op == "allow":
            bucket.allow(arg or 1, summary, hint, default=arg is None)
        elif op == "wait_time":
            bucket.wait_time(arg or 1, summary, hint, default=arg is None)
        else:  # pragma: no cover - a typo in the grader
            raise ValueError(op)
    return bucket
