"""Grader for stage2/rate-limiter: a token-bucket rate limiter with an injectable clock.

Every check but the speed check drives the bucket with a FakeClock created in the learner's
process, so time moves only when the grader says and every verdict is exact.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule
from rate_limiter_grading import (
    CLASS,
    EPS,
    MODULE,
    REFILL_HINT,
    Bucket,
    BucketModel,
    fmt,
    new_bucket,
    new_clock,
    run_scenario,
)

from swai.grading import Figures, expect_equal, expect_raises, expect_true, fail
from swai.grading.perf import check_speed
from swai.grading.stateful import run_machine
from swai.subject import Subject
from swai.subject.client import Call, show

THREADS = 8

# -- correctness: named scenarios ---------------------------------------------------------------


@pytest.mark.correctness
@pytest.mark.points(1)
def test_starts_full(subject: Subject) -> None:
    """a new bucket is full: burst requests pass at once, the next one waits"""
    run_scenario(subject, 1, 4, [("wait_time", 4), ("allow", None), ("allow", 1), ("allow", 2), ("allow", 1),
                                 ("wait_time", None)],
                 "a new bucket must start full, with burst tokens",
                 "Set tokens = burst in the constructor: a fresh limiter lets a burst through at once.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_refills_at_rate(subject: Subject) -> None:
    """an empty bucket gains rate tokens per second"""
    steps = [("allow", 4), ("allow", 1), ("advance", 0.5), ("allow", 1), ("allow", 1), ("allow", 1),
             ("advance", 0.25), ("allow", 1), ("allow", 1), ("advance", 0.75), ("allow", 3), ("allow", 1)]
    run_scenario(subject, 4, 4, steps, "allow() disagrees with a bucket refilling at 4 tokens per second",
                 REFILL_HINT)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_fractions_of_a_token_add_up(subject: Subject) -> None:
    """a slow trickle refills: a quarter token per call adds up to a whole one"""
    quarter = [("advance", 0.25), ("allow", 1)] * 4  # rate 1: four quarters make one token
    eighths = [("advance", 0.125), ("wait_time", 1), ("allow", 1)] * 8
    sixteenths = [("advance", 0.0625), ("allow", 1)] * 16  # rate 3: 3/16 of a token per step
    summary = "the bucket went wrong while it earned a fraction of a token between calls"
    hint = (REFILL_HINT + " Keep tokens a float: int(elapsed * rate) with last = now throws the fraction away, "
            "and a slow trickle never refills. Store the reading on every call, or the same seconds count again.")
    run_scenario(subject, 1, 1, [("allow", 1), *quarter, *eighths], summary, hint)
    run_scenario(subject, 3, 2, [("allow", 2), *sixteenths], summary, hint)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_idle_bucket_caps_at_burst(subject: Subject) -> None:
    """after a long idle time the bucket holds burst tokens, not more"""
    steps = [("advance", 1000.0), ("allow", 1), ("allow", 1), ("allow", 1), ("allow", 1), ("wait_time", 1),
             ("allow", 2), ("advance", 3600.0), ("allow", 3), ("allow", 1)]
    run_scenario(subject, 10, 3, steps, "an idle bucket let more than burst requests through at once",
                 "Cap the refill: tokens = min(burst, tokens + elapsed * rate). The bucket's size bounds "
                 "every burst, however long it was idle.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_allow_n_takes_n_tokens(subject: Subject) -> None:
    """allow(n) takes n tokens if there are n, and otherwise takes none"""
    steps = [("allow", 3), ("allow", 3), ("allow", 2), ("allow", 1), ("advance", 2.5), ("allow", 3),
             ("wait_time", 3), ("allow", 2), ("advance", 4.0), ("allow", 5), ("advance", 1.0), ("allow", 2),
             ("allow", 1)]
    run_scenario(subject, 1, 5, steps, "allow(n) took the wrong number of tokens",
                 "Compare tokens >= n (not >= 1) and subtract n only when the request passes; a refused "
                 "request takes nothing.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_wait_time(subject: Subject) -> None:
    """wait_time(n) is the time until n tokens, counting fractions, and takes nothing"""
    steps = [("wait_time", None), ("wait_time", 4), ("allow", 4), ("wait_time", 1), ("wait_time", 4),
             ("advance", 0.25), ("wait_time", 1), ("wait_time", 3), ("allow", 1), ("advance", 0.25),
             ("wait_time", 1), ("wait_time", 1), ("allow", 1), ("wait_time", 1), ("advance", 0.375),
             ("wait_time", 2)]
    hint = ("wait_time(n) = (n - tokens) / rate after the refill, with the fraction of a token counted, "
            "and 0.0 when n tokens are there. It only looks: it must not take tokens.")
    bucket = run_scenario(subject, 2, 4, steps, "wait_time() is wrong", hint)
    summary = "waiting exactly wait_time(n) seconds must be enough for allow(n)"
    for n in (3, 1, 4):  # rate 2: every wait is a binary fraction, so the sums are exact
        bucket.advance(bucket.wait_time(n, summary, hint))
        bucket.model.refill(bucket.now)
        expect_equal(bucket.obj.allow(n), True, summary, hint=hint)
        bucket.model.settle(n, True)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_polling_changes_nothing(subject: Subject) -> None:
    """refused calls neither lose the time that passed nor count it twice"""
    poll = [("advance", 0.125), ("wait_time", 1), ("allow", 1)] * 40  # 5 s at rate 2: ten admissions
    hint = ("Every call, admitted or not, must store the refilled tokens AND the time it read, together. "
            "Moving the time only on success counts the same seconds again on every refused call; "
            "moving it without storing the tokens throws them away.")
    run_scenario(subject, 2, 1, [("allow", 1), *poll], "calling allow() while the bucket is empty changed "
                 "how many requests got through", hint)
    retry = [("advance", 0.0625), ("allow", 2)] * 64  # rate 1, burst 2: a request of 2 every 2 s
    run_scenario(subject, 1, 2, [("allow", 2), *retry], "retrying allow(2) while the bucket refills changed "
                 "how many requests got through", hint)


class BucketMachine(RuleBasedStateMachine):
    """Random calls on a bucket and on the model, with a FakeClock moving forward and back."""

    subject: Subject
    bucket: Bucket
    summary = "{call} disagrees with the token bucket rule after the calls above"
    hint = (REFILL_HINT + " A clock that went backwards adds nothing and becomes the new reference point. "
            "allow(n) takes n tokens or none; wait_time(n) = (n - tokens) / rate, or 0.0.")

    @initialize(rate=st.sampled_from([0.5, 1, 2, 3, 10]), burst=st.integers(1, 4),
                start=st.sampled_from([0.0, 1000.0]))
    def create(self, rate: float, burst: int, start: float) -> None:
        self.bucket = new_bucket(self.subject, rate, burst, start=start)

    @rule(seconds=st.sampled_from([0.0625, 0.25, 0.5, 1.0, 2.5, 60.0]))
    def advance(self, seconds: float) -> None:
        self.bucket.advance(seconds)

    @rule(seconds=st.sampled_from([0.5, 3.0, 100.0]))
    def jump_back(self, seconds: float) -> None:
        self.bucket.set(self.bucket.now - seconds)

    def too_many(self, method: str, n: int) -> bool:
        """n > burst can never be satisfied: both methods must raise ValueError."""
        if n <= self.bucket.burst:
            return False
        expect_raises("ValueError", lambda: getattr(self.bucket.obj, method)(n),
                      f"{method}({n}) with burst {self.bucket.burst} can never be satisfied",
                      hint="Raise ValueError for n > burst: no amount of waiting fills the bucket past burst.")
        return True

    @rule(n=st.integers(1, 5))
    def allow(self, n: int) -> None:
        if not self.too_many("allow", n):
            self.bucket.allow(n, self.summary.format(call=f"allow({n})"), self.hint)

    @rule()
    def allow_default(self) -> None:
        self.bucket.allow(1, self.summary.format(call="allow()"), self.hint, default=True)

    @rule(n=st.integers(1, 5))
    def wait_time(self, n: int) -> None:
        if not self.too_many("wait_time", n):
            self.bucket.wait_time(n, self.summary.format(call=f"wait_time({n})"), self.hint)


@pytest.mark.correctness
@pytest.mark.points(4)
def test_behaves_like_the_model(subject: Subject) -> None:
    """random allow/wait_time calls and clock moves agree with a model bucket"""

    class Machine(BucketMachine):
        pass

    Machine.subject = subject
    run_machine(subject, Machine, max_examples=100, steps=15)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_never_exceeds_rate_over_any_window(subject: Subject) -> None:
    """over any window of time, at most burst + rate × its length is admitted"""
    for seed, (rate, burst) in enumerate([(4, 3), (0.5, 2), (40, 10)]):
        rng = random.Random(seed)
        bucket = new_bucket(subject, rate, burst)
        times: list[float] = []
        admitted: list[int] = []
        for _ in range(100):
            bucket.advance(rng.choice([0.0, 0.0, 1 / 64, 1 / 16, 1 / 16, 0.125, 0.25, 0.5, 1.0, 4.0]))
            took = 0
            for _ in range(rng.randint(1, 3)):
                n = rng.randint(1, burst)
                if rng.random() < 0.3:
                    bucket.obj.wait_time(n)
                elif bucket.obj.allow(n) is True:
                    took += n
            times.append(bucket.now)
            admitted.append(took)
            check_windows_ending_now(times, admitted, bucket.rate, burst)


def check_windows_ending_now(times: list[float], admitted: list[int], rate: Fraction, burst: int) -> None:
    """Every window [times[i], times[-1]] admitted at most burst + rate × its length."""
    end, total = len(times) - 1, 0
    for start in range(end, -1, -1):
        total += admitted[start]
        length = Fraction(times[end]) - Fraction(times[start])
        limit = burst + rate * length
        if total > limit + EPS:
            fail(f"in the {fmt(length)} s from clock {fmt(times[start])} to {fmt(times[end])}, allow() admitted "
                 f"{total} tokens' worth of requests",
                 expected=f"at most burst + rate × {fmt(length)} s = {burst} + {fmt(rate)} × {fmt(length)} = "
                          f"{fmt(limit)}",
                 got=str(total),
                 hint="Tokens come from two places only: the bucket's starting fill (at most burst) and rate "
                      "tokens per second of clock time. Look for time counted twice (last reading not stored on "
                      "every call) or a refill that is not capped at burst.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_constructor_is_validated(subject: Subject) -> None:
    """bad rate, burst or clock: ValueError or TypeError naming the value"""
    cls = getattr(subject.import_module(MODULE), CLASS)
    clock = new_clock(subject)
    value_hint = ("rate must be a finite number above 0 and burst an int of at least 1; "
                  "say what was wrong, e.g. f\"burst must be at least 1, got {burst}\".")
    for rate, burst in ((0, 1), (-2.5, 1), (1, 0), (1, -3)):
        err = expect_raises("ValueError", lambda r=rate, b=burst: cls(r, b, clock=clock),
                            f"{CLASS}({rate}, {burst}) must be rejected", hint=value_hint)
        bad = rate if rate <= 0 else burst
        expect_true(str(bad) in err.message, f"the ValueError for {CLASS}({rate}, {burst}) should name {bad}",
                    expected=f"a message mentioning {bad}", got=repr(err.message), hint=value_hint)
    for rate in (float("nan"), float("inf")):
        expect_raises("ValueError", lambda r=rate: cls(r, 1, clock=clock), f"{CLASS}({rate}, 1) must be rejected",
                      hint="Check math.isfinite(rate): nan fails every comparison, so `rate <= 0` lets it through.")
    type_hint = ("rate is an int or a float, burst an int; check with isinstance and reject bool explicitly "
                 "(True is an int in Python, but TokenBucket(True, 1) is a bug).")
    wrong_types: tuple[tuple[object, object], ...] = (("5", 1), (None, 1), (True, 1), (1, 2.5), (1, "3"),
                                                      (1, None), (1, True))
    for bad_rate, bad_burst in wrong_types:
        expect_raises("TypeError", lambda r=bad_rate, b=bad_burst: cls(r, b, clock=clock),
                      f"{CLASS}({bad_rate!r}, {bad_burst!r}) must be rejected", hint=type_hint)
    for bad_clock in (5, None, "monotonic"):
        expect_raises("TypeError", lambda c=bad_clock: cls(1, 1, clock=c),
                      f"{CLASS}(1, 1, clock={bad_clock!r}) must be rejected",
                      hint="clock must be callable (check with callable(clock)); fail in the constructor, not "
                           "on the first allow().")
    for rate, burst in ((2, 1), (0.5, 3), (1e6, 10**6)):
        bucket = cls(rate, burst, clock=clock)
        expect_equal(bucket.allow(), True, f"{CLASS}({rate}, {burst}) is valid and starts full",
                     hint="Accept any int or float rate above 0 and any int burst of at least 1.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_requests_are_validated(subject: Subject) -> None:
    """allow(n) and wait_time(n) reject n < 1, n > burst and non-int n, taking nothing"""
    bucket = new_bucket(subject, 1, 3)
    for method in ("allow", "wait_time"):
        call = getattr(bucket.obj, method)
        for n in (0, -1):
            expect_raises("ValueError", lambda n=n, call=call: call(n), f"{method}({n}) must be rejected",
                          hint="n must be at least 1: raise ValueError naming it.")
        err = expect_raises("ValueError", lambda call=call: call(4),
                            f"{method}(4) with burst 3 can never be satisfied and must be rejected",
                            hint="The bucket never holds more than burst tokens, so no wait is long enough: "
                                 "raise ValueError instead of answering False or a wait that will not work.")
        expect_true("4" in err.message, f"the ValueError for {method}(4) should name the value",
                    expected="a message mentioning 4", got=repr(err.message),
                    hint="Say what was wrong, e.g. f\"n = {n} is more than burst = {burst}\".")
        for bad_n in (1.0, True, "1", None):
            expect_raises("TypeError", lambda b=bad_n, call=call: call(b), f"{method}({bad_n!r}) must be rejected",
                          hint="n must be an int: check with isinstance and reject bool explicitly.")
    hint = "Validate n before touching the bucket: a rejected call takes no tokens."
    bucket.wait_time(3, "rejected calls must leave the bucket full", hint)
    bucket.allow(3, "rejected calls must leave the bucket full", hint)


# -- performance --------------------------------------------------------------------------------

MIN_SPEED = 0.02  # calls per calibration round: the reference reaches about 0.2 (0.1 at worst, busy)


@pytest.mark.performance
@pytest.mark.points(2)
def test_calls_take_constant_time(subject: Subject, figures: Figures) -> None:
    """allow() and wait_time() are O(1), however many tokens a refill adds"""
    # A clock that moves 1 s forward on every reading (itertools.count's __next__): the call after
    # allow(2000) empties the bucket refills 2000 tokens, which must be one multiplication, not one
    # step per token.
    ticking = subject.import_module("itertools").count(0.0, 1.0).attr("__next__")
    bucket = getattr(subject.import_module(MODULE), CLASS)(2000, 2000, clock=ticking)
    calls: list[Call] = [("allow", (1,)), ("wait_time", (1,)), ("allow", (2000,))] * 200
    check_speed(subject, figures, bucket, calls, operation="allow/wait_time", min_speed=MIN_SPEED,
                hint="Each call must do a fixed amount of work: add elapsed * rate tokens in one step "
                     "(capped at burst), no loop per token or per past request. The clock in this check moves "
                     "1 s forward on every reading, so the call after allow(2000) has 2000 tokens to add.")


# -- faults: threads and clocks -----------------------------------------------------------------


def check_thread_errors(plans: list[list[Call]], errors: list[Any]) -> None:
    for index, error in enumerate(errors):
        if error is not None:
            method, args = plans[index][error["index"]]
            err = error["error"]
            where = "".join(f"\n      {f['file']}:{f['line']} in {f['function']}: {f['code']}" for f in err["frames"])
            fail("Concurrent calls made your bucket raise an exception", expected="no exception from any thread",
                 got=f"thread {index} raised {err['type']}: {err['message']} in {method}{tuple(args)}{where}",
                 hint="Guard the refill, the check and the take with one threading.Lock.")


def count_admitted(plans: list[list[Call]], results: list[list[Any]]) -> int:
    """Tokens taken by the threads' allow() calls; wait_time() answers must be plain seconds."""
    taken = 0
    for plan, answers in zip(plans, results, strict=True):
        for (method, args), answer in zip(plan, answers, strict=True):
            if method == "allow":
                if type(answer) is not bool:
                    fail("allow() returned something other than a bool under concurrency", expected="True or False",
                         got=show(answer), hint="allow() returns True or False, also when called from threads.")
                taken += args[0] if answer else 0
            elif type(answer) not in (int, float) or answer < 0:
                fail("wait_time() returned something other than a number of seconds under concurrency",
                     expected="a float >= 0", got=show(answer),
                     hint="Compute wait_time under the same lock as allow(), from the refilled tokens.")
    return taken


