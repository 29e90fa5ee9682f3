"""The product service's read-through cache, with one Future per key being loaded.

A reader that finds its key missing or expired either starts the key's load (and publishes a
Future for it) or waits on the Future another reader published; the Future carries the value or
the loader's exception to every reader of the flight.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any


class ReadThroughCache:
    """A cache in front of a slow backend; ``get()`` is called from many threads at once."""

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
        self._values: dict[Hashable, Any] = {}
        self._expiry: dict[Hashable, float] = {}
        self._pending: dict[Hashable, Future[Any]] = {}
        self._mutex = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._mutex:
            if key in self._values and self._clock() < self._expiry[key]:
                return self._values[key]
            pending = self._pending.get(key)
            if pending is None:
                future: Future[Any] = Future()
                self._pending[key] = future
        if pending is not None:
            return pending.result()
        try:
            value = self._loader(key)
        except BaseException as exc:
            with self._mutex:
                self._pending.pop(key, None)
            future.set_exception(exc)
            raise
        with self._mutex:
            self._values[key] = value
            self._expiry[key] = self._clock() + self._ttl
            self._pending.pop(key, None)
        future.set_result(value)
        return value
