"""Public sample tests for CircuitBreaker. The grader checks much more than this."""

from __future__ import annotations

import pytest
from circuit_breaker import CircuitBreaker, CircuitOpenError


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_consecutive_failures() -> None:
    breaker = CircuitBreaker(failure_threshold=3, clock=Clock())
    assert breaker.state == "closed"
    assert breaker.try_acquire() is True
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()  # the streak is broken
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state == "closed"
    breaker.record_failure()  # the 3rd in a row
    assert breaker.state == "open"
    assert breaker.try_acquire() is False


def test_half_open_after_timeout_then_closes() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=10.0, half_open_max_calls=2,
                             success_threshold=2, clock=clock)
    breaker.record_failure()
    clock.now = 9.9
    assert breaker.state == "open"
    clock.now = 10.0  # exactly reset_timeout later
    assert breaker.state == "half_open"
    assert [breaker.try_acquire() for _ in range(3)] == [True, True, False]
    breaker.record_success()
    assert breaker.state == "half_open"
    breaker.record_success()
    assert breaker.state == "closed"


def test_failed_trial_reopens_with_a_fresh_timeout() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=10.0, clock=clock)
    breaker.record_failure()
    clock.now = 15.0
    assert breaker.try_acquire() is True
    breaker.record_failure()
    assert breaker.state == "open"
    clock.now = 24.0
    assert breaker.state == "open"  # reopened at 15: half_open at 25
    clock.now = 25.0
    assert breaker.state == "half_open"


def test_listener_hears_each_transition() -> None:
    clock = Clock()
    heard: list[tuple[str, str]] = []
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=5.0, clock=clock,
                             on_state_change=lambda old, new: heard.append((old, new)))
    breaker.record_failure()
    clock.now = 5.0
    assert breaker.try_acquire() is True
    breaker.record_success()
    assert heard == [("closed", "open"), ("open", "half_open"), ("half_open", "closed")]


def test_call_wraps_a_function() -> None:
    breaker = CircuitBreaker(failure_threshold=1, clock=Clock())
    assert breaker.call(pow, 2, 10) == 1024

    def broken() -> None:
        raise ConnectionError("down")

    with pytest.raises(ConnectionError):
        breaker.call(broken)
    with pytest.raises(CircuitOpenError):
        breaker.call(pow, 2, 10)


@pytest.mark.parametrize("bad", [0, -1])
def test_failure_threshold_below_one_is_a_value_error(bad: int) -> None:
    with pytest.raises(ValueError, match=str(bad)):
        CircuitBreaker(failure_threshold=bad)


@pytest.mark.parametrize("bad", [2.0, "2", None, True])
def test_failure_threshold_of_wrong_type_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError):
        CircuitBreaker(failure_threshold=bad)  # type: ignore[arg-type]
