"""Grader for stage2/delay-queue: a delay queue on a min-heap and on a hierarchical timing wheel.

Time is a FakeClock created in the subject process and passed as ``clock=``; tasks are
Recorder tasks, so which task ran when is plain data. Delays and clock steps are multiples
of a quarter tick (exact in binary floating point), so the learner's float arithmetic and
the model's exact fractions agree.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from delay_queue_grading import HEAP, MODULE, WHEEL, Harness
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from swai.grading import Figures, expect_equal, expect_raises, fail
from swai.grading.perf import check_growth
from swai.grading.stateful import run_machine
from swai.subject import RemoteObject, Subject

# Scenario steps: ("s", delay, label) schedule, ("a", seconds) advance the clock,
# ("r",) run_due, ("c", label) cancel, ("u",) cancel an unknown id, ("l",) len.
Step = tuple[Any, ...]
R: Step = ("r",)
L: Step = ("l",)
U: Step = ("u",)


def S(delay: float, label: str) -> Step:
    return ("s", delay, label)


def A(seconds: float) -> Step:
    return ("a", seconds)


def C(label: str) -> Step:
    return ("c", label)


def play(h: Harness, steps: Sequence[Step]) -> None:
    for step in steps:
        kind = step[0]
        if kind == "s":
            h.schedule(step[1], step[2])
        elif kind == "a":
            h.advance(step[1])
        elif kind == "r":
            h.run_due()
        elif kind == "c":
            h.cancel(step[1])
        elif kind == "u":
            h.cancel_id(max(h.model.tasks, default=0) + 1_000_000)
        else:
            h.check_len()


def calling(target: RemoteObject, method: str, *args: object, **kwargs: object) -> Callable[[], Any]:
    """A call on the learner's code, made later (by expect_raises)."""
    return lambda: getattr(target, method)(*args, **kwargs)


def fakes(subject: Subject) -> RemoteObject:
    return subject.import_module("swai.subject.fakes")


# -- correctness: the order and the time tasks run ----------------------------------------

@pytest.mark.correctness
@pytest.mark.points(1)
def test_heap_runs_due_tasks_in_deadline_order(subject: Subject) -> None:
    """HeapDelayQueue: run_due() runs exactly the due tasks, earliest deadline first"""
    h = Harness.make(subject, HEAP)
    play(h, [S(5, "a"), S(1, "b"), S(3, "c"), S(0.5, "d"), S(10, "e"), L, A(0.25), R, A(0.75), R, L,
             S(1, "f"), A(3.75), R, A(5.25), R, L, R])


@pytest.mark.correctness
@pytest.mark.points(1)
def test_heap_ties_run_in_scheduling_order(subject: Subject) -> None:
    """HeapDelayQueue: tasks with equal deadlines run in the order they were scheduled"""
    h = Harness.make(subject, HEAP)
    steps = [S(5, "a"), S(5, "b"), A(1), S(4, "c"), S(2, "d"), S(4, "e"), A(1), S(3, "f"), S(3, "g"),
             S(3, "h"), S(1, "i"), S(3, "j")]
    steps += [S(3, f"k{n}") for n in range(8)] + [S(1, "l"), A(3), R, L]
    play(h, steps)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_wheel_runs_due_tasks_in_deadline_order(subject: Subject) -> None:
    """TimingWheelDelayQueue: tasks due in the same tick run by deadline, ties in scheduling order"""
    h = Harness.make(subject, WHEEL, tick=1.0, wheel_size=4)
    play(h, [S(1.5, "f"), S(2.75, "a"), S(2.5, "b"), S(2.25, "c"), S(3, "d"), S(2.5, "e"), L,
             A(1), R, A(1), R, A(0.75), R, A(0.25), R, L, R])


@pytest.mark.correctness
@pytest.mark.points(1)
def test_wheel_rounds_deadlines_up_to_the_tick(subject: Subject) -> None:
    """TimingWheelDelayQueue: a task runs at its deadline rounded up to a whole tick, never earlier"""
    h = Harness.make(subject, WHEEL, tick=1.0, wheel_size=4)
    play(h, [S(2.25, "a"), A(2.25), R, A(0.75), R,
             A(0.5), S(1, "b"), A(0.5), R, A(0.75), R, A(0.25), R,
             A(0.5), S(0, "c"), R, A(0.5), S(0, "d"), R, L])
    # Ticks count from the clock's reading when the queue was made, not from zero.
    h = Harness.make(subject, WHEEL, start=10.25, tick=0.5, wheel_size=4)
    play(h, [S(1, "e"), S(0.375, "f"), A(0.25), R, A(0.25), R, A(0.25), R, A(0.25), R, L])