LOCK_HINT = ("Refill, check and take must be one atomic step: do all three inside `with self._lock:`. Without "
             "it, two threads read the same token count, and one thread's write undoes the other's take.")


@pytest.mark.faults
@pytest.mark.points(2)
def test_threads_race_for_a_full_bucket(subject: Subject) -> None:
    """8 threads race while the clock stands still: exactly burst requests pass"""
    # Six rounds run free: 8 x 275 = 2200 allow(1) calls for 2000 tokens. Two shorter ones take seeded
    # turns inside the bucket's code, which reach the same interleavings however busy the machine is.
    rounds = [(None, 2000, 275)] * 6 + [(1, 250, 35), (2, 250, 35)]
    for seed, burst, per_thread in rounds:
        plan: list[Call] = [("allow", (1,)), ("wait_time", (1,))] * per_thread
        bucket = new_bucket(subject, 1, burst)
        plans = [plan] * THREADS
        results, errors = subject.threads(bucket.obj, plans, interleave=seed)
        check_thread_errors(plans, errors)
        during = count_admitted(plans, results)
        _, after = subject.batch(bucket.obj, [("allow", (1,))] * burst, results=True)
        later = sum(1 for answer in after if answer is True)
        if during + later != burst:
            fail(f"{THREADS} threads made {THREADS * per_thread} allow() calls on a full bucket of burst {burst} "
                 f"while the clock stood still",
                 expected=f"exactly {burst} admitted in all: every token taken once",
                 got=f"{during} admitted by the threads, then {later} more by {burst} allow() calls afterwards",
                 hint=LOCK_HINT)


