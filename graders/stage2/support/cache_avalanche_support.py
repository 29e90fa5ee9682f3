"""Subject-side helper of the stage2/cache-avalanche grader: the load and the probes, run next to the learner's cache.

It is imported inside the learner's process, so one call steps a fake clock through hundreds of
windows and reads the whole catalogue in each (hundreds of thousands of ``get()`` calls)
instead of one round trip per read. It returns plain data; the grader draws the verdicts.

The block between the ">>> shared" and "<<< end" lines is the source of truth for the load: it is copied
verbatim into the exercise's ``incidents/cache_avalanche_load.py`` (the script learners run).
If the two ever drift, the figures the reference states stop matching the grader's replay and
the exercise's proof fails; keep them identical.
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


def probe(cache_class: Callable[..., Any], n: int, step: float, until: float, *, seed: int = SEED,
          cold: bool = False, strict: bool = False) -> dict[str, Any]:
    """Every load of every key, to the nearest ``step``: the catalogue is loaded at t = 0 (by
    ``warm()``, or by a ``get()`` of every key when ``cold``), then every key is read at each
    multiple of ``step`` up to ``until``. A key reloaded at read time t expired in (t - step, t].

    ``strict`` builds the cache with jitter= and rng= even if its signature does not show them.
    Returns each key's load times, and the first reads that returned something else than the
    value of the key's last load.
    """
    clock = FakeClock()
    backend = Backend(clock)
    if strict:
        cache = cache_class(backend, TTL, jitter=JITTER, rng=random.Random(seed), clock=clock)
    else:
        cache = build(cache_class, backend, clock, seed=seed)
    names = products(n)
    wrong: list[list[Any]] = []
    if cold:
        for name in names:
            read(cache, backend, name, 0.0, wrong)
    else:
        cache.warm(names)
    reads = 0
    for i in range(1, round(until / step) + 1):
        now = i * step
        clock.set(now)
        for name in names:
            read(cache, backend, name, now, wrong)
            reads += 1
    loads: dict[str, list[float]] = {name: [] for name in names}
    for key, when in backend.loads:
        loads[key].append(when)
    return {"loads": [loads[name] for name in names], "wrong": wrong, "reads": reads,
            "jittered": takes_jitter(cache_class)}


def read(cache: Any, backend: Backend, name: str, now: float, wrong: list[list[Any]]) -> None:
    got = cache.get(name)
    want = backend.latest(name)
    if (type(got) is not str or got != want) and len(wrong) < 3:
        wrong.append([now, name, repr(got)[:80], want])


def cold_start(cache_class: Callable[..., Any], n: int = CATALOGUE, windows: int = WINDOWS,
               seed: int = SEED) -> dict[str, Any]:
    """A cold start: no warm-up, every product first loaded by a get() at t = 0 (a restart under
    traffic, or the moment a backend outage ends); then the load's windows."""
    clock = FakeClock()
    backend = Backend(clock)
    cache = build(cache_class, backend, clock, seed=seed)
    names = products(n)
    for name in names:
        cache.get(name)
    per_window = []
    for window in range(1, windows + 1):
        clock.set(float(window))
        before = backend.count()
        for name in names:
            cache.get(name)
        per_window.append(backend.count() - before)
    return {"per_window": per_window, "jittered": takes_jitter(cache_class)}


def repeatable(cache_class: Callable[..., Any], n: int, seed: int) -> dict[str, Any]:
    """The same cold start twice, each cache with its own random.Random(seed): the load times of
    every key, first run and second run."""
    runs = [probe(cache_class, n, 1.0, 140.0, seed=seed, cold=True, strict=True)["loads"] for _ in range(2)]
    differ = [i for i, (a, b) in enumerate(zip(runs[0], runs[1], strict=True)) if a != b]
    first = differ[0] if differ else None
    return {"differ": len(differ), "key": None if first is None else products(n)[first],
            "first": None if first is None else runs[0][first], "second": None if first is None else runs[1][first]}
