"""A circuit breaker: stop calling a dependency that keeps failing, then probe it carefully.

The breaker is in one of three states, given by the plain strings below:

- ``"closed"``: calls go through. ``failure_threshold`` consecutive failures open it.
- ``"open"``: calls are refused. After ``reset_timeout`` seconds (on ``clock``) it turns
  half-open, at the first method call (or read of ``state``) made at or after that time.
- ``"half_open"``: at most ``half_open_max_calls`` trial calls go through.
  ``success_threshold`` successes close it; one failure opens it again, for a full
  ``reset_timeout`` from that moment.

The breaker never calls the dependency itself: a caller asks ``try_acquire()``, makes the
call if allowed, and reports ``record_success()`` or ``record_failure()``. ``call(fn, ...)``
does the three steps for a callable. Every method must be safe to call from many threads.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"


class CircuitOpenError(Exception):
    """Raised by ``CircuitBreaker.call`` when the breaker does not permit the call."""


class CircuitBreaker:
    """Closed → open → half-open → closed (or back to open), on an injectable clock."""

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
        """Create a closed breaker.

        Raises:
            TypeError: a count that is not an int (a bool is rejected too), a ``reset_timeout``
                that is not an int or float (or is a bool), or a ``clock`` /
                ``on_state_change`` that is not callable (``on_state_change`` may be None).
            ValueError: a count below 1, ``success_threshold > half_open_max_calls``, or a
                ``reset_timeout`` that is not finite and above 0. The message names the value.
        """
        raise NotImplementedError

    @property
    def state(self) -> str:
        """``"closed"``, ``"open"`` or ``"half_open"`` as of now (may move open → half_open)."""
        raise NotImplementedError

    def try_acquire(self) -> bool:
        """Whether a call may go ahead now.

        Closed: always True. Open: False. Half-open: True for the first
        ``half_open_max_calls`` calls of this half-open period (each uses up one trial
        call), then False.
        """
        raise NotImplementedError

    def record_success(self) -> None:
        """Report that a permitted call succeeded.

        Closed: the consecutive-failure count goes back to 0. Half-open: one more success;
        at ``success_threshold`` the breaker closes. Open: ignored.
        """
        raise NotImplementedError

    def record_failure(self) -> None:
        """Report that a permitted call failed.

        Closed: one more consecutive failure; at ``failure_threshold`` the breaker opens.
        Half-open: the breaker opens again. Open: ignored.
        """
        raise NotImplementedError

    def call(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` through the breaker and return its result.

        Raises:
            TypeError: ``fn`` is not callable (checked before anything else happens).
            CircuitOpenError: the breaker did not permit the call; ``fn`` is not called.
            Exception: whatever ``fn`` raised, unchanged, after recording a failure.
        """
        raise NotImplementedError
