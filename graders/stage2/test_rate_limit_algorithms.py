"""Grader for stage2/rate-limit-algorithms: token bucket vs leaky bucket vs sliding window.

Two parts. First the learner's LeakyBucket and SlidingWindowLog (rate_limit_algorithms.py),
against exact models: named scenarios driven call by call with a FakeClock, then seeded
random traces replayed inside the learner's process. Then answers/rate-limit-algorithms.yaml:
every measured number is re-measured with the learner's own classes (their TokenBucket from
stage2/rate-limiter too) on the same traces and must match what they state; the learner's
measurement must also match the key, which the exact models below give on those traces; the
choices and the two small calculations are checked against the key held here.

The workloads live in support/rate_limit_algorithms_support.py, copied verbatim into the
learner's experiment script. This module loads that file too, and feeds the same replay its
exact models to compute the key, so the key and the re-measurement can never use different
traces. (If the learner's copy drifted, the reference's stated numbers would stop matching
the re-measurement and the proofs would fail.)
"""

from __future__ import annotations

import importlib.util
import random
from collections import deque
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from swai.grading import expect_raises, expect_true, fail
from swai.grading.documents import read_answers
from swai.subject import Subject
from swai.subject.client import show

SLUG = "rate-limit-algorithms"
ANSWERS = f"answers/{SLUG}.yaml"
MODULE = "rate_limit_algorithms"
SUPPORT = "rate_limit_algorithms_support"
EXPERIMENT = "python experiments/rate_limit_algorithms.py"
EPS = Fraction(1, 10**9)  # a decision this close to the boundary may go either way (floats)
SECONDS_TOLERANCE = 0.001  # stated seconds
MB_TOLERANCE = 0.01  # relative
ESTIMATE_TOLERANCE = 0.01


