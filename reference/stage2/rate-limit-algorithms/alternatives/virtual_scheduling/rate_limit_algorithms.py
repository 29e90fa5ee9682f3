"""A correct solution written differently: the leaky bucket as one timestamp, the log as a sorted list.

LeakyBucket keeps no level: it keeps ``empty_at``, the time at which the water in it will
have leaked out (the "virtual scheduling" form of GCRA). The level at time ``now`` is
(empty_at - now) * rate while that is positive, and a request admitted now is handed on at
max(now, empty_at), which pushes empty_at 1 / rate further out.

SlidingWindowLog keeps its readings in a list and cuts off the old ones with bisect.
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Callable


class LeakyBucket:
    def __init__(self, rate: float, capacity: int, clock: Callable[[], float] = time.monotonic) -> None:
        if not rate > 0 or rate == math.inf:
            raise ValueError(f"rate must be above 0 and finite: {rate}")
        if not capacity >= 1:
            raise ValueError(f"capacity must be 1 or more: {capacity}")
        self.interval = 1 / rate  # seconds one unit of water takes to leak
        self.capacity = capacity
        self.clock = clock
        self.empty_at = clock()

    def delay(self) -> float:
        return max(0.0, self.empty_at - self.clock())

    def allow(self) -> bool:
        now = self.clock()
        start = max(now, self.empty_at)
        # level after the request = (start + interval - now) / interval, which must be <= capacity
        if start + self.interval - now <= self.capacity * self.interval:
            self.empty_at = start + self.interval
            return True
        return False


class SlidingWindowLog:
    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        if limit <= 0:
            raise ValueError(f"limit must be 1 or more: {limit}")
        if window <= 0 or math.isinf(window) or math.isnan(window):
            raise ValueError(f"window must be a positive number of seconds: {window}")
        self.limit, self.window, self.clock = limit, window, clock
        self.times: list[float] = []

    def allow(self) -> bool:
        now = self.clock()
        del self.times[: bisect.bisect_right(self.times, now - self.window)]
        if len(self.times) >= self.limit:
            return False
        self.times.append(now)
        return True
