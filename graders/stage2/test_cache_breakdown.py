"""Grader for the incident lab stage2/cache-breakdown: "缓存击穿（热点 key 失效）", remedy singleflight.

The learner receives the product service's read-through cache (incidents/cache_breakdown.py)
with the failure built in: check-then-load with no coordination, so when a hot key expires
under 100 concurrent readers every one of them calls the backend. The load
(incidents/cache_breakdown_load.py, a verbatim copy of the block in
support/cache_breakdown_support.py) shows it. The learner fixes the cache with a singleflight
per key, re-runs the load, states the figures before and after, the cause and the fix (choices)
and the fleet-wide question the distributed lock answers, and writes a postmortem.

What is checked, with the learner's own cache in the subject:
- correctness: the load makes one backend load per expiry and every reader gets its value; the
  shipped contract still holds (values fresh until ttl on a FakeClock, bad input rejected); a
  load that hangs holds up no other key (a global lock held while loading fails);
- performance: ten hot keys expiring together load in parallel (the backend sees several loads
  at once);
- faults: a failing load reaches every reader of its flight with the loader's exception, once;
  a failure is not cached and leaves nothing behind (the next get() loads again); readers of a
  cold key whose hashing releases the GIL still load once (a racily built per-key lock table fails);
- review: the answers file. The "before" figures are those of the shipped program: it makes
  one load per reader, so the load prints 100 and 100 on any machine; accepted from
  BEFORE_MIN to READERS. The "after" figures must equal what the grader measures on the
  learner's program, exactly. The postmortem must have its six sections, written out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from swai.grading import Figures, expect_equal, expect_raises, fail
from swai.grading.documents import read_answers, read_postmortem
from swai.subject import RemoteObject, Subject
from swai.subject.errors import SubjectError

NAME = "cache-breakdown"
MODULE = "incidents.cache_breakdown"
SUPPORT = "cache_breakdown_support"
READERS = 100  # the load's readers per expiry (support.READERS)
EXPIRIES = 3
HOT = "product:42"
SLOW_KEY_READERS = 20
HOT_KEYS = 10
MIN_PARALLEL_LOADS = 4  # of HOT_KEYS loads, at least this many must be seen in flight together
BEFORE_MIN = 50  # the shipped program's figures: READERS on any machine; accepted from BEFORE_MIN
FLEET = 20
RUN = "Run `python -m incidents.cache_breakdown_load` from your project folder and copy the two figures it prints."

SINGLEFLIGHT_HINT = (
    "When get() finds the key missing or expired, look (under the lock) for a load of that key already in flight: "
    "if there is one, wait for it and return its result; if not, record a new flight for the key, release the lock, "
    "call the loader, then store the value, remove the flight and wake its readers.")
WAKE_HINT = (
    "The loader's end must wake the flight's readers whatever happens: set the flight's event (or notify) and remove "
    "the flight in a `finally:` block, so a load that raises cannot leave readers waiting or a dead flight behind.")

# -- the key -----------------------------------------------------------------------------------------
KEY_ROOT_CAUSE = "uncoordinated_loads"
KEY_FIX = "singleflight_per_key"
KEY_FLEET = {"loads_per_expiry_with_20_instances": FLEET, "across_instances": "distributed_lock"}
ROOT_CAUSES = ["uncoordinated_loads", "ttl_too_short", "hot_key_evicted", "keys_expire_together",
               "missing_keys_bypass_cache", "lock_contention"]
FIXES = ["singleflight_per_key", "global_lock_around_load", "longer_ttl", "random_ttl_jitter", "cache_missing_keys",
         "more_database_replicas"]
ACROSS = ["distributed_lock", "nothing_more", "global_lock_in_each_instance", "route_users_to_one_instance"]

# -- the answers file's shape ----------------------------------------------------------------------------
COUNT = {"type": "integer", "minimum": 0, "description": "a count (a whole number, 0 or more)"}
FIGURES = {"type": "object", "required": ["loads_per_expiry", "max_concurrent_loads"], "additionalProperties": False,
           "properties": {"loads_per_expiry": COUNT, "max_concurrent_loads": COUNT},
           "description": "loads_per_expiry: and max_concurrent_loads:, two whole numbers"}
FIELDS: dict[str, dict[str, Any]] = {
    "before": FIGURES,
    "after": FIGURES,
    "root_cause": {"enum": ROOT_CAUSES},
    "fix": {"enum": FIXES},
    "fleet": {"type": "object", "required": list(KEY_FLEET), "additionalProperties": False,
              "properties": {"loads_per_expiry_with_20_instances": COUNT, "across_instances": {"enum": ACROSS}},
              "description": "fleet: with loads_per_expiry_with_20_instances: and across_instances:"},
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
    return read_answers(project, NAME, schema(*wanted))


# -- playing scenarios with the learner's cache ------------------------------------------------------------

def support(subject: Subject) -> RemoteObject:
    entries = subject.transcript.entries
    known = len(entries)
    module = subject.import_module(SUPPORT)  # recorded once per subject, on the first import
    del entries[known:]  # the grader's own module is no business of the learner's
    return module


def play(subject: Subject, function: str, text: str) -> dict[str, Any]:
    """One scenario of the support module, run with the learner's cache; its report as plain data."""
    try:
        result = subject.call(support(subject), function, (), {}, text=text, timeout=30.0)
    except SubjectError as exc:
        where = f" ({exc.frames[-1].file}, line {exc.frames[-1].line})" if exc.frames else ""
        fail("your incidents/cache_breakdown.py raised before the readers could start",
             expected="ReadThroughCache(loader, ttl, clock=clock) to build the cache",
             got=f"{exc.type_name}: {exc.message}{where}",
             hint="Keep the module importable and the constructor's signature and checks as shipped; run "
                  "`python -m incidents.cache_breakdown_load` to see the error.")
    if not isinstance(result, dict):
        fail("the scenario came back garbled", expected="the scenario's report", got=type(result).__name__,
             hint="Your cache must not patch other modules of the process; keep it to the cache.")
    subject.transcript.entries[-1].outcome = "-> done"
    return result