def _load_support() -> ModuleType:
    path = Path(__file__).resolve().parent / "support" / f"{SUPPORT}.py"
    spec = importlib.util.spec_from_file_location(f"_{SUPPORT}_in_grader", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


WORK = _load_support()  # the workloads, here in the grader's process


# -- exact models (fractions) ---------------------------------------------------------------------

def _clear_of_boundary(gap: Fraction) -> bool:
    """For the key's traces: a decision is on the boundary only with whole numbers (a full bucket
    emptied by a burst), which every float implementation gets exactly; otherwise it is at least
    1/16 of a token away from it, so no way of doing the arithmetic can tip it."""
    return gap == 0 or abs(gap) >= Fraction(1, 16)


class TokenBucketModel:
    """The token bucket of stage2/rate-limiter: starts full, earns rate tokens per second."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float]) -> None:
        self.rate, self.burst, self.clock = Fraction(rate), burst, clock
        self.tokens = Fraction(burst)
        self.last = Fraction(clock())

    def allow(self) -> bool:
        now = Fraction(self.clock())
        if now > self.last:
            self.tokens = min(Fraction(self.burst), self.tokens + (now - self.last) * self.rate)
        self.last = now
        assert _clear_of_boundary(self.tokens - 1), "a key decision next to the boundary: move the trace off it"
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class LeakyBucketModel:
    """The spec of LeakyBucket: starts empty, leaks rate units per second, never below empty."""

    def __init__(self, rate: float, capacity: int, clock: Callable[[], float]) -> None:
        self.rate, self.capacity, self.clock = Fraction(rate), capacity, clock
        self.level = Fraction(0)
        self.last = Fraction(clock())

    def leak(self) -> None:
        now = Fraction(self.clock())
        if now > self.last:
            self.level = max(Fraction(0), self.level - (now - self.last) * self.rate)
        self.last = now

    def verdict(self) -> bool | None:
        """Whether allow() must admit now; None when it is within EPS of the boundary."""
        self.leak()
        room = self.capacity - (self.level + 1)
        return None if abs(room) <= EPS else room > 0

    def settle(self, admitted: bool) -> None:
        if admitted:
            self.level += 1

    def allow(self) -> bool:
        self.leak()
        room = self.capacity - (self.level + 1)
        assert _clear_of_boundary(room), "a key decision next to the boundary: move the trace off it"
        self.settle(room >= 0)
        return room >= 0

    def delay(self) -> float:
        self.leak()
        return float(self.level / self.rate)


class SlidingLogModel:
    """The spec of SlidingWindowLog: admitted readings in (now - window, now], at most limit."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self.limit, self.window, self.clock = limit, Fraction(window), clock
        self.log: deque[Fraction] = deque()

    def in_window(self) -> int:
        """How many admitted requests are in the window now (dropping those that left it)."""
        now = Fraction(self.clock())
        while self.log and self.log[0] <= now - self.window:
            self.log.popleft()
        return len(self.log)

    def allow(self) -> bool:
        if self.in_window() < self.limit:
            self.log.append(Fraction(self.clock()))
            return True
        return False


def _model(name: str, clock: Callable[[], float]) -> Any:
    if name == "token_bucket":
        return TokenBucketModel(WORK.RATE, WORK.CAPACITY, clock)
    if name == "leaky_bucket":
        return LeakyBucketModel(WORK.RATE, WORK.CAPACITY, clock)
    if name == "sliding_window_log":
        return SlidingLogModel(WORK.LIMIT, WORK.WINDOW, clock)
    return WORK.make_limiter(name, clock)  # the fixed window counter is given, the same on both sides


TRACE_A_LIMITERS = ("token_bucket", "leaky_bucket", "sliding_window_log")
TRACE_B_LIMITERS = ("fixed_window", "sliding_window_log")
KEY_A = {name: WORK.trace_a_numbers(name, _model) for name in TRACE_A_LIMITERS}
KEY_B = {name: WORK.trace_b_numbers(name, _model) for name in TRACE_B_LIMITERS}

KEY_CHOICES: dict[str, Any] = {
    "bursts_pass_at_once": {"token_bucket", "sliding_window_log"},
    "constant_output_rate": "leaky_bucket",
    "same_admissions_as_token_bucket": "leaky_bucket",
    "recovers_all_at_once": "sliding_window_log",
    "boundary_burst": "fixed_window",
    "sliding_window_fix": "every_window_ending_now",
    "memory_grows_with_limit": "sliding_window_log",
}
CLIENTS, LOG_LIMIT, BYTES = 1_000_000, 100, 8
KEY_MEMORY_MB = {"sliding_window_log_mb": CLIENTS * LOG_LIMIT * BYTES / 1e6,  # one timestamp per request
                 "token_bucket_mb": CLIENTS * 2 * BYTES / 1e6}  # tokens and the last reading
COUNTER_LIMIT, PREVIOUS, CURRENT, WINDOW_S, AT_S = 100, 84, 36, 60, 75
KEY_ESTIMATE = PREVIOUS * (WINDOW_S - (AT_S - WINDOW_S)) / WINDOW_S + CURRENT  # 84 * 45/60 + 36
KEY_COUNTER_ADMITS = KEY_ESTIMATE + 1 <= COUNTER_LIMIT

LABELS = {"token_bucket": "TokenBucket (rate_limiter.py)", "leaky_bucket": "LeakyBucket",
          "sliding_window_log": "SlidingWindowLog", "fixed_window": "fixed window counter"}
IMPLEMENTATION_HINTS = {
    "token_bucket": "Your TokenBucket is the one from stage2/rate-limiter: run swai grade stage2/rate-limiter and "
                    "fix what it reports first.",
    "leaky_bucket": "Your LeakyBucket does not follow the rules yet: fix what the LeakyBucket checks of this "
                    "exercise report first.",
    "sliding_window_log": "Your SlidingWindowLog does not follow the rules yet: fix what the SlidingWindowLog "
                          "checks of this exercise report first.",
}
RERUN_HINT = (f"Run {EXPERIMENT} from the project folder and copy the numbers it prints. The grader replays the "
              "same traces through your own classes, so a number guessed, worked out by hand or measured with "
              "other settings shows up here.")


# -- answers: schemas -----------------------------------------------------------------------------

COUNT = {"type": "integer", "minimum": 0, "description": "a whole number of requests, e.g. 3"}
SECONDS = {"type": "number", "minimum": 0, "description": "a number of seconds, e.g. 0.25"}
TRACE_A_FIELDS = {
    "rejected": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": len(WORK.TRACE_A) - 1},
                 "uniqueItems": True, "description": "a list of request indexes, e.g. [4, 5, 9]"},
    "most_at_once": COUNT,
    "most_in_one_second": COUNT,
    "longest_wait": SECONDS,
}
TRACE_B_FIELDS = {"admitted": COUNT, "most_in_one_window": COUNT}
A3 = ["token_bucket", "leaky_bucket", "sliding_window_log"]
A4 = [*A3, "fixed_window"]
CHOICE_FIELDS: dict[str, dict[str, Any]] = {
    "bursts_pass_at_once": {"type": "array", "items": {"enum": A3}, "uniqueItems": True,
                            "description": "a list such as [token_bucket] of: " + ", ".join(A3)},
    "constant_output_rate": {"enum": A3},
    "same_admissions_as_token_bucket": {"enum": ["leaky_bucket", "sliding_window_log", "neither"]},
    "recovers_all_at_once": {"enum": A3},
    "boundary_burst": {"enum": A4},
    "sliding_window_fix": {"enum": ["every_window_ending_now", "shorter_windows", "queues_the_excess",
                                    "gradual_refill"]},
    "memory_grows_with_limit": {"enum": A4},
}
MB = {"type": "number", "exclusiveMinimum": 0, "description": "a number of megabytes, e.g. 12.5"}


