"""The product cache of the catalogue service, as shipped: a read-through cache in front of the database.

At start-up the service warms the whole catalogue with ``warm()``; requests then read products
with ``get()``, which serves an entry while it is fresh and reloads it from the database once
it has expired.

This is the program of the incident: see the exercise's README. Reproduce the symptom with
``python incidents/cache_avalanche_load.py``, find the cause here, and fix it to the spec.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from typing import Any


class ProductCache:
    """Read-through cache: ``get(key)`` returns the cached value while it is fresh, else ``loader(key)``.

    ``ttl`` is how long an entry stays fresh, in seconds of ``clock`` (``time.monotonic`` by
    default; tests pass a fake clock).
    """

    def __init__(self, loader: Callable[[str], Any], ttl: float, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not math.isfinite(ttl) or ttl <= 0:
            raise ValueError(f"ttl must be a finite number of seconds > 0, got {ttl!r}")
        self._loader = loader
        self._ttl = float(ttl)
        self._clock = clock
        self._entries: dict[str, tuple[Any, float]] = {}  # key -> (value, expires_at)

    def _store(self, key: str, value: Any, now: float) -> None:
        self._entries[key] = (value, now + self._ttl)

    def get(self, key: str) -> Any:
        """The value of ``key``: from the cache while fresh, else loaded (and cached) now.

        If the loader raises, the exception reaches the caller and nothing is cached for
        ``key``: the next ``get()`` asks the loader again.
        """
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and now < entry[1]:
            return entry[0]
        self._entries.pop(key, None)  # expired: never serve it again, even if the reload fails
        value = self._loader(key)
        self._store(key, value, now)
        return value

    def warm(self, keys: Iterable[str]) -> list[str]:
        """Load every key now (at start-up). A key whose loader raises is skipped; the others are
        still loaded. Returns the keys that could not be loaded, in order."""
        failed = []
        for key in keys:
            now = self._clock()
            try:
                value = self._loader(key)
            except Exception:  # noqa: BLE001 - one product the database cannot give must not stop the rest
                failed.append(key)
                continue
            self._store(key, value, now)
        return failed

    def __len__(self) -> int:
        """How many entries the cache holds, expired ones included until they are read."""
        return len(self._entries)