@pytest.mark.correctness
@pytest.mark.points(2)
def test_wheel_tasks_beyond_one_revolution(subject: Subject) -> None:
    """TimingWheelDelayQueue: tasks many revolutions ahead run exactly at their tick"""
    h = Harness.make(subject, WHEEL, tick=1.0, wheel_size=4, on_error=False)
    delays = [1, 3, 4, 5, 7, 8, 15, 16, 16.5, 17, 21, 31.25, 63, 64, 65, 65.25, 100, 127, 128, 129, 255, 256,
              257, 300]
    steps = [S(d, f"d{d:g}") for d in delays]
    for tick in range(1, 311):
        steps += [A(1), R]
        if tick == 13:  # placed relative to a current tick that is not a multiple of the wheel size
            steps += [S(50, "late50"), S(3, "late3"), S(60.5, "late60.5"), S(243, "late243")]
    play(h, [*steps, L])


@pytest.mark.correctness
@pytest.mark.points(1)
def test_wheel_big_clock_jump(subject: Subject) -> None:
    """TimingWheelDelayQueue: after a jump of hundreds of ticks one run_due() runs all due tasks in order"""
    rng = random.Random(7)
    for size, start in ((3, 0.5), (2, 4.0)):
        h = Harness.make(subject, WHEEL, start=start, tick=1.0, wheel_size=size, on_error=False)
        steps = [S(rng.randrange(1200) / 4, f"j{n}") for n in range(40)]
        steps += [A(37.5), R, L, A(1000), R, L]
        steps += [S(rng.randrange(1200) / 4, f"k{n}") for n in range(20)]
        steps += [A(100.25), R, A(500), R, L]
        play(h, steps)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_cancel(subject: Subject) -> None:
    """cancel() is True once for a pending task, False otherwise, and a cancelled task never runs"""
    for kind in (HEAP, WHEEL):
        h = Harness.make(subject, kind, tick=1.0, wheel_size=4)
        play(h, [S(1, "a"), S(2, "b"), S(3, "c"), S(50, "far"), S(0, "now"), C("b"), C("b"), L,
                 A(1), R, C("a"), U, C("far"), L,
                 S(40, "far2"), A(20), R, A(14), R, C("far2"), C("far2"), L, A(100), R, C("c"), L])


@pytest.mark.correctness
@pytest.mark.points(1)
def test_task_scheduled_during_run_due_waits(subject: Subject) -> None:
    """a task scheduled by a running task (even with delay 0) runs at the next run_due(), not the current one"""
    functools = subject.import_module("functools")
    for kind in (HEAP, WHEEL):
        h = Harness.make(subject, kind, tick=1.0, wheel_size=4)
        spawner = functools.partial(h.queue.attr("schedule"), 0, h.tasks.task("late"))
        h.queue.schedule(1, h.tasks.task("a"))
        h.queue.schedule(1, spawner)
        h.queue.schedule(1, h.tasks.task("b"))
        h.advance(1)
        count = h.queue.run_due()
        ran = [c[0] for c in h.tasks.calls()]
        hint = ("Take the batch of due tasks out of the queue before running any of them; tasks scheduled "
                "meanwhile wait for the next run_due(). Otherwise a task that reschedules itself with delay 0 "
                "would keep run_due() busy forever.")
        if "late" in ran:
            fail("run_due() ran a task that a task of the same run_due() had just scheduled with delay 0",
                 expected="tasks run: ['a', <the task that schedules 'late'>, 'b']; 'late' waits for the next call",
                 got=f"tasks run: {ran}", hint=hint)
        expect_equal(ran, ["a", "b"], "run_due() should run every due task, in scheduling order for equal "
                                      "deadlines", hint=hint)
        expect_equal(count, 3, "run_due() should return how many tasks ran (here 3, counting the one that "
                               "scheduled another)", hint="Count every task that ran.")
        expect_equal(len(h.queue), 1, "the task scheduled during run_due() should be pending afterwards",
                     hint="A task scheduled from inside a running task is an ordinary pending task.")
        expect_equal(h.queue.run_due(), 1, "the next run_due() at the same clock reading should run the task "
                                           "scheduled with delay 0", hint=hint)
        expect_equal([c[0] for c in h.tasks.calls()], ["a", "b", "late"],
                     "the task scheduled during the previous run_due() should run now", hint=hint)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_task_cancelled_during_run_due_does_not_run(subject: Subject) -> None:
    """a due task cancelled by a task that runs before it in the same run_due() does not run"""
    functools = subject.import_module("functools")
    for kind in (HEAP, WHEEL):
        h = Harness.make(subject, kind, tick=1.0, wheel_size=4)
        victim = h.queue.schedule(1, h.tasks.task("victim"))
        h.queue.schedule(0.5, functools.partial(h.queue.attr("cancel"), victim))
        h.queue.schedule(1, h.tasks.task("c"))
        h.advance(1)
        count = h.queue.run_due()
        ran = [c[0] for c in h.tasks.calls()]
        hint = ("cancel() returned True, so the task must not run: when you run a batch, check for each task "
                "that it is still pending (not cancelled meanwhile) just before calling it.")
        expect_equal(ran, ["c"], "run_due() ran a task that an earlier task of the same batch had cancelled",
                     hint=hint)
        expect_equal(count, 2, "run_due() should count only the tasks that ran (the canceller and 'c')",
                     hint=hint)
        expect_equal(len(h.queue), 0, "no task should be pending afterwards", hint=hint)
        expect_equal(h.queue.cancel(victim), False, "cancel() of a task cancelled earlier should return False",
                     hint="A second cancel() changes nothing and returns False.")