def _object(fields: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(fields), "properties": fields}


def _answers(project: Path, fields: dict[str, Any]) -> dict[str, Any]:
    """The answers file, checked for the sections one check needs (the others may still be blank)."""
    return read_answers(project, SLUG, _object(fields))


# -- scenarios, call by call ----------------------------------------------------------------------

Step = tuple[str, Any]  # ("at", time) | ("allow", bool) | ("delay", seconds)


def _scenario(subject: Subject, class_name: str, args: Sequence[Any], steps: Sequence[Step], summary: str,
              hint: str) -> None:
    """Drive the learner's class with a FakeClock; each answer must be the one given in ``steps``."""
    clock = subject.import_module("swai.subject.fakes").FakeClock(0.0)
    limiter = getattr(subject.import_module(MODULE), class_name)(*args, clock=clock)
    for op, want in steps:
        if op == "at":
            clock.set(want)
        elif op == "allow":
            got = limiter.allow()
            if type(got) is not bool:
                fail(summary, expected="True or False", got=show(got),
                     hint="allow() answers with a bool: True when it admits the request, False when it refuses it.")
            if got is not want:
                fail(summary, expected=show(want), got=show(got), hint=hint)
        elif op == "delay":
            got = limiter.delay()
            if type(got) not in (int, float):
                fail(summary, expected="a float (seconds)", got=show(got),
                     hint="delay() returns a number of seconds: level / rate, 0.0 when the bucket is empty.")
            if abs(got - want) > 1e-9:
                fail(summary, expected=f"{want:g}", got=show(got), hint=hint)
        else:  # pragma: no cover - a typo in the grader
            raise ValueError(op)


# -- random traces, replayed in the learner's process -------------------------------------------------

def _random_steps(rng: random.Random, gaps: Sequence[float], methods: Sequence[str], n: int = 60) -> list[list[Any]]:
    now, steps = 0.0, []
    for _ in range(n):
        now += rng.choice(gaps)  # binary fractions of a second: floats hold every sum exactly
        steps.append([now, rng.choice(methods)])
    return steps


def _render(lines: list[str], shown: int = 14) -> str:
    hidden = len(lines) - shown
    head = [f"    ... ({hidden} earlier calls)"] if hidden > 0 else []
    return "\n".join(head + [f"    {line}" for line in lines[-shown:]])


