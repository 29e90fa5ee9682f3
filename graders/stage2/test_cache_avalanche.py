"""Grader for the incident lab stage2/cache-avalanche: "缓存雪崩（大量 key 同时过期）", remedy 随机 TTL.

The shipped ProductCache gives every entry exactly ``ttl``: the catalogue, warmed at start-up,
expires in one instant and every product is reloaded from the database in the same second, at
every TTL cycle. The learner reproduces it with incidents/cache_avalanche_load.py, fixes
incidents/cache_avalanche.py (every store draws its lifetime uniformly from
[ttl * (1 - jitter), ttl * (1 + jitter)], from an injected ``rng``), re-runs the load, and states
the figures and the cause in answers/cache-avalanche.yaml and a postmortem.

The load and the probes run inside the subject through support/cache_avalanche_support.py (the
source of truth for the load; the learner's load script holds a verbatim copy and is never
imported here). Verdicts are drawn here, from the load times they return.

Thresholds, with ttl = 60 s and jitter = 0.1: lifetimes fall in the band [54 s, 66 s], 12 s
wide, so a uniform draw sends on average 1/12 of the catalogue (83 of 1000 products, 8.3%) into
any one-second window of a cycle, and later cycles only spread further (a sum of uniform
lifetimes is never denser than one). Over 200 windows, binomial noise takes the busiest to about
10-11% (the reference: 97). A window may hold at most 20%, twice that: a band a tenth as wide
puts half the catalogue or more in one window, and the shipped program 100%. A lopsided draw that
stays under 20% is caught by the check that every quarter of the band is used.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from swai.grading import expect_equal, expect_raises, expect_true, fail
from swai.grading.documents import read_answers, read_postmortem
from swai.subject import RemoteObject, Subject
from swai.subject.client import show
from swai.subject.errors import SubjectError

NAME = "cache-avalanche"
MODULE = "incidents.cache_avalanche"
SUPPORT = "cache_avalanche_support"
SUPPORT_FILE = Path(__file__).resolve().parent / "support" / f"{SUPPORT}.py"

CATALOGUE = 1000  # the load's products, as in the load script
TTL = 60.0
JITTER = 0.1
SEED = 2024  # the load's seed
WINDOWS = 200
LOW, HIGH = TTL * (1 - JITTER), TTL * (1 + JITTER)  # the band: [54 s, 66 s]
MAX_SHARE = 0.20  # of the catalogue, in any one-second window (see the module docstring)
MAX_WINDOW = int(CATALOGUE * MAX_SHARE)
EPS = 1e-6  # float slack on the band's ends (60 * 1.1 is 66.00000000000001)

PROBE_KEYS = 400  # keys whose every load the probes time
PROBE_STEP = 0.5  # seconds between reads in a probe: a load at read time t means expiry in (t - step, t]
PROBE_UNTIL = 200.0  # three cycles: at least two reloads of every key
QUARTER_MIN = 0.15  # share of lifetimes each quarter of the band must hold (a uniform draw: 25% ± 2.2%)
MAX_LOADS_PER_KEY = 1 + int(PROBE_UNTIL // LOW)  # the first load, then at most one per 54 s

# -- the key ---------------------------------------------------------------------------------
# The shipped program, replayed in the load: every product expires at t = 60, 120 and 180 s.
KEY_BEFORE = {"max_window_loads": CATALOGUE, "total_loads": 3 * CATALOGUE}
KEY_ROOT_CAUSE = "synchronized_expiry"
KEY_FIX = "random_ttl_on_every_load"
ROOT_CAUSES = ["synchronized_expiry", "ttl_too_short", "hot_key_expired", "missing_products", "cache_too_small",
               "database_too_slow"]
FIXES = ["random_ttl_on_every_load", "random_ttl_at_warm_up", "one_offset_per_process", "longer_ttl",
         "lock_per_key", "never_expire"]

RUN = "Run `python incidents/cache_avalanche_load.py` from your project folder and copy what it prints."
BAND = (f"Each store (warm-up and every reload) draws the entry's lifetime uniformly from "
        f"[ttl * (1 - jitter), ttl * (1 + jitter)] = [{LOW:g} s, {HIGH:g} s] here, e.g. "
        "ttl * rng.uniform(1 - jitter, 1 + jitter).")
API = ("The fix's constructor is ProductCache(loader, ttl, *, jitter=0.1, rng=None, clock=time.monotonic): "
       "add the two keyword parameters as the README's spec says.")

# -- the answers file's shape -------------------------------------------------------------------
LOADS = {"type": "integer", "minimum": 0,
         "description": "a whole number of backend loads, as the load script prints it"}
FIGURES = {"type": "object", "required": ["max_window_loads", "total_loads"], "additionalProperties": False,
           "properties": {"max_window_loads": LOADS, "total_loads": LOADS},
           "description": "max_window_loads: and total_loads:"}
FIELDS: dict[str, dict[str, Any]] = {
    "before": {**FIGURES, "description": "before: with max_window_loads: and total_loads:"},
    "after": {**FIGURES, "description": "after: with max_window_loads: and total_loads:"},
    "root_cause": {"enum": ROOT_CAUSES},
    "fix": {"enum": FIXES},
}


def schema(*wanted: str) -> dict[str, Any]:
    """The answers' schema: the ``wanted`` fields (every field, strictly, when none is named), so a
    blank in one answer does not fail the checks of the others."""
    if not wanted:
        return {"type": "object", "required": list(FIELDS), "properties": FIELDS, "additionalProperties": False,
                "description": "the template's keys: " + ", ".join(FIELDS)}
    return {"type": "object", "required": list(wanted), "properties": {w: FIELDS[w] for w in wanted},
            "description": "the template's keys, " + ", ".join(wanted) + " among them"}


def answers(project: Path, *wanted: str) -> dict[str, Any]:
    data: dict[str, Any] = read_answers(project, NAME, schema(*wanted))
    return data


# -- the learner's cache, and the grader's helpers next to it ------------------------------------

def support(subject: Subject) -> RemoteObject:
    entries = subject.transcript.entries
    known = len(entries)
    module = subject.import_module(SUPPORT)
    where = module.attr("__file__")
    del entries[known:]  # the grader's own module is no business of the learner's
    if not isinstance(where, str) or Path(where).resolve() != SUPPORT_FILE:
        fail(f"your project has its own {SUPPORT} module, which hides the grader's",
             expected="no file or folder of that name in your project", got=show(where),
             hint=f"Rename or delete {SUPPORT}.py in your project; the grader needs that name.")
    return module


def where(exc: SubjectError) -> str:
    return f" ({exc.frames[-1].file}, line {exc.frames[-1].line})" if exc.frames else ""


def product_cache(subject: Subject) -> RemoteObject:
    try:
        cls = subject.import_module(MODULE).attr("ProductCache")
    except SubjectError as exc:
        fail(f"{MODULE.replace('.', '/')}.py could not be imported", expected="the service's module with ProductCache",
             got=f"{exc.type_name}: {exc.message}{where(exc)}",
             hint="Keep the file at incidents/cache_avalanche.py in your project and run it once to see the error.")
    if not isinstance(cls, RemoteObject):
        fail("incidents/cache_avalanche.py has no class ProductCache", expected="class ProductCache",
             got=show(cls), hint="Fix the shipped ProductCache in place; keep its name.")
    return cls


def run(subject: Subject, function: str, args: Sequence[Any], text: str, timeout: float = 30.0) -> dict[str, Any]:
    """A support function on the learner's ProductCache, in one round trip; its errors become verdicts."""
    try:
        result = subject.call(support(subject), function, (product_cache(subject), *args), {}, text=text,
                              timeout=timeout)
    except SubjectError as exc:
        if exc.is_a("TypeError") and "unexpected keyword argument" in exc.message:
            fail("your ProductCache does not take jitter= and rng= yet", expected="the fix's constructor",
                 got=f"{exc.type_name}: {exc.message}", hint=API)
        fail("your ProductCache raised while the grader read the catalogue through it",
             expected="every get() to return the product's value", got=f"{exc.type_name}: {exc.message}{where(exc)}",
             hint="get() returns the cached value while it is fresh and loader(key) once it has expired; "
                  "run the load script to see the error.")
    if not isinstance(result, dict):
        fail("the grader's replay came back garbled", expected="plain data", got=show(result),
             hint="Your cache must not patch other modules of the process; keep it to the cache.")
    data: dict[str, Any] = result
    return data


