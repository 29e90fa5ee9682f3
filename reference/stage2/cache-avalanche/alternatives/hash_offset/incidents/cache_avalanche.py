"""The product cache, fixed with a per-product offset: each product's lifetime is a fixed point of the
band chosen by a hash of its key, the way some caches spread expiries without a random generator.

Products loaded in the same second still expire spread over [ttl * (1 - jitter), ttl * (1 + jitter)],
at warm-up and on every reload, and a run is repeatable by construction (``rng`` is accepted for
the common constructor and not needed).
"""

from __future__ import annotations

import random
import time
import zlib
from collections.abc import Callable, Iterable
from numbers import Real
from typing import Any


class ProductCache:
    """Read-through cache whose entries live ttl * (1 + jitter * s(key)), s(key) in [-1, 1) from a hash."""

    def __init__(self, loader: Callable[[str], Any], ttl: float, *, jitter: float = 0.1,
                 rng: random.Random | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        if not isinstance(ttl, Real) or isinstance(ttl, bool) or not 0 < ttl < float("inf"):
            raise ValueError(f"ttl must be a positive, finite number of seconds; got {ttl!r}")
        if not isinstance(jitter, Real) or isinstance(jitter, bool) or not 0 <= jitter < 1:
            raise ValueError(f"jitter must be in [0, 1); got {jitter!r}")
        self._loader = loader
        self._ttl = float(ttl)
        self._jitter = float(jitter)
        self._clock = clock
        self._values: dict[str, Any] = {}
        self._expires: dict[str, float] = {}

    def _lifetime(self, key: str) -> float:
        # crc32 rather than hash(): the same key gets the same offset in every process.
        spread = zlib.crc32(str(key).encode()) / 2**31 - 1  # in [-1, 1)
        return self._ttl * (1 + self._jitter * spread)

    def get(self, key: str) -> Any:
        now = self._clock()
        if key in self._values and now < self._expires[key]:
            return self._values[key]
        self._values.pop(key, None)
        self._expires.pop(key, None)
        value = self._loader(key)
        self._values[key] = value
        self._expires[key] = now + self._lifetime(key)
        return value

    def warm(self, keys: Iterable[str]) -> list[str]:
        failed: list[str] = []
        for key in keys:
            now = self._clock()
            try:
                value = self._loader(key)
            except Exception:  # noqa: BLE001 - one product the database cannot give must not stop the rest
                failed.append(key)
                continue
            self._values[key] = value
            self._expires[key] = now + self._lifetime(key)
        return failed

    def __len__(self) -> int:
        return len(self._values)
