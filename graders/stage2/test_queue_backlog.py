"""Grader for the stage2/queue-backlog incident lab: "队列堆积", remedied by consumer monitoring and autoscaling.

The shipped program runs a fixed 2 workers and exposes no lag; a burst of 5x their capacity
leaves a backlog that never drains, and nobody sees it. The learner's fix exposes the lag and
scales the group from it, inside documented rules that the grader checks tick by tick: on the
load (support/queue_backlog_support.py, stepped inside the subject), on named scenarios, and in
a stateful test against a model. Then the failure policy, bad parameters, the figures stated in
answers/queue-backlog.yaml (before: the shipped program's; after: what the learner's program
does on the load) with the cause against a key, and the postmortem's structure.

Every verdict is computed here, from plain data: the group's metrics are compared with what the
handler saw, never trusted.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from swai.grading import expect_equal, expect_raises, expect_true, fail
from swai.grading.documents import read_answers, read_postmortem
from swai.grading.stateful import run_machine
from swai.subject import RemoteObject, Subject
from swai.subject.client import show
from swai.subject.errors import SubjectError

NAME = "queue-backlog"
MODULE = "incidents.queue_backlog"
SUPPORT = "queue_backlog_support"
KEYS = ("lag", "workers", "produced", "acked", "dead_lettered")  # snapshot order, as the support reads them
MAX_ATTEMPTS = 3
COOLDOWN = 5.0
ALWAYS = 1_000_000  # a handler failure count that never runs out
RULES = frozenset({"lag", "bounds", "up", "down", "budget", "once"})  # what a Checker can enforce
RUN = "Run `python incidents/queue_backlog_load.py` from your project folder and copy what it prints."

# -- the load (support/queue_backlog_support.py) and its documented bounds ------------------------
LOAD = {"min_workers": 2, "max_workers": 8, "per_worker_rate": 10}
BURST_END = 120
RUN_END = 300
POISON = [1500, 7000]
# The burst brings 100 msg/s; 8 workers handle 80, so even at max_workers the lag grows by
# 20/s for 60 s: 1200. The slowest scale-up the rules allow (one worker per tick from 2 to 8)
# adds 50+40+30+20+10 = 150 on the way; the base load's retries add a few more.
PEAK_BOUND = 1400
# Once the burst ends, 8 workers (80/s) face at most 20/s: the lag falls by at least 60/s.
DRAIN_BOUND = 30  # seconds after the burst's last second: ceil(1400 / 60) = 24, plus slack
FLAP_BOUND = 10  # changes of the worker count in the choppy scenario (52 s): a flapping group makes ~40

# -- the key ------------------------------------------------------------------------------------
# The shipped program on the load (incidents/queue_backlog.py as the exercise gives it).
KEY_BEFORE = {"peak_lag": 4816, "drain_seconds": "never", "peak_workers": 2, "workers_at_end": 2,
              "lost": 0, "duplicated": 0}
KEY_GROWTH = {"growth_per_second_before": 80, "growth_per_second_at_max": 20}
KEY_CHOICES = {
    "root_cause": "fixed_workers_below_burst_rate",
    "detection": "consumer_lag",
    "fix": "autoscale_on_lag",
    "scale_down": "after_calm_window",
}
CHOICES = {
    "root_cause": ["fixed_workers_below_burst_rate", "handler_slowed_down", "retries_flood_the_queue",
                   "messages_lost", "queue_too_small"],
    "detection": ["consumer_lag", "worker_throughput", "handler_error_rate", "worker_count", "cpu_usage"],
    "fix": ["autoscale_on_lag", "autoscale_on_produce_rate", "more_fixed_workers", "drop_old_messages",
            "bigger_queue"],
    "scale_down": ["after_calm_window", "when_lag_reads_zero", "never", "when_produce_rate_falls"],
}
FIGURES = ("peak_lag", "drain_seconds", "peak_workers", "workers_at_end", "lost", "duplicated")

COUNT = {"type": "integer", "minimum": 0, "description": "a whole number, 0 or more"}
DRAIN = {"anyOf": [{"type": "integer", "minimum": 0}, {"const": "never"}],
         "description": "whole seconds after the burst ends, or never"}
SIDE = {"type": "object", "required": list(FIGURES), "additionalProperties": False,
        "properties": {**{f: COUNT for f in FIGURES}, "drain_seconds": DRAIN},
        "description": "the six figures: " + ", ".join(FIGURES)}
FIELDS: dict[str, dict[str, Any]] = {
    "before": SIDE,
    "after": SIDE,
    **{name: {"type": "integer", "description": "messages per second, a whole number"} for name in KEY_GROWTH},
    **{name: {"enum": options} for name, options in CHOICES.items()},
}

# -- hints ----------------------------------------------------------------------------------------
LAG_HINT = ("lag = produced - acknowledged - dead-lettered, counted, not estimated: count every produce() and "
            "every ack. A message being handled is not acknowledged yet, and one waiting for a retry is not "
            "either: the length of the queue misses both.")
UP_HINT = ("At the start of tick(), before any message is handled, compare the lag with what the workers can "
           "handle in one second (workers x per_worker_rate); when it is more, add workers now (at least one, "
           "never past max_workers), and never add any when it is not.")
DOWN_HINT = ("Remember the lag at the start of each tick of the last COOLDOWN (5) seconds; drop to n workers only "
             "if n x per_worker_rate covers every one of them. Dropping as soon as the lag reads 0 flaps: the "
             "next second's messages need the workers again.")
BOUNDS_HINT = "Clamp every new worker count to [min_workers, max_workers]: max_workers is the budget (and partitions)."
BUDGET_HINT = ("In each tick, after choosing the worker count, hand up to workers x per_worker_rate of the messages "
               "waiting at the start of the tick to the handler, oldest first; leave none waiting while capacity "
               "is left.")
ONCE_HINT = ("Take each message off the queue once: when a worker is added it takes the next messages, it does not "
             "re-read what others already took. A message whose handler raised goes to the back of the queue, and "
             "is dead-lettered when its third attempt fails; none is ever dropped.")
PROGRAM_HINT = "Fix incidents/queue_backlog.py, run the load again, and update your answers."


# -- the learner's program, stepped -----------------------------------------------------------------

def support(subject: Subject) -> RemoteObject:
    entries = subject.transcript.entries
    known = len(entries)
    module = subject.import_module(SUPPORT)
    del entries[known:]  # the grader's own module is no business of the learner's
    return module


def raised(exc: SubjectError, doing: str) -> None:
    where = f" ({exc.frames[-1].file}, line {exc.frames[-1].line})" if exc.frames else ""
    fail(f"your incidents/queue_backlog.py raised while {doing}", expected="it to run to its end",
         got=f"{exc.type_name}: {exc.message}{where}", hint=PROGRAM_HINT)


def run_load(subject: Subject) -> dict[str, Any]:
    """The load on the learner's program: every tick, the figures, the dead letters."""
    text = "[the load of incidents/queue_backlog_load.py, 300 s and a drain, on your ConsumerGroup]"
    try:
        result = subject.call(support(subject), "run_load", (), {}, text=text, timeout=30.0)
    except SubjectError as exc:
        raised(exc, "the load ran")
    if not isinstance(result, dict) or not isinstance(result.get("ticks"), list):
        fail("the load came back garbled", expected="the load's report", got=type(result).__name__,
             hint="Keep incidents/queue_backlog.py to the queue and the group; do not patch other modules.")
    subject.transcript.entries[-1].outcome = f"-> {len(result['ticks'])} ticks, figures {show(result['figures'], 400)}"
    return result