def built(result: dict[str, Any]) -> str:
    return (f"ProductCache(backend, {TTL:g}, jitter={JITTER:g}, rng=random.Random({SEED}), clock=clock)"
            if result.get("jittered") else f"ProductCache(backend, {TTL:g}, clock=clock) (as shipped: no jitter= "
                                           "or rng= yet)")


def note(subject: Subject, text: str) -> None:
    subject.transcript.entries[-1].outcome = f"-> {text}"


def busiest(per_window: list[int], count: int = 3) -> str:
    order = sorted(range(len(per_window)), key=lambda i: (-per_window[i], i))[:count]
    return ", ".join(f"t={i + 1} s: {per_window[i]}" for i in order)


def check_windows(per_window: list[int], summary: str, hint: str) -> None:
    peak = max(per_window)
    if peak > MAX_WINDOW:
        at = per_window.index(peak) + 1
        fail(summary, expected=f"at most {MAX_WINDOW} backend loads ({MAX_SHARE:.0%} of {CATALOGUE} products) "
                               "in any one-second window",
             got=f"{peak} loads ({peak / CATALOGUE:.0%}) in the window ending at t={at} s; busiest windows: "
                 f"{busiest(per_window)}", hint=hint)


def probe(subject: Subject, *, step: float = PROBE_STEP, keys: int = PROBE_KEYS) -> dict[str, Any]:
    text = (f"[probe: {keys} products warmed at t=0, then every product read every {step:g} s up to "
            f"t={PROBE_UNTIL:g} s; the backend times every load]")
    return run(subject, "probe", (keys, step, PROBE_UNTIL), text)


