"""Alternative: the bucket's state is one immutable snapshot, replaced whole under a lock.

``_state`` is a (tokens, reading) pair. ``_project`` computes, without changing anything, what
the bucket holds at a given reading; both methods store the projection as the new snapshot,
``allow`` with the tokens taken or not. A backward clock projects to the same tokens at the
new reading.
"""

from __future__ import annotations

import math
import operator
import threading
import time
from collections.abc import Callable
from typing import NamedTuple


class _State(NamedTuple):
    tokens: float
    reading: float


def _whole(name: str, value: object) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{name} cannot be a bool ({value!r})")
    try:
        return operator.index(value)  # type: ignore[call-overload, no-any-return]
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {value!r}") from None


class TokenBucket:
    __slots__ = ("_burst", "_clock", "_lock", "_rate", "_state")

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if isinstance(rate, bool) or not isinstance(rate, (int, float)):
            raise TypeError(f"rate must be a real number, got {rate!r}")
        if not 0 < rate < math.inf:  # also False for nan
            raise ValueError(f"rate must be above 0 and finite, got {rate!r}")
        burst = _whole("burst", burst)
        if burst <= 0:
            raise ValueError(f"burst must be 1 or more, got {burst!r}")
        if not callable(clock):
            raise TypeError(f"clock is not callable: {clock!r}")
        self._rate = rate
        self._burst = burst
        self._clock = clock
        self._lock = threading.Lock()
        self._state = _State(float(burst), clock())

    def allow(self, n: int = 1) -> bool:
        n = self._request(n)
        with self._lock:
            state = self._project(self._clock())
            ok = state.tokens >= n
            self._state = state._replace(tokens=state.tokens - n) if ok else state
        return ok

    def wait_time(self, n: int = 1) -> float:
        n = self._request(n)
        with self._lock:
            self._state = self._project(self._clock())  # the reading is the new reference either way
            tokens = self._state.tokens
        return 0.0 if tokens >= n else (n - tokens) / self._rate

    def _project(self, reading: float) -> _State:
        tokens, last = self._state
        if reading > last:
            tokens = min(self._burst, tokens + (reading - last) * self._rate)
        return _State(tokens, reading)

    def _request(self, n: object) -> int:
        n = _whole("n", n)
        if n < 1 or n > self._burst:
            raise ValueError(f"n must be between 1 and burst = {self._burst}, got {n}")
        return n