class Group:
    """A ConsumerGroup of the learner's, with the grader's handler and clock, stepped one second at a time."""

    def __init__(self, subject: Subject, *, min_workers: int, max_workers: int, rate: int,
                 fail_map: dict[int, int] | None = None, rules: frozenset[str] = RULES) -> None:
        self.subject = subject
        self.support = support(subject)
        module = subject.import_module(MODULE)
        self.clock = subject.import_module("swai.subject.fakes").FakeClock()
        self.handler = self.support.ProbeHandler(dict(fail_map or {}))
        self.queue = module.Queue()
        self.group = module.ConsumerGroup(self.queue, self.handler, min_workers=min_workers,
                                          max_workers=max_workers, per_worker_rate=rate, clock=self.clock)
        self.handler.watch(self.group)
        self.next_id = 0
        self.checker = Checker(min_workers, max_workers, rate, rules=rules)

    def produce(self, count: int) -> None:
        if count:
            ids = range(self.next_id, self.next_id + count)
            text = f"queue.produce(id) for id in {self.next_id}..{self.next_id + count - 1}"
            self.subject.batch(self.queue, [("produce", (i,)) for i in ids], text=text)
            self.next_id += count
            self.checker.produced = self.next_id

    def step(self) -> list[Any]:
        """One second: the clock moves on, tick(); every rule checked on what happened."""
        try:
            data = self.subject.call(self.support, "step", (self.group, self.handler, self.clock), {},
                                     text="clock.advance(1.0); group.tick()")
        except SubjectError as exc:
            raised(exc, "tick() ran")
        now, before, after, attempts = data
        entry = self.subject.transcript.entries[-1]
        entry.outcome = (f"-> workers {before[1]} -> {after[1]}, {len(attempts)} attempts, "
                         f"lag {before[0]} -> {after[0]}")
        self.checker.tick(now, self.next_id, before, after, attempts)
        return data

    def run(self, per_second: Sequence[int]) -> None:
        """Produce then step, for each second; one round trip for the lot."""
        text = f"[{len(per_second)} seconds: produce {_runs(per_second)} messages, then clock +1 s and tick()]"
        try:
            data = self.subject.call(self.support, "run_steps",
                                     (self.group, self.handler, self.clock, self.queue, list(per_second),
                                      self.next_id), {}, text=text, timeout=20.0)
        except SubjectError as exc:
            raised(exc, "the scenario ran")
        self.subject.transcript.entries[-1].outcome = "-> done"
        for count, (now, before, after, attempts) in zip(per_second, data, strict=True):
            self.next_id += count
            self.checker.tick(now, self.next_id, before, after, attempts)


