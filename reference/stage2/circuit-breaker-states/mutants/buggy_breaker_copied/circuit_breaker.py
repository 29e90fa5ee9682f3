"""MUTANT: the open timeout is measured from the first failure of the streak, not from the moment the
breaker opened

The time of the first consecutive failure is remembered and used as the opening time, so a streak
of failures spread over time shortens (or skips) the open period.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"


class CircuitOpenError(Exception):
    """Raised by ``CircuitBreaker.call`` when the breaker does not permit the call."""


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}: {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


class CircuitBreaker:
    """Stops calling a failing dependency for a while, then lets a few trial calls through."""

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 30.0,
        half_open_max_calls: int = 1,
        success_threshold: int = 1,
        clock: Callable[[], float] = time.monotonic,
        on_state_change: Callable[[str, str], object] | None = None,
    ) -> None:
        self._failure_threshold = _positive_int("failure_threshold", failure_threshold)
        self._half_open_max_calls = _positive_int("half_open_max_calls", half_open_max_calls)
        self._success_threshold = _positive_int("success_threshold", success_threshold)
        if self._success_threshold > self._half_open_max_calls:
            raise ValueError(
                f"success_threshold ({success_threshold}) must not exceed half_open_max_calls "
                f"({half_open_max_calls}): the breaker could never close"
            )
        if isinstance(reset_timeout, bool) or not isinstance(reset_timeout, (int, float)):
            raise TypeError(f"reset_timeout must be a number of seconds, got {type(reset_timeout).__name__}: "
                            f"{reset_timeout!r}")
        if not (math.isfinite(reset_timeout) and reset_timeout > 0):
            raise ValueError(f"reset_timeout must be a finite number of seconds above 0, got {reset_timeout}")
        if not callable(clock):
            raise TypeError(f"clock must be callable, got {type(clock).__name__}")
        if on_state_change is not None and not callable(on_state_change):
            raise TypeError(f"on_state_change must be callable or None, got {type(on_state_change).__name__}")
        self._reset_timeout = float(reset_timeout)
        self._clock = clock
        self._listener = on_state_change
        self._lock = threading.RLock()
        self._state = CLOSED
        self._failures = 0  # consecutive failures while closed
        self._opened_at = 0.0  # clock time of the latest move to open
        self._first_failure_at = 0.0
        self._trials = 0  # trial calls permitted in this half-open period
        self._successes = 0  # successful trial calls in this half-open period

    # -- the public API -------------------------------------------------------------------

    @property
    def state(self) -> str:
        """ "closed", "open" or "half_open", as of now."""
        with self._lock:
            self._refresh()
            return self._state

    def try_acquire(self) -> bool:
        """Whether a call may go ahead now; in half-open a True uses up one trial call."""
        with self._lock:
            self._refresh()
            if self._state == CLOSED:
                return True
            if self._state == HALF_OPEN and self._trials < self._half_open_max_calls:
                self._trials += 1
                return True
            return False

    def record_success(self) -> None:
        """Report that a permitted call succeeded."""
        with self._lock:
            self._refresh()
            if self._state == CLOSED:
                self._failures = 0
            elif self._state == HALF_OPEN:
                self._successes += 1
                if self._successes >= self._success_threshold:
                    self._move_to(CLOSED)

    def record_failure(self) -> None:
        """Report that a permitted call failed."""
        with self._lock:
            self._refresh()
            if self._state == CLOSED:
                if self._failures == 0:
                    self._first_failure_at = self._clock()
                self._failures += 1
                if self._failures >= self._failure_threshold:
                    self._move_to(OPEN)
                    self._opened_at = self._first_failure_at
            elif self._state == HALF_OPEN:
                self._move_to(OPEN)

    def call(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` if permitted, record its outcome and return its result."""
        if not callable(fn):
            raise TypeError(f"call() needs a callable, got {type(fn).__name__}")
        if not self.try_acquire():
            raise CircuitOpenError(f"circuit breaker is {self.state}: call not permitted")
        # The dependency runs outside the lock: a slow call must not block other callers.
        try:
            result = fn(*args, **kwargs)
        except Exception:
            self.record_failure()
            raise
        self.record_success()
        return result

    # -- helpers; the caller holds the lock ---------------------------------------------------

    def _refresh(self) -> None:
        if self._state == OPEN and self._clock() - self._opened_at >= self._reset_timeout:
            self._move_to(HALF_OPEN)

    def _move_to(self, new: str) -> None:
        old, self._state = self._state, new
        if new == OPEN:
            self._opened_at = self._clock()
        elif new == HALF_OPEN:
            self._trials = self._successes = 0
        else:
            self._failures = 0
        if self._listener is not None:
            try:
                self._listener(old, new)
            except Exception:  # a broken listener must not break the breaker: log it and go on
                logging.getLogger(__name__).exception("on_state_change(%r, %r) raised", old, new)
