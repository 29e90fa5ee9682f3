"""Grader for stage2/circuit-breaker: a circuit breaker with closed, open and half-open states.

Time comes from a FakeClock created in the subject process and passed as ``clock=``; state
changes are observed through a Recorder passed as ``on_state_change=``. A small model of the
specification (``BreakerModel``) gives the expected answer to every call.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from swai.grading import Figures, expect_equal, expect_raises, expect_true, fail
from swai.grading.perf import growth
from swai.grading.stateful import run_machine
from swai.subject import RemoteObject, Subject, SubjectError

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
DEFAULTS: dict[str, Any] = {"failure_threshold": 3, "reset_timeout": 10.0, "half_open_max_calls": 1,
                            "success_threshold": 1}
RULES = ("closed: failure_threshold consecutive failures open the breaker; open: after reset_timeout "
         "seconds it turns half_open; half_open: success_threshold successes close it, one failure re-opens it.")


class BreakerModel:
    """The specification in a few lines: every method first applies the open timeout."""

    def __init__(self, failure_threshold: int, reset_timeout: float, half_open_max_calls: int,
                 success_threshold: int) -> None:
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self.half_open_max_calls = half_open_max_calls
        self.success_threshold = success_threshold
        self.now = 0.0
        self.current = CLOSED
        self.failures = self.trials = self.successes = 0
        self.opened_at = 0.0
        self.transitions: list[list[str]] = []

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def _move_to(self, new: str) -> None:
        self.transitions.append([self.current, new])
        self.current = new
        if new == OPEN:
            self.opened_at = self.now
        elif new == HALF_OPEN:
            self.trials = self.successes = 0
        else:
            self.failures = 0

    def _refresh(self) -> None:
        if self.current == OPEN and self.now - self.opened_at >= self.reset_timeout:
            self._move_to(HALF_OPEN)

    def state(self) -> str:
        self._refresh()
        return self.current

    def try_acquire(self) -> bool:
        self._refresh()
        if self.current == CLOSED:
            return True
        if self.current == HALF_OPEN and self.trials < self.half_open_max_calls:
            self.trials += 1
            return True
        return False

    def record_success(self) -> None:
        self._refresh()
        if self.current == CLOSED:
            self.failures = 0
        elif self.current == HALF_OPEN:
            self.successes += 1
            if self.successes >= self.success_threshold:
                self._move_to(CLOSED)

    def record_failure(self) -> None:
        self._refresh()
        if self.current == CLOSED:
            self.failures += 1
            if self.failures >= self.failure_threshold:
                self._move_to(OPEN)
        elif self.current == HALF_OPEN:
            self._move_to(OPEN)


@dataclass
class Rig:
    """A learner's breaker wired to a fake clock and a recording listener, beside the model."""

    breaker: RemoteObject
    clock: RemoteObject
    listener: RemoteObject
    model: BreakerModel

    def do(self, step: str | tuple[str, float]) -> tuple[Any, Any]:
        """Run one step on both; return (learner's answer, model's answer)."""
        if isinstance(step, tuple):
            _, seconds = step
            self.clock.advance(seconds)
            self.model.advance(seconds)
            return None, None
        if step == "state":
            return self.breaker.attr("state"), self.model.state()
        return getattr(self.breaker, step)(), getattr(self.model, step)()


def new_rig(subject: Subject, **params: Any) -> Rig:
    fakes = subject.import_module("swai.subject.fakes")
    clock = fakes.FakeClock(0.0)
    listener = fakes.Recorder()
    settings = DEFAULTS | params
    breaker = subject.import_module("circuit_breaker").CircuitBreaker(**settings, clock=clock,
                                                                        on_state_change=listener)
    return Rig(breaker, clock, listener, BreakerModel(**settings))


def play(rig: Rig, steps: Sequence[str | tuple[str, float]], summary: str, hint: str, *,
         listener: bool = False) -> None:
    """Replay ``steps``, comparing every answer and the final state (and the listener's calls if asked)."""
    for step in steps:
        got, want = rig.do(step)
        expect_equal(got, want, summary, hint=hint)
    got, want = rig.do("state")
    expect_equal(got, want, summary, hint=hint)
    if listener:
        expect_equal(rig.listener.calls(), rig.model.transitions,
                     f"{summary} (on_state_change calls, as [old, new])", hint=hint)


