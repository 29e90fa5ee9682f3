"""Alternative: the token bucket as a schedule (GCRA, the generic cell rate algorithm).

Instead of a token count this keeps one time: ``_empty_at``, the moment the bucket was (or
will be) empty if nothing more is taken. At clock time ``now`` the bucket holds
``(now - _empty_at) * rate`` tokens, at most ``burst``; taking n tokens moves ``_empty_at``
forward by n / rate seconds. The same arithmetic that rate limiters in Redis scripts and
network switches use, and it gives the same answers as a token counter.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any


def _require_int(name: str, value: Any, low: int) -> int:
    if type(value) is bool or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__} ({value!r})")
    if value < low:
        raise ValueError(f"{name} must be at least {low}, but it is {value}")
    return value


class TokenBucket:
    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if type(rate) is bool or not isinstance(rate, (int, float)):
            raise TypeError(f"rate must be an int or a float, not {type(rate).__name__} ({rate!r})")
        if math.isnan(rate) or math.isinf(rate) or rate <= 0:
            raise ValueError(f"rate must be positive and finite, but it is {rate!r}")
        self._burst = _require_int("burst", burst, 1)
        if not callable(clock):
            raise TypeError(f"clock must be a callable returning seconds, not {clock!r}")
        self._clock = clock
        self._interval = 1.0 / rate  # seconds per token
        self._span = self._burst * self._interval  # seconds to fill an empty bucket
        self._guard = threading.RLock()
        self._last = clock()
        self._empty_at = self._last - self._span  # a full bucket

    def allow(self, n: int = 1) -> bool:
        cost = self._cost(n)
        with self._guard:
            now = self._read_clock()
            if now - self._empty_at >= cost:
                self._empty_at += cost
                return True
            return False

    def wait_time(self, n: int = 1) -> float:
        cost = self._cost(n)
        with self._guard:
            now = self._read_clock()
            return max(0.0, self._empty_at + cost - now)

    def _cost(self, n: Any) -> float:
        n = _require_int("n", n, 1)
        if n > self._burst:
            raise ValueError(f"n must be at most burst ({self._burst}), but it is {n}: it would wait forever")
        return n * self._interval

    def _read_clock(self) -> float:
        now = self._clock()
        if now < self._last:
            # The clock went back: move the schedule back with it, so the bucket keeps what it held.
            self._empty_at -= self._last - now
        self._last = now
        # A full bucket stays full: time spent full earns nothing.
        self._empty_at = max(self._empty_at, now - self._span)
        return now