def workers_(n: int) -> str:
    return f"{n} worker" if n == 1 else f"{n} workers"


def _runs(counts: Sequence[int]) -> str:
    """[45, 0, 45, 0] -> '45, 0, 45, 0'; long lists as runs: '120, then 3 x 40'."""
    parts: list[str] = []
    i = 0
    while i < len(counts):
        j = i
        while j < len(counts) and counts[j] == counts[i]:
            j += 1
        parts.append(f"{counts[i]}" if j - i == 1 else f"{counts[i]} x {j - i}")
        i = j
    text = ", ".join(parts)
    return text if len(text) < 100 else text[:97] + "..."


# -- the model: every tick's rules, checked from what the handler saw --------------------------------

class Checker:
    """The group's contract, checked tick by tick; message ids are produced as 0, 1, 2, ...

    Each check enforces only the ``rules`` it is about, so a failure names the broken rule; the
    bookkeeping (what is acknowledged, failed, dead-lettered) is kept whatever the rules.
    """

    def __init__(self, min_workers: int, max_workers: int, rate: int, *, rules: frozenset[str] = RULES,
                 where: str = "") -> None:
        self.low, self.high, self.rate = min_workers, max_workers, rate
        self.rules = rules
        self.where = where  # e.g. " of the load": its transcript shows one call for 300 ticks
        self.produced = 0
        self.acked: set[int] = set()
        self.successes = 0
        self.failed: dict[int, int] = {}
        self.dead: list[int] = []
        self.next_first = 0  # the next id whose first attempt is due, in produce order
        self.window: deque[tuple[float, int]] = deque()
        self.times: list[tuple[float, int, int, int]] = []  # (time, lag before, workers before, after)

    def lag(self) -> int:
        return self.produced - len(self.acked) - len(self.dead)

    def at(self, now: float) -> str:
        return f"at t={now:g} s{self.where}"

    def metrics(self, now: float, snap: list[Any], when: str) -> None:
        if "lag" not in self.rules:
            return
        want = [self.lag(), None, self.produced, len(self.acked), len(self.dead)]
        for key, got, expected in zip(KEYS, snap, want, strict=True):
            if key != "workers" and got != expected:
                what = "produced - acked - dead-lettered = " if key == "lag" else ""
                fail(f"{self.at(now)}, {when}, metrics()[{key!r}] is wrong", expected=f"{what}{expected}",
                     got="no such key, or not a whole number" if got is None else str(got),
                     hint=LAG_HINT if key == "lag" else f"metrics() must report {key!r}, counted. " + LAG_HINT)

    def workers(self, now: float, value: Any, when: str) -> int:
        if not isinstance(value, int):
            fail(f"{self.at(now)}, {when} tick(), metrics()['workers'] is missing",
                 expected="the current worker count, an int", got="no such key, or not a whole number",
                 hint="metrics() reports the number of workers the group runs now under 'workers'.")
        if "bounds" in self.rules and not self.low <= value <= self.high:
            fail(f"{self.at(now)}, {when} tick(), the worker count is out of bounds",
                 expected=f"metrics()['workers'] within [{self.low}, {self.high}] (min_workers, max_workers)",
                 got=str(value), hint=BOUNDS_HINT)
        return value

    def tick(self, now: float, produced: int, before: list[Any], after: list[Any], attempts: list[Any]) -> None:
        self.produced = produced
        self.metrics(now, before, "before tick()")
        lag = self.lag()
        old = self.workers(now, before[1], "before")
        new = self.workers(now, after[1], "after")
        capacity = old * self.rate
        if "up" in self.rules and lag > capacity and old < self.high and new <= old:
            fail(f"{self.at(now)}, the backlog was more than the workers could handle and tick() added none",
                 expected=f"more than {workers_(old)} (lag {lag} > {workers_(old)} x {self.rate}/s = {capacity})",
                 got=workers_(new), hint=UP_HINT)
        if "up" in self.rules and new > old and lag <= capacity:
            fail(f"{self.at(now)}, tick() added workers the lag did not call for",
                 expected=f"{workers_(old)} or fewer (lag {lag} <= {workers_(old)} x {self.rate}/s = {capacity})",
                 got=workers_(new), hint=UP_HINT)
        self.window.append((now, lag))
        while self.window[0][0] <= now - COOLDOWN:
            self.window.popleft()
        if "down" in self.rules and new < old:
            spikes = ", ".join(f"t={t:g}: {seen}" for t, seen in self.window if seen > new * self.rate)
            if spikes:
                fail(f"{self.at(now)}, tick() scaled down from {old} to {workers_(new)} too soon: the group flaps",
                     expected=f"{workers_(new)} only if {new} x {self.rate}/s covered the lag at the start of every "
                              f"tick of the last {COOLDOWN:g} s",
                     got=f"lags at the start of those ticks above {new * self.rate}: {spikes}", hint=DOWN_HINT)
        budget = new * self.rate
        if "budget" in self.rules and not min(budget, lag) <= len(attempts) <= budget:
            fail(f"{self.at(now)}, tick() handed the wrong number of messages to the handler",
                 expected=f"{min(budget, lag)} attempts ({workers_(new)} x {self.rate}/s, {lag} messages waiting)",
                 got=f"{len(attempts)} attempts", hint=BUDGET_HINT)
        for message_id, ok, seen in attempts:
            self.attempt(now, message_id, ok, seen)
        self.metrics(now, after, "after tick()")
        self.times.append((now, lag, old, new))

    def attempt(self, now: float, message_id: Any, ok: int, seen: Any) -> None:
        if "lag" in self.rules and seen != self.lag():
            fail(f"{self.at(now)}, while the handler ran for message {message_id}, metrics()['lag'] was wrong",
                 expected=f"{self.lag()}: the message being handled is not acknowledged yet",
                 got="no such key, or not a whole number" if seen is None else str(seen), hint=LAG_HINT)
        once = "once" in self.rules
        if not isinstance(message_id, int) or not 0 <= message_id < self.produced:
            fail(f"{self.at(now)}, the handler got a message that was never produced",
                 expected=f"an id produced so far (0..{self.produced - 1})", got=show(message_id), hint=ONCE_HINT)
        if once and message_id in self.acked:
            fail(f"{self.at(now)}, message {message_id} was handled again after it had been acknowledged",
                 expected="each message acknowledged exactly once", got=f"message {message_id} handed out again",
                 hint=ONCE_HINT)
        if once and message_id in self.dead:
            fail(f"{self.at(now)}, message {message_id} was handled again after it was dead-lettered",
                 expected=f"no attempt after failure number {MAX_ATTEMPTS}", got="one more attempt", hint=ONCE_HINT)
        tried = self.failed.get(message_id, 0)
        if tried == 0 and message_id not in self.acked and message_id not in self.dead:
            if once and message_id != self.next_first:
                fail(f"{self.at(now)}, the messages were not taken in the order they were produced",
                     expected=f"message {self.next_first} before any later one", got=f"message {message_id} first",
                     hint="Take messages from the head of the queue, oldest first; a retry goes to the back.")
            self.next_first = max(self.next_first, message_id + 1)
        if ok:
            self.successes += 1
            self.acked.add(message_id)
        elif message_id not in self.dead:
            self.failed[message_id] = tried + 1
            if tried + 1 == MAX_ATTEMPTS:
                self.dead.append(message_id)

    def scale_events(self) -> int:
        return sum(1 for _, _, old, new in self.times if old != new)