# -- correctness: bad input ----------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(1)
def test_schedule_rejects_bad_arguments(subject: Subject) -> None:
    """schedule(): ValueError for a negative or non-finite delay, TypeError for a non-number or a non-callable"""
    for kind in (HEAP, WHEEL):
        h = Harness.make(subject, kind)
        task = h.tasks.task("never")
        bad_values: tuple[object, ...] = (-1, -0.25, float("nan"), float("inf"), float("-inf"))
        for bad in bad_values:
            expect_raises("ValueError", calling(h.queue, "schedule", bad, task),
                          f"schedule({bad!r}, task) must be rejected with ValueError",
                          hint="The delay is a finite number of seconds >= 0: check math.isfinite(delay) and "
                               "delay >= 0, and name the bad value in the message.")
        bad_types: tuple[object, ...] = ("1", None, True, [1])
        for bad in bad_types:
            expect_raises("TypeError", calling(h.queue, "schedule", bad, task),
                          f"schedule({bad!r}, task) must be rejected with TypeError",
                          hint="The delay must be an int or a float; reject bool explicitly (True is an int "
                               "in Python, but a delay of True is a bug).")
        bad_tasks: tuple[object, ...] = (5, "task", None)
        for bad in bad_tasks:
            expect_raises("TypeError", calling(h.queue, "schedule", 1, bad),
                          f"schedule(1, {bad!r}) must be rejected with TypeError",
                          hint="Check callable(task) in schedule(), not when the task is due: by then the "
                               "mistake is far from its cause.")
        h.check_len("a rejected schedule() must not add a task")
        play(h, [S(0, "ok"), R, L])


@pytest.mark.correctness
@pytest.mark.points(1)
def test_constructors_defaults_and_validation(subject: Subject) -> None:
    """constructors: documented defaults work; a bad tick_duration or wheel_size is refused"""
    module = subject.import_module(MODULE)
    clock = fakes(subject).FakeClock(0.0)

    cases: list[tuple[str, str, tuple[object, ...], str]] = [
        ("ValueError", "tick_duration", (0, -1, -0.5, float("nan"), float("inf")),
         "A tick is a finite number of seconds > 0."),
        ("TypeError", "tick_duration", ("1", None, True), "tick_duration must be an int or a float, and not a bool."),
        ("ValueError", "wheel_size", (1, 0, -4), "A wheel needs at least 2 slots per level."),
        ("TypeError", "wheel_size", (2.0, "4", None, True), "wheel_size must be an int, and not a bool."),
    ]
    for error, name, bads, hint in cases:
        for bad in bads:
            kwargs = {"tick_duration": 1.0, "wheel_size": 4, name: bad, "clock": clock}
            expect_raises(error, calling(module, "TimingWheelDelayQueue", **kwargs),
                          f"TimingWheelDelayQueue({name}={bad!r}) must be rejected with {error}", hint=hint)
    rec = fakes(subject).Recorder()
    queue = module.TimingWheelDelayQueue(clock=clock)
    hint = "The defaults are tick_duration=0.01 and wheel_size=64; ticks count from clock() in the constructor."
    expect_equal(len(queue), 0, "a new TimingWheelDelayQueue should be empty", hint=hint)
    queue.schedule(1.0, rec.task("one second"))
    clock.advance(0.5)
    expect_equal(queue.run_due(), 0, "with the default tick, a task due in 1 s must not run after 0.5 s", hint=hint)
    clock.advance(1.0)
    expect_equal(queue.run_due(), 1, "with the default tick, a task due in 1 s must run by 1.5 s", hint=hint)
    heap = module.HeapDelayQueue()
    heap.schedule(0, rec.task("now"))
    expect_equal(heap.run_due(), 1, "HeapDelayQueue() with the default clock (time.monotonic) should run a "
                                    "task of delay 0 at the next run_due()",
                 hint="Default the clock to time.monotonic: its readings never go backwards.")
    expect_equal(rec.calls(), [["one second"], ["now"]], "each task should have run once",
                 hint="Call the task itself, with no arguments.")


