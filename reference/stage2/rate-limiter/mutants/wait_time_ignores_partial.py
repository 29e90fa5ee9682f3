"""MUTANT: wait_time counts only whole tokens, ignoring the fraction already earned

With half a token in the bucket at rate 2, wait_time(1) says 0.5 s instead of 0.25 s.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


def _check_count(name: str, value: object) -> int:
    # bool is a subclass of int, but allow(True) is almost surely a bug.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}: {value!r}")
    return value


class TokenBucket:
    """Admits at most ``burst`` requests at once and ``rate`` requests per second over time."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if isinstance(rate, bool) or not isinstance(rate, (int, float)):
            raise TypeError(f"rate must be a number, got {type(rate).__name__}: {rate!r}")
        if not (math.isfinite(rate) and rate > 0):
            raise ValueError(f"rate must be a finite number above 0, got {rate!r}")
        burst = _check_count("burst", burst)
        if burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst}")
        if not callable(clock):
            raise TypeError(f"clock must be callable, got {type(clock).__name__}: {clock!r}")
        self._rate = float(rate)
        self._burst = burst
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = float(burst)  # the bucket starts full
        self._last = clock()

    def allow(self, n: int = 1) -> bool:
        """Take ``n`` tokens and return True if there are that many, else take none and return False."""
        self._check_request(n)
        with self._lock:
            self._refill()
            if self._tokens >= n:
                self._tokens -= n
                return True
            return False

    def wait_time(self, n: int = 1) -> float:
        """Seconds until ``n`` tokens will be available (0.0 if they are now). Takes nothing."""
        self._check_request(n)
        with self._lock:
            self._refill()
            missing = n - math.floor(self._tokens)
            return missing / self._rate if missing > 0 else 0.0

    # Helpers.

    def _check_request(self, n: object) -> None:
        n = _check_count("n", n)
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        if n > self._burst:
            raise ValueError(f"n = {n} can never be satisfied: the bucket holds at most burst = {self._burst}")

    def _refill(self) -> None:
        """Add the tokens earned since the last reading of the clock. The caller holds the lock."""
        now = self._clock()
        # A clock that went backwards adds nothing (elapsed 0), and the new reading becomes
        # the reference point: time after the jump counts, time before it is not counted twice.
        elapsed = max(0.0, now - self._last)
        self._tokens = min(float(self._burst), self._tokens + elapsed * self._rate)
        self._last = now