def show_outcome(got: Any, limit: str = "2 s") -> str:
    if isinstance(got, list) and got[:1] == ["value"] and len(got) == 2:
        return repr(got[1])
    if isinstance(got, list) and got[:1] == ["error"] and len(got) == 3:
        return f"raised {got[1]}: {got[2]}"
    return f"did not return within {limit}"


def bounded_get(subject: Subject, cache: RemoteObject, key: Any) -> list[Any]:
    """cache.get(key), run in a thread inside the subject and waited for at most 2 s."""
    got = subject.call(support(subject), "bounded_get", (cache, key), {}, text=f"{cache!r}.get({key!r})")
    if not isinstance(got, list):
        fail("the scenario came back garbled", expected="what get() returned or raised", got=type(got).__name__,
             hint="Your cache must not patch other modules of the process; keep it to the cache.")
    entry = subject.transcript.entries[-1]
    entry.outcome = "-> " + show_outcome(got) if got[:1] == ["value"] else show_outcome(got)
    return got


def describe_burst(subject: Subject, result: dict[str, Any], label: str) -> None:
    subject.transcript.add(f"    {label}: {result['loads']} backend loads, at most {result['max_concurrent_loads']} at "
                           f"once; {sum(result['served'].values())} readers got a value "
                           f"({len(result['served'])} distinct), {sum(result['errors'].values())} raised, "
                           f"{result['stuck']} still inside get()")


def check_burst_served(result: dict[str, Any], what: str, *, loads: int, hint: str = "") -> None:
    """The readers of one burst all returned, nobody raised, and the backend loaded ``loads`` times."""
    stuck = f", and {result['stuck']} readers still inside get() after 2 s" if result["stuck"] else ""
    if result["loads"] > loads:
        fail(f"{what}: {result['loads']} backend loads",
             expected=f"{loads} (one per key that needs loading, whatever the number of readers)",
             got=f"{result['loads']} loads, up to {result['max_concurrent_loads']} at once{stuck}",
             hint=hint or SINGLEFLIGHT_HINT + " A reader that waited for a lock must look at the cache again before "
                                              "it loads: the load it waited for has filled it.")
    if result["stuck"]:
        fail(f"{what}: readers were left waiting inside get()", expected="every reader to return",
             got=f"{result['stuck']} of {result['readers']} readers still inside get() after 2 s",
             hint="A reader that waits for a flight must be woken when the load ends; and no reader may wait for a "
                  "flight while holding the lock its loader needs to finish. " + WAKE_HINT)
    if result["errors"]:
        fail(f"{what}: readers raised although the backend answered", expected="every reader to get a value",
             got="; ".join(f"{n} raised {e}" for e, n in result["errors"].items()), hint=SINGLEFLIGHT_HINT)
    if result["loads"] != loads:
        fail(f"{what}: {result['loads']} backend loads", expected=f"{loads} (one per key that needs loading)",
             got=f"{result['loads']} loads", hint=SINGLEFLIGHT_HINT)


