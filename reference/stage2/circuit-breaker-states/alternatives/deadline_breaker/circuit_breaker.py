"""Alternative solution: an "open until" deadline and a transition table.

Instead of the opening time the breaker stores the moment it may probe again. Allowed
transitions are listed in a table and checked, and the counters are reset by the state
being entered. A Condition serves as the lock.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from numbers import Real
from typing import Any

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"

_ALLOWED = {(CLOSED, OPEN), (OPEN, HALF_OPEN), (HALF_OPEN, OPEN), (HALF_OPEN, CLOSED)}


class CircuitOpenError(RuntimeError):
    """The breaker is open (or out of trial calls) and refused the call."""


class CircuitBreaker:
    def __init__(self, *, failure_threshold: int = 5, reset_timeout: float = 30.0,
                 half_open_max_calls: int = 1, success_threshold: int = 1,
                 clock: Callable[[], float] = time.monotonic,
                 on_state_change: Callable[[str, str], object] | None = None) -> None:
        for name, value in (("failure_threshold", failure_threshold), ("half_open_max_calls", half_open_max_calls),
                            ("success_threshold", success_threshold)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name}: expected int, got {value!r}")
            if value < 1:
                raise ValueError(f"{name}: expected >= 1, got {value!r}")
        if success_threshold > half_open_max_calls:
            raise ValueError(f"success_threshold {success_threshold} > half_open_max_calls {half_open_max_calls}")
        if isinstance(reset_timeout, bool) or not isinstance(reset_timeout, Real):
            raise TypeError(f"reset_timeout: expected seconds, got {reset_timeout!r}")
        if not 0 < float(reset_timeout) < math.inf:
            raise ValueError(f"reset_timeout: expected 0 < seconds < inf, got {reset_timeout!r}")
        if not callable(clock) or (on_state_change is not None and not callable(on_state_change)):
            raise TypeError("clock and on_state_change must be callables")
        self.failure_threshold = failure_threshold
        self.reset_timeout = float(reset_timeout)
        self.half_open_max_calls = half_open_max_calls
        self.success_threshold = success_threshold
        self._clock = clock
        self._listeners = [on_state_change] if on_state_change is not None else []
        self._cond = threading.Condition()
        self._state = CLOSED
        self._streak = 0
        self._open_until = -math.inf
        self._handed_out = 0
        self._good = 0

    @property
    def state(self) -> str:
        with self._cond:
            self._tick()
            return self._state

    def try_acquire(self) -> bool:
        with self._cond:
            self._tick()
            if self._state == OPEN:
                return False
            if self._state == HALF_OPEN:
                if self._handed_out >= self.half_open_max_calls:
                    return False
                self._handed_out += 1
            return True

    def record_success(self) -> None:
        with self._cond:
            self._tick()
            if self._state == HALF_OPEN:
                self._good += 1
                if self._good >= self.success_threshold:
                    self._go(CLOSED)
            elif self._state == CLOSED:
                self._streak = 0

    def record_failure(self) -> None:
        with self._cond:
            self._tick()
            if self._state == HALF_OPEN or (self._state == CLOSED and self._streak + 1 >= self.failure_threshold):
                self._go(OPEN)
            elif self._state == CLOSED:
                self._streak += 1

    def call(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        if not callable(fn):
            raise TypeError("call() expects a callable")
        if not self.try_acquire():
            raise CircuitOpenError("circuit open: call refused")
        ok = False
        try:
            result = fn(*args, **kwargs)
            ok = True
            return result
        finally:
            if ok:
                self.record_success()
            else:
                self.record_failure()

    def _tick(self) -> None:
        if self._state == OPEN and self._clock() >= self._open_until:
            self._go(HALF_OPEN)

    def _go(self, new: str) -> None:
        old = self._state
        assert (old, new) in _ALLOWED, (old, new)
        self._state = new
        if new == OPEN:
            self._open_until = self._clock() + self.reset_timeout
        elif new == HALF_OPEN:
            self._handed_out = 0
            self._good = 0
        else:
            self._streak = 0
        for listener in self._listeners:
            try:
                listener(old, new)
            except Exception:
                logging.getLogger(__name__).warning("listener %r failed on %s -> %s", listener, old, new,
                                                    exc_info=True)