def _compare_with_model(subject: Subject, class_name: str, args: list[Any], steps: list[list[Any]], model: Any,
                        hint: str) -> None:
    got = subject.import_module(SUPPORT).drive(class_name, args, steps)
    described = f"{class_name}({', '.join(map(repr, args))}, clock)"
    done: list[str] = []
    for (now, method), answer in zip(steps, got, strict=True):
        model.clock.now = now
        call = f"at t = {now:g}: {method}()"
        where = (f"{described} on a seeded random trace disagrees with the rules at call {len(done) + 1}. "
                 f"The calls, up to that one:\n{_render([*done, call])}")
        if method == "allow":
            if type(answer) is not bool:
                fail(where, expected="True or False", got=show(answer),
                     hint="allow() answers with a bool: True when it admits the request, False when it refuses it.")
            if isinstance(model, LeakyBucketModel):
                want = model.verdict()
                state = f"the bucket holds {float(model.level):g} of {model.capacity} units"
            else:
                state = (f"admitted requests in the window ({now - model.window:g}, {now:g}]: "
                         f"{model.in_window()}, limit {model.limit}")
                want = model.allow()
            if want is not None and answer is not want:
                fail(where, expected=f"{want} ({state})", got=show(answer), hint=hint)
            if isinstance(model, LeakyBucketModel):
                model.settle(answer)
        else:
            want_delay = model.delay()
            if type(answer) not in (int, float) or abs(answer - want_delay) > 1e-9:
                fail(where, expected=f"{want_delay:g} s (the bucket holds {float(model.level):g} units, rate "
                                     f"{float(model.rate):g}/s)", got=show(answer), hint=hint)
        done.append(f"{call} -> {answer!r}")


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


LEAKY_HINT = ("On every call, allow() and delay() alike: read the clock, leak level -= (now - last) * rate but "
              "never below 0, and store now as last. Then allow() pours in one unit if level + 1 <= capacity, and "
              "delay() returns level / rate.")