# -- correctness -------------------------------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(3)
def test_one_load_per_expiry(subject: Subject) -> None:
    """100 readers of a hot key that just expired cause one backend load, and all get its value"""
    result = play(subject, "run_load", f"[the load: your ReadThroughCache, {READERS} readers of {HOT!r} released "
                                       f"together right after it expired, {EXPIRIES} times]")
    for number, r in enumerate(result["rounds"], 1):
        describe_burst(subject, r, f"expiry {number}")
    if result["warm"][:1] != ["value"]:
        fail(f"the first get({HOT!r}), on an empty cache, did not return the loaded value",
             expected=f"'{HOT}#1'", got=show_outcome(result["warm"]), hint=SINGLEFLIGHT_HINT)
    for number, r in enumerate(result["rounds"], 1):
        what = f"expiry {number}, {READERS} readers at once"
        check_burst_served(r, what, loads=1)
        want = {r["produced"][0]: READERS} if r["produced"] else {}
        if r["served"] != want:
            fail(f"{what}: the readers did not all get the value of the expiry's one load",
                 expected=f"{READERS} readers got {r['produced'][0]!r}" if r["produced"] else "the loaded value",
                 got=", ".join(f"{n} got {v!r}" for v, n in r["served"].items()),
                 hint="Every reader of a flight returns the very value its loader returned.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_values_stay_cached_until_their_ttl(subject: Subject) -> None:
    """(regression) a value is served from the cache until its ttl has passed, then loaded again"""
    clock = subject.import_module("swai.subject.fakes").FakeClock(100.0)
    backend = support(subject).Backend(0.0)
    cache = subject.import_module(MODULE).ReadThroughCache(backend.attr("load"), 10.0, clock=clock)
    hint = ("Keep the shipped cache's behaviour: a value loaded at t is fresh while clock() < t + ttl, other keys "
            "are cached separately, and a fresh value is returned without calling the loader.")
    expect_equal(cache.get("a"), "a#1", "the first get('a') should load 'a'", hint=hint)
    clock.set(105.0)
    expect_equal(cache.get("a"), "a#1", "get('a') 5 s after its load should return the cached value", hint=hint)
    expect_equal(cache.get("b"), "b#2", "get('b') should load 'b', a key of its own", hint=hint)
    clock.set(109.5)
    expect_equal(cache.get("a"), "a#1", "get('a') 9.5 s after its load (ttl 10 s) should still be cached", hint=hint)
    clock.set(110.0)
    expect_equal(cache.get("a"), "a#3", "get('a') 10 s after its load (ttl 10 s) should load it again", hint=hint)
    expect_equal(cache.get("a"), "a#3", "get('a') right after the reload should return the new value", hint=hint)
    expect_equal(cache.get("b"), "b#2", "get('b'), loaded at 105 with ttl 10 s, should still be cached at 110",
                 hint=hint)
    expect_equal(backend.counts()["loads"], 3, "the backend should have been asked 3 times", hint=hint)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_a_stalled_load_holds_up_no_other_key(subject: Subject) -> None:
    """while the load of one key hangs, a cached key and a cold key are still served"""
    result = play(subject, "reads_during_a_stalled_load",
                  "[your ReadThroughCache: get('product:cached') warms it; a thread calls get('product:stalled'), "
                  "whose load hangs; meanwhile get('product:cached') and get('product:cold'), 1 s at most]")
    if not result["stall_started"]:
        fail("get('product:stalled') never called the loader", expected="the loader to be called within 2 s",
             got=f"the warm-up get('product:cached') {show_outcome(result['warm'])}; no load of 'product:stalled'",
             hint=SINGLEFLIGHT_HINT)
    during = result["during"]
    subject.transcript.add(f"    while 'product:stalled' loads: get('product:cached') "
                           f"{show_outcome(during['product:cached'], '1 s')}, get('product:cold') "
                           f"{show_outcome(during['product:cold'], '1 s')}")
    stuck = [key for key, got in during.items() if got == ["stuck"]]
    if stuck:
        fail("a get() of another key waited for the hanging load", expected="both reads to return at once",
             got=", ".join(f"get({k!r}) still waiting after 1 s" for k in stuck),
             hint="Never hold a lock shared by all keys while the loader runs: one slow or hanging query would stall "
                  "every page of the service. Hold the lock only to look up and record flights; wait on the "
                  "flight of your own key only.")
    expect_equal(during["product:cached"], ["value", "product:cached#1"],
                 "get('product:cached') during the hanging load should return the cached value", hint=SINGLEFLIGHT_HINT)
    if during["product:cold"][:1] != ["value"] or not str(during["product:cold"][1]).startswith("product:cold#"):
        fail("get('product:cold') during the hanging load should load 'product:cold'",
             expected="a value of its own load, 'product:cold#…'", got=show_outcome(during["product:cold"]),
             hint=SINGLEFLIGHT_HINT)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_bad_input_is_rejected(subject: Subject) -> None:
    """(regression) a ttl that is not a positive number, a loader that is not callable and an unhashable key are
    rejected with clear errors"""
    cls = subject.import_module(MODULE).ReadThroughCache
    backend = support(subject).Backend(0.0)
    load = backend.attr("load")
    hint = "Keep the shipped constructor's checks: TypeError for a wrong type, ValueError for a ttl that is not > 0."
    for ttl in (0, -5.0, float("nan")):
        expect_raises("ValueError", lambda ttl=ttl: cls(load, ttl), f"ReadThroughCache(load, {ttl!r}) should be "
                      "rejected", hint=hint)
    expect_raises("TypeError", lambda: cls(load, "30"), "a ttl given as text should be rejected", hint=hint)
    expect_raises("TypeError", lambda: cls(None, 30.0), "a loader that is not callable should be rejected", hint=hint)
    cache = cls(load, 30.0, clock=subject.import_module("swai.subject.fakes").FakeClock(100.0))
    expect_raises("TypeError", lambda: cache.get(["a", "list"]), "get() of an unhashable key should raise TypeError",
                  hint="A list cannot be a dict key: let the TypeError of the look-up reach the caller.")
    got = bounded_get(subject, cache, "a")
    if got != ["value", "a#1"]:
        fail("after get() of an unhashable key raised, get('a') does not work",
             expected="'a#1'", got=show_outcome(got),
             hint="An error inside get() must leave no lock held and no flight behind: use `with lock:` and "
                  "`try/finally`, never a bare acquire().")


# -- performance --------------------------------------------------------------------------------------------

@pytest.mark.performance
@pytest.mark.points(2)
def test_hot_keys_load_in_parallel(subject: Subject, figures: Figures) -> None:
    """ten hot keys that expire together are loaded in parallel, once each"""
    result = play(subject, "hot_keys_burst",
                  f"[your ReadThroughCache: {HOT_KEYS} hot keys expire together; 10 readers of each, released at once]")
    describe_burst(subject, result, "the burst")
    check_burst_served(result, f"{HOT_KEYS} hot keys, 10 readers each", loads=HOT_KEYS)
    wrong = {v: n for v, n in result["served"].items() if n != 10 or v not in result["produced"]}
    if wrong:
        fail("the readers of each key did not all get the value of that key's one load",
             expected="10 readers per value, each value from the load of the reader's key",
             got=", ".join(f"{n} got {v!r}" for v, n in wrong.items()),
             hint="Flights are per key: a reader waits only for the flight of the key it asked for.")
    parallel = result["max_concurrent_loads"]
    figures.record(f"backend loads in flight at once, {HOT_KEYS} hot keys expiring together", parallel,
                   threshold=MIN_PARALLEL_LOADS, better="higher")
    if parallel < MIN_PARALLEL_LOADS:
        fail(f"the {HOT_KEYS} loads ran one after another", expected=f"at least {MIN_PARALLEL_LOADS} of them in "
             "flight at once (a load of one key never waits for another key's)",
             got=f"at most {parallel} at once", hint="A single lock held during the load serialises every key: the "
             "cache then answers at the speed of one query at a time. Lock per key, or hold the cache's lock only "
             "to look up and record flights.")


# -- faults -------------------------------------------------------------------------------------------------

@pytest.mark.faults
@pytest.mark.points(2)
def test_a_failed_load_reaches_every_reader(subject: Subject) -> None:
    """when the backend fails, the one load's exception reaches every reader of its flight"""
    result = play(subject, "failing_burst",
                  f"[your ReadThroughCache: {HOT!r} expires while the backend is down (every load raises "
                  f"BackendError); {READERS} readers released at once]")
    describe_burst(subject, result, "the burst")
    stuck = f", and {result['stuck']} readers still inside get() after 2 s" if result["stuck"] else ""
    if result["loads"] > 1:
        fail(f"{result['loads']} loads reached the failing backend for one expiry",
             expected="1: the readers of a flight share its outcome, failure included",
             got=f"{result['loads']} loads, up to {result['max_concurrent_loads']} at once{stuck}",
             hint="When the flight's load raises, hand the exception to every reader that waited for it instead of "
                  "letting each of them try again: a backend that is down must not get one query per reader. "
                  + SINGLEFLIGHT_HINT)
    if result["stuck"]:
        fail("readers were left waiting after the load failed", expected="every reader to return (by raising)",
             got=f"{result['stuck']} of {READERS} readers still inside get() after 2 s", hint=WAKE_HINT)
    if result["served"]:
        fail("readers got a value although the backend failed", expected=f"all {READERS} readers to raise BackendError",
             got=", ".join(f"{n} got {v!r}" for v, n in result["served"].items()),
             hint="A failed load has no value: re-raise the loader's exception in every reader of the flight; "
                  "never return it or a placeholder as if it were the value.")
    errors = result["errors"]
    if len(errors) != 1 or sum(errors.values()) != READERS \
            or not next(iter(errors)).startswith("BackendError: backend unavailable: load #"):
        fail("the readers did not all get the loader's exception", expected=f"{READERS} readers raised the "
             "BackendError of the one load", got="; ".join(f"{n} raised {e}" for e, n in errors.items()),
             hint="Keep the loader's exception as it is and raise it in every reader of the flight.")


@pytest.mark.faults
@pytest.mark.points(2)
def test_a_failed_load_is_not_cached(subject: Subject) -> None:
    """a failed load leaves nothing behind: the next get() loads again, and succeeds once the backend is back"""
    clock = subject.import_module("swai.subject.fakes").FakeClock(100.0)
    backend = support(subject).Backend(0.0)
    cache = subject.import_module(MODULE).ReadThroughCache(backend.attr("load"), 30.0, clock=clock)
    backend.set_failing(True)
    hint = ("A failure is not a value: do not store it in the cache, and remove the key's flight when its load "
            "ends, however it ends, so the next get() starts a new load. " + WAKE_HINT)
    for attempt in (1, 2):
        got = bounded_get(subject, cache, HOT)
        if got[:2] != ["error", "BackendError"] or f"load #{attempt} " not in str(got[2]):
            fail(f"get({HOT!r}) while the backend is down, attempt {attempt}, did not raise the error of a new load",
                 expected=f"BackendError: backend unavailable: load #{attempt} of {HOT} refused",
                 got=show_outcome(got), hint=hint)
    backend.set_failing(False)
    got = bounded_get(subject, cache, HOT)
    if got != ["value", f"{HOT}#3"]:
        fail(f"get({HOT!r}) once the backend is back does not load the value", expected=f"'{HOT}#3'",
             got=show_outcome(got), hint=hint)
    got = bounded_get(subject, cache, HOT)
    if got != ["value", f"{HOT}#3"]:
        fail(f"get({HOT!r}) right after a successful load does not return the cached value", expected=f"'{HOT}#3'",
             got=show_outcome(got), hint=SINGLEFLIGHT_HINT)


@pytest.mark.faults
@pytest.mark.points(1)
def test_a_cold_key_that_hashes_slowly_loads_once(subject: Subject) -> None:
    """20 readers of a cold key whose hashing lets other threads run still cause one load"""
    result = play(subject, "slow_key_burst",
                  f"[your ReadThroughCache, just built (a cold start): {SLOW_KEY_READERS} readers of "
                  f"SlowKey({HOT!r}), a key whose __hash__ takes 2 ms and lets other threads run, released at once]")
    describe_burst(subject, result, "the burst")
    check_burst_served(result, f"{SLOW_KEY_READERS} readers of a slowly hashing key", loads=1,
                       hint="Any step of get() may be interrupted by another thread, even a dict look-up (hashing a "
                            "key runs Python code). If two readers can both find no flight (or no lock) for the key "
                            "and both create one, each loads: look up and record the key's flight (or lock) in one "
                            "step under the lock, or with dict.setdefault().")


# -- review: the answers and the postmortem ----------------------------------------------------------------------

@pytest.mark.review
@pytest.mark.points(1)
def test_answers_file_is_complete(project: Path) -> None:
    """answers/cache-breakdown.yaml answers every question in the template's form"""
    answers(project)


@pytest.mark.review
@pytest.mark.points(1)
def test_before_figures_are_the_shipped_programs(project: Path) -> None:
    """the "before" figures are what the load prints for the shipped program"""
    before = answers(project, "before")["before"]
    wrong = {k: v for k, v in before.items() if not BEFORE_MIN <= v <= READERS}
    if wrong:
        fail("before: not what the load prints for the shipped cache",
             expected=f"the figures of the shipped incidents/cache_breakdown.py ({READERS} readers per expiry)",
             got=", ".join(f"{k}: {v}" for k, v in wrong.items()),
             hint="Measure before you fix: run the load on the program as shipped (your version control has it), "
                  "and copy the two figures it prints at the end.")


@pytest.mark.review
@pytest.mark.points(2)
def test_after_figures_match_your_program(subject: Subject, project: Path) -> None:
    """the "after" figures are what the load measures on your fixed program"""
    stated = answers(project, "after")["after"]
    result = play(subject, "run_load", f"[the load: your ReadThroughCache, {READERS} readers of {HOT!r}, "
                                       f"{EXPIRIES} expiries]")
    measured = {"loads_per_expiry": result["loads_per_expiry"], "max_concurrent_loads": result["max_concurrent_loads"]}
    subject.transcript.add(f"    measured: loads_per_expiry {measured['loads_per_expiry']}, max_concurrent_loads "
                           f"{measured['max_concurrent_loads']}")
    differences = [f"after.{k}: you state {stated[k]}, your program: {v}"
                   for k, v in measured.items() if stated[k] != v]
    if differences:
        fail("the figures you state are not what the load measures on your program",
             expected="your answers to match the load run on your incidents/cache_breakdown.py",
             got="; ".join(differences),
             hint=RUN + " Write what you measured, not what should happen; if the figures look wrong, fix the cache "
                        "and measure again.")


@pytest.mark.review
@pytest.mark.points(2)
def test_root_cause_and_fix(project: Path) -> None:
    """the root cause and the fix are the ones the incident calls for"""
    stated = answers(project, "root_cause", "fix")
    if stated["root_cause"] != KEY_ROOT_CAUSE:
        fail("root_cause: that is not what sent the readers to the backend", expected="another of the template's "
             "choices", got=str(stated["root_cause"]),
             hint="Look at what the load changes and what it does not: one key, one expiry, nothing evicted, no "
                  "missing keys. Then read get() with 100 threads in mind: what does each of them do between finding "
                  "the key expired and storing the new value?")
    if stated["fix"] != KEY_FIX:
        fail("fix: that choice does not make one load per expiry without new harm", expected="another of the "
             "template's choices", got=str(stated["fix"]),
             hint="The expiry itself is normal; what must change is how many readers act on it. Which choice makes "
                  "one reader load while the others wait, without making unrelated keys wait too?")


@pytest.mark.review
@pytest.mark.points(1)
def test_fleet_of_instances(project: Path) -> None:
    """what a singleflight inside each of 20 instances still lets through, and what closes the gap"""
    fleet = answers(project, "fleet")["fleet"]
    if fleet["loads_per_expiry_with_20_instances"] != KEY_FLEET["loads_per_expiry_with_20_instances"]:
        fail("fleet.loads_per_expiry_with_20_instances: not the most one expiry can cause",
             expected="the worst case, a whole number", got=str(fleet["loads_per_expiry_with_20_instances"]),
             hint="A singleflight lives in one process: its lock and its flights are invisible to the other "
                  "instances. Each instance has its own copy of the hot key, expiring at the same moment.")
    if fleet["across_instances"] != KEY_FLEET["across_instances"]:
        fail("fleet.across_instances: that does not make one load per expiry across the fleet",
             expected="another of the template's choices", got=str(fleet["across_instances"]),
             hint="The instances share no memory, only the stores they all talk to. What must they all agree on "
                  "before one of them queries the database?")


@pytest.mark.review
@pytest.mark.points(2)
def test_postmortem(project: Path) -> None:
    """postmortems/cache-breakdown.md has its six sections, each written out"""
    read_postmortem(project, NAME)
