"""The product service's read-through cache, as shipped in release 2.3.

Every product page is read through this cache: ``get(key)`` returns the cached value while it
is fresh, and otherwise asks the backend (the ``loader``, a database query of about 50 ms)
and keeps the answer for ``ttl`` seconds. It has run for months without trouble. Last Friday,
at 20:00:30, the page of the product on sale expired while a few thousand visitors were
reading it, and the database's CPU went to 100 % for the next half second; it happens again
every ``ttl`` seconds during the sale. The incident is yours: see the exercise's README.

The contract below is what the rest of the service relies on; keep it when you fix the cache.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any


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
        self._lock = threading.Lock()  # guards _entries

    def get(self, key: Hashable) -> Any:
        """The value of ``key``: the cached one while fresh, else a new one from the loader.

        Raises TypeError for an unhashable key, and whatever the loader raises.
        """
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and self._clock() < entry[1]:
            return entry[0]
        value = self._loader(key)
        with self._lock:
            self._entries[key] = (value, self._clock() + self._ttl)
        return value
