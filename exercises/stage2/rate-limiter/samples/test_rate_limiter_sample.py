"""Public sample tests for TokenBucket. The grader checks much more than this."""

from __future__ import annotations

import pytest
from rate_limiter import TokenBucket


class ManualClock:
    """A clock the test moves by hand: pass it as TokenBucket(..., clock=clock)."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_starts_full() -> None:
    bucket = TokenBucket(1, 3, clock=ManualClock())
    assert [bucket.allow() for _ in range(4)] == [True, True, True, False]


def test_refills_at_rate_with_fractions() -> None:
    clock = ManualClock()
    bucket = TokenBucket(2, 1, clock=clock)
    assert bucket.allow() is True
    clock.now = 0.25  # half a token earned: not enough yet, but kept
    assert bucket.allow() is False
    clock.now = 0.5  # the second half: one whole token
    assert bucket.allow() is True
    assert bucket.allow() is False


def test_caps_at_burst_after_idle() -> None:
    clock = ManualClock()
    bucket = TokenBucket(10, 2, clock=clock)
    assert bucket.allow(2) is True
    clock.now = 3600.0
    assert bucket.allow(2) is True  # an hour earns 36000 tokens, but the bucket holds 2
    assert bucket.allow() is False


def test_allow_n_takes_n_or_nothing() -> None:
    bucket = TokenBucket(1, 5, clock=ManualClock())
    assert bucket.allow(3) is True
    assert bucket.allow(3) is False  # only 2 left: takes nothing
    assert bucket.allow(2) is True


def test_wait_time() -> None:
    clock = ManualClock()
    bucket = TokenBucket(2, 3, clock=clock)
    assert bucket.wait_time(3) == 0.0
    assert bucket.allow(3) is True
    assert bucket.wait_time() == pytest.approx(0.5)
    clock.now = 0.25
    assert bucket.wait_time() == pytest.approx(0.25)  # half a token is already there
    assert bucket.wait_time(2) == pytest.approx(0.75)


def test_clock_jumping_back_adds_nothing() -> None:
    clock = ManualClock(100.0)
    bucket = TokenBucket(2, 3, clock=clock)
    assert bucket.allow(3) is True
    clock.now = 40.0  # set back by a minute
    assert bucket.allow() is False
    clock.now = 40.5  # time after the jump counts
    assert bucket.allow() is True


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1.5, 1), (1, 0), (float("nan"), 1)])
def test_bad_values_are_value_errors(rate: float, burst: int) -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate, burst, clock=ManualClock())


@pytest.mark.parametrize(("rate", "burst"), [("1", 1), (True, 1), (1, 2.5), (1, True)])
def test_bad_types_are_type_errors(rate: object, burst: object) -> None:
    with pytest.raises(TypeError):
        TokenBucket(rate, burst, clock=ManualClock())  # type: ignore[arg-type]


def test_requests_beyond_burst_are_value_errors() -> None:
    bucket = TokenBucket(1, 3, clock=ManualClock())
    with pytest.raises(ValueError):
        bucket.allow(4)
    with pytest.raises(ValueError):
        bucket.wait_time(4)
    assert bucket.allow(3) is True  # the refused calls took nothing
