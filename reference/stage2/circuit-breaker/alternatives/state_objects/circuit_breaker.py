"""Alternative solution: the State pattern, one small object per state.

Each state is an object that carries its own counters, so entering a state means building a
fresh object: a new half-open period can never inherit the trial count of the last one. The
breaker swaps the object under a plain (non-re-entrant) lock and tells the listener while it
still holds the lock.
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

log = logging.getLogger(__name__)


class CircuitOpenError(Exception):
    """The breaker refused the call."""


class _Closed:
    name = CLOSED

    def __init__(self) -> None:
        self.failures = 0


class _Open:
    name = OPEN

    def __init__(self, since: float) -> None:
        self.since = since


class _HalfOpen:
    name = HALF_OPEN

    def __init__(self, permits: int) -> None:
        self.permits = permits
        self.successes = 0


_State = _Closed | _Open | _HalfOpen


def _count(name: str, value: Any) -> int:
    if type(value) is not int:
        raise TypeError(f"{name} must be an int, not {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be 1 or more, not {value!r}")
    return value


class CircuitBreaker:
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
        self._threshold = _count("failure_threshold", failure_threshold)
        self._permits = _count("half_open_max_calls", half_open_max_calls)
        self._needed = _count("success_threshold", success_threshold)
        if self._needed > self._permits:
            raise ValueError(f"success_threshold={success_threshold} can never be reached with "
                             f"half_open_max_calls={half_open_max_calls}")
        if type(reset_timeout) not in (int, float):
            raise TypeError(f"reset_timeout must be an int or float, not {reset_timeout!r}")
        if math.isnan(reset_timeout) or math.isinf(reset_timeout) or reset_timeout <= 0:
            raise ValueError(f"reset_timeout must be a positive, finite number of seconds, not {reset_timeout!r}")
        if not callable(clock):
            raise TypeError(f"clock must be a function returning seconds, not {clock!r}")
        if not (on_state_change is None or callable(on_state_change)):
            raise TypeError(f"on_state_change must be a function or None, not {on_state_change!r}")
        self._timeout = reset_timeout
        self._clock = clock
        self._on_state_change = on_state_change
        self._mutex = threading.Lock()
        self._current: _State = _Closed()

    @property
    def state(self) -> str:
        with self._mutex:
            return self._now_state().name

    def try_acquire(self) -> bool:
        with self._mutex:
            current = self._now_state()
            if isinstance(current, _HalfOpen):
                if current.permits == 0:
                    return False
                current.permits -= 1
                return True
            return isinstance(current, _Closed)

    def record_success(self) -> None:
        with self._mutex:
            current = self._now_state()
            if isinstance(current, _Closed):
                current.failures = 0
            elif isinstance(current, _HalfOpen):
                current.successes += 1
                if current.successes == self._needed:
                    self._enter(_Closed())

    def record_failure(self) -> None:
        with self._mutex:
            current = self._now_state()
            if isinstance(current, _HalfOpen):
                self._enter(_Open(self._clock()))
            elif isinstance(current, _Closed):
                current.failures += 1
                if current.failures == self._threshold:
                    self._enter(_Open(self._clock()))

    def call(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        if not callable(fn):
            raise TypeError(f"{fn!r} is not callable")
        if not self.try_acquire():
            raise CircuitOpenError(f"refused: the circuit is {self.state}")
        try:
            value = fn(*args, **kwargs)
        except Exception:
            self.record_failure()
            raise
        else:
            self.record_success()
            return value

    def _now_state(self) -> _State:
        current = self._current
        if isinstance(current, _Open) and self._clock() - current.since >= self._timeout:
            self._enter(_HalfOpen(self._permits))
        return self._current

    def _enter(self, new: _State) -> None:
        old = self._current
        self._current = new
        if self._on_state_change is None:
            return
        try:
            self._on_state_change(old.name, new.name)
        except Exception:
            log.exception("state-change listener failed")
