"""The product service's read-through cache, fixed after the incident of release 2.3.

Every product page is read through this cache: ``get(key)`` returns the cached value while it
is fresh, and otherwise asks the backend (the ``loader``, a database query of about 50 ms)
and keeps the answer for ``ttl`` seconds.

The incident: when the page of the product on sale expired, every reader that found it expired
called the loader itself, so one expiry sent a few thousand identical queries to the database.
The fix is a singleflight per key: the first reader to find a key missing or expired loads it,
and the readers that come while that load is in flight wait for it and share its result (value
or exception). Loads of different keys still run in parallel: the lock is never held during a
load.

The contract below is what the rest of the service relies on; keep it when you fix the cache.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any


class _Flight:
    """One load in flight: its readers wait on ``done`` and then read its value or error."""

    __slots__ = ("done", "error", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


class ReadThroughCache:
    """A cache in front of a slow backend.

    ``loader(key)`` fetches a value from the backend; it may raise, and its exception then
    reaches the caller of ``get()`` and nothing is cached. ``ttl`` (seconds, > 0) is how long a
    loaded value stays fresh: a value loaded at time t is returned until ``clock()`` reaches
    t + ttl, and at t + ttl it is loaded again. ``clock`` tells the time in seconds (default
    ``time.monotonic``). ``get()`` is called from many threads at once.
    """

    def __init__(self, loader: Callable[[Any], Any], ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        if not callable(loader):
            raise TypeError(f"loader must be callable, not {type(loader).__name__}")
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
            raise TypeError(f"ttl must be a number of seconds, not {type(ttl).__name__}")
        if not ttl > 0:
            raise ValueError(f"ttl must be more than 0 seconds, not {ttl!r}")
        self._loader = loader
        self._ttl = float(ttl)
        self._clock = clock
        self._entries: dict[Hashable, tuple[Any, float]] = {}  # key -> (value, the time it expires)
        self._flights: dict[Hashable, _Flight] = {}  # key -> its load in flight
        self._lock = threading.Lock()  # guards _entries and _flights; never held during a load

    def get(self, key: Hashable) -> Any:
        """The value of ``key``: the cached one while fresh, else a new one from the loader.

        Raises TypeError for an unhashable key, and whatever the loader raises.
        """
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and self._clock() < entry[1]:
                return entry[0]
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.value
        try:
            flight.value = self._loader(key)
        except BaseException as exc:
            flight.error = exc  # every reader of this flight gets it; nothing is cached
            raise
        finally:
            with self._lock:
                if flight.error is None:
                    self._entries[key] = (flight.value, self._clock() + self._ttl)
                del self._flights[key]  # the next reader after a failure loads again
            flight.done.set()
        return flight.value
