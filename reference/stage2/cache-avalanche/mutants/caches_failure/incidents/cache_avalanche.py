"""The product cache of the catalogue service: a read-through cache in front of the database.

At start-up the service warms the whole catalogue with ``warm()``; requests then read products
with ``get()``, which serves an entry while it is fresh and reloads it from the database once
it has expired.

Every entry, whether warmed or loaded by ``get()``, gets its own lifetime drawn uniformly from
``[ttl * (1 - jitter), ttl * (1 + jitter)]``, so keys loaded together expire spread over the
band instead of in one instant, and every reload draws again, so they never fall back in step.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterable
from typing import Any


class ProductCache:
    """Read-through cache: ``get(key)`` returns the cached value while it is fresh, else ``loader(key)``.

    ``ttl`` is the mean lifetime of an entry and ``jitter`` the spread around it, as a fraction
    of ``ttl`` (0 <= jitter < 1; 0 gives every entry exactly ``ttl``). Lifetimes are drawn from
    ``rng`` (a fresh ``random.Random()`` when None), so a seeded ``rng`` makes a run repeatable.
    ``clock`` is ``time.monotonic`` by default; tests pass a fake clock.
    """

    def __init__(self, loader: Callable[[str], Any], ttl: float, *, jitter: float = 0.1,
                 rng: random.Random | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not math.isfinite(ttl) or ttl <= 0:
            raise ValueError(f"ttl must be a finite number of seconds > 0, got {ttl!r}")
        if isinstance(jitter, bool) or not isinstance(jitter, int | float) or not 0 <= jitter < 1:
            raise ValueError(f"jitter must be a fraction of ttl with 0 <= jitter < 1, got {jitter!r}")
        self._loader = loader
        self._ttl = float(ttl)
        self._jitter = float(jitter)
        self._rng = rng if rng is not None else random.Random()
        self._clock = clock
        self._entries: dict[str, tuple[Any, float]] = {}  # key -> (value, expires_at)

    def _lifetime(self) -> float:
        # Drawn at every store, reloads included: a fixed offset per key or per process would let
        # keys loaded in the same second (a cold start, a backend outage) expire in step again.
        return self._ttl * self._rng.uniform(1 - self._jitter, 1 + self._jitter)

    def _store(self, key: str, value: Any, now: float) -> None:
        self._entries[key] = (value, now + self._lifetime())

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
        try:
            value = self._loader(key)
        except Exception:  # noqa: BLE001
            value = None  # remember the miss so the database is not asked again at once
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
