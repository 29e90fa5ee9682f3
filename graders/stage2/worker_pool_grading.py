"""Helpers of the stage2/worker-pool grader: the objects a check creates in the subject, and bounded waits.

Everything a task does must already exist in the subject process, so tasks are made there:
``Gate`` tasks occupy workers until the grader opens the gate (or, as a safety net, until
``HOLD_LIMIT`` passes) and record that they started; an open gate's tasks return their
value at once; ``Recorder`` tasks record their argument, or raise for a chosen one; and
``threading.current_thread`` itself is a task that tells which thread ran it.

No check sleeps: when something must happen in another thread, the check waits for it with
a bound (``WAIT``) far above what a correct pool needs (microseconds; tens of milliseconds on
a machine loaded to the hilt) and fails with a clear message when the bound runs out. Once a
wait has run out in vain, the pool is known to lose tasks, and later waits of the same run
are bounded by ``SHORT_WAIT``: a pool with a lost wake-up fails a dozen checks, and each
should not cost a full second. A correct pool never sees the short bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from swai.grading import expect_equal, expect_true, fail
from swai.subject import RemoteObject, Subject
from swai.subject.client import show
from swai.subject.errors import SubjectError

MODULE = "worker_pool"
WAIT = 1.0  # seconds given to something a correct pool does in microseconds
SHORT_WAIT = 0.1  # the bound once a wait of this run has already run out in vain
HOLD_LIMIT = 3.0  # gates that occupy workers open by themselves after this long, so nothing hangs


class _Waits:
    missed = False  # has a wait of this grading run already run out?


def bound() -> float:
    """How long to wait for something a correct pool does at once."""
    return SHORT_WAIT if _Waits.missed else WAIT


def missed(waited: float) -> str:
    """Note a wait that ran out; the words for the learner."""
    _Waits.missed = True
    if waited < WAIT:
        return f"{waited:g} s (shortened: an earlier check already waited {WAIT:g} s in vain)"
    return f"{waited:g} s"


class Kit:
    """The learner's module and the test doubles, all inside the subject process."""

    def __init__(self, subject: Subject) -> None:
        self.subject = subject
        self.module = subject.import_module(MODULE)
        self.fakes = subject.import_module("swai.subject.fakes")
        self.threadstate = subject.import_module("swai.subject.threadstate")
        self.threading = subject.import_module("threading")

    def pool(self, workers: Any, queue_size: Any) -> RemoteObject:
        pool: RemoteObject = self.module.WorkerPool(workers, queue_size)
        return pool

    def gate(self, limit: float = HOLD_LIMIT) -> RemoteObject:
        """A closed gate: its tasks block (at most ``limit`` seconds) until it is opened."""
        gate: RemoteObject = self.fakes.Gate(limit)
        return gate

    def open_gate(self) -> RemoteObject:
        """An open gate: its tasks record that they started and return their value at once."""
        gate = self.gate()
        gate.open()
        return gate

    def recorder(self, raise_on: Sequence[Any] = ()) -> RemoteObject:
        recorder: RemoteObject = self.fakes.Recorder(list(raise_on))
        return recorder

    def tasks(self, maker: RemoteObject, values: Sequence[Any]) -> list[RemoteObject]:
        """``maker.task(v)`` for every value, made in one round trip."""
        _, tasks = self.subject.batch(maker, [("task", (v,)) for v in values], results=True)
        return list(tasks)

    def submit_all(self, pool: RemoteObject, tasks: Sequence[Any]) -> list[RemoteObject]:
        """``pool.submit(t)`` for every task, in one round trip; the handles, in order."""
        _, handles = self.subject.batch(pool, [("submit", (t,)) for t in tasks], results=True)
        for handle in handles:
            if not isinstance(handle, RemoteObject):
                fail("submit() should return a handle object for the task",
                     expected="a TaskHandle (an object with result(), done() and cancelled())", got=show(handle),
                     hint="Create one handle per task in submit() and return it; the worker stores the "
                          "task's outcome in it.")
        return list(handles)

    def park(self, threads: Sequence[RemoteObject]) -> None:
        """Wait (at most 1 s) until ``threads`` are asleep in their waits, not on their way back to
        them: a shutdown() that wakes too few idle workers is then seen on a busy machine too."""
        self.subject.call(self.threadstate, "wait_parked", (list(threads),), {},
                          text="[wait until the worker threads are parked]")

    def threads(self) -> list[RemoteObject]:
        """The threads alive in the subject right now."""
        threads: list[RemoteObject] = self.subject.call(self.threading, "enumerate", (), {},
                                                        text="threading.enumerate()")
        return threads

    def new_threads(self, before: Sequence[RemoteObject]) -> list[RemoteObject]:
        return [t for t in self.threads() if t not in before]


def expect_handle(value: Any, what: str) -> RemoteObject:
    if not isinstance(value, RemoteObject):
        fail(f"{what} should return a handle for the task", expected="a TaskHandle", got=show(value),
             hint="submit() and try_submit() (when there is room) return the task's handle.")
    return value


def outcome(handle: RemoteObject, summary: str, *, hint: str) -> tuple[Any, SubjectError | None]:
    """(value, None) or (None, the task's exception), waiting a bounded time for the task to finish."""
    waited = bound()
    try:
        return handle.result(timeout=waited), None
    except SubjectError as exc:
        if exc.is_a("TimeoutError"):
            fail(summary, expected=f"the task to finish within {missed(waited)}; it needs microseconds",
                 got="result() raised TimeoutError: the task never finished", hint=hint)
        return None, exc


def result_of(handle: RemoteObject, summary: str, *, hint: str) -> Any:
    """The task's result, waiting a bounded time; a task that never finishes fails the check."""
    value, error = outcome(handle, summary, hint=hint)
    if error is not None:
        raise error
    return value


def error_of(handle: RemoteObject, type_name: str, summary: str, *, hint: str) -> SubjectError:
    """The exception the task raised (it must be ``type_name``), waiting a bounded time."""
    value, error = outcome(handle, summary, hint=hint)
    if error is None:
        fail(summary, expected=f"result() to raise {type_name}", got=f"it returned {show(value)}", hint=hint)
    expect_raised(error, type_name, summary, hint=hint)
    return error


def expect_result(handle: RemoteObject, value: Any, summary: str, *, hint: str) -> None:
    expect_equal(result_of(handle, summary, hint=hint), value, summary, hint=hint)


def expect_started(gate: RemoteObject, count: int, summary: str, *, hint: str) -> None:
    """Wait (bounded) until ``count`` of ``gate``'s tasks have started."""
    waited = bound()
    if gate.wait_started(count, waited) is not True:
        started = gate.started()
        fail(summary, expected=f"{count} of these tasks started within {missed(waited)}",
             got=f"{len(started)} started: {show(started)}", hint=hint)


def expect_no_worker_left(kit: Kit, workers: Sequence[RemoteObject], summary: str, *, hint: str) -> None:
    alive = [t for t in workers if t.is_alive() is True]
    expect_true(not alive, summary, expected="no worker thread alive",
                got=f"{len(alive)} of {len(workers)} worker threads still alive", hint=hint)


def expect_raised(exc: SubjectError, type_name: str, summary: str, *, hint: str) -> None:
    expect_true(exc.is_a(type_name), summary, expected=f"{type_name} to be raised",
                got=f"{exc.type_name}: {exc.message}", hint=hint)