# -- correctness: named scenarios -----------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(1)
def test_starts_closed_and_permits_calls(subject: Subject) -> None:
    """a new breaker is closed and permits every call"""
    rig = new_rig(subject)
    play(rig, ["state", "try_acquire", "try_acquire", "record_success", "try_acquire", "state"],
         "a new breaker should be closed and permit calls",
         "Start in the closed state; in closed, try_acquire() always returns True. "
         "state is the plain string 'closed', 'open' or 'half_open'.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_opens_at_failure_threshold(subject: Subject) -> None:
    """exactly failure_threshold consecutive failures open the breaker"""
    rig = new_rig(subject, failure_threshold=3)
    play(rig, ["record_failure", "record_failure", "state", "try_acquire", "record_failure", "state",
               "try_acquire"],
         "with failure_threshold=3 the breaker must open on the 3rd consecutive failure, not before or after",
         "Count consecutive failures in closed and open when the count reaches failure_threshold "
         "(>=, not >). While open, try_acquire() returns False.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_success_resets_failure_count(subject: Subject) -> None:
    """a success in closed resets the consecutive-failure count"""
    rig = new_rig(subject, failure_threshold=3)
    play(rig, ["record_failure", "record_failure", "record_success", "record_failure", "record_failure",
               "state", "record_failure", "state"],
         "only consecutive failures count: a success in between must start the count again",
         "record_success() in closed sets the failure count back to 0.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_open_until_reset_timeout(subject: Subject) -> None:
    """open rejects calls until reset_timeout has passed, then turns half_open"""
    rig = new_rig(subject, failure_threshold=1, reset_timeout=10.0)
    play(rig, ["record_failure", ("advance", 9.5), "state", "try_acquire", ("advance", 0.5), "state"],
         "the breaker must stay open for reset_timeout seconds and be half_open once exactly that much has passed",
         "Remember the clock time when the breaker opened; it is half_open as soon as "
         "clock() - opened_at >= reset_timeout (at exactly reset_timeout, too).")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_timeout_counts_from_opening(subject: Subject) -> None:
    """the open timeout is measured from the moment the breaker opened"""
    rig = new_rig(subject, failure_threshold=2, reset_timeout=10.0)
    play(rig, ["record_failure", ("advance", 6.0), "record_failure", ("advance", 5.0), "state", "try_acquire",
               ("advance", 5.0), "state"],
         "the breaker opened at t=6, so it must stay open until t=16",
         "Read the clock when the breaker opens (the failure that reaches the threshold), "
         "not at the first failure of the streak.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_half_open_limits_trial_calls(subject: Subject) -> None:
    """half_open permits at most half_open_max_calls trial calls"""
    rig = new_rig(subject, failure_threshold=1, half_open_max_calls=2, success_threshold=2)
    play(rig, ["record_failure", ("advance", 10.0), "try_acquire", "try_acquire", "try_acquire", "try_acquire",
               "state"],
         "with half_open_max_calls=2, only the first 2 try_acquire() calls in half_open may return True",
         "Count the trial calls permitted since the breaker turned half_open; refuse once the count "
         "reaches half_open_max_calls.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_success_threshold_closes(subject: Subject) -> None:
    """success_threshold successes in half_open close the breaker"""
    rig = new_rig(subject, failure_threshold=2, half_open_max_calls=3, success_threshold=2)
    play(rig, ["record_failure", "record_failure", ("advance", 10.0), "try_acquire", "record_success", "state",
               "try_acquire", "record_success", "state", "record_failure", "state", "record_failure", "state"],
         "with success_threshold=2, the 2nd success in half_open must close the breaker, with a fresh failure count",
         "Count successes since the breaker turned half_open; at success_threshold move to closed and "
         "reset the consecutive-failure count.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_half_open_failure_reopens(subject: Subject) -> None:
    """a failure in half_open re-opens the breaker and restarts the timeout"""
    rig = new_rig(subject, failure_threshold=1, half_open_max_calls=2, success_threshold=2, reset_timeout=10.0)
    play(rig, ["record_failure", ("advance", 10.0), "try_acquire", "record_success", ("advance", 3.0),
               "try_acquire", "record_failure", "state", "try_acquire", ("advance", 9.5), "state",
               ("advance", 0.5), "state", "try_acquire", "try_acquire", "try_acquire"],
         "a failure in half_open must re-open the breaker for a full reset_timeout from that moment",
         "In half_open, record_failure() moves to open and reads the clock again: the timeout restarts. "
         "The next half_open period gets a fresh allowance of trial calls.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_listener_reports_transitions(subject: Subject) -> None:
    """on_state_change(old, new) is called once per transition, in order"""
    rig = new_rig(subject, failure_threshold=2, reset_timeout=5.0)
    play(rig, ["record_failure", "record_success", "record_failure", "record_failure", "state", "record_failure",
               ("advance", 5.0), "state", "state", "try_acquire", "record_failure", "state", ("advance", 5.0),
               "try_acquire", "record_success", "state", "record_success"],
         "on_state_change must be called exactly once for each change of state, as on_state_change(old, new)",
         "Call the listener in one place, where the state actually changes, with the old state first. "
         "Staying in the same state is not a transition.", listener=True)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_call_wraps_a_callable(subject: Subject) -> None:
    """call(fn, *args) runs fn when permitted, records its outcome, else raises CircuitOpenError"""
    rig = new_rig(subject, failure_threshold=2, reset_timeout=10.0)
    fn = subject.import_module("swai.subject.fakes").Recorder(raise_on=["boom"], returns="result")
    hint = ("call() asks try_acquire(); if refused it raises CircuitOpenError without calling fn; otherwise it "
            "calls fn(*args), records a success and returns fn's result, or records a failure and re-raises.")
    expect_equal(rig.breaker.call(fn, "ok", 1), "result", "call(fn, *args) should return what fn returned",
                 hint=hint)
    expect_equal(fn.calls(), [["ok", 1]], "call(fn, 'ok', 1) should call fn('ok', 1) once", hint=hint)
    err = expect_raises("RuntimeError", lambda: rig.breaker.call(fn, "boom"),
                        "call() must let fn's own exception propagate unchanged", hint=hint)
    expect_true("injected failure" in err.message, "call() must re-raise fn's exception, not a new one",
                expected="RuntimeError: injected failure for 'boom'", got=str(err), hint=hint)
    rig.breaker.call(fn, "ok", 2)
    expect_equal(rig.breaker.attr("state"), CLOSED, "a success through call() resets the failure count",
                 hint=hint)
    for _ in range(2):
        expect_raises("RuntimeError", lambda: rig.breaker.call(fn, "boom"),
                      "call() must let fn's own exception propagate unchanged", hint=hint)
    expect_equal(rig.breaker.attr("state"), OPEN, "two failures through call() should open the breaker",
                 hint=hint)
    calls_before = fn.count()
    err = expect_raises("CircuitOpenError", lambda: rig.breaker.call(fn, "ok", 3),
                        "call() on an open breaker must raise CircuitOpenError", hint=hint)
    expect_true("Exception" in err.mro, "CircuitOpenError should be an Exception subclass",
                expected="class CircuitOpenError(Exception)", got=" -> ".join(err.mro), hint=hint)
    expect_equal(fn.count(), calls_before, "call() on an open breaker must not call fn", hint=hint)
    rig.clock.advance(10.0)
    expect_equal(rig.breaker.call(fn, "ok", 4), "result", "call() in half_open should run fn as the trial call",
                 hint=hint)
    expect_equal(rig.breaker.attr("state"), CLOSED, "a successful trial through call() should close the breaker",
                 hint=hint)
    expect_equal(rig.listener.calls(), [[CLOSED, OPEN], [OPEN, HALF_OPEN], [HALF_OPEN, CLOSED]],
                 "call() should drive the same transitions as try_acquire() and record_*()", hint=hint)


BAD_PARAMETERS: list[tuple[dict[str, Any], str, str]] = [
    ({"failure_threshold": 0}, "ValueError", "0"),
    ({"failure_threshold": -2}, "ValueError", "-2"),
    ({"failure_threshold": 2.5}, "TypeError", ""),
    ({"failure_threshold": "3"}, "TypeError", ""),
    ({"failure_threshold": True}, "TypeError", ""),
    ({"half_open_max_calls": 0}, "ValueError", "0"),
    ({"half_open_max_calls": True}, "TypeError", ""),
    ({"success_threshold": 0}, "ValueError", "0"),
    ({"success_threshold": 3, "half_open_max_calls": 2}, "ValueError", "3"),
    ({"reset_timeout": 0}, "ValueError", "0"),
    ({"reset_timeout": -1.5}, "ValueError", "-1.5"),
    ({"reset_timeout": float("nan")}, "ValueError", "nan"),
    ({"reset_timeout": float("inf")}, "ValueError", "inf"),
    ({"reset_timeout": "10"}, "TypeError", ""),
    ({"reset_timeout": None}, "TypeError", ""),
    ({"reset_timeout": True}, "TypeError", ""),
    ({"clock": 12.0}, "TypeError", ""),
    ({"on_state_change": "print"}, "TypeError", ""),
]


@pytest.mark.correctness
@pytest.mark.points(1)
def test_parameters_are_validated(subject: Subject) -> None:
    """bad constructor arguments raise TypeError or ValueError naming the value"""
    module = subject.import_module("circuit_breaker")
    for bad, error, named in BAD_PARAMETERS:
        shown = ", ".join(f"{k}={v!r}" for k, v in bad.items())
        hint = ("Check every argument in the constructor: counts are ints >= 1 (bool rejected), "
                "success_threshold <= half_open_max_calls, reset_timeout a finite number > 0, "
                "clock and on_state_change callable. Wrong type: TypeError; wrong value: ValueError.")
        err = expect_raises(error, lambda bad=bad: module.CircuitBreaker(**bad),
                            f"CircuitBreaker({shown}) must raise {error}", hint=hint)
        if named:
            expect_true(named in err.message, f"the ValueError for CircuitBreaker({shown}) should name the value",
                        expected=f"a message mentioning {named}", got=repr(err.message),
                        hint="Say what was wrong, e.g. f\"failure_threshold must be at least 1, got {value}\".")
    breaker = module.CircuitBreaker(failure_threshold=1, reset_timeout=2)  # an int is fine; defaults fill the rest
    expect_equal(breaker.attr("state"), CLOSED, "CircuitBreaker(failure_threshold=1, reset_timeout=2) should work",
                 hint="reset_timeout may be an int or a float; every parameter has a default.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_call_rejects_non_callable(subject: Subject) -> None:
    """call() with a non-callable raises TypeError and uses no trial call"""
    rig = new_rig(subject, failure_threshold=1, half_open_max_calls=1)
    rig.breaker.record_failure()
    rig.clock.advance(10.0)
    hint = "Check callable(fn) first, before try_acquire(): a programming error is not a failure of the dependency."
    for bad in (42, None):
        expect_raises("TypeError", lambda bad=bad: rig.breaker.call(bad), f"call({bad!r}) must raise TypeError",
                      hint=hint)
    expect_equal(rig.breaker.attr("state"), HALF_OPEN, "a rejected call() must not change the state", hint=hint)
    expect_equal(rig.breaker.try_acquire(), True, "a rejected call() must not use up the half_open trial call",
                 hint=hint)


# -- correctness: a stateful property test against the model -------------------------------

class BreakerMachine(RuleBasedStateMachine):
    subject: Subject
    rig: Rig
    fn: RemoteObject
    fn_calls: int

    @initialize(failure_threshold=st.integers(1, 3), reset_timeout=st.sampled_from([1.0, 2.0, 3.0]),
                half_open_max_calls=st.integers(1, 3), success_threshold=st.integers(1, 3))
    def create(self, failure_threshold: int, reset_timeout: float, half_open_max_calls: int,
               success_threshold: int) -> None:
        self.rig = new_rig(self.subject, failure_threshold=failure_threshold, reset_timeout=reset_timeout,
                           half_open_max_calls=half_open_max_calls,
                           success_threshold=min(success_threshold, half_open_max_calls))
        self.fn = self.subject.import_module("swai.subject.fakes").Recorder(raise_on=["boom"], returns="result")
        self.fn_calls = 0

    def compare(self, step: str) -> None:
        got, want = self.rig.do(step)
        expect_equal(got, want, f"{step} disagrees with the rules after the calls above", hint=RULES)

    @rule()
    def try_acquire(self) -> None:
        self.compare("try_acquire")

    @rule()
    def record_success(self) -> None:
        self.compare("record_success")

    @rule()
    def record_failure(self) -> None:
        self.compare("record_failure")

    @rule(seconds=st.sampled_from([0.5, 1.0, 2.0]))
    def advance(self, seconds: float) -> None:
        self.rig.do(("advance", seconds))

    @rule(ok=st.booleans())
    def call(self, ok: bool) -> None:
        arg = "ok" if ok else "boom"
        if not self.rig.model.try_acquire():
            want = "raised CircuitOpenError"
        else:
            self.fn_calls += 1
            want = "returned 'result'" if ok else "raised RuntimeError"
            if ok:
                self.rig.model.record_success()
            else:
                self.rig.model.record_failure()
        try:
            got = f"returned {self.rig.breaker.call(self.fn, arg)!r}"
        except SubjectError as exc:
            got = f"raised {exc.type_name}" if not exc.is_a(want.removeprefix("raised ")) else want
        if got != want:
            fail(f"call(fn, {arg!r}) disagrees with the rules after the calls above (fn returns 'result' or, "
                 "for 'boom', raises RuntimeError)", expected=want, got=got,
                 hint="call() raises CircuitOpenError when try_acquire() refuses; otherwise it runs fn, records the "
                      "outcome and returns fn's result or re-raises its exception. " + RULES)

    @rule()
    def state(self) -> None:
        self.compare("state")
        expect_equal(self.rig.listener.calls(), self.rig.model.transitions,
                     "on_state_change calls ([old, new]) disagree with the calls above",
                     hint="Call the listener exactly once per change of state, with (old, new). " + RULES)
        expect_equal(self.fn.count(), self.fn_calls, "call() ran fn a different number of times than permitted",
                     hint="call() runs fn exactly when try_acquire() permits it.")


@pytest.mark.correctness
@pytest.mark.points(4)
def test_behaves_like_the_model(subject: Subject) -> None:
    """random sequences of calls, outcomes and clock moves agree with a model breaker"""

    class Machine(BreakerMachine):
        pass

    Machine.subject = subject
    run_machine(subject, Machine, max_examples=60, steps=30)


# -- performance ----------------------------------------------------------------------------

@pytest.mark.performance
@pytest.mark.points(2)
def test_cost_per_call_does_not_grow(subject: Subject, figures: Figures) -> None:
    """the cost of a call does not grow with the number of calls already made"""
    n, factor, max_ratio, per_round = 1000, 8, 4.0, 400
    pattern = [("try_acquire", ()), ("record_failure", ()), ("try_acquire", ()), ("record_success", ())]

    def setup(size: int) -> tuple[RemoteObject, Any]:
        rig = new_rig(subject, failure_threshold=3)
        subject.batch(rig.breaker, pattern * (size // len(pattern)))  # `size` earlier calls, never opening

        def calls(round_: int) -> list[tuple[str, tuple[()]]]:
            return pattern * (per_round // len(pattern))

        return rig.breaker, calls

    result = growth(subject, setup, n=n, factor=factor, max_ratio=max_ratio)
    figures.record(f"time per call after {factor}n earlier calls / after n (n={n})", result.ratio,
                   threshold=max_ratio, better="lower", unit="x")
    if result.ratio > max_ratio:
        fail("try_acquire()/record_*() get slower the more calls the breaker has seen",
             expected=f"time per call after {n * factor} earlier calls at most {max_ratio:g}x the time after {n} "
                      "(counters stay near 1x)",
             got=f"{result.ratio:.1f}x ({result.small_s * 1e6:.2f} µs -> {result.large_s * 1e6:.2f} µs per call)",
             hint="Keep counters (consecutive failures, trial calls, successes) and one timestamp, not a list of "
                  "every outcome: a history grows forever and costs more to scan with every call.")


# -- faults -----------------------------------------------------------------------------------

def thread_errors(plans: Sequence[Sequence[tuple[str, tuple[Any, ...]]]], errors: list[Any]) -> None:
    for index, error in enumerate(errors):
        if error is not None:
            call = plans[index][error["index"]]
            err = error["error"]
            where = "".join(f"\n      {f['file']}:{f['line']} in {f['function']}: {f['code']}" for f in err["frames"])
            fail("Concurrent calls made your breaker raise an exception",
                 expected="no exception from any thread",
                 got=f"thread {index} raised {err['type']}: {err['message']} in {call[0]}{call[1]}{where}",
                 hint="Guard every method with one lock (threading.Lock or RLock).")


def turns(round_: int) -> int | None:
    """Every fifth round takes seeded turns inside the breaker's code (the same interleavings on a busy
    machine); the others run free, preempted wherever the interpreter switches."""
    return round_ if round_ % 5 == 4 else None


@pytest.mark.faults
@pytest.mark.points(3)
def test_eight_threads_get_only_the_trial_calls(subject: Subject) -> None:
    """8 threads at once as the breaker turns half_open: exactly half_open_max_calls get through"""
    fakes = subject.import_module("swai.subject.fakes")
    functools = subject.import_module("functools")
    module = subject.import_module("circuit_breaker")
    threads, per_thread = 8, 80
    hint = ("Take one lock around the whole of try_acquire(): the check that the open timeout has passed, the "
            "move to half_open (with its listener call), and the check-and-count of trial calls. Otherwise two "
            "threads can both move the breaker to half_open, each with a fresh allowance of trial calls.")
    for round_ in range(45):
        trials = 1 + round_ % 3
        fake = fakes.FakeClock(0.0)
        clock = functools.partial(fake.attr("advance"), 0.001)  # every read of the clock moves it 1 ms on
        listener = fakes.Recorder()
        breaker = module.CircuitBreaker(failure_threshold=1, reset_timeout=0.05, half_open_max_calls=trials,
                                        success_threshold=trials, clock=clock, on_state_change=listener)
        breaker.record_failure()
        plans = [[("try_acquire", ())] * per_thread for _ in range(threads)]
        results, errors = subject.threads(breaker, plans, interleave=turns(round_))
        thread_errors(plans, errors)
        admitted = sum(1 for got in results for value in got if value is True)
        summary = (f"{threads} threads called try_acquire() {per_thread} times each while the open timeout ran "
                   f"out (clock: 1 ms later at every read, reset_timeout=0.05, half_open_max_calls={trials})")
        if admitted != trials:
            fail(summary, expected=f"exactly {trials} calls admitted", got=f"{admitted} admitted", hint=hint)
        expect_equal(listener.calls(), [[CLOSED, OPEN], [OPEN, HALF_OPEN]],
                     f"{summary}: the listener should see one move to open and one to half_open", hint=hint)
        expect_equal(breaker.attr("state"), HALF_OPEN, f"{summary}: the breaker should end half_open", hint=hint)


ALLOWED = {(CLOSED, OPEN), (OPEN, HALF_OPEN), (HALF_OPEN, OPEN), (HALF_OPEN, CLOSED)}


@pytest.mark.faults
@pytest.mark.points(2)
def test_eight_threads_cycling_report_each_transition_once(subject: Subject) -> None:
    """8 threads driving it through many cycles: each transition happens once and is reported in order"""
    fakes = subject.import_module("swai.subject.fakes")
    functools = subject.import_module("functools")
    module = subject.import_module("circuit_breaker")
    threads, per_thread = 8, 150
    hint = ("Check the state, change it and call the listener in one step under the breaker's lock: then no "
            "other thread can make the same move a second time, and the listener hears the moves in order.")
    for round_ in range(25):
        rng = random.Random(round_)
        fake = fakes.FakeClock(0.0)
        clock = functools.partial(fake.attr("advance"), 0.001)  # every read of the clock moves it 1 ms on
        listener = fakes.Recorder()
        breaker = module.CircuitBreaker(failure_threshold=3, reset_timeout=0.02, half_open_max_calls=2,
                                        success_threshold=2, clock=clock, on_state_change=listener)
        plans = [[rng.choice([("try_acquire", ()), ("try_acquire", ()), ("record_failure", ()),
                              ("record_success", ())]) for _ in range(per_thread)] for _ in range(threads)]
        _, errors = subject.threads(breaker, plans, interleave=turns(round_))
        thread_errors(plans, errors)
        final = breaker.attr("state")
        heard = listener.calls()
        summary = (f"{threads} threads each made {per_thread} random calls of try_acquire/record_success/"
                   "record_failure (clock: 1 ms later at every read, reset_timeout=0.02): on_state_change")
        previous = CLOSED
        for number, call in enumerate(heard, start=1):
            if len(call) != 2 or call[0] != previous or (call[0], call[1]) not in ALLOWED:
                shown = "; ".join(f"#{n}: {tuple(c)!r}" for n, c in enumerate(heard, start=1)
                                  if number - 3 < n <= number)
                fail(f"{summary} call #{number} is not a move out of the state the breaker was in",
                     expected=f"call #{number} to be a move out of {previous!r}, one of closed->open, "
                              "open->half_open, half_open->open, half_open->closed",
                     got=shown, hint=hint)
            previous = call[1]
        if previous != final:
            fail(f"{summary} did not hear the last transition(s)",
                 expected=f"the last call to move to {final!r}, the state afterwards",
                 got=f"the last call moved to {previous!r} ({len(heard)} calls)", hint=hint)


@pytest.mark.faults
@pytest.mark.points(1)
def test_failing_listener_does_not_break_it(subject: Subject) -> None:
    """a listener that raises does not stop or undo a transition"""
    fakes = subject.import_module("swai.subject.fakes")
    clock = fakes.FakeClock(0.0)
    listener = fakes.Recorder(raise_on=[CLOSED, OPEN, HALF_OPEN])  # raises on every call
    breaker = subject.import_module("circuit_breaker").CircuitBreaker(
        failure_threshold=1, reset_timeout=10.0, clock=clock, on_state_change=listener)
    hint = ("Change the state first, then call the listener inside try/except Exception and log what it raised: "
            "a bug in a monitoring hook must not change what the breaker does.")

    def quietly(action: Callable[[], Any], what: str) -> Any:
        try:
            return action()
        except SubjectError as exc:
            fail(f"{what} raised although only the listener failed", expected="no exception from the breaker",
                 got=str(exc), hint=hint)

    expect_equal(quietly(breaker.record_failure, "record_failure()"), None,
                 "record_failure() should return None", hint=hint)
    expect_equal(quietly(lambda: breaker.attr("state"), "state"), OPEN,
                 "the move to open must stand although the listener raised", hint=hint)
    expect_equal(quietly(breaker.try_acquire, "try_acquire()"), False,
                 "an open breaker refuses calls, whatever the listener did", hint=hint)
    clock.advance(10.0)
    expect_equal(quietly(breaker.try_acquire, "try_acquire()"), True,
                 "after reset_timeout the trial call must be permitted", hint=hint)
    expect_equal(quietly(breaker.record_success, "record_success()"), None,
                 "record_success() should return None", hint=hint)
    expect_equal(quietly(lambda: breaker.attr("state"), "state"), CLOSED,
                 "the move to closed must stand although the listener raised", hint=hint)
    expect_equal(listener.calls(), [[CLOSED, OPEN], [OPEN, HALF_OPEN], [HALF_OPEN, CLOSED]],
                 "the listener must still be told about every transition", hint=hint)