def replay_load(subject: Subject, rules: frozenset[str]) -> tuple[dict[str, Any], Checker]:
    """The load on the learner's program, its ticks checked against ``rules``."""
    result = run_load(subject)
    checker = Checker(LOAD["min_workers"], LOAD["max_workers"], LOAD["per_worker_rate"], rules=rules,
                      where=" of the load")
    for now, produced, _, before, after, _, attempts in result["ticks"]:
        checker.tick(now, produced, before, after, attempts)
    return result, checker


# -- correctness: the symptom is gone ----------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(3)
def test_lag_metric_is_exact(subject: Subject) -> None:
    """metrics()['lag'] is produced - acknowledged - dead-lettered before, during and after every tick of the load"""
    replay_load(subject, frozenset({"lag"}))


@pytest.mark.correctness
@pytest.mark.points(3)
def test_backlog_drains_after_the_burst(subject: Subject) -> None:
    """on the load, the lag peaks under 1400 and is back to 0 within 30 s of the burst's end"""
    figures = run_load(subject)["figures"]
    why = ("During the burst 100 msg/s arrive and 8 workers handle 80: once at max_workers the lag grows by 20/s "
           "at most, and afterwards it must fall by 60/s or more. ")
    expect_true(figures["peak_lag"] <= PEAK_BOUND, "the lag peaked too high during the load",
                expected=f"at most {PEAK_BOUND} messages", got=f"{figures['peak_lag']} messages",
                hint=why + UP_HINT)
    drained = figures["drain_seconds"]
    expect_true(drained != "never" and drained <= DRAIN_BOUND,
                "the backlog left by the burst did not drain in time",
                expected=f"lag 0 within {DRAIN_BOUND} s of the burst's end (t={BURST_END} s)",
                got=f"still not 0 at the end of the run (t={RUN_END} s)" if drained == "never" else
                f"after {drained} s",
                hint=why + "Scale on the lag, not on the produce rate: after the burst the produce rate is "
                           "back to normal, but the backlog is still there.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_scales_up_while_the_backlog_exceeds_capacity(subject: Subject) -> None:
    """tick() adds workers exactly when the lag is more than the workers handle in one second"""
    group = Group(subject, min_workers=1, max_workers=5, rate=4, rules=frozenset({"up"}))
    group.run([3, 4, 9, 0, 0, 30, 30, 0])
    replay_load(subject, frozenset({"up"}))


@pytest.mark.correctness
@pytest.mark.points(2)
def test_workers_stay_within_bounds(subject: Subject) -> None:
    """metrics()['workers'] stays within [min_workers, max_workers], however big the backlog"""
    group = Group(subject, min_workers=2, max_workers=3, rate=5, rules=frozenset({"bounds"}))
    group.run([200, 0, 0, 0, 50])
    replay_load(subject, frozenset({"bounds"}))


@pytest.mark.correctness
@pytest.mark.points(2)
def test_scales_back_down_once_drained(subject: Subject) -> None:
    """once the backlog has drained, the group is back at min_workers within COOLDOWN x (max - min + 1) seconds"""
    low, high = 1, 6
    group = Group(subject, min_workers=low, max_workers=high, rate=10, rules=frozenset())
    group.run([150] + [3] * 60)
    times = group.checker.times
    drained = next((i for i, (_, lag, _, _) in enumerate(times) if i > 0 and lag <= 3), None)
    workers = [new for _, _, _, new in times]
    expect_true(drained is not None, "the backlog of 150 messages never drained",
                expected="the lag back to the 3 messages each second brings", got="it never came down",
                hint=UP_HINT)
    assert drained is not None
    start = times[drained][0]
    at_min = next((t for t, _, _, new in times[drained:] if new == low), None)
    bound = COOLDOWN * (high - low + 1)
    expect_true(at_min is not None and at_min - start <= bound,
                "the group did not scale back down to min_workers after the backlog drained",
                expected=f"{workers_(low)} (min_workers) within {bound:g} s of t={start:g} s",
                got=f"workers in each second: {_runs(workers)}",
                hint="Idle workers cost money (and, on a real broker, partitions): once every tick of the last "
                     "COOLDOWN seconds would have been handled by fewer workers, drop to that many. " + DOWN_HINT)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_scale_down_waits_for_a_calm_window(subject: Subject) -> None:
    """under a choppy load the group does not flap: no scale-down before a calm COOLDOWN window"""
    group = Group(subject, min_workers=2, max_workers=8, rate=10, rules=frozenset({"down"}))
    group.run([45, 0] * 20 + [0] * 12)
    events = group.checker.scale_events()
    workers = [new for _, _, _, new in group.checker.times]
    expect_true(events <= FLAP_BOUND, "the worker count changed too often under a choppy load",
                expected=f"at most {FLAP_BOUND} changes in 52 s", got=f"{events}; workers in each second: "
                f"{_runs(workers)}", hint=DOWN_HINT)
    replay_load(subject, frozenset({"down"}))


@pytest.mark.correctness
@pytest.mark.points(2)
def test_no_message_lost_or_duplicated(subject: Subject) -> None:
    """on the load, every message is acknowledged exactly once or dead-lettered: none lost, none duplicated"""
    result, _ = replay_load(subject, frozenset({"once"}))
    figures = result["figures"]
    expect_equal(figures["lost"], 0, "messages were lost on the load: never acknowledged nor dead-lettered, "
                 "even with 900 s more to finish once the producers stopped", hint=ONCE_HINT)
    expect_equal(sorted(result["dead_letters"]), POISON,
                 "dead_letters() should hold exactly the two messages whose handler always raises", hint=ONCE_HINT)


@pytest.mark.correctness
@pytest.mark.points(4)
def test_group_against_a_model(subject: Subject) -> None:
    """bursts, ticks, failing handlers and metric reads in any order follow every rule (stateful test)"""

    class Machine(RuleBasedStateMachine):
        group: Group

        @initialize(low=st.integers(1, 3), extra=st.integers(0, 3), rate=st.integers(1, 5),
                    failing=st.dictionaries(st.integers(0, 40), st.sampled_from([1, 2, ALWAYS]), max_size=4))
        def create(self, low: int, extra: int, rate: int, failing: dict[int, int]) -> None:
            self.group = Group(subject, min_workers=low, max_workers=low + extra, rate=rate, fail_map=failing)

        @rule(count=st.integers(1, 40))
        def produce(self, count: int) -> None:
            self.group.produce(count)

        @rule()
        def tick(self) -> None:
            self.group.step()

        @rule()
        def read_metrics(self) -> None:
            metrics = self.group.group.metrics()
            got = metrics.get("lag") if isinstance(metrics, dict) else None
            expect_equal(got, self.group.checker.lag(), "metrics()['lag'] is wrong after the calls above",
                         hint=LAG_HINT)

        @rule()
        def read_dead_letters(self) -> None:
            expect_equal(self.group.group.dead_letters(), list(self.group.checker.dead),
                         "dead_letters() should list the messages whose third attempt failed, in that order",
                         hint=ONCE_HINT)

    run_machine(subject, Machine, max_examples=40, steps=25)


# -- correctness: regression (the shipped program passes these too) ----------------------------------

@pytest.mark.correctness
@pytest.mark.points(2)
def test_steady_load_is_handled_in_order(subject: Subject) -> None:
    """at a load min_workers can handle, each second's messages are handled in order that second, without scaling"""
    group = Group(subject, min_workers=2, max_workers=6, rate=10, rules=frozenset({"once", "budget"}))
    group.run([15, 20, 12, 18, 20, 16] * 5)
    checker = group.checker
    expect_equal(checker.lag(), 0, "at a load under capacity, every message should be handled in its second",
                 hint=BUDGET_HINT)
    workers = [new for _, _, _, new in checker.times]
    expect_true(checker.scale_events() == 0, "at a load min_workers can handle, the worker count should not change",
                expected="2 workers throughout", got=f"workers in each second: {_runs(workers)}", hint=UP_HINT)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_each_tick_uses_its_workers(subject: Subject) -> None:
    """each tick hands up to workers x per_worker_rate waiting messages to the handler, and idles no worker"""
    group = Group(subject, min_workers=2, max_workers=2, rate=3, rules=frozenset({"budget"}))
    group.run([20, 0, 0, 5, 0, 0, 0])
    replay_load(subject, frozenset({"budget"}))


# -- faults ---------------------------------------------------------------------------------------------

@pytest.mark.faults
@pytest.mark.points(2)
def test_failing_handler_is_retried_then_dead_lettered(subject: Subject) -> None:
    """a message whose handler raises is retried, dead-lettered after 3 attempts, and never blocks the rest"""
    group = Group(subject, min_workers=1, max_workers=1, rate=5, fail_map={1: ALWAYS, 3: 1},
                  rules=frozenset({"once"}))
    group.produce(5)
    first = group.step()[3]
    expect_equal([a[0] for a in first], [0, 1, 2, 3, 4],
                 "the first tick should attempt each of the 5 messages once, the failing ones included",
                 hint="A failing message must not hold up the others: they are handled in the same tick. " + ONCE_HINT)
    for _ in range(4):
        group.step()
    checker = group.checker
    expect_equal(checker.failed.get(1), MAX_ATTEMPTS,
                 "message 1 always fails: it should have been attempted exactly 3 times", hint=ONCE_HINT)
    expect_equal(group.group.dead_letters(), [1], "message 1 should be dead-lettered after its third failure",
                 hint="After MAX_ATTEMPTS (3) failed attempts, keep the message in dead_letters(): never drop it.")
    expect_equal(sorted(checker.acked), [0, 2, 3, 4],
                 "message 3 failed once: its retry should succeed, and every other message be acknowledged",
                 hint=ONCE_HINT)


@pytest.mark.faults
@pytest.mark.points(2)
def test_bad_parameters_are_rejected(subject: Subject) -> None:
    """min_workers > max_workers, zero or negative counts and rates, and non-integers are rejected"""
    module = subject.import_module(MODULE)
    queue = module.Queue()
    handler = support(subject).ProbeHandler({})
    hint = ("Check the parameters in the constructor: min_workers >= 1, max_workers >= min_workers, "
            "per_worker_rate >= 1, all ints (a bool is not one); say which one is wrong and its value.")

    def make(**kwargs: Any) -> Any:
        params = {"min_workers": 2, "max_workers": 4, "per_worker_rate": 10, **kwargs}
        return module.ConsumerGroup(queue, handler, **params)

    for bad in ({"min_workers": 5, "max_workers": 3}, {"max_workers": 0}, {"min_workers": 0},
                {"per_worker_rate": 0}, {"per_worker_rate": -5}, {"min_workers": -1, "max_workers": -1}):
        args = ", ".join(f"{k}={v}" for k, v in bad.items())
        err = expect_raises("ValueError", lambda bad=bad: make(**bad), f"ConsumerGroup(..., {args}) must be rejected",
                            hint=hint)
        expect_true(any(str(v) in err.message for v in bad.values()),
                    f"the ValueError for ConsumerGroup(..., {args}) should name the wrong value",
                    expected=f"a message mentioning {' or '.join(str(v) for v in bad.values())}",
                    got=repr(err.message), hint=hint)
    for bad in ({"max_workers": 2.5}, {"min_workers": "2"}, {"per_worker_rate": True}):
        args = ", ".join(f"{k}={v!r}" for k, v in bad.items())
        expect_raises("TypeError", lambda bad=bad: make(**bad), f"ConsumerGroup(..., {args}) must be rejected",
                      hint=hint)
    group = make(min_workers=1, max_workers=1, per_worker_rate=1)
    expect_equal(group.metrics().get("workers"), 1, "ConsumerGroup(..., min_workers=1, max_workers=1) is valid",
                 hint="min_workers == max_workers is a fixed-size group: accept it.")


# -- review: the answers and the postmortem ------------------------------------------------------------

def schema(*wanted: str) -> dict[str, Any]:
    if not wanted:
        return {"type": "object", "required": list(FIELDS), "properties": FIELDS, "additionalProperties": False,
                "description": "the template's keys: " + ", ".join(FIELDS)}
    return {"type": "object", "required": list(wanted), "properties": {w: FIELDS[w] for w in wanted},
            "description": "the template's keys, " + ", ".join(wanted) + " among them"}


def answers(project: Path, *wanted: str) -> dict[str, Any]:
    return read_answers(project, NAME, schema(*wanted))


def differences(stated: dict[str, Any], measured: dict[str, Any], side: str) -> list[str]:
    return [f"{side}.{f}: you state {stated[f]}, measured {measured.get(f)}" for f in FIGURES
            if stated[f] != measured.get(f)]


@pytest.mark.review
@pytest.mark.points(1)
def test_answers_file_is_complete(project: Path) -> None:
    """answers/queue-backlog.yaml answers every question in the template's form"""
    answers(project)


@pytest.mark.review
@pytest.mark.points(2)
def test_before_figures_are_the_shipped_programs(project: Path) -> None:
    """the 'before' figures are what the shipped program does on the load"""
    stated = answers(project, "before")["before"]
    wrong = [f for f in FIGURES if stated[f] != KEY_BEFORE[f]]
    if wrong:
        fail("before: these figures are not what the shipped program does on the load",
             expected=f"other values for {', '.join(wrong)}", got=", ".join(f"{f}: {stated[f]}" for f in wrong),
             hint="Measure before you fix: run the load on the program as the exercise gave it (git stash, or a "
                  "copy of the original file) and copy its figures. " + RUN)


@pytest.mark.review
@pytest.mark.points(2)
def test_after_figures_match_your_program(subject: Subject, project: Path) -> None:
    """the 'after' figures are what your fixed program does on the load"""
    stated = answers(project, "after")["after"]
    measured = run_load(subject)["figures"]
    wrong = differences(stated, measured, "after")
    if wrong:
        fail("the 'after' figures you state are not what your program does on the load",
             expected="your answers to match the load replayed with your incidents/queue_backlog.py",
             got="; ".join(wrong),
             hint=RUN + " State what you measured, not what should happen; if it looks wrong, fix the program.")


@pytest.mark.review
@pytest.mark.points(1)
def test_growth_rates(project: Path) -> None:
    """how fast the lag grows during the burst, before the fix and with the fix at max_workers"""
    stated = answers(project, *KEY_GROWTH)
    wrong = [k for k, v in KEY_GROWTH.items() if stated[k] != v]
    if wrong:
        fail(f"{', '.join(wrong)}: not the rate at which the lag grows", expected="a different number of messages/s",
             got=", ".join(f"{k}: {stated[k]}" for k in wrong),
             hint="While producers outpace consumers, the lag grows by produce rate minus consume rate each "
                  "second: the burst's rate, minus workers x per_worker_rate.")


@pytest.mark.review
@pytest.mark.points(2)
def test_cause_and_fix(project: Path) -> None:
    """the root cause, the signal that shows it, the fix and the scale-down rule are the right choices"""
    stated = answers(project, *KEY_CHOICES)
    hints = {
        "root_cause": "Compare the consume capacity with the produce rate during the burst, and ask what changed "
                      "the worker count in the shipped code.",
        "detection": "Which single number would have grown every second of the burst while the workers looked "
                     "busy and healthy?",
        "fix": "After the burst the produce rate is normal again, but the backlog is not gone: what must the "
               "worker count follow so that it drains, and still fit the next, bigger burst?",
        "scale_down": "Look at the choppy scenario: a group that drops workers the moment the lag reads 0 needs "
                      "them again a second later.",
    }
    for name, key in KEY_CHOICES.items():
        if stated[name] != key:
            fail(f"{name}: not the right choice", expected="another of the choices the template lists",
                 got=str(stated[name]), hint=hints[name])


@pytest.mark.review
@pytest.mark.points(2)
def test_postmortem_has_its_six_sections(project: Path) -> None:
    """postmortems/queue-backlog.md has the six sections, each written out"""
    read_postmortem(project, NAME)
