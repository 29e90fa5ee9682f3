"""Grader for stage2/cache-penetration: 缓存穿透（请求不存在的 key）, fixed with 布隆过滤器 + 空值缓存.

An incident lab. The learner receives the profile service's UserLookup as shipped (a cache in
front of the users table that caches only the users it finds), and a load in which a scraper
and a polling client ask for users that do not exist: every such lookup reads the table. They
fix incidents/cache_penetration.py with a Bloom filter of the existing keys (their own
BloomFilter of stage2/bloom-filter) and a bounded, short-lived negative cache, re-run the load,
and write down the figures before and after, the cause and the fix (answers/cache-penetration.yaml),
and a postmortem.

- correctness: the load replayed with the learner's program (support/cache_penetration_support.py,
  the source of truth for the load; the learner's load script holds a verbatim copy): reads for
  absent users bounded by the filter's documented false-positive rate with a 2x margin, and no
  wrong answer; streams of absent ids at the filter's capacity; the ids the filter lets through
  negative-cached for negative_ttl and no longer; ids looked up before their users sign up found
  afterwards; a stateful property test against a model of the table (lookups, writes, time) that
  no user that exists is ever "not found"; and regressions the shipped program passes too (its
  contract, present users still cached).
- faults: a flood of absent ids keeps the negative cache within negative_capacity (stats()),
  bad parameters are rejected, a database error is passed on, never remembered as "absent".
- review: the stated figures (before: the key, a model of the shipped program on the same load;
  after: what the learner's own program does on it), the choices against the key, and the
  postmortem's six sections.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from swai.grading import Figures, expect_equal, expect_raises, fail
from swai.grading.documents import read_answers, read_postmortem
from swai.grading.stateful import run_machine
from swai.subject import RemoteObject, Subject
from swai.subject.client import show
from swai.subject.errors import SubjectError

SLUG = "cache-penetration"
MODULE = "incidents.cache_penetration"
SUPPORT = "cache_penetration_support"
LOAD = "python incidents/cache_penetration_load.py"
FP_RATE = 0.01  # the default fp_rate the README documents; the load runs with the defaults
MARGIN = 2.0  # reads for absent users: at most MARGIN x fp_rate of the lookups of absent users
RATIO_TOLERANCE = 0.0005  # a stated hit ratio (the load prints 4 decimals)
FIX_PARAMETERS = ("expected_keys", "fp_rate", "negative_ttl", "negative_capacity")
RUN = f"Run `{LOAD}` from your project folder and copy the figures it prints."

FIX_HINT = ("Lookups of users that do not exist must stop before the table: keep a Bloom filter of every key "
            "(BloomFilter(expected_keys, fp_rate), filled from db.keys() at start-up and by every put()) and "
            "answer None without a read when the filter says the key was never written; remember the few ids it "
            "lets through by mistake as absent for negative_ttl seconds.")
FOUND_HINT = ("A user that exists must always be found: put() adds its key to the filter (a filter built only at "
              "start-up does not know later sign-ups) and drops any negative entry the key had from before it "
              "existed; the filter itself must never answer 'absent' for a key it was given.")


def _load_support() -> ModuleType:
    path = Path(__file__).resolve().parent / "support" / f"{SUPPORT}.py"
    spec = importlib.util.spec_from_file_location(f"_{SUPPORT}_in_grader", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


WORK = _load_support()  # the load, here in the grader's process, for the key


class Shipped:
    """The program as shipped (the exercise's stub), to compute the "before" figures: it caches only
    the profiles it finds, for ttl seconds, and writes through."""

    def __init__(self, db: Any, clock: Callable[[], float], ttl: float = 60.0) -> None:
        self.db, self.clock, self.ttl = db, clock, ttl
        self.entries: dict[str, tuple[str, float]] = {}

    def get(self, key: str) -> str | None:
        now = self.clock()
        entry = self.entries.get(key)
        if entry is not None and now < entry[1]:
            return entry[0]
        value: str | None = self.db.get(key)
        if value is not None:
            self.entries[key] = (value, now + self.ttl)
        return value

    def put(self, key: str, value: str) -> None:
        self.db.put(key, value)
        self.entries[key] = (value, self.clock() + self.ttl)


@cache
def before_key() -> dict[str, Any]:
    """The load's figures with the shipped program: what the learner measures before the fix."""
    return dict(WORK.run_load(lambda db, clock: Shipped(db, clock)))


# -- the learner's program, in the subject -------------------------------------------------------

def hidden_import(subject: Subject, name: str) -> RemoteObject:
    """A module of the grader's (fakes, support): its import is no business of the learner's."""
    entries = subject.transcript.entries
    known = len(entries)
    module = subject.import_module(name)
    del entries[known:]
    return module


def lookup_class(subject: Subject) -> RemoteObject:
    try:
        module = subject.import_module(MODULE)
        cls = module.attr("UserLookup")
    except SubjectError as exc:
        fail(f"{MODULE.replace('.', '/')}.py could not be loaded, or has no UserLookup",
             expected="the class UserLookup in incidents/cache_penetration.py",
             got=f"{exc.type_name}: {exc.message}"[:300],
             hint="Keep the shipped file's name and its class UserLookup; fix it in place. Import the Bloom "
                  "filter as `from bloom_filter import BloomFilter` (your stage2/bloom-filter).")
    if not isinstance(cls, RemoteObject):
        fail("UserLookup is not a class", expected="a class", got=show(cls), hint="Keep the class UserLookup.")
    return cls


def build(subject: Subject, rows: dict[str, str], **params: Any) -> tuple[RemoteObject, RemoteObject, RemoteObject]:
    """UserLookup(db, clock=clock, **params) in the subject, over a counting table holding ``rows``."""
    cls = lookup_class(subject)
    clock = hidden_import(subject, "swai.subject.fakes").FakeClock()
    db = hidden_import(subject, SUPPORT).Database(rows)
    try:
        service = cls(db, clock=clock, **params)
    except SubjectError as exc:
        if exc.is_a("TypeError") and "keyword" in exc.message and any(p in params for p in FIX_PARAMETERS):
            fail("UserLookup does not take the parameters of the fix yet",
                 expected="UserLookup(db, *, ttl=60.0, clock=time.monotonic, expected_keys=10_000, fp_rate=0.01, "
                          "negative_ttl=30.0, negative_capacity=10_000)",
                 got=f"TypeError: {exc.message}"[:300],
                 hint="The README's 'The fix' section lists the keyword parameters the fixed UserLookup takes, "
                      "with their defaults; the grader sets them to check the filter and the negative cache.")
        if exc.is_a("NotImplementedError"):
            where = f" ({exc.frames[-1].file}, line {exc.frames[-1].line})" if exc.frames else ""
            fail("UserLookup could not be built: part of it is still a stub", expected="a UserLookup",
                 got=f"NotImplementedError{where}",
                 hint="The fix uses your BloomFilter: finish stage2/bloom-filter first "
                      "(swai grade stage2/bloom-filter).")
        raise
    if not isinstance(service, RemoteObject):
        fail("UserLookup(...) did not build an object", expected="a UserLookup", got=show(service),
             hint="Keep UserLookup a class.")
    return service, db, clock


def helper(subject: Subject, function: str, *args: Any, text: str) -> dict[str, Any]:
    """One of the support module's functions, run in the subject; its plain-data result."""
    result: Any = subject.call(hidden_import(subject, SUPPORT), function, args, {}, text=text, timeout=60.0)
    if not isinstance(result, dict):
        fail("the grader's helper came back garbled", expected="plain figures", got=show(result),
             hint="Your code must not patch other modules of the process; keep it to UserLookup.")
    return result


def look_up_all(subject: Subject, service: RemoteObject, db: RemoteObject, keys: list[str],
                what: str) -> dict[str, Any]:
    result = helper(subject, "look_up_all", service, db, keys,
                    text=f"[{service!r}.get(id) for each of {len(keys)} {what}]")
    subject.transcript.entries[-1].outcome = (f"-> {result['db_calls']} database reads, "
                                              f"{len(result['found'])} profiles returned")
    return result


# The load is deterministic (a seeded stream, a simulated clock), so one replay per grading run
# serves every check that needs it.
_load: list[dict[str, Any]] = []


def replay_load(request: pytest.FixtureRequest) -> dict[str, Any]:
    if _load:
        return _load[0]
    subject: Subject = request.getfixturevalue("subject")
    lookup_class(subject)
    text = (f"[the load of {LOAD}: 20 000 lookups and 1 000 sign-ups through "
            "UserLookup(db, clock=clock), every other parameter at its default]")
    try:
        result = subject.call(hidden_import(subject, SUPPORT), "replay_load", (), {}, text=text, timeout=60.0)
    except SubjectError as exc:
        where = f" ({exc.frames[-1].file}, line {exc.frames[-1].line})" if exc.frames else ""
        fail("the load could not run with your UserLookup", expected="the load to run to its end",
             got=(f"{exc.type_name}: {exc.message}" if exc.message else exc.type_name)[:300] + where,
             hint=f"Run `{LOAD}` from your project folder: it shows the same error. If it comes from "
                  "bloom_filter.py, finish stage2/bloom-filter first (swai grade stage2/bloom-filter).")
    fields = ("lookups", "absent_lookups", "db_calls_absent", "db_calls_present", "wrong_answers")
    if not isinstance(result, dict) or any(type(result.get(f)) is not int for f in fields) \
            or type(result.get("hit_ratio")) not in (int, float):
        fail("the load came back garbled", expected="the load's figures", got=show(result),
             hint="Your code must not patch other modules of the process; keep it to UserLookup.")
    subject.transcript.entries[-1].outcome = "-> " + ", ".join(
        f"{f}: {result[f]}" for f in ("db_calls_absent", "db_calls_present", "hit_ratio", "wrong_answers"))
    _load.append(result)
    return _load[0]


# -- correctness: the symptom is gone ------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(3)
def test_load_keeps_absent_users_off_the_database(request: pytest.FixtureRequest, figures: Figures) -> None:
    """the load: lookups of users that do not exist stay off the database (at most 2 x fp_rate read it)"""
    load = replay_load(request)
    limit = MARGIN * FP_RATE * load["absent_lookups"]
    figures.record("database reads for absent users in the load", load["db_calls_absent"], threshold=limit)
    if load["db_calls_absent"] > limit:
        fail(f"the load: {load['db_calls_absent']} of its {load['absent_lookups']} lookups of users that do not "
             "exist read the database", expected=f"at most {limit:g} reads ({MARGIN:g} x fp_rate {FP_RATE} x "
             f"{load['absent_lookups']} lookups), only those the Bloom filter lets through by mistake",
             got=f"{load['db_calls_absent']} reads", hint=FIX_HINT)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_load_answers_every_lookup_right(request: pytest.FixtureRequest) -> None:
    """the load: every lookup gets the table's answer, and users that exist are still cached"""
    load = replay_load(request)
    if load["wrong_answers"]:
        fail(f"the load: {load['wrong_answers']} lookups got an answer that differs from the table",
             expected="0 wrong answers: 'not found' only for users that do not exist", got=str(load["first_wrong"]),
             hint=FOUND_HINT)
    key = before_key()
    limit = key["db_calls_present"] + key["signups"]
    if load["db_calls_present"] > limit:
        fail(f"the load: users that exist read the database {load['db_calls_present']} times",
             expected=f"at most {limit}: the shipped program's {key['db_calls_present']} (one read per user per "
                      f"ttl), plus one per sign-up if put() invalidates instead of writing through",
             got=f"{load['db_calls_present']} reads", hint="Keep the shipped cache of the profiles found: the fix "
             "adds to it, it does not replace it.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_distinct_absent_ids_at_filter_capacity(subject: Subject) -> None:
    """4 000 distinct absent ids, the filter at capacity (fp_rate=0.05): at most 2 x fp_rate of them read the table"""
    service, db, _ = build(subject, WORK.users(2000), ttl=60.0, expected_keys=2000, fp_rate=0.05,
                           negative_ttl=30.0, negative_capacity=10_000)
    result = look_up_all(subject, service, db, WORK.absent_ids(4000, seed=11), "distinct ids that do not exist")
    limit = MARGIN * 0.05 * 4000
    if result["found"]:
        fail("get() returned a profile for a user that does not exist", expected="None",
             got=f"a profile for {result['found'][0]}", hint="Return what the table holds: None for no row.")
    if result["db_calls"] > limit:
        fail(f"{result['db_calls']} of 4 000 lookups of distinct ids that do not exist read the database",
             expected=f"at most {limit:g} ({MARGIN:g} x fp_rate 0.05 x 4 000): a filter sized for expected_keys "
                      "lets through about fp_rate of them", got=f"{result['db_calls']} reads",
             hint="A negative cache alone cannot help here: each id is asked once. " + FIX_HINT
                  + " Consult the filter on every lookup that misses the cache, before the table.")


def filter_passes(subject: Subject, negative_ttl: float = 10.0) -> tuple[RemoteObject, RemoteObject, RemoteObject,
                                                                         list[str], list[str]]:
    """A service whose filter lets many absent ids through (fp_rate=0.2 at capacity), the ids probed once,
    and those of them that read the table."""
    service, db, clock = build(subject, WORK.users(200), ttl=60.0, expected_keys=200, fp_rate=0.2,
                               negative_ttl=negative_ttl, negative_capacity=1000)
    probes = WORK.absent_ids(500, seed=12)
    first = look_up_all(subject, service, db, probes, "distinct ids that do not exist")
    passed = list(first["reached"])
    if not passed:
        fail("none of 500 ids that do not exist got past your filter at fp_rate=0.2",
             expected="about 100 (fp_rate 0.2 x 500): a Bloom filter sized for expected_keys=200 at fp_rate=0.2",
             got="0 database reads",
             hint="Size the filter from the parameters, BloomFilter(expected_keys, fp_rate), and fill it from "
                  "db.keys(); the negative cache is there for the ids it lets through by mistake.")
    return service, db, clock, probes, passed


@pytest.mark.correctness
@pytest.mark.points(2)
def test_ids_the_filter_lets_through_are_negative_cached(subject: Subject) -> None:
    """ids that get past the filter read the table once, then the negative cache answers within negative_ttl"""
    service, db, clock, probes, passed = filter_passes(subject)
    clock.advance(5.0)
    second = look_up_all(subject, service, db, probes, "ids again, 5 s later (negative_ttl=10)")
    if second["db_calls"]:
        fail(f"{second['db_calls']} of the {len(passed)} ids your filter let through read the database again "
             "within negative_ttl", expected="0 reads: each was found absent 5 s earlier",
             got=f"{second['db_calls']} reads, e.g. for {second['reached'][0]!r}",
             hint="Remember an id the table did not have as absent (空值缓存) for negative_ttl seconds, and check "
                  "that negative cache before reading the table: an id the filter lets through by mistake is "
                  "let through on every lookup.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_negative_entries_expire(subject: Subject) -> None:
    """a negative entry lives negative_ttl seconds: then the table is read again, and a row added since is found"""
    service, db, clock, _, passed = filter_passes(subject)
    restored = passed[0]
    db.insert_directly(restored, "restored profile")  # another writer: a data fix, a restore
    clock.advance(10.5)
    got = service.get(restored)
    if got != "restored profile":
        fail(f"a row added by another writer was still 'not found' {10.5:g} s after its negative entry "
             "(negative_ttl=10)", expected="'restored profile'", got=show(got),
             hint="A negative entry is short-lived on purpose: once negative_ttl has passed, the next lookup "
                  "reads the table again. Store each entry's expiry time and compare it with clock().")
    again = look_up_all(subject, service, db, passed[1:], "ids that got past the filter, 10.5 s later")
    missing = sorted(set(passed[1:]) - set(again["reached"]))
    if missing:
        fail(f"{len(missing)} of {len(passed) - 1} negative entries were still used after negative_ttl",
             expected="each id read the table again once its negative entry expired",
             got=f"no read for {', '.join(missing[:3])}" + (" ..." if len(missing) > 3 else ""),
             hint="An entry stored at time t is used while clock() < t + negative_ttl, and no longer.")


KNOWN = [WORK.user_id(n) for n in range(1, 4)]  # rows at start-up
NEW = [WORK.user_id(n) for n in range(4, 9)]  # not in the table until a put()
MACHINE_TTL = 3.0


class TableModel(RuleBasedStateMachine):
    """Lookups, writes and time against the table's own content: every get() must return the row."""

    params: ClassVar[dict[str, Any]] = {}
    hint = FOUND_HINT

    def __init__(self, subject: Subject) -> None:
        super().__init__()
        self.rows = {key: f"{key} v0" for key in KNOWN}
        self.writes = 0
        self.found_absent: list[str] = []  # ids answered None, not written since
        self.signed_up: list[str] = []  # ids written after they had been answered None
        self.service, _, self.clock = build(subject, dict(self.rows), ttl=MACHINE_TTL, **self.params)

    @rule(key=st.sampled_from(KNOWN + NEW))
    def get(self, key: str) -> None:
        self.look_up(key)

    @precondition(lambda self: bool(self.signed_up))
    @rule(index=st.integers(0, len(NEW) - 1))
    def get_a_user_who_signed_up(self, index: int) -> None:
        self.look_up(self.signed_up[index % len(self.signed_up)])

    def look_up(self, key: str) -> None:
        got = self.service.get(key)
        want = self.rows.get(key)
        if got != want:
            if want is None:
                summary = f"get({key!r}) returned a profile for a user that does not exist"
            elif got is None:
                summary = f"get({key!r}) answered 'not found' for a user that exists"
            else:
                summary = f"get({key!r}) returned a profile older than the last put()"
            expect_equal(got, want, summary, hint=self.hint)
        if want is None and key not in self.found_absent:
            self.found_absent.append(key)

    def write(self, key: str) -> None:
        if key in self.found_absent:
            self.found_absent.remove(key)
        self.writes += 1
        value = f"{key} v{self.writes}"
        self.service.put(key, value)
        self.rows[key] = value

    @rule(key=st.sampled_from(KNOWN + NEW))
    def put(self, key: str) -> None:
        self.write(key)

    @precondition(lambda self: bool(self.found_absent))
    @rule(index=st.integers(0, len(NEW) - 1))
    def sign_up_an_id_found_absent(self, index: int) -> None:
        # the user a poller was told did not exist signs up: the filter must learn the key, and its
        # negative entry (if the filter had let it through) must go
        key = self.found_absent.pop(index % len(self.found_absent))
        self.write(key)
        if key not in self.signed_up:
            self.signed_up.append(key)

    @rule(seconds=st.sampled_from([1.0, 4.0, 11.0]))
    def wait(self, seconds: float) -> None:
        self.clock.advance(seconds)


class FixedTableModel(TableModel):
    # A filter that lets about half of the absent ids through, a negative cache that outlives the
    # cached profiles (negative_ttl > ttl), so an entry from before a put() is not hidden behind one,
    # and a capacity small enough for evictions.
    params: ClassVar[dict[str, Any]] = {"expected_keys": 3, "fp_rate": 0.5, "negative_ttl": 10.0,
                                        "negative_capacity": 2}


class ShippedContractModel(TableModel):
    hint = ("The fix must keep what the shipped program did: UserLookup(db, ttl=..., clock=...) still works "
            "with every other parameter at its default, a put() is seen by every later get(), and a "
            "profile is never older than the last put(). " + FOUND_HINT)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_users_who_sign_up_after_a_lookup_are_found(subject: Subject) -> None:
    """100 ids looked up before their users sign up: all found once the cached profiles have expired"""
    service, db, clock = build(subject, WORK.users(200), ttl=5.0, expected_keys=200, fp_rate=0.2,
                               negative_ttl=60.0, negative_capacity=1000)
    ids = WORK.absent_ids(100, seed=14)
    first = look_up_all(subject, service, db, ids, "ids of users who have not signed up yet")
    passed = set(first["reached"])  # remembered as absent; the others were stopped by the filter
    helper(subject, "sign_up_all", service, ids,
           text=f"[{service!r}.put(id, 'profile of ' + id) for each of them: the users sign up]")
    subject.transcript.entries[-1].outcome = "-> done"
    clock.advance(6.0)
    again = look_up_all(subject, service, db, ids, "ids again, 6 s later (ttl=5: their cached profiles expired)")
    lost = [key for key in ids if key not in set(again["found"])]
    if lost:
        remembered = [key for key in lost if key in passed]
        stopped = [key for key in lost if key not in passed]
        why = []
        if stopped:
            why.append(f"{len(stopped)} the filter had stopped (e.g. {stopped[0]}): put() must add the key to "
                       "the Bloom filter, or the filter goes on answering 'certainly absent' for it")
        if remembered:
            why.append(f"{len(remembered)} remembered as absent (e.g. {remembered[0]}): put() must drop the key's "
                       "negative entry, or it answers 'not found' until negative_ttl has passed")
        fail(f"{len(lost)} of 100 users who signed up were answered 'not found'", expected="all 100 found",
             got="; ".join(why), hint=FOUND_HINT)


@pytest.mark.correctness
@pytest.mark.points(3)
def test_no_user_that_exists_is_ever_not_found(subject: Subject) -> None:
    """lookups, sign-ups and time in any order: a user that exists is always found, with its latest profile"""
    run_machine(subject, lambda: FixedTableModel(subject), max_examples=50, steps=30)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_shipped_contract_still_holds(subject: Subject) -> None:
    """regression: UserLookup(db, ttl=..., clock=...), called as before the fix, answers as the table does"""
    run_machine(subject, lambda: ShippedContractModel(subject), max_examples=25, steps=25)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_users_that_exist_are_still_cached(subject: Subject) -> None:
    """regression: a user's profile is read from the table once per ttl, as in the shipped program"""
    service, db, clock = build(subject, WORK.users(10), ttl=60.0)
    key = WORK.user_id(3)
    for _ in range(3):
        service.get(key)
    clock.advance(30.0)
    service.get(key)
    reads = db.calls_for([key])
    expect_equal(reads, [1], f"{key} was read from the table more than once within ttl",
                 hint="Keep the shipped cache of profiles found: a profile is kept ttl seconds.")
    clock.advance(31.0)
    service.get(key)
    reads = db.calls_for([key])
    expect_equal(reads, [2], f"{key}'s profile was not read again once ttl had passed",
                 hint="A cached profile expires ttl seconds after it was read, as in the shipped program.")


# -- faults -------------------------------------------------------------------------------------

@pytest.mark.faults
@pytest.mark.points(2)
def test_flood_keeps_the_negative_cache_bounded(subject: Subject) -> None:
    """a flood of 3 000 absent ids, half let through by the filter: stats()['negative'] stays within its bound"""
    service, db, _ = build(subject, WORK.users(100), ttl=60.0, expected_keys=100, fp_rate=0.5,
                           negative_ttl=30.0, negative_capacity=50)
    result = helper(subject, "flood", service, db, WORK.absent_ids(3000, seed=13),
                    text=f"[{service!r}.get(id), then {service!r}.stats()['negative'], for each of 3 000 distinct "
                         "ids that do not exist]")
    if "bad_stats" in result:
        fail("stats() does not report the negative cache's size",
             expected="a dict with an int under 'negative' (and 'cached')", got=str(result["bad_stats"]),
             hint="stats() returns {'cached': <profiles held>, 'negative': <negative entries held>}.")
    subject.transcript.entries[-1].outcome = f"-> largest {result['largest']}, last {result['last']}"
    if result["largest"] > 50:
        fail("the negative cache grew past negative_capacity=50", expected="at most 50 entries at any time",
             got=f"{result['largest']} entries",
             hint="Bound the negative cache: when it holds negative_capacity entries, drop the oldest (or an "
                  "expired one) before adding. An attacker controls how many distinct ids you see.")
    if result["largest"] < 1:
        fail("stats()['negative'] stayed at 0 while ids that got past the filter were found absent",
             expected="the number of negative entries held (between 1 and 50 here)", got="0",
             hint="stats()['negative'] is the number of entries in the negative cache right now.")


DEFAULTS = {"expected_keys": 10_000, "fp_rate": FP_RATE, "negative_ttl": 30.0, "negative_capacity": 10_000}
BAD_PARAMETERS: list[tuple[dict[str, Any], str]] = [
    ({"fp_rate": 0.0}, "ValueError"),
    ({"fp_rate": 1.0}, "ValueError"),
    ({"fp_rate": math.nan}, "ValueError"),
    ({"expected_keys": 0}, "ValueError"),
    ({"negative_ttl": 0.0}, "ValueError"),
    ({"negative_ttl": -30.0}, "ValueError"),
    ({"negative_ttl": math.nan}, "ValueError"),
    ({"negative_ttl": math.inf}, "ValueError"),
    ({"negative_capacity": 0}, "ValueError"),
    ({"negative_capacity": -1}, "ValueError"),
    ({"negative_ttl": "30"}, "TypeError"),
    ({"negative_capacity": "100"}, "TypeError"),
]


@pytest.mark.faults
@pytest.mark.points(1)
def test_bad_parameters_are_rejected(subject: Subject) -> None:
    """bad fp_rate, expected_keys, negative_ttl or negative_capacity raise ValueError or TypeError"""
    _, db, clock = build(subject, WORK.users(10), **DEFAULTS)  # the parameters are taken at all
    cls = lookup_class(subject)
    for params, error in BAD_PARAMETERS:
        (name, value), = params.items()
        expect_raises(error, lambda params=params: cls(db, clock=clock, **params),
                      f"UserLookup(db, {name}={value!r}) was accepted",
                      hint="Check every parameter in __init__ before building anything: fp_rate strictly between "
                           "0 and 1, expected_keys and negative_capacity ints >= 1, negative_ttl a finite number "
                           "of seconds > 0 (`not 0 < x < math.inf` rejects NaN too); ValueError for a bad value, "
                           "TypeError for a bad type.")


@pytest.mark.faults
@pytest.mark.points(2)
def test_database_errors_are_not_remembered_as_absent(subject: Subject) -> None:
    """a database error reaches the caller and is never cached as 'not found'; a failed put() changes nothing"""
    service, db, _ = build(subject, WORK.users(100), ttl=60.0, expected_keys=100, fp_rate=0.2,
                           negative_ttl=30.0, negative_capacity=100)
    key = WORK.user_id(7)
    db.fail_next(1)
    expect_raises("ConnectionError", lambda: service.get(key),
                  "a lookup during a database outage did not raise the database's error",
                  hint="Let the database's exception propagate from get(): answering None would tell the caller "
                       "the user does not exist, and caching it would keep saying so after the outage.")
    expect_equal(service.get(key), WORK.profile(7), "after the outage, the user was still 'not found'",
                 hint="Remember an id as absent only when the table answered None, never when reading it failed.")
    new = WORK.user_id(500)
    db.fail_next(1)
    expect_raises("ConnectionError", lambda: service.put(new, "new profile"),
                  "a put() during a database outage did not raise the database's error",
                  hint="Let the database's exception propagate from put().")
    expect_equal(service.get(new), None, "after a failed put(), get() returned the profile the table never stored",
                 hint="Write to the table first; change the cache only once the write has succeeded.")


# -- review: the answers and the postmortem -----------------------------------------------------

FIGURES = ("db_calls_absent", "db_calls_present", "hit_ratio", "wrong_answers")
COUNT = {"type": "integer", "minimum": 0, "description": "a count, as the load prints it (a whole number)"}
RATIO = {"type": "number", "minimum": 0, "maximum": 1,
         "description": "a fraction from 0 to 1 as the load prints it, e.g. 0.4321 (not a percentage)"}
RUN_FIGURES = {"type": "object", "required": list(FIGURES), "additionalProperties": False,
               "properties": {"db_calls_absent": COUNT, "db_calls_present": COUNT, "hit_ratio": RATIO,
                              "wrong_answers": COUNT},
               "description": "the load's four figures: " + ", ".join(FIGURES)}
CHOICES = {
    "root_cause": ["misses_not_cached", "ttl_too_short", "cache_too_small", "hot_key_expired",
                   "keys_expire_together", "slow_database"],
    "fix": ["bloom_filter_and_negative_cache", "negative_cache_only", "bloom_filter_only", "longer_ttl",
            "random_ttl", "single_flight"],
    "negative_cache_alone": ["ids_rarely_repeat", "hides_new_users", "has_false_positives", "it_would_suffice"],
    "still_reaching_db": ["false_positives_once_per_negative_ttl", "none", "every_absent_id_once",
                          "polled_ids_only"],
}
KEY_CHOICES = {
    "root_cause": "misses_not_cached",
    "fix": "bloom_filter_and_negative_cache",
    "negative_cache_alone": "ids_rarely_repeat",
    "still_reaching_db": "false_positives_once_per_negative_ttl",
}
FIELDS: dict[str, dict[str, Any]] = {
    "before": RUN_FIGURES,
    "after": RUN_FIGURES,
    **{name: {"enum": options} for name, options in CHOICES.items()},
}


def answers(project: Path, *wanted: str) -> dict[str, Any]:
    """The answers file, validated only for the ``wanted`` fields (every field, strictly, when none is
    named), so a blank in one answer does not fail the checks of the others."""
    if not wanted:
        schema = {"type": "object", "required": list(FIELDS), "properties": FIELDS, "additionalProperties": False,
                  "description": "the template's keys: " + ", ".join(FIELDS)}
    else:
        schema = {"type": "object", "required": list(wanted), "properties": {w: FIELDS[w] for w in wanted},
                  "description": "the template's keys, " + ", ".join(wanted) + " among them"}
    return read_answers(project, SLUG, schema)


def differences(stated: dict[str, Any], measured: dict[str, Any], section: str) -> list[str]:
    wrong = []
    for field in FIGURES:
        if field == "hit_ratio":
            same = abs(float(stated[field]) - float(measured[field])) <= RATIO_TOLERANCE + 1e-12
        else:
            same = stated[field] == measured[field]
        if not same:
            wrong.append(f"{section}.{field}: you state {stated[field]}, the load gives {measured[field]}")
    return wrong


@pytest.mark.review
@pytest.mark.points(1)
def test_answers_file_is_complete(project: Path) -> None:
    """answers/cache-penetration.yaml answers every question in the template's form"""
    answers(project)


@pytest.mark.review
@pytest.mark.points(2)
def test_before_figures_are_the_shipped_programs(project: Path) -> None:
    """the figures stated under before: are what the load prints with the program as shipped"""
    stated = answers(project, "before")["before"]
    wrong = differences(stated, before_key(), "before")
    if wrong:
        fail("the figures you state before the fix are not what the load gives with the shipped program",
             expected="the load's figures with incidents/cache_penetration.py as shipped", got="; ".join(wrong),
             hint="Reproduce the incident before changing anything: run the load on the shipped program (your "
                  "first commit of incidents/cache_penetration.py, or the exercise's stub) and copy its "
                  "figures. hit_ratio is a fraction (0.1234), accepted within ±0.0005.")


@pytest.mark.review
@pytest.mark.points(2)
def test_after_figures_are_what_your_program_does(project: Path, request: pytest.FixtureRequest) -> None:
    """the figures stated under after: are what the load gives with your fixed program"""
    stated = answers(project, "after")["after"]
    wrong = differences(stated, replay_load(request), "after")
    if wrong:
        fail("the figures you state after the fix are not what the load gives with your program",
             expected="the load's figures with your incidents/cache_penetration.py", got="; ".join(wrong),
             hint=RUN + " Measure them with the program you hand in: do not write what should happen, and "
                        "measure again after every change.")


def check_choice(project: Path, name: str, summary: str, hint: str) -> None:
    stated = answers(project, name)[name]
    if stated != KEY_CHOICES[name]:
        fail(f"{name}: {summary}", expected="another of the choices the template lists", got=str(stated),
             hint=hint)


@pytest.mark.review
@pytest.mark.points(2)
def test_root_cause_and_fix(project: Path) -> None:
    """the root cause and the fix chosen are those of cache penetration"""
    check_choice(project, "root_cause", "that is not what sent the load's lookups to the database",
                 hint="Compare db_calls_absent with the lookups of users that do not exist before the fix, and "
                      "read UserLookup.get(): what does it keep when the table answers None?")
    check_choice(project, "fix", "that fix does not stop this load, or not alone",
                 hint="The scraper's ids are distinct; the polling client's ids repeat; and a Bloom filter has "
                      "false positives. The remedy has to handle all three.")


@pytest.mark.review
@pytest.mark.points(2)
def test_why_the_fix_has_two_halves(project: Path) -> None:
    """why a negative cache alone would not do, and which lookups still read the table after the fix"""
    check_choice(project, "negative_cache_alone", "that is not why a negative cache alone fails on this load",
                 hint="Count how often the scraper asks for the same id. A negative entry saves a read only "
                      "when its id is asked again, and every entry costs memory.")
    check_choice(project, "still_reaching_db", "that is not which lookups of absent users still read the table",
                 hint="A Bloom filter never says 'absent' for a key it holds, but says 'maybe' for about fp_rate "
                      "of the others; look at what happens to such an id the first and the second time.")


@pytest.mark.review
@pytest.mark.points(2)
def test_postmortem_tells_the_incident(project: Path) -> None:
    """postmortems/cache-penetration.md has the six sections, each written out"""
    read_postmortem(project, SLUG)
