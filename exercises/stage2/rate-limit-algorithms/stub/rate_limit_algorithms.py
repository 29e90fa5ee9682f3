"""The token bucket's two rivals: a leaky bucket and a sliding window log.

Both take a clock (a callable returning seconds; the grader passes its own) and answer
``allow()`` with True (admitted) or False (refused). Neither needs a lock or a thread here.
The README gives the rules, with a worked example for each class.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class LeakyBucket:
    """A bucket that holds up to ``capacity`` units of water and leaks ``rate`` units per second.

    It starts empty and leaks continuously (fractions count), but never below empty. Each
    admitted request pours in one unit. Read as a queue, the water is the line of admitted
    requests still waiting: a request admitted now is handed on to the service when the
    water ahead of it has leaked out, ``delay()`` seconds later.
    """

    def __init__(self, rate: float, capacity: int, clock: Callable[[], float] = time.monotonic) -> None:
        """Create an empty bucket; read the clock once.

        Raises:
            ValueError: if rate is not a finite number above 0, or capacity is below 1.
        """
        raise NotImplementedError

    def allow(self) -> bool:
        """Read the clock and leak. If one more unit fits (level + 1 <= capacity), pour it in
        and return True; otherwise pour nothing and return False."""
        raise NotImplementedError

    def delay(self) -> float:
        """Read the clock and leak; return level / rate, the seconds a request admitted now
        would wait before it is handed on. Pours nothing."""
        raise NotImplementedError


class SlidingWindowLog:
    """At most ``limit`` admitted requests in any ``window`` seconds.

    It keeps the clock reading of every request it admitted that is still in the window
    (now - window, now]: a request exactly ``window`` seconds old has left it. Refused
    requests are not logged, and readings that have left the window are dropped, so the
    log never holds more than ``limit`` readings.
    """

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        """Create an empty log.

        Raises:
            ValueError: if limit is below 1, or window is not a finite number of seconds above 0.
        """
        raise NotImplementedError

    def allow(self) -> bool:
        """Read the clock, drop the readings t with t <= now - window; if fewer than limit are
        left, log now and return True, otherwise return False."""
        raise NotImplementedError