@pytest.mark.faults
@pytest.mark.points(2)
def test_threads_race_as_time_passes(subject: Subject) -> None:
    """8 threads race round after round as the clock moves: each round admits what was earned"""
    rate, burst, tick, per_thread = 1800, 200, 0.0625, 30  # 112.5 tokens per round, 240 requests
    plan: list[Call] = [("allow", (1,)), ("wait_time", (1,))] * per_thread
    for free in (True, False):  # the second pass starts with three rounds taking seeded turns
        bucket = new_bucket(subject, rate, burst)
        model = BucketModel(rate, burst, bucket.now)
        for round_ in range(10):
            if round_:
                bucket.advance(tick)
            model.refill(bucket.now)
            available = model.tokens
            plans = [plan] * THREADS
            results, errors = subject.threads(bucket.obj, plans, interleave=None if free or round_ >= 3 else round_)
            check_thread_errors(plans, errors)
            taken = count_admitted(plans, results)
            whole = int(available + Fraction(EPS))  # floor, forgiving a hair below a whole number
            allowed = {whole, whole - 1} if abs(available - whole) <= EPS else {whole}
            assert whole < THREADS * per_thread, "every round must ask for more than the bucket holds"
            if taken not in allowed:
                fail(f"round {round_ + 1}: {THREADS} threads made {THREADS * per_thread} allow(1) calls at clock "
                     f"{fmt(bucket.now)} with {fmt(available)} tokens in the bucket (rate {rate}/s, burst {burst}, "
                     f"clock advanced {tick} s between rounds)",
                     expected=f"{whole} admitted", got=f"{taken} admitted", hint=LOCK_HINT)
            model.settle(taken, True)


@pytest.mark.faults
@pytest.mark.points(2)
def test_clock_jumping_back_mints_nothing(subject: Subject) -> None:
    """a clock that jumps backwards neither adds tokens nor takes them away"""
    hint = ("If the clock reads earlier than last time, add nothing (elapsed = max(0, now - last)) and store the "
            "new reading as last: abs() mints tokens, a negative refill drains the bucket below zero, and "
            "keeping the old reading stalls the refill until the clock catches up.")
    summary = "after the clock jumped backwards, the bucket holds the wrong number of tokens"
    run_scenario(subject, 1, 5, [("advance", 100.0), ("allow", 3), ("set", 40.0), ("wait_time", 3), ("allow", 2),
                                 ("allow", 1), ("advance", 0.5), ("wait_time", 1), ("advance", 0.5), ("allow", 1),
                                 ("allow", 1)], summary, hint, start=0.0)
    run_scenario(subject, 2, 4, [("allow", 4), ("set", 0.0), ("wait_time", 1), ("allow", 1), ("advance", 0.5),
                                 ("allow", 1), ("set", -7.0), ("advance", 1.0), ("allow", 2), ("allow", 1)],
                 summary, hint, start=5000.0)
