"""A token-bucket rate limiter.

The bucket holds at most ``burst`` tokens and gains ``rate`` tokens per second, continuously:
fractions of a token count. It starts full. ``allow(n)`` takes ``n`` tokens if the bucket holds
that many and says whether it did; ``wait_time(n)`` says how long until it would, without
taking anything. Refill lazily: on every call, read the clock once and add the tokens earned
since the previous reading. A clock that reads earlier than before adds nothing. Every method
must be safe to call from many threads at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    """Admits at most ``burst`` requests at once and ``rate`` requests per second over time."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        """Create a full bucket.

        Args:
            rate: tokens added per second; an int or a float, finite and above 0.
            burst: the most tokens the bucket holds; an int, at least 1.
            clock: returns the current time in seconds; read at creation and on every call.

        Raises:
            TypeError: if rate is not an int or float, burst is not an int (a bool is rejected
                for both), or clock is not callable.
            ValueError: if rate is not above 0 or not finite, or burst is below 1; the message
                names the value.
        """
        raise NotImplementedError

    def allow(self, n: int = 1) -> bool:
        """Take ``n`` tokens and return True if the bucket holds at least ``n``; else take none, return False.

        Raises:
            TypeError: if ``n`` is not an int (a bool is rejected too).
            ValueError: if ``n`` is below 1 or above burst (it could never be satisfied).
        """
        raise NotImplementedError

    def wait_time(self, n: int = 1) -> float:
        """Seconds until ``n`` tokens will be in the bucket, counting fractions; 0.0 if they are now.

        Takes nothing. Raises exactly like ``allow``.
        """
        raise NotImplementedError
