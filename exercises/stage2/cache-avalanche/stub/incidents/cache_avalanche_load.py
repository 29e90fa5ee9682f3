"""缓存雪崩（大量 key 同时过期） The load that shows the incident: the whole catalogue, read once a second.

Run it from the project folder:

    python incidents/cache_avalanche_load.py

It builds YOUR incidents/cache_avalanche.py's ProductCache in front of a counting database,
warms the catalogue (1000 products) at t = 0 with a TTL of 60 s, then steps a fake clock through
200 one-second windows (three TTL cycles and a bit), reading every product once per window. It
prints the largest number of database loads in any one window (and its share of the catalogue),
the total after the warm-up, and the loads of each 10-second span. No real time passes: the
whole run takes under a second.

Once your ProductCache takes the fix's jitter= and rng= parameters, the load builds it with
jitter=0.1 and rng=random.Random(2024), so every run prints the same figures. Copy them into
answers/cache-avalanche.yaml: "before" from the program as shipped, "after" from your fix.

The load block below is the very one the grader uses: it replays exactly this load with YOUR
cache and checks the figures you state against what your program does. If you change the block
here, what you measure no longer matches what the grader measures; to explore, copy it into a
scratch file of your own.
"""

from __future__ import annotations

# >>> shared with support/cache_avalanche_support.py: the grader replays this block, keep it unchanged
import inspect
import random
from collections.abc import Callable
from typing import Any

from swai.subject.fakes import FakeClock

CATALOGUE = 1000  # products, keys p0000 .. p0999, all warmed at start-up (t = 0)
TTL = 60.0  # seconds
JITTER = 0.1  # the fixed cache draws every lifetime from [TTL * 0.9, TTL * 1.1] = [54 s, 66 s]
SEED = 2024  # the fixed cache draws from random.Random(SEED), so every run gives the same figures
WINDOWS = 200  # one-second windows after the warm-up, t = 1 .. 200 s: three TTL cycles and a bit


class Backend:
    """The product database: every call is one load, counted with the time it happened.

    It returns ``"<key>#v<n>"``, n counting the key's successful loads, so a read can tell a
    cached value from a fresh one. ``fail(key)`` makes loads of that key raise ConnectionError
    until ``recover(key)``.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.loads: list[tuple[str, float]] = []  # (key, time) of every call, in order
        self._versions: dict[str, int] = {}
        self._failing: set[str] = set()

    def __call__(self, key: str) -> str:
        self.loads.append((key, self._clock()))
        if key in self._failing:
            raise ConnectionError(f"database unavailable for {key}")
        version = self._versions.get(key, 0) + 1
        self._versions[key] = version
        return f"{key}#v{version}"

    def latest(self, key: str) -> str | None:
        """The value the last successful load of ``key`` returned."""
        version = self._versions.get(key)
        return None if version is None else f"{key}#v{version}"

    def fail(self, key: str) -> None:
        self._failing.add(key)

    def recover(self, key: str) -> None:
        self._failing.discard(key)

    def count(self) -> int:
        return len(self.loads)


def products(n: int = CATALOGUE) -> list[str]:
    return [f"p{i:04d}" for i in range(n)]


def takes_jitter(cache_class: Callable[..., Any]) -> bool:
    """Whether ProductCache takes the fix's jitter= and rng= (the shipped one takes neither)."""
    parameters = inspect.signature(cache_class).parameters.values()
    names = {p.name for p in parameters}
    return {"jitter", "rng"} <= names or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def build(cache_class: Callable[..., Any], loader: Callable[[str], Any], clock: Callable[[], float], *,
          ttl: float = TTL, jitter: float = JITTER, seed: int = SEED) -> Any:
    """The cache as the service builds it: with the fix's jitter and a seeded rng once it takes them."""
    if takes_jitter(cache_class):
        return cache_class(loader, ttl, jitter=jitter, rng=random.Random(seed), clock=clock)
    return cache_class(loader, ttl, clock=clock)


def run_load(cache_class: Callable[..., Any], n: int = CATALOGUE, windows: int = WINDOWS,
             seed: int = SEED) -> dict[str, Any]:
    """Warm ``n`` products at t = 0, then in each one-second window t = 1 .. ``windows`` read every
    product once; count the backend loads of each window."""
    clock = FakeClock()
    backend = Backend(clock)
    cache = build(cache_class, backend, clock, seed=seed)
    names = products(n)
    cache.warm(names)
    warm_loads = backend.count()
    per_window = []
    for window in range(1, windows + 1):
        clock.set(float(window))
        before = backend.count()
        for name in names:
            cache.get(name)
        per_window.append(backend.count() - before)
    return {"warm_loads": warm_loads, "per_window": per_window, "total": sum(per_window),
            "jittered": takes_jitter(cache_class)}
# <<< end of the shared block

import sys  # noqa: E402 - below the load block, which stays exactly as the grader has it
from pathlib import Path  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
SPAN = 10  # seconds per line of the histogram
BAR = 50  # characters of the longest bar


def main() -> int:
    sys.path.insert(0, str(PROJECT))
    from incidents.cache_avalanche import ProductCache

    result = run_load(ProductCache)
    per_window = result["per_window"]
    peak = max(per_window)
    at = per_window.index(peak) + 1
    if result["jittered"]:
        print(f"ProductCache(backend, {TTL:g}, jitter={JITTER:g}, rng=random.Random({SEED}), clock=clock)")
    else:
        print(f"ProductCache(backend, {TTL:g}, clock=clock)  (as shipped: it takes no jitter= or rng=)")
    print(f"warm-up: {result['warm_loads']} database loads at t=0 s ({CATALOGUE} products)")
    print(f"then every product read once per second, t=1 .. {WINDOWS} s:")
    print(f"  max_window_loads: {peak}  (in the window ending at t={at} s: {peak / CATALOGUE:.1%} of the catalogue)")
    print(f"  total_loads:      {result['total']}  (after the warm-up)")
    order = sorted(range(len(per_window)), key=lambda i: (-per_window[i], i))[:5]
    print("  busiest windows:  " + ", ".join(f"t={i + 1} s: {per_window[i]}" for i in order))
    print(f"database loads per {SPAN}-second span:")
    spans = [sum(per_window[start:start + SPAN]) for start in range(0, len(per_window), SPAN)]
    top = max(spans) or 1
    for index, loads in enumerate(spans):
        first, last = index * SPAN + 1, min(len(per_window), (index + 1) * SPAN)
        print(f"  t={first:>3}-{last:<3} s  {'#' * round(BAR * loads / top):<{BAR}}  {loads}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