# -- correctness: against the model -----------------------------------------------------

def check_against_model(subject: Subject, kind: str, *, max_examples: int, steps: int) -> None:
    wheel = kind == WHEEL

    class Machine(RuleBasedStateMachine):
        h: Harness
        unit: float
        count: int

        @initialize(start=st.sampled_from([0.0, 2.5, 1000.75]), tick=st.sampled_from([1.0, 0.5, 0.25]),
                    size=st.integers(2, 4))
        def create(self, start: float, tick: float, size: int) -> None:
            self.h = Harness.make(subject, kind, start=start, tick=tick, wheel_size=size, on_error=False)
            self.unit = tick if wheel else 1.0
            self.count = 0

        @rule(delays=st.lists(st.one_of(st.integers(0, 12), st.integers(0, 260)), min_size=1, max_size=4))
        def schedule(self, delays: list[int]) -> None:
            for quarters in delays:  # in quarter ticks
                self.count += 1
                self.h.schedule(quarters * self.unit / 4, f"t{self.count}")

        @rule(pick=st.integers(0, 20))
        def cancel(self, pick: int) -> None:
            issued = list(self.h.model.tasks)
            if issued and pick < 18:
                self.h.cancel_id(issued[pick % len(issued)])
            else:
                self.h.cancel_id(max(issued, default=0) + 1_000_000)

        @rule(quarters=st.one_of(st.integers(0, 6), st.integers(0, 6), st.integers(0, 40), st.integers(0, 300)),
              then_run=st.sampled_from([True, True, False]))
        def advance(self, quarters: int, then_run: bool) -> None:
            self.h.advance(quarters * self.unit / 4)
            if then_run:
                self.h.run_due()

        @rule()
        def run_due(self) -> None:
            self.h.run_due()

        @rule()
        def size(self) -> None:
            self.h.check_len()

    run_machine(subject, Machine, max_examples=max_examples, steps=steps)


@pytest.mark.correctness
@pytest.mark.points(3)
def test_heap_behaves_like_the_model(subject: Subject) -> None:
    """HeapDelayQueue: random schedule/cancel/advance/run_due/len sequences agree with a model"""
    check_against_model(subject, HEAP, max_examples=40, steps=30)


@pytest.mark.correctness
@pytest.mark.points(3)
def test_wheel_behaves_like_the_model(subject: Subject) -> None:
    """TimingWheelDelayQueue: random sequences over small wheels (many levels) agree with a model"""
    check_against_model(subject, WHEEL, max_examples=70, steps=30)


# -- faults --------------------------------------------------------------------------------

@pytest.mark.faults
@pytest.mark.points(2)
def test_raising_task_does_not_stop_the_others(subject: Subject) -> None:
    """a task that raises goes to on_error (or the log) and the other due tasks still run"""
    for kind in (HEAP, WHEEL):
        h = Harness.make(subject, kind, raise_on=["bad1", "bad2"])
        play(h, [S(1, "a"), S(1, "bad1"), S(1, "b"), S(2, "bad2"), S(2, "c"), S(3, "d"), A(2), R, L, A(1), R, L])
        h = Harness.make(subject, kind, raise_on=["bad3"], on_error=False)
        play(h, [S(1, "bad3"), S(1, "e"), A(1), R, L])


# -- performance ---------------------------------------------------------------------------

Setup = Callable[[int], tuple[RemoteObject, Callable[[int], list[tuple[str, tuple[Any, ...]]]]]]
CANCELS_PER_ROUND = 128
DUE_PER_TICK = 4
TICKS_PER_ROUND = 16