LOG_HINT = ("On every allow(): read the clock, drop the logged readings t with t <= now - window, then admit (and "
            "log now) only if fewer than limit readings are left. A refused request is not logged. The window is "
            "(now - window, now]: a request exactly one window old has left it.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_leaky_bucket_fills_then_overflows(subject: Subject) -> None:
    """a new leaky bucket is empty: capacity requests fit at once, the next one overflows"""
    _scenario(subject, "LeakyBucket", (1, 3), [
        ("delay", 0.0), ("allow", True), ("delay", 1.0), ("allow", True), ("allow", True), ("delay", 3.0),
        ("allow", False), ("allow", False), ("delay", 3.0),
        ("at", 0.5), ("allow", False), ("delay", 2.5), ("at", 1.0), ("allow", True), ("allow", False)],
        "LeakyBucket(rate=1, capacity=3) starts empty and admits while level + 1 <= capacity",
        "Start with level = 0. A request fits when level + 1 <= capacity (the last unit may fill the bucket to "
        "the brim); a request that does not fit pours in nothing.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_leaky_bucket_leaks_at_rate(subject: Subject) -> None:
    """the water leaks continuously at rate, fractions included, and never below empty"""
    _scenario(subject, "LeakyBucket", (2, 2), [
        ("allow", True), ("allow", True), ("allow", False), ("delay", 1.0),
        ("at", 0.25), ("allow", False), ("delay", 0.75), ("at", 0.5), ("delay", 0.5), ("allow", True),
        ("delay", 1.0), ("at", 0.75), ("delay", 0.75), ("allow", False),
        ("at", 10.0), ("delay", 0.0), ("allow", True), ("allow", True), ("allow", False), ("delay", 1.0)],
        "LeakyBucket(rate=2, capacity=2) leaks the wrong amount of water", LEAKY_HINT)
    _scenario(subject, "LeakyBucket", (1, 1), [
        ("allow", True), ("at", 0.25), ("allow", False), ("at", 0.5), ("allow", False), ("at", 0.75),
        ("delay", 0.25), ("allow", False), ("at", 1.0), ("allow", True), ("delay", 1.0)],
        "LeakyBucket(rate=1, capacity=1) polled while full: the refused calls changed how fast it leaks",
        LEAKY_HINT + " Store the leaked level and the reading on every call, refused or not.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_leaky_bucket_follows_the_model(subject: Subject) -> None:
    """LeakyBucket agrees with an exact model on 20 seeded random traces"""
    for seed in range(20):
        rng = random.Random(seed)
        rate, capacity = rng.choice([0.5, 1, 2, 4]), rng.randint(1, 5)
        steps = _random_steps(rng, [0, 0, 0.0625, 0.125, 0.25, 0.5, 1.0, 3.0], ["allow", "allow", "allow", "delay"])
        clock = _Clock()
        _compare_with_model(subject, "LeakyBucket", [rate, capacity], steps,
                            LeakyBucketModel(rate, capacity, clock), LEAKY_HINT)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_sliding_log_counts_the_last_window(subject: Subject) -> None:
    """SlidingWindowLog admits at most limit requests in (now - window, now]"""
    _scenario(subject, "SlidingWindowLog", (3, 1.0), [
        ("allow", True), ("allow", True), ("at", 0.5), ("allow", True), ("allow", False), ("at", 0.75),
        ("allow", False), ("at", 0.9375), ("allow", False),
        ("at", 1.0), ("allow", True), ("allow", True), ("allow", False), ("at", 1.4375), ("allow", False),
        ("at", 1.5), ("allow", True), ("allow", False), ("at", 5.0), ("allow", True), ("allow", True),
        ("allow", True), ("allow", False)],
        "SlidingWindowLog(limit=3, window=1) counts the wrong requests", LOG_HINT)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_sliding_log_does_not_log_refusals(subject: Subject) -> None:
    """a refused request is not logged: it does not hold back later requests"""
    _scenario(subject, "SlidingWindowLog", (2, 1.0), [
        ("allow", True), ("allow", True), ("at", 0.25), ("allow", False), ("at", 0.5), ("allow", False),
        ("at", 0.75), ("allow", False), ("at", 1.0625), ("allow", True), ("allow", True), ("at", 1.5),
        ("allow", False), ("at", 2.125), ("allow", True)],
        "SlidingWindowLog(limit=2, window=1) let refused requests count against later ones",
        "Log the reading only when the request is admitted. Logging refusals too means a client that keeps "
        "retrying is locked out for as long as it retries.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_sliding_log_follows_the_model(subject: Subject) -> None:
    """SlidingWindowLog agrees with an exact model on 20 seeded random traces"""
    for seed in range(20):
        rng = random.Random(1000 + seed)
        limit, window = rng.randint(1, 5), rng.choice([0.5, 1.0, 2.0, 3.0])
        steps = _random_steps(rng, [0, 0, 0.0625, 0.125, 0.25, 0.5, window, 1.0], ["allow"])
        clock = _Clock()
        _compare_with_model(subject, "SlidingWindowLog", [limit, window], steps,
                            SlidingLogModel(limit, window, clock), LOG_HINT)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_sliding_log_forgets_old_requests(subject: Subject) -> None:
    """the log keeps only the readings still in the window: its memory stays flat"""
    requests, limit_bytes = 1600, 12 * 1024
    grown = subject.import_module(SUPPORT).log_memory_growth(requests)
    if type(grown) is not int:  # pragma: no cover - the support returns an int
        fail("could not measure the log's memory", expected="a number of bytes", got=show(grown),
             hint="Keep the log in plain Python objects (a list or a deque of floats).")
    expect_true(grown <= limit_bytes,
                f"SlidingWindowLog(limit=10, window=1) kept growing over {requests} requests (16 a second, "
                "10 of them admitted)",
                expected=f"at most {limit_bytes // 1024} KiB more after the run than before it",
                got=f"{grown / 1024:.0f} KiB more",
                hint="Drop the readings that have left the window on every call (a deque's popleft() from the "
                     "oldest end): a log that only filters them out when counting keeps every request forever.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_parameters_are_validated(subject: Subject) -> None:
    """a rate, capacity, limit or window that makes no sense raises ValueError"""
    module = subject.import_module(MODULE)
    clock = subject.import_module("swai.subject.fakes").FakeClock(0.0)
    cases = [("LeakyBucket", (0, 1)), ("LeakyBucket", (-2, 1)), ("LeakyBucket", (float("inf"), 1)),
             ("LeakyBucket", (2, 0)), ("SlidingWindowLog", (0, 1.0)), ("SlidingWindowLog", (3, 0)),
             ("SlidingWindowLog", (3, -1.0))]
    for class_name, args in cases:
        def build(class_name: str = class_name, args: tuple[Any, ...] = args) -> Any:
            return getattr(module, class_name)(*args, clock=clock)

        expect_raises("ValueError", build, f"{class_name}{args} must raise ValueError",
                      hint="Check the arguments in __init__: rate and window must be finite and above 0, capacity "
                           "and limit at least 1. Say which value is wrong in the message.")


# -- answers: measurements ------------------------------------------------------------------------

def _same(field: str, stated: Any, measured: Any) -> bool:
    if field == "rejected":
        return isinstance(stated, list) and isinstance(measured, list) and sorted(stated) == sorted(measured)
    if field == "longest_wait":
        return (type(stated) in (int, float) and type(measured) in (int, float)
                and abs(stated - measured) <= SECONDS_TOLERANCE)
    return type(stated) is int and type(measured) is int and stated == measured


def _shown(value: Any) -> str:
    return show(value, 200)


def _check_measured(subject: Subject, section: str, name: str, stated: dict[str, Any], fields: Sequence[str],
                    key: dict[str, Any]) -> None:
    """The learner's own class must reproduce the key; their stated numbers must be what it measures."""
    support = subject.import_module(SUPPORT)
    measured = support.trace_a_numbers(name) if section == "trace_a" else support.trace_b_numbers(name)
    trace = "trace A" if section == "trace_a" else "trace B"
    if not isinstance(measured, dict):  # pragma: no cover - the support returns a dict
        fail(f"could not measure your {LABELS[name]} on {trace}", got=show(measured),
             hint=IMPLEMENTATION_HINTS[name])
    for field in fields:
        if not _same(field, measured.get(field), key[field]):
            fail(f"your {LABELS[name]} handles {trace} differently from what the algorithm does: {field}",
                 expected=_shown(key[field]), got=_shown(measured.get(field)), hint=IMPLEMENTATION_HINTS[name])
    for field in fields:
        if not _same(field, stated[field], measured[field]):
            fail(f"{ANSWERS}: {section}.{name}.{field} is not what your own {LABELS[name]} measures on {trace}",
                 expected=f"{_shown(measured[field])} (the replay of {trace} through your code)",
                 got=_shown(stated[field]), hint=RERUN_HINT)


def _trace_a(subject: Subject, project: Path, name: str) -> None:
    answers = _answers(project, {"trace_a": _object({name: _object(TRACE_A_FIELDS)})})
    _check_measured(subject, "trace_a", name, answers["trace_a"][name], list(TRACE_A_FIELDS), KEY_A[name])


@pytest.mark.correctness
@pytest.mark.points(1)
@pytest.mark.hint(IMPLEMENTATION_HINTS["token_bucket"])
def test_trace_a_token_bucket(subject: Subject, project: Path) -> None:
    """trace A through your token bucket: what it refuses and how it hands requests on"""
    _trace_a(subject, project, "token_bucket")


@pytest.mark.correctness
@pytest.mark.points(1)
@pytest.mark.hint(IMPLEMENTATION_HINTS["leaky_bucket"])
def test_trace_a_leaky_bucket(subject: Subject, project: Path) -> None:
    """trace A through your leaky bucket: what it refuses and how it hands requests on"""
    _trace_a(subject, project, "leaky_bucket")


@pytest.mark.correctness
@pytest.mark.points(1)
@pytest.mark.hint(IMPLEMENTATION_HINTS["sliding_window_log"])
def test_trace_a_sliding_window_log(subject: Subject, project: Path) -> None:
    """trace A through your sliding window log: what it refuses and how it hands requests on"""
    _trace_a(subject, project, "sliding_window_log")


@pytest.mark.correctness
@pytest.mark.points(1)
@pytest.mark.hint(IMPLEMENTATION_HINTS["sliding_window_log"])
def test_trace_b_boundary_burst(subject: Subject, project: Path) -> None:
    """trace B around a window boundary: the fixed window against your sliding window log"""
    answers = _answers(project, {"trace_b": _object({name: _object(TRACE_B_FIELDS) for name in TRACE_B_LIMITERS})})
    fixed = answers["trace_b"]["fixed_window"]
    for field in TRACE_B_FIELDS:
        if not _same(field, fixed[field], KEY_B["fixed_window"][field]):
            fail(f"{ANSWERS}: trace_b.fixed_window.{field} is not what the given fixed window counter measures",
                 expected=f"{_shown(KEY_B['fixed_window'][field])} (what {EXPERIMENT} prints for it)",
                 got=_shown(fixed[field]), hint=RERUN_HINT)
    _check_measured(subject, "trace_b", "sliding_window_log", answers["trace_b"]["sliding_window_log"],
                    list(TRACE_B_FIELDS), KEY_B["sliding_window_log"])


# -- answers: choices and calculations ------------------------------------------------------------

CHOICE_HINTS = {
    "bursts_pass_at_once": "Look at most_at_once in your trace A numbers: a limiter that hands a burst on at once "
                           "has most_at_once above 1. List every such limiter.",
    "constant_output_rate": "Look at the times at which the experiment's trace A table hands requests on: whose are "
                            "1/rate apart whenever requests are waiting, however the requests arrived?",
    "same_admissions_as_token_bucket": "Compare the rejected lists of trace A, limiter by limiter.",
    "recovers_all_at_once": "Look at requests 6-11 and 24-27 of trace A: which limiter refused all of them, and "
                            "then admitted several requests at the same instant?",
    "boundary_burst": "Look at trace B: most_in_one_window of each limiter, against its limit of 4 per window.",
    "sliding_window_fix": "The log keeps the times of the requests themselves. At each new request, which "
                          "requests does it count?",
    "memory_grows_with_limit": "What does each limiter store per client: a count, two numbers, or one entry per "
                               "admitted request?",
}


def _check_choices(project: Path, names: Sequence[str], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    sections: dict[str, Any] = {"choices": _object({name: CHOICE_FIELDS[name] for name in names}), **(extra or {})}
    answers = _answers(project, sections)
    for name in names:
        stated, key = answers["choices"][name], KEY_CHOICES[name]
        right = set(stated) == key if isinstance(key, set) else stated == key
        if not right:
            measured = name not in ("sliding_window_fix", "memory_grows_with_limit")
            fail(f"{ANSWERS}: choices.{name} is not right",
                 expected="the answer your measurements support" if measured else "another of the listed choices",
                 got=show(stated), hint=CHOICE_HINTS[name])
    return answers


@pytest.mark.correctness
@pytest.mark.points(2)
def test_choices_bursts_and_smoothing(project: Path) -> None:
    """which limiter passes bursts on, which smooths them, which recovers all at once"""
    _check_choices(project, ["bursts_pass_at_once", "constant_output_rate", "same_admissions_as_token_bucket",
                             "recovers_all_at_once"])


@pytest.mark.correctness
@pytest.mark.points(1)
def test_choices_window_boundary(project: Path) -> None:
    """which limiter has the boundary burst, and how the sliding window prevents it"""
    _check_choices(project, ["boundary_burst", "sliding_window_fix"])


@pytest.mark.correctness
@pytest.mark.points(1)
def test_memory_cost(project: Path) -> None:
    """the memory a sliding window log and a token bucket need for a million clients"""
    answers = _check_choices(project, ["memory_grows_with_limit"],
                             {"memory": _object({name: MB for name in KEY_MEMORY_MB})})
    for name, key in KEY_MEMORY_MB.items():
        stated = answers["memory"][name]
        if abs(stated - key) > MB_TOLERANCE * key:
            fail(f"{ANSWERS}: memory.{name} is not right", expected="within 1% of the right figure",
                 got=f"{stated:g} MB",
                 hint="Count the bytes one client needs at the worst moment, times the number of clients. "
                      "1 MB is 1 000 000 bytes here, not 1 048 576.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_sliding_window_counter_estimate(project: Path) -> None:
    """the sliding window counter's estimate for the request at 75 s, and its decision"""
    answers = _answers(project, {"sliding_window_counter": _object({
        "estimate": {"type": "number", "minimum": 0, "description": "a number of requests, e.g. 42.5"},
        "admitted": {"type": "boolean", "description": "true or false"}})})
    stated = answers["sliding_window_counter"]
    if abs(stated["estimate"] - KEY_ESTIMATE) > ESTIMATE_TOLERANCE:
        fail(f"{ANSWERS}: sliding_window_counter.estimate is not right", expected="within 0.01 of the estimate",
             got=f"{stated['estimate']:g}",
             hint="The 60 seconds before the request cover the current window so far and the end of the previous "
                  "one: weight the previous window's count by the share of that window still inside them (not the "
                  "share already gone), and add the current count.")
    if stated["admitted"] is not KEY_COUNTER_ADMITS:
        fail(f"{ANSWERS}: sliding_window_counter.admitted does not follow from the estimate",
             expected="true if estimate + 1 <= 100, else false", got=show(stated["admitted"]),
             hint="The request is admitted when the estimate plus this request stays within the limit of 100.")
