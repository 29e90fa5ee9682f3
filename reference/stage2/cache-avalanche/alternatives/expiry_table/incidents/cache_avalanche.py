"""The product cache, fixed: entries in one table of (expires_at, value) records, lifetimes drawn with
``rng.random()`` and scaled onto the band, and the warm-up done as one batch that draws all its
lifetimes first."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Entry:
    expires_at: float
    value: Any


class ProductCache:
    def __init__(self, loader: Callable[[str], Any], ttl: float, *, jitter: float = 0.1,
                 rng: random.Random | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        try:
            ttl_ok = float(ttl) > 0 and float(ttl) != float("inf")
            jitter_ok = 0.0 <= float(jitter) < 1.0
        except (TypeError, ValueError):
            ttl_ok = jitter_ok = False
        if not ttl_ok:
            raise ValueError(f"bad ttl {ttl!r}: expected seconds > 0")
        if not jitter_ok:
            raise ValueError(f"bad jitter {jitter!r}: expected 0 <= jitter < 1")
        self.loader = loader
        self.shortest = float(ttl) * (1 - float(jitter))
        self.width = 2 * float(ttl) * float(jitter)
        self.rng = rng or random.Random()
        self.clock = clock
        self.table: dict[str, Entry] = {}

    def _expiry(self, now: float) -> float:
        return now + self.shortest + self.width * self.rng.random()

    def get(self, key: str) -> Any:
        now = self.clock()
        entry = self.table.get(key)
        if entry is None or now >= entry.expires_at:
            self.table.pop(key, None)
            entry = Entry(self._expiry(now), self.loader(key))
            self.table[key] = entry
        return entry.value

    def warm(self, keys: Iterable[str]) -> list[str]:
        keys = list(keys)
        now = self.clock()
        expiries = [self._expiry(now) for _ in keys]
        failed = []
        for key, expires_at in zip(keys, expiries, strict=True):
            try:
                self.table[key] = Entry(expires_at, self.loader(key))
            except Exception:  # noqa: BLE001 - one product the database cannot give must not stop the rest
                failed.append(key)
        return failed

    def __len__(self) -> int:
        return len(self.table)