def prefill(subject: Subject, queue: RemoteObject, task: RemoteObject, delays: list[float]) -> list[Any]:
    _, ids = subject.batch(queue, [("schedule", (d, task)) for d in delays], results=True)
    return list(ids)


@pytest.mark.performance
@pytest.mark.points(2)
def test_wheel_schedule_cancel_constant_time(subject: Subject, figures: Figures) -> None:
    """TimingWheelDelayQueue: schedule/cancel stay O(1): time per call with 16n pending over n"""
    module = subject.import_module(MODULE)
    spread = [3.0, 100.0, 5000.0, 300000.0]  # few slots, on several levels: each holds a quarter of the tasks

    def setup(size: int) -> tuple[RemoteObject, Callable[[int], list[tuple[str, tuple[Any, ...]]]]]:
        rng = random.Random(size)
        task = fakes(subject).Recorder().task("p")
        queue = module.TimingWheelDelayQueue(tick_duration=1.0, wheel_size=64, clock=fakes(subject).FakeClock(0.0))
        ids = prefill(subject, queue, task, [rng.choice(spread) for _ in range(size)])
        rng.shuffle(ids)

        def calls(round_: int) -> list[tuple[str, tuple[Any, ...]]]:
            out: list[tuple[str, tuple[Any, ...]]] = []
            for victim in ids[round_ * CANCELS_PER_ROUND:(round_ + 1) * CANCELS_PER_ROUND]:
                out.append(("cancel", (victim,)))
                out.append(("schedule", (rng.choice(spread), task)))
            return out

        return queue, calls

    check_growth(subject, figures, setup, n=1024, factor=16, operation="schedule/cancel",
                 hint="Neither call may search: compute the slot from the expiry tick, keep a dict from task id "
                      "to its entry, and make each slot a dict (or a doubly linked list) so cancel() removes a "
                      "task in O(1). list.remove() scans the whole slot.")


def run_due_setup(subject: Subject, kind: str) -> Setup:
    """Queues with n far-future tasks; each round runs 16 ticks with 4 due tasks each."""
    module = subject.import_module(MODULE)
    functools = subject.import_module("functools")

    def setup(size: int) -> tuple[RemoteObject, Callable[[int], list[tuple[str, tuple[Any, ...]]]]]:
        rng = random.Random(size)
        clock = fakes(subject).FakeClock(0.0)
        rec = fakes(subject).Recorder()
        if kind == WHEEL:
            queue = module.TimingWheelDelayQueue(tick_duration=1.0, wheel_size=4, clock=clock)
        else:
            queue = module.HeapDelayQueue(clock=clock)
        prefill(subject, queue, rec.task("far"), [rng.randrange(4000, 400_000) / 4 for _ in range(size)])
        due = rec.task("due")
        tick = functools.partial(clock.attr("advance"), 1.0)  # the last task of each tick moves the clock on

        def calls(round_: int) -> list[tuple[str, tuple[Any, ...]]]:
            prep: list[tuple[str, tuple[Any, ...]]] = []
            for j in range(1, TICKS_PER_ROUND + 1):
                prep += [("schedule", (j - 0.5, due))] * DUE_PER_TICK + [("schedule", (j - 0.5, tick))]
            subject.batch(queue, prep)
            clock.advance(1.0)
            return [("run_due", ())] * TICKS_PER_ROUND

        return queue, calls

    return setup


@pytest.mark.performance
@pytest.mark.points(2)
def test_wheel_run_due_cost_follows_due_tasks(subject: Subject, figures: Figures) -> None:
    """TimingWheelDelayQueue: run_due() costs the due tasks, not the pending ones (16n pending over n)"""
    check_growth(subject, figures, run_due_setup(subject, WHEEL), n=1024, factor=16, operation="run_due",
                 hint="run_due() should touch only the slots the current tick reaches and the tasks that are "
                      "due. A single wheel whose tasks count down 'remaining rounds' looks at every far-future "
                      "task of a slot at every revolution; a hierarchical wheel leaves them on a higher level "
                      "until their slot there comes due.")


@pytest.mark.performance
@pytest.mark.points(2)
def test_heap_run_due_cost_follows_due_tasks(subject: Subject, figures: Figures) -> None:
    """HeapDelayQueue: run_due() costs O(k log n) for k due tasks (16n pending over n)"""
    check_growth(subject, figures, run_due_setup(subject, HEAP), n=1024, factor=16, operation="run_due",
                 hint="Pop due tasks off the top of the heap and stop at the first one that is not due. "
                      "Scanning or sorting all pending tasks makes every call O(n).")