def lifetimes(loads: list[list[float]]) -> tuple[list[tuple[int, float, float]], list[tuple[int, float, float]]]:
    """(key, loaded at, measured lifetime) of each key's first cycle, and of its later cycles."""
    first: list[tuple[int, float, float]] = []
    later: list[tuple[int, float, float]] = []
    for key, times in enumerate(loads):
        for i, (a, b) in enumerate(itertools.pairwise(times)):
            (first if i == 0 else later).append((key, a, b - a))
    return first, later


def check_quarters(group: list[tuple[int, float, float]], what: str, result: dict[str, Any]) -> None:
    if not group:
        fail(f"no {what} could be measured: no product was reloaded in {PROBE_UNTIL:g} s",
             expected=f"every product reloaded within {HIGH:g} s of its last load", got="no reload",
             hint="An entry must expire. " + BAND)
    edges = [LOW + (HIGH - LOW) * q / 4 for q in range(5)]
    counts = [0, 0, 0, 0]
    for _, _, measured in group:  # the lifetime lies in (measured - step, measured]: half a step is noise
        counts[min(3, max(0, int((measured - LOW) / (HIGH - LOW) * 4)))] += 1
    shares = [c / len(group) for c in counts]
    if min(shares) < QUARTER_MIN:
        shown = ", ".join(f"{edges[q]:g}-{edges[q + 1]:g} s: {shares[q]:.0%}" for q in range(4))
        fail(f"the {what} do not fill the band [{LOW:g} s, {HIGH:g} s] evenly",
             expected=f"each quarter of the band to hold at least {QUARTER_MIN:.0%} of the {len(group)} {what} "
                      "(a uniform draw gives each about 25%)",
             got=shown + ("" if result.get("jittered") else " (your ProductCache takes no jitter yet)"),
             hint=BAND + " A draw on one side of ttl only, a band far narrower than jitter says, or one offset "
                         "shared by every key leaves quarters empty.")


def check_choice(project: Path, name: str, summary: str, hint: str, key: str) -> None:
    stated = answers(project, name)[name]
    expect_true(stated == key, f"{name}: {summary}", expected="another of the choices the template lists",
                got=show(stated), hint=hint)


