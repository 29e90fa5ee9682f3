"""The model and the harness behind the grader of stage2/delay-queue.

``Model`` is the specification in a few lines: a task is due once the clock reaches its due
time (the deadline for the heap; the deadline rounded up to a whole tick, counted from the
queue's creation, for the wheel), and each ``run_due`` runs every due task, sorted by
(deadline, scheduling order). ``Harness`` drives one learner queue with a FakeClock and
Recorder tasks created in the subject process, and compares every answer with the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from swai.grading import expect_equal, expect_true, fail
from swai.subject import RemoteObject, Subject, SubjectError

MODULE = "delay_queue"
HEAP = "HeapDelayQueue"
WHEEL = "TimingWheelDelayQueue"

HINT_ORDER = ("Collect every due task first, then run the batch sorted by (deadline, scheduling sequence number): "
              "the earliest deadline first, equal deadlines in the order they were scheduled.")
HINT_HEAP_EARLY = ("A task is due once clock() >= its deadline, and its deadline is clock() at schedule() plus "
                   "the delay. Read the clock once at the start of run_due().")
HINT_HEAP_MISSED = ("run_due() must run every task whose deadline is <= clock(): keep popping the heap while its "
                    "top is due.")
HINT_WHEEL_EARLY = ("A task must never run before its deadline. Its expiry tick is ceil((deadline - start) / "
                    "tick_duration), with start = clock() read in the constructor; it runs once "
                    "floor((clock() - start) / tick_duration) reaches that tick.")
HINT_WHEEL_MISSED = ("A task more than one revolution ahead lives on a higher level of the wheel. When the current "
                     "tick reaches its slot there, place each task of that slot again by its own expiry tick "
                     "(cascading), until it lands on level 0 or is due.")
HINT_CANCELLED = "cancel() must take the task out of the queue (or mark it) so that it never runs."
HINT_TWICE = "Take a task out of the queue when it runs, so it runs exactly once."


def show_time(value: Fraction) -> str:
    return f"{float(value):g}"


@dataclass
class Pending:
    """A task the model knows about: when and how it was scheduled, and when it is due."""

    label: str
    order: int  # scheduling order
    at: Fraction  # clock reading when it was scheduled
    delay: Fraction
    deadline: Fraction
    due: Fraction  # the first clock reading at which run_due() runs it
    state: str = "pending"  # pending, ran, cancelled

    def describe(self) -> str:
        return f"task {self.label!r} (scheduled at clock {show_time(self.at)} with delay {show_time(self.delay)})"


class Model:
    """The queue as the spec describes it, with exact arithmetic."""

    def __init__(self, start: float, tick: float | None) -> None:
        self.start = Fraction(start)
        self.tick = None if tick is None else Fraction(tick)
        self.tasks: dict[Any, Pending] = {}  # by the learner's task id
        self.by_label: dict[str, Pending] = {}
        self.order = 0

    def due_time(self, deadline: Fraction) -> Fraction:
        if self.tick is None:
            return deadline
        return self.start + math.ceil((deadline - self.start) / self.tick) * self.tick

    def explain_due(self, task: Pending) -> str:
        if self.tick is None:
            return f"its deadline is {show_time(task.deadline)}"
        ticks = (task.due - self.start) / self.tick
        return (f"its deadline {show_time(task.deadline)} rounded up to a whole tick is tick {ticks} "
                f"of a wheel started at clock {show_time(self.start)}: due at clock {show_time(task.due)}")

    def schedule(self, task_id: Any, label: str, now: Fraction, delay: Fraction) -> Pending:
        deadline = now + delay
        task = Pending(label, self.order, now, delay, deadline, self.due_time(deadline))
        self.order += 1
        self.tasks[task_id] = task
        self.by_label[label] = task
        return task

    def cancel(self, task_id: Any) -> bool:
        task = self.tasks.get(task_id)
        if task is None or task.state != "pending":
            return False
        task.state = "cancelled"
        return True

    def pending(self) -> list[Pending]:
        return [t for t in self.tasks.values() if t.state == "pending"]

    def run_due(self, now: Fraction) -> list[Pending]:
        due = sorted((t for t in self.pending() if t.due <= now), key=lambda t: (t.deadline, t.order))
        for task in due:
            task.state = "ran"
        return due


@dataclass
class Harness:
    """One learner queue with its FakeClock and Recorders, checked call by call against the model."""

    subject: Subject
    kind: str
    queue: RemoteObject
    clock: RemoteObject
    tasks: RemoteObject  # Recorder: each task records its label when it runs
    errors: RemoteObject | None  # Recorder given as on_error
    model: Model
    now: Fraction
    seen: int = 0  # task calls already compared
    errors_seen: int = 0
    ids: dict[str, Any] = field(default_factory=dict)  # label -> the learner's task id
    raising: frozenset[str] = frozenset()  # labels of the tasks that raise when they run

    @classmethod
    def make(cls, subject: Subject, kind: str, *, start: float = 0.0, tick: float = 1.0, wheel_size: int = 4,
             raise_on: list[str] | None = None, on_error: bool = True) -> Harness:
        fakes = subject.import_module("swai.subject.fakes")
        clock = fakes.FakeClock(start)
        tasks = fakes.Recorder(raise_on=raise_on or [])
        errors = fakes.Recorder() if on_error else None
        kwargs: dict[str, Any] = {"clock": clock}
        if errors is not None:
            kwargs["on_error"] = errors
        module = subject.import_module(MODULE)
        if kind == WHEEL:
            queue = module.TimingWheelDelayQueue(tick_duration=tick, wheel_size=wheel_size, **kwargs)
        else:
            queue = module.HeapDelayQueue(**kwargs)
        model = Model(start, tick if kind == WHEEL else None)
        return cls(subject, kind, queue, clock, tasks, errors, model, Fraction(start),
                   raising=frozenset(raise_on or []))

    @property
    def wheel(self) -> bool:
        return self.kind == WHEEL

    # -- steps ----------------------------------------------------------------------------
    def schedule(self, delay: float, label: str) -> Any:
        task_id = self.queue.schedule(delay, self.tasks.task(label))
        if type(task_id) is not int:
            fail("schedule() should return the new task's id, an int", expected="an int", got=repr(task_id),
                 hint="Give every task the next number of a counter and return it: ids are ints, unique "
                      "within the queue.")
        if task_id in self.model.tasks:
            fail(f"schedule() returned the id {task_id} a second time", expected="a new, unique task id",
                 got=f"{task_id}, already the id of {self.model.tasks[task_id].describe()}",
                 hint="Never reuse a task id, not even after the task ran or was cancelled: take the next "
                      "number of a counter.")
        self.model.schedule(task_id, label, self.now, Fraction(delay))
        self.ids[label] = task_id
        return task_id

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.now += Fraction(seconds)

    def cancel(self, label: str) -> None:
        self.cancel_id(self.ids[label])

    def cancel_id(self, task_id: Any) -> None:
        task = self.model.tasks.get(task_id)
        state = task.state if task is not None else "unknown"
        want = self.model.cancel(task_id)
        what = {"pending": "a pending task", "ran": "a task that already ran",
                "cancelled": "a task that was already cancelled", "unknown": "an id this queue never issued"}[state]
        hint = ("cancel() returns True only when it stops a pending task; for a task that already ran, was "
                "already cancelled, or an unknown id it changes nothing and returns False (never raises)."
                if not want else "A pending task must be cancellable: find it by id and take it out.")
        try:
            got = self.queue.cancel(task_id)
        except SubjectError as exc:
            fail(f"cancel() of {what} raised {exc.type_name}", expected=repr(want), got=f"{exc}", hint=hint)
        expect_equal(got, want, f"cancel() of {what} should return {want}", hint=hint)

    def check_len(self, summary: str = "len(queue) should count the pending tasks") -> None:
        want = len(self.model.pending())
        expect_equal(len(self.queue), want, summary,
                     hint="len() is the number of tasks scheduled and not yet run or cancelled.")

    def run_due(self) -> None:
        want = self.model.run_due(self.now)
        try:
            count = self.queue.run_due()
        except SubjectError as exc:
            if exc.is_a("RuntimeError") and exc.message.startswith("injected failure"):
                fail(f"run_due() let the exception of a task escape ({exc.message}), so the due tasks after it "
                     "did not run", expected=f"tasks run: {[t.label for t in want]}, and no exception",
                     got=f"{exc.type_name}: {exc.message}",
                     hint="Wrap each task call in try/except Exception, pass the exception to on_error (or log "
                          "it when there is none), and go on with the next task.")
            raise
        if count != 0 or want:  # a run_due() that ran nothing and says so needs no second look
            calls = self.tasks.calls()
            got = [call[0] if call else None for call in calls[self.seen:]]
            self.seen = len(calls)
            self.compare_fired(got, want)
        expect_equal(count, len(want), "run_due() should return how many tasks it ran",
                     hint="Count every task run_due() ran, including tasks that raised.")
        raised = [t for t in want if t.label in self.raising]
        if self.errors is not None and raised:
            self.compare_errors(raised)

    # -- comparing ------------------------------------------------------------------------
    def compare_fired(self, got: list[Any], want: list[Pending]) -> None:
        clock = f"clock {show_time(self.now)}"
        want_labels = [t.label for t in want]
        expected = f"tasks run, in order: {want_labels}"
        got_text = f"tasks run, in order: {got}"
        early_hint = HINT_WHEEL_EARLY if self.wheel else HINT_HEAP_EARLY
        for label in got:
            if label in want_labels:
                continue
            task = self.model.by_label.get(str(label))
            if task is None:
                fail(f"run_due() at {clock} ran a task that was never scheduled ({label!r})",
                     expected=expected, got=got_text, hint=HINT_TWICE)
            if task.state == "cancelled":
                fail(f"run_due() at {clock} ran {task.describe()}, which had been cancelled",
                     expected=expected, got=got_text, hint=HINT_CANCELLED)
            if task.state == "ran" or got.count(label) > 1:
                fail(f"run_due() at {clock} ran {task.describe()} a second time",
                     expected=expected, got=got_text, hint=HINT_TWICE)
            fail(f"run_due() at {clock} ran {task.describe()} too early: {self.model.explain_due(task)}",
                 expected=expected, got=got_text, hint=early_hint)
        for task in want:
            if task.label not in got:
                missed_hint = HINT_WHEEL_MISSED if self.wheel else HINT_HEAP_MISSED
                fail(f"run_due() at {clock} did not run {task.describe()}, although {self.model.explain_due(task)}",
                     expected=expected, got=got_text, hint=missed_hint)
        if got != want_labels:
            fail(f"run_due() at {clock} ran the right tasks in the wrong order", expected=expected, got=got_text,
                 hint=HINT_ORDER)

    def compare_errors(self, raised: list[Pending]) -> None:
        assert self.errors is not None
        calls = self.errors.calls()
        new = calls[self.errors_seen:]
        self.errors_seen = len(calls)
        want = [self.ids[t.label] for t in raised]
        got_ids = [call[0] if call else None for call in new]
        labels = [t.label for t in raised]
        expect_equal(got_ids, want, f"on_error should be called once per task that raised ({labels}), "
                                    "with that task's id, in the order they ran",
                     hint="Wrap each task call in try/except Exception and call on_error(task_id, exc).")
        for call in new:
            exc = call[1] if len(call) == 2 else None
            expect_true(isinstance(exc, RemoteObject) and exc._type == "RuntimeError",
                        "on_error should receive the exception the task raised as its second argument",
                        expected="on_error(task_id, RuntimeError(...))", got=f"on_error{tuple(call)!r}",
                        hint="Pass the caught exception object itself: on_error(task_id, exc).")
