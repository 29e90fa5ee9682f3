"""The product service's read-through cache, with loads in flight tracked under one Condition.

The readers of a key being loaded sleep on the cache's Condition until that key's load has
finished; the loader runs without the Condition held, so other keys load meanwhile.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any


@dataclass
class _Load:
    finished: bool = False
    value: Any = None
    error: BaseException | None = None


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
        self._cache: dict[Hashable, tuple[float, Any]] = {}  # key -> (expires at, value)
        self._loading: dict[Hashable, _Load] = {}
        self._changed = threading.Condition()

    def get(self, key: Hashable) -> Any:
        with self._changed:
            hit = self._cache.get(key)
            if hit is not None and self._clock() < hit[0]:
                return hit[1]
            load = self._loading.get(key)
            if load is not None:
                self._changed.wait_for(lambda: load.finished)
                if load.error is not None:
                    raise load.error
                return load.value
            load = _Load()
            self._loading[key] = load
        try:
            load.value = self._loader(key)
            return load.value
        except BaseException as exc:
            load.error = exc
            raise
        finally:
            with self._changed:
                if load.error is None:
                    self._cache[key] = (self._clock() + self._ttl, load.value)
                del self._loading[key]
                load.finished = True
                self._changed.notify_all()