# -- correctness: the symptom is gone ------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(3)
def test_load_has_no_avalanche(subject: Subject) -> None:
    """replaying the load, no one-second window reloads more than 20% of the catalogue"""
    text = (f"[the load: {CATALOGUE} products warmed at t=0, then every product read once per second "
            f"up to t={WINDOWS} s; backend loads counted per window]")
    result = run(subject, "run_load", (), text)
    subject.transcript.entries[-1].text = f"[the load with {built(result)}: " + text[len("[the load: "):]
    per_window = result["per_window"]
    note(subject, f"busiest windows: {busiest(per_window)}; {result['total']} loads after the warm-up")
    check_windows(per_window, "after the warm-up, one second reloads a large part of the catalogue at once: "
                              "the avalanche is still there",
                  hint="Products warmed together with the same fixed TTL all expire in the same second, and "
                       "reloading them together gives them the same TTL again. " + BAND
                  + ("" if result.get("jittered") else " " + API))


@pytest.mark.correctness
@pytest.mark.points(2)
def test_cold_start_spreads_too(subject: Subject) -> None:
    """products first loaded together by get() (a cold start) do not expire together either"""
    text = (f"[a cold start: no warm-up, every one of {CATALOGUE} products loaded by a get() at t=0, then every "
            f"product read once per second up to t={WINDOWS} s]")
    result = run(subject, "cold_start", (), text)
    note(subject, f"busiest windows: {busiest(result['per_window'])}")
    check_windows(result["per_window"], "products loaded in the same second by get() expire in the same second",
                  hint="A restart under traffic or the end of a database outage loads every product through "
                       "get() at once, with no warm-up: the lifetime drawn at warm-up alone does not help then. "
                       + BAND)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_lifetimes_stay_within_the_band(subject: Subject) -> None:
    """every lifetime, at warm-up and on each reload, lies within [ttl·(1−jitter), ttl·(1+jitter)]"""
    result = probe(subject)
    first, later = lifetimes(result["loads"])
    note(subject, f"{len(first) + len(later)} lifetimes measured")
    for key, loaded, measured in first + later:
        name = f"p{key:04d}"
        if measured < LOW - EPS:
            fail(f"{name} expired too early: it was reloaded {measured:g} s after its load at t={loaded:g} s",
                 expected=f"a lifetime of at least ttl·(1−jitter) = {LOW:g} s",
                 got=f"reloaded at t={loaded + measured:g} s, a lifetime of at most {measured:g} s",
                 hint=BAND + " Below the band the backend reloads more often than the TTL promises.")
        if measured - PROBE_STEP > HIGH + EPS:
            fail(f"{name} lived too long: loaded at t={loaded:g} s, it was still served at "
                 f"t={loaded + measured - PROBE_STEP:g} s",
                 expected=f"a lifetime of at most ttl·(1+jitter) = {HIGH:g} s",
                 got=f"more than {measured - PROBE_STEP:g} s",
                 hint=BAND + " Above the band, products stay stale longer than the freshness the TTL promises.")
    for key, times in enumerate(result["loads"]):
        if times and PROBE_UNTIL - times[-1] - PROBE_STEP > HIGH + EPS:
            fail(f"p{key:04d} never expired: loaded at t={times[-1]:g} s, it was still served at t={PROBE_UNTIL:g} s",
                 expected=f"a lifetime of at most ttl·(1+jitter) = {HIGH:g} s",
                 got=f"more than {PROBE_UNTIL - times[-1] - PROBE_STEP:g} s",
                 hint="Hiding the avalanche by never expiring serves stale products for ever. " + BAND)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_lifetimes_fill_the_band(subject: Subject) -> None:
    """lifetimes are spread evenly over the band, at warm-up and again on every reload"""
    result = probe(subject)
    first, later = lifetimes(result["loads"])
    note(subject, f"{len(first)} first lifetimes and {len(later)} later ones measured")
    check_quarters(first, "lifetimes of the warm-up", result)
    check_quarters(later, "lifetimes after a reload", result)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_reads_between_loads_are_hits(subject: Subject) -> None:
    """between two loads of a product every read is a hit that returns the last loaded value"""
    result = probe(subject, step=1.0, keys=200)
    loads = result["loads"]
    note(subject, f"{sum(map(len, loads))} backend loads for {result['reads']} reads")
    if result["wrong"]:
        at, key, got, want = result["wrong"][0]
        fail(f"get({key!r}) at t={at:g} s did not return the value of {key}'s last load",
             expected=show(want), got=got,
             hint="get() returns the value the loader gave at the key's last load while the entry is fresh, "
                  "and the freshly loaded value once it has expired.")
    worst = max(range(len(loads)), key=lambda k: len(loads[k]))
    expect_true(len(loads[worst]) <= MAX_LOADS_PER_KEY,
                f"p{worst:04d} was loaded {len(loads[worst])} times in {PROBE_UNTIL:g} s: reads miss the cache",
                expected=f"at most {MAX_LOADS_PER_KEY} loads (the first, then one per lifetime of at least {LOW:g} s)",
                got=f"{len(loads[worst])} loads, at t=" + ", ".join(f"{t:g}" for t in loads[worst][:6])
                    + (" ..." if len(loads[worst]) > 6 else ""),
                hint="The fix must not turn into 'never cache': a fresh entry is served from the cache, and only "
                     "an expired one goes to the loader.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_shipped_defaults_still_work(subject: Subject) -> None:
    """built as the service builds it (ProductCache(loader, 60)), the cache serves and expires as before"""
    clock = subject.import_module("swai.subject.fakes").FakeClock()
    backend = support(subject).Backend(clock)
    cache = product_cache(subject)(backend, 60, clock=clock)
    keys = ["p0000", "p0001", "p0002"]
    expect_equal(cache.warm(keys), [], "warm() with a healthy backend should report no failed key",
                 hint="warm(keys) loads every key now and returns the list of keys that failed ([] if none).")
    clock.set(LOW - 0.5)
    for key in keys:
        expect_equal(cache.get(key), f"{key}#v1", f"get({key!r}) before the band's start should be a hit",
                     hint=f"With the default jitter (0.1) no entry expires before {LOW:g} s.")
    expect_equal(backend.count(), 3, "reads of fresh entries went to the backend",
                 hint="A fresh entry is served from the cache without calling the loader.")
    clock.set(HIGH + 0.5)
    for key in keys:
        expect_equal(cache.get(key), f"{key}#v2", f"get({key!r}) after the band's end should reload it",
                     hint=f"With the default jitter (0.1) every entry has expired by {HIGH:g} s.")
    expect_equal(cache.get("p0999"), "p0999#v1", "get() of a product never warmed should load it",
                 hint="get() is read-through: a miss calls loader(key), caches and returns its value.")
    expect_equal(cache.get("p0999"), "p0999#v1", "a second get() of that product should be a hit",
                 hint="get() caches what it loaded.")
    expect_equal(backend.count(), 7, "the backend saw more loads than the reads above need",
                 hint="3 warm-up loads, 3 reloads after expiry, 1 load of p0999: nothing else.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_seeded_rng_makes_runs_repeatable(subject: Subject) -> None:
    """two caches built with random.Random(7) give every product the same lifetimes"""
    text = ("[a cold start of 200 products, twice, each time with a new ProductCache(backend, 60, jitter=0.1, "
            "rng=random.Random(7), clock=clock); the backend times every load]")
    result = run(subject, "repeatable", (200, 7), text)
    note(subject, f"{result['differ']} of 200 products loaded at other times in the second run")
    if result["differ"]:
        fail(f"with the same seeded rng, {result['differ']} of 200 products expired at other times in the second run",
             expected=f"{result['key']} loaded at the same times in both runs",
             got=f"first run: t={result['first']}, second run: t={result['second']}",
             hint="Draw every random number from the rng the cache was given (self._rng.uniform(...)), never "
                  "from the module random or the time: a seeded rng is what makes a replay, a test or a "
                  "postmortem's figures repeatable.")


# -- faults ---------------------------------------------------------------------------------

@pytest.mark.faults
@pytest.mark.points(1)
def test_bad_ttl_rejected(subject: Subject) -> None:
    """a ttl of zero or below is rejected with ValueError"""
    cls = product_cache(subject)
    backend = support(subject).Backend(subject.import_module("swai.subject.fakes").FakeClock())
    for bad in (0, -5):
        err = expect_raises("ValueError", lambda bad=bad: cls(backend, bad), f"ProductCache(loader, {bad}) must "
                            "be rejected", hint="A ttl of 0 or less caches nothing: raise ValueError at once.")
        expect_true(str(bad) in err.message, f"the ValueError for ttl={bad} should name the value",
                    expected=f"a message mentioning {bad}", got=repr(err.message),
                    hint="Say what was wrong, e.g. f\"ttl must be > 0 seconds, got {ttl!r}\".")


@pytest.mark.faults
@pytest.mark.points(1)
def test_bad_jitter_rejected(subject: Subject) -> None:
    """a jitter outside [0, 1) is rejected with ValueError; jitter=0 gives exactly ttl"""
    cls = product_cache(subject)
    clock = subject.import_module("swai.subject.fakes").FakeClock()
    backend = support(subject).Backend(clock)
    rng = subject.import_module("random").Random(1)
    for bad in (-0.1, 1.0, 1.5):
        err = expect_raises("ValueError", lambda bad=bad: cls(backend, 60, jitter=bad, rng=rng, clock=clock),
                            f"ProductCache(loader, 60, jitter={bad}) must be rejected",
                            hint="jitter is a fraction of ttl with 0 <= jitter < 1: below 0 means nothing, and "
                                 "at 1 or more a lifetime could be 0 or negative. " + API)
        expect_true(str(bad) in err.message, f"the ValueError for jitter={bad} should name the value",
                    expected=f"a message mentioning {bad}", got=repr(err.message),
                    hint="Say what was wrong, e.g. f\"jitter must be in [0, 1), got {jitter!r}\".")
    cache = cls(backend, 60, jitter=0.0, rng=rng, clock=clock)
    cache.warm(["p0000"])
    clock.set(TTL - 0.5)
    expect_equal(cache.get("p0000"), "p0000#v1", "with jitter=0, an entry should be fresh until exactly ttl",
                 hint="jitter=0 turns the jitter off: every lifetime is exactly ttl.")
    clock.set(TTL + 0.5)
    expect_equal(cache.get("p0000"), "p0000#v2", "with jitter=0, an entry should expire at exactly ttl",
                 hint="jitter=0 turns the jitter off: every lifetime is exactly ttl.")


@pytest.mark.faults
@pytest.mark.points(2)
def test_loader_failure_is_contained(subject: Subject) -> None:
    """a loader that raises for one product neither stops the others nor poisons the cache"""
    clock = subject.import_module("swai.subject.fakes").FakeClock()
    backend = support(subject).Backend(clock)
    cache = product_cache(subject)(backend, 60, clock=clock)
    backend.fail("p0001")
    expect_equal(cache.warm(["p0000", "p0001", "p0002"]), ["p0001"],
                 "warm() should load the products it can and report the one that failed",
                 hint="Catch the loader's exception per key in warm(): one product the database cannot give "
                      "must not leave the rest of the catalogue cold. Return the keys that failed.")
    expect_equal(cache.get("p0002"), "p0002#v1", "a product after the failed one should be warm",
                 hint="warm() goes on with the next key after a failure.")
    for _ in range(2):
        expect_raises("ConnectionError", lambda: cache.get("p0001"),
                      "get() of a product whose load fails should raise the loader's error",
                      hint="Let the loader's exception reach the caller; do not cache it, nor a None in its place.")
    backend.recover("p0001")
    expect_equal(cache.get("p0001"), "p0001#v1", "once the database recovers, get() should load the product",
                 hint="A failed load caches nothing: the next get() calls the loader again.")
    expect_equal(cache.get("p0001"), "p0001#v1", "and then serve it from the cache",
                 hint="A successful load is cached as usual.")
    clock.set(100.0)  # every product warmed at t=0 has expired, whatever its lifetime in the band
    backend.fail("p0000")
    expect_raises("ConnectionError", lambda: cache.get("p0000"),
                  "a failed reload of an expired product should raise the loader's error",
                  hint="Let the loader's exception reach the caller.")
    expect_equal(cache.get("p0002"), "p0002#v2", "another product should reload normally meanwhile",
                 hint="A failing key must not affect the others.")
    backend.recover("p0000")
    expect_equal(cache.get("p0000"), "p0000#v2", "after the failed reload, the next get() should load again",
                 hint="A failed reload caches nothing: the next get() calls the loader again.")
    expect_equal(backend.count(), 9, "the backend saw other loads than the reads above need",
                 hint="Every load is one call of the loader; a fresh entry never calls it.")


# -- review: the figures, the cause, the postmortem ------------------------------------------------------

@pytest.mark.review
@pytest.mark.points(1)
def test_answers_file_is_complete(project: Path) -> None:
    """answers/cache-avalanche.yaml answers every question in the template's form"""
    answers(project)


@pytest.mark.review
@pytest.mark.points(2)
def test_before_figures(project: Path) -> None:
    """the figures before the fix are what the shipped program does under the load"""
    stated = answers(project, "before")["before"]
    wrong = [k for k, v in KEY_BEFORE.items() if stated[k] != v]
    if wrong:
        fail("before: " + ", ".join(wrong) + " " + ("is" if len(wrong) == 1 else "are")
             + " not what the shipped program does under the load",
             expected="the figures the load script prints for the shipped incidents/cache_avalanche.py",
             got=", ".join(f"{k}: {stated[k]}" for k in wrong),
             hint="Run the load on the program as shipped, before changing it (git stash or a copy helps). "
                  "max_window_loads is the largest count of backend loads in one window, total_loads counts "
                  "the loads after the warm-up, not the warm-up itself. " + RUN)


@pytest.mark.review
@pytest.mark.points(2)
def test_after_figures_match_your_program(subject: Subject, project: Path) -> None:
    """the figures after the fix are what your own program does under the load"""
    stated = answers(project, "after")["after"]
    text = (f"[the load: {CATALOGUE} products warmed at t=0, then every product read once per second "
            f"up to t={WINDOWS} s]")
    result = run(subject, "run_load", (), text)
    measured = {"max_window_loads": max(result["per_window"]), "total_loads": result["total"]}
    note(subject, ", ".join(f"{k}: {v}" for k, v in measured.items()))
    wrong = [k for k in measured if stated[k] != measured[k]]
    if wrong:
        fail("after: " + ", ".join(wrong) + " " + ("is" if len(wrong) == 1 else "are")
             + " not what your incidents/cache_avalanche.py does under the load",
             expected="the figures of the load replayed with your program and the load's seed",
             got="; ".join(f"{k}: you state {stated[k]}, your program: {measured[k]}" for k in wrong),
             hint=RUN + " The load seeds the rng (random.Random(2024)), so your program gives the same figures "
                        "every run: state what you measured, not what the maths predicts.")


@pytest.mark.review
@pytest.mark.points(1)
def test_root_cause(project: Path) -> None:
    """the root cause of the avalanche"""
    check_choice(project, "root_cause", "that is not what made the whole catalogue reload in one second",
                 hint="Look at when the busiest windows of the load fall, and at what the warm-up and a reload "
                      "do to an entry's expiry time. What do all the products have in common at t=60 s?",
                 key=KEY_ROOT_CAUSE)


@pytest.mark.review
@pytest.mark.points(1)
def test_fix(project: Path) -> None:
    """the fix that removes the cause for good"""
    check_choice(project, "fix", "that change leaves the products able to expire in step again",
                 hint="Ask of each choice: after a cold start or a database outage, when every product is loaded "
                      "in the same second, do their expiries still spread? And does the database still see "
                      "every product reloaded within one second, only less often?",
                 key=KEY_FIX)


@pytest.mark.review
@pytest.mark.points(2)
def test_postmortem(project: Path) -> None:
    """postmortems/cache-avalanche.md tells the incident in the six sections"""
    read_postmortem(project, NAME)
