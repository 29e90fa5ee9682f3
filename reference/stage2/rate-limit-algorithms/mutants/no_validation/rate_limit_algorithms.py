"""Reference solution: a leaky bucket and a sliding window log, the token bucket's two rivals.

LeakyBucket is the leaky bucket "as a meter": it holds up to ``capacity`` units of water and
leaks ``rate`` units per second, continuously. Each admitted request pours in one unit; a
request that would overflow the bucket is refused. Read as a queue, the water is the line of
requests waiting to be handed on: a request admitted now leaves when the water ahead of it
has leaked out, ``delay()`` seconds later, so the output is never faster than ``rate``.

SlidingWindowLog keeps the times of the requests it admitted during the last ``window``
seconds, i.e. in (now - window, now], and admits a request only if fewer than ``limit`` are
there. Refused requests are not logged, and times that have left the window are dropped.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class LeakyBucket:
    """A bucket of ``capacity`` units of water that leaks ``rate`` units per second."""

    def __init__(self, rate: float, capacity: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = float(rate)
        self._capacity = capacity
        self._clock = clock
        self._level = 0.0  # the bucket starts empty
        self._last = clock()

    def allow(self) -> bool:
        """Pour in one unit and return True if it fits; otherwise return False and pour nothing."""
        self._leak()
        if self._level + 1 <= self._capacity:
            self._level += 1
            return True
        return False

    def delay(self) -> float:
        """Seconds until the water in the bucket now has leaked out: a request admitted now
        is handed on after that long. Only looks: pours nothing."""
        self._leak()
        return self._level / self._rate

    def _leak(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._last)
        self._level = max(0.0, self._level - elapsed * self._rate)  # an idle bucket is empty, never below
        self._last = now


class SlidingWindowLog:
    """At most ``limit`` admitted requests in any ``window`` seconds: (now - window, now]."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._window = float(window)
        self._clock = clock
        self._log: deque[float] = deque()  # times of the admitted requests still in the window, oldest first

    def allow(self) -> bool:
        now = self._clock()
        horizon = now - self._window
        while self._log and self._log[0] <= horizon:  # a request exactly `window` ago has left
            self._log.popleft()
        if len(self._log) < self._limit:
            self._log.append(now)
            return True
        return False  # a refused request is not logged
