"""Grader for stage2/worker-pool: a fixed pool of reused worker threads with a bounded queue."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule
from worker_pool_grading import (
    Kit,
    bound,
    error_of,
    expect_handle,
    expect_no_worker_left,
    expect_raised,
    expect_result,
    expect_started,
    missed,
    outcome,
    result_of,
)

from swai.grading import Figures, expect_equal, expect_raises, expect_true, fail
from swai.grading.stateful import run_machine
from swai.subject import RemoteObject, Subject
from swai.subject.client import show
from swai.subject.errors import SubjectError

LOOP_HINT = ("A worker loops for ever: under the lock, wait while the queue is empty and the pool open (in a "
             "`while` loop that re-checks the queue: a notify() sent while every worker was busy reached nobody), "
             "take the oldest task, release the lock, run the task, store its outcome in its handle, repeat.")
WAKE_HINT = ("Wait in a loop that re-checks the queue: `while not queue and not closed: cond.wait()`. A "
             "notify() sent while every worker was busy reaches nobody, so a worker coming back from a task "
             "must look at the queue before it sleeps.")
JOIN_HINT = ("shutdown() must wake every idle worker (notify_all, or one stop signal per worker) and, with "
             "wait=True, join() each worker thread before it returns.")


# -- correctness: the basics ----------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(1)
def test_submit_returns_the_result(subject: Subject) -> None:
    """submit() returns a handle whose result() is the task's return value"""
    kit = Kit(subject)
    pool = kit.pool(2, 4)
    values = kit.open_gate()
    hint = "The worker stores the task's return value in the task's own handle; result() waits for it."
    handle = expect_handle(pool.submit(values.task("a")), "submit(task)")
    expect_result(handle, "a", "result() should return what the task returned", hint=hint)
    expect_equal(handle.done(), True, "done() should be True once the task has finished", hint=hint)
    expect_equal(handle.cancelled(), False, "a task that ran is not cancelled", hint=hint)
    handle = expect_handle(pool.submit(values.task(None), timeout=1.0), "submit(task, timeout=1.0)")
    expect_result(handle, None, "a task that returns None has the result None", hint=hint)
    handle = expect_handle(pool.try_submit(values.task([1, 2])), "try_submit(task) with room in the queue")
    expect_result(handle, [1, 2], "try_submit()'s handle should deliver the task's return value", hint=hint)
    pool = kit.pool(1, 8)
    values = kit.open_gate()
    handles = kit.submit_all(pool, kit.tasks(values, [f"r{i}" for i in range(5)]))
    expect_started(values, 5, "5 tasks on an idle worker should all run", hint=LOOP_HINT)
    for i, handle in enumerate(handles):
        expect_result(handle, f"r{i}", f"after 5 tasks ran, the handle of task {i} should still return its own "
                      "result", hint=hint + " Keep the outcome in the handle, not in one place on the pool.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_task_exception_reaches_the_submitter(subject: Subject) -> None:
    """a task's exception is re-raised by result(), and the pool keeps working"""
    kit = Kit(subject)
    pool = kit.pool(1, 4)
    recorder = kit.recorder(raise_on=["boom"])
    handle = pool.submit(recorder.task("boom"))
    hint = ("Run the task in try/except in the worker, store the exception in the handle, and raise it "
            "from result(); the worker itself carries on with the next task.")
    exc = error_of(handle, "RuntimeError", "result() should re-raise the exception the task raised", hint=hint)
    expect_true("injected failure for 'boom'" in exc.message,
                "result() should re-raise the task's own exception, message included",
                expected="RuntimeError: injected failure for 'boom'", got=str(exc), hint=hint)
    expect_equal(handle.done(), True, "done() should be True once the task has raised", hint=hint)
    after = pool.submit(recorder.task("next"))
    expect_result(after, None, "the only worker should run the next task after one raised",
                  hint="An exception from a task must not end the worker's loop. " + hint)
    expect_equal(recorder.calls(), [["boom"], ["next"]], "both tasks should have run once", hint=hint)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_tasks_start_in_submission_order(subject: Subject) -> None:
    """one worker runs the queued tasks first in, first out"""
    kit = Kit(subject)
    pool = kit.pool(1, 8)
    hold, recorder = kit.gate(), kit.recorder()
    first = pool.submit(hold.task("first"))
    expect_started(hold, 1, "the first task should start at once on the idle worker", hint=LOOP_HINT)
    handles = kit.submit_all(pool, kit.tasks(recorder, list(range(6))))
    hold.open()
    expect_result(first, "first", "the first task should finish once its gate opens", hint=LOOP_HINT)
    for handle in handles:
        result_of(handle, "a queued task never ran", hint=LOOP_HINT)
    expect_equal(recorder.calls(), [[i] for i in range(6)], "queued tasks should run in the order submitted",
                 hint="The queue is FIFO: append at one end, take from the other (deque.append / popleft), "
                      "not pop() from the same end.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_workers_are_started_once_and_reused(subject: Subject) -> None:
    """the constructor starts exactly `workers` threads, and every task runs on one of them"""
    kit = Kit(subject)
    before = kit.threads()
    pool = kit.pool(3, 8)
    workers = kit.new_threads(before)
    hint = ("Start the worker threads once, in the constructor, and keep them looping over the queue; "
            "never start a thread per task.")
    expect_equal(len(workers), 3, "WorkerPool(3, 8) should start exactly 3 worker threads", hint=hint)
    current_thread = kit.threading.attr("current_thread")
    handles = kit.submit_all(pool, [current_thread] * 30)
    ran_on = [result_of(h, "a task never ran", hint=hint) for h in handles]
    strangers = [t for t in ran_on if t not in workers]
    expect_true(not strangers, "every task should run on one of the pool's worker threads",
                expected=f"30 tasks run by the 3 workers {show(workers)}",
                got=f"{len(strangers)} ran on other threads, e.g. {show(strangers[:3])}", hint=hint)
    expect_equal(len(kit.new_threads(before)), 3, "the pool should still have exactly 3 threads after 30 tasks",
                 hint=hint)
    pool.shutdown()


@pytest.mark.correctness
@pytest.mark.points(2)
def test_back_pressure_when_the_queue_is_full(subject: Subject) -> None:
    """with every worker busy the queue takes queue_size tasks; then try_submit gives None, submit QueueFull"""
    kit = Kit(subject)
    pool = kit.pool(2, 3)
    hold, values = kit.gate(), kit.open_gate()
    busy = kit.submit_all(pool, kit.tasks(hold, ["busy-0", "busy-1"]))
    expect_started(hold, 2, "2 tasks on a pool of 2 idle workers should both start at once", hint=LOOP_HINT)
    hint = ("The queue holds at most queue_size tasks that no worker has taken yet (running tasks do not "
            "count). When it is full, try_submit() returns None and submit() waits for room, raising "
            "QueueFull once its timeout runs out.")
    queued = []
    for i in range(3):
        handle = pool.try_submit(values.task(f"queued-{i}"))
        queued.append(expect_handle(handle, f"try_submit() number {i + 1} into a queue of size 3"))
    expect_equal(pool.try_submit(values.task("extra")), None,
                 "try_submit() into a full queue should return None at once", hint=hint)
    expect_raises("QueueFull", lambda: pool.submit(values.task("extra"), timeout=0),
                  "submit(task, timeout=0) into a full queue should raise QueueFull at once", hint=hint)
    expect_raises("QueueFull", lambda: pool.submit(values.task("extra"), timeout=0.05),
                  "submit(task, timeout=0.05) into a full queue should raise QueueFull after 0.05 s", hint=hint)
    hold.open()
    for i, handle in enumerate(busy):
        expect_result(handle, f"busy-{i}", "a running task should finish once its gate opens", hint=LOOP_HINT)
    for i, handle in enumerate(queued):
        expect_result(handle, f"queued-{i}", "a queued task should run once a worker is free", hint=LOOP_HINT)
    expect_equal(values.started(), [f"queued-{i}" for i in range(3)],
                 "only the 3 accepted tasks should have run (refused ones never run)", hint=hint)
    handle = expect_handle(pool.try_submit(values.task("later")), "try_submit() once the queue has drained")
    expect_result(handle, "later", "the pool should accept and run tasks again after the queue drained",
                  hint=hint)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_submit_waits_for_room(subject: Subject) -> None:
    """submit() into a full queue waits until a worker takes a task, then queues it"""
    kit = Kit(subject)
    pool = kit.pool(1, 1)
    slow, values = kit.gate(limit=0.1), kit.gate()
    running = pool.submit(slow.task("slow"))  # returns by itself after 0.1 s
    expect_started(slow, 1, "the first task should start at once on the idle worker", hint=LOOP_HINT)
    queued = pool.submit(values.task("queued"))
    hint = ("submit() without room waits (on a condition variable) until a worker takes a task out of the "
            "queue, and only raises QueueFull when its timeout runs out.")
    waited = bound()
    call = f"submit(task, timeout={waited:g}) while the only queue place is taken for another 0.1 s"
    try:
        late = expect_handle(pool.submit(values.task("late"), timeout=waited), call)
    except SubjectError as exc:
        if exc.is_a("QueueFull"):
            fail(f"{call} should have waited for room", expected="a handle, once the worker took the queued task",
                 got=f"QueueFull after {missed(waited)}", hint=hint + " " + WAKE_HINT)
        raise
    values.open()
    expect_result(running, "slow", "the running task should finish", hint=LOOP_HINT)
    expect_result(queued, "queued", "the queued task should run", hint=LOOP_HINT)
    expect_result(late, "late", "the task submitted once room appeared should run", hint=hint)


# -- correctness: shutting down -------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(2)
def test_shutdown_drains_the_queue(subject: Subject) -> None:
    """shutdown() lets every queued task run before the workers exit"""
    kit = Kit(subject)
    before = kit.threads()
    pool = kit.pool(1, 8)
    workers = kit.new_threads(before)
    hold, recorder = kit.gate(), kit.recorder()
    first = pool.submit(hold.task("first"))
    expect_started(hold, 1, "the first task should start at once on the idle worker", hint=LOOP_HINT)
    handles = kit.submit_all(pool, kit.tasks(recorder, list(range(5))))
    hint = ("shutdown() only stops new submissions: the workers keep taking tasks until the queue is empty, "
            "and only then exit (loop while the queue has tasks OR the pool is open).")
    expect_equal(pool.shutdown(wait=False), None, "shutdown(wait=False) should return None at once", hint=hint)
    hold.open()
    expect_equal(pool.shutdown(wait=True), None, "shutdown(wait=True) should return None", hint=hint)
    expect_equal(first.done(), True, "after shutdown(wait=True) returns, the running task has finished",
                 hint=hint)
    not_done = [i for i, h in enumerate(handles) if h.done() is not True]
    expect_true(not not_done, "after shutdown(wait=True) returns, every queued task has run",
                expected="done() is True for all 5 queued tasks",
                got=f"not done: tasks {not_done}; tasks run: {show(recorder.calls())}", hint=hint)
    expect_equal(recorder.calls(), [[i] for i in range(5)], "every queued task should have run once, in order",
                 hint=hint)
    expect_no_worker_left(kit, workers, "after shutdown(wait=True) returns, no worker thread is left",
                          hint=JOIN_HINT)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_shutdown_waits_and_leaves_no_thread(subject: Subject) -> None:
    """shutdown(wait=True) returns after the last task, with every worker thread gone"""
    kit = Kit(subject)
    before = kit.threads()
    pool = kit.pool(3, 8)
    workers = kit.new_threads(before)
    slow, recorder = kit.gate(limit=0.2), kit.recorder()
    running = pool.submit(slow.task("slow"))  # returns by itself after 0.2 s
    expect_started(slow, 1, "the task should start at once on an idle worker", hint=LOOP_HINT)
    handles = kit.submit_all(pool, kit.tasks(recorder, list(range(4))))
    for handle in handles:
        result_of(handle, "a task never ran while other workers were idle", hint=WAKE_HINT)
    kit.park(workers)  # the idle workers are waiting for work now, so shutdown() must wake each of them
    pool.shutdown()
    hint = "With wait=True (the default), shutdown() returns only after every worker thread has exited. " + JOIN_HINT
    expect_equal(running.done(), True, "shutdown() returned while a task was still running", hint=hint)
    expect_no_worker_left(kit, workers, "after shutdown() returns, no worker thread is left", hint=hint)
    left = kit.new_threads(before)
    expect_true(not left, "after shutdown() returns, the pool has no thread left", expected="no extra thread",
                got=f"{len(left)} threads still alive: {show(left)}", hint=hint)
    expect_equal(pool.shutdown(), None, "a second shutdown() should do nothing and return None", hint=hint)
    expect_equal(pool.shutdown_now(), [], "shutdown_now() after shutdown() has nothing left to cancel",
                 hint="shutdown_now() returns the handles of the tasks still queued: none here.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_shutdown_now_cancels_queued_tasks(subject: Subject) -> None:
    """shutdown_now() cancels the queued tasks, returns their handles, and lets running ones finish"""
    kit = Kit(subject)
    before = kit.threads()
    pool = kit.pool(1, 8)
    workers = kit.new_threads(before)
    hold, values = kit.gate(), kit.open_gate()
    running = pool.submit(hold.task("running"))
    expect_started(hold, 1, "the first task should start at once on the idle worker", hint=LOOP_HINT)
    queued = kit.submit_all(pool, kit.tasks(values, ["q0", "q1", "q2"]))
    hint = ("Under the lock, take every task out of the queue, mark each handle cancelled (done() and "
            "cancelled() become True, result() raises TaskCancelled) and return those handles, oldest first. "
            "Tasks already running are left alone.")
    cancelled = pool.shutdown_now()
    expect_true(cancelled == queued, "shutdown_now() should return the handles of the 3 queued tasks, in order",
                expected=show(queued), got=show(cancelled), hint=hint)
    for handle in queued:
        expect_equal(handle.done(), True, "a cancelled task's handle is done", hint=hint)
        expect_equal(handle.cancelled(), True, "a cancelled task's handle says cancelled() is True", hint=hint)
        expect_raises("TaskCancelled", lambda handle=handle: handle.result(timeout=0),
                      "result() of a cancelled task should raise TaskCancelled", hint=hint)
    expect_equal(running.cancelled(), False, "the running task is not cancelled", hint=hint)
    hold.open()
    expect_result(running, "running", "the running task should finish normally", hint=hint)
    expect_equal(pool.shutdown(), None, "shutdown() after shutdown_now() should wait for the workers",
                 hint=JOIN_HINT)
    expect_equal(values.started(), [], "cancelled tasks must never run", hint=hint)
    expect_no_worker_left(kit, workers, "after shutdown_now() and shutdown(), no worker thread is left",
                          hint=JOIN_HINT)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_submit_after_shutdown_is_refused(subject: Subject) -> None:
    """after shutdown, submit() and try_submit() raise PoolClosed, a RuntimeError"""
    kit = Kit(subject)
    recorder = kit.recorder()
    hint = ("Keep a closed flag, set under the lock by shutdown() and shutdown_now(), and check it in "
            "submit() and try_submit(): raise PoolClosed (a subclass of RuntimeError). A task accepted "
            "after the workers have exited would never run.")
    for how in ("shutdown", "shutdown_now"):
        pool = kit.pool(2, 4)
        getattr(pool, how)()
        task = recorder.task(how)
        for attempt in (lambda pool=pool, task=task: pool.submit(task),
                        lambda pool=pool, task=task: pool.submit(task, timeout=0),
                        lambda pool=pool, task=task: pool.try_submit(task)):
            err = expect_raises("PoolClosed", attempt, f"a task submitted after {how}() must be refused",
                                hint=hint)
            expect_raised(err, "RuntimeError", "PoolClosed should be a subclass of RuntimeError", hint=hint)
    expect_equal(recorder.calls(), [], "a refused task must never run", hint=hint)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_bad_arguments_are_refused(subject: Subject) -> None:
    """bad sizes, tasks and timeouts raise TypeError or ValueError"""
    kit = Kit(subject)
    for workers, size in ((0, 4), (-1, 4), (2, 0), (2, -5)):
        bad = workers if workers < 1 else size
        err = expect_raises("ValueError", lambda w=workers, s=size: kit.pool(w, s),
                            f"WorkerPool({workers}, {size}) must be rejected",
                            hint="workers and queue_size must both be at least 1: raise ValueError.")
        expect_true(str(bad) in err.message, f"the ValueError for WorkerPool({workers}, {size}) should name {bad}",
                    expected=f"a message mentioning {bad}", got=repr(err.message),
                    hint="Say what was wrong, e.g. f\"workers must be at least 1, got {workers}\".")
    for workers, size in (("2", 4), (2.0, 4), (True, 4), (2, None), (2, 1.5), (2, False)):
        expect_raises("TypeError", lambda w=workers, s=size: kit.pool(w, s),
                      f"WorkerPool({workers!r}, {size!r}) must be rejected",
                      hint="Both sizes must be ints; check with isinstance and reject bool explicitly.")
    pool = kit.pool(2, 4)
    expect_equal(pool.attr("workers"), 2, "pool.workers should be the number of workers given", hint="Store it.")
    expect_equal(pool.attr("queue_size"), 4, "pool.queue_size should be the queue size given", hint="Store it.")
    for bad_task in (42, None, "print"):
        expect_raises("TypeError", lambda t=bad_task: pool.submit(t), f"submit({bad_task!r}) must be rejected",
                      hint="A task is a callable taking no arguments: check callable(task) in submit().")
        expect_raises("TypeError", lambda t=bad_task: pool.try_submit(t),
                      f"try_submit({bad_task!r}) must be rejected",
                      hint="A task is a callable taking no arguments: check callable(task) in try_submit().")
    values = kit.open_gate()
    expect_raises("ValueError", lambda: pool.submit(values.task(1), timeout=-1),
                  "submit(task, timeout=-1) must be rejected", hint="A negative timeout is a ValueError.")
    expect_raises("TypeError", lambda: pool.submit(values.task(1), timeout="1"),
                  "submit(task, timeout='1') must be rejected",
                  hint="A timeout is a number of seconds (int or float) or None.")
    handle = pool.submit(values.task("ok"))
    expect_raises("ValueError", lambda: handle.result(timeout=-1), "result(timeout=-1) must be rejected",
                  hint="A negative timeout is a ValueError.")
    expect_result(handle, "ok", "refused calls must not disturb the pool",
                  hint="Validate the arguments before touching the queue.")
    expect_equal(values.started(), ["ok"], "only the accepted task should have run",
                 hint="Validate the arguments before queueing anything.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_task_queued_while_busy_is_not_forgotten(subject: Subject) -> None:
    """a task queued while every worker is busy starts as soon as a worker is free"""
    kit = Kit(subject)
    for workers in (1, 2):
        pool = kit.pool(workers, 4)
        hold, values = kit.gate(), kit.open_gate()
        busy = kit.submit_all(pool, kit.tasks(hold, list(range(workers))))
        expect_started(hold, workers, f"{workers} tasks on {workers} idle workers should all start at once",
                       hint=LOOP_HINT)
        queued = pool.submit(values.task("waiting"))
        hold.open()
        for handle in busy:
            result_of(handle, "a running task should finish once its gate opens", hint=LOOP_HINT)
        expect_started(values, 1, "the queued task did not start when a worker became free (and nothing else "
                                  "was submitted)", hint=WAKE_HINT)
        expect_result(queued, "waiting", "the queued task should finish", hint=WAKE_HINT)
        pool.shutdown()


# -- correctness: a stateful property test against a model ----------------------------------

@dataclass
class Task:
    """A task of the machine: blocks until released, returns at once, or raises at once."""

    number: int
    kind: str  # "blocker", "quick", "failing"
    handle: RemoteObject
    gate: RemoteObject | None = None
    state: str = "queued"  # "queued", "running", "finished", "cancelled"


@dataclass
class PoolModel:
    """The specification in a few lines: workers take queued tasks first in, first out."""

    workers: int
    queue_size: int
    running: list[Task] = field(default_factory=list)  # blockers occupying a worker
    queue: list[Task] = field(default_factory=list)
    closed: bool = False

    def has_room(self) -> bool:
        return len(self.queue) < self.queue_size

    def dispatch(self) -> list[Task]:
        """Free workers take queued tasks; quick and failing ones finish at once. The tasks started."""
        started = []
        while len(self.running) < self.workers and self.queue:
            task = self.queue.pop(0)
            started.append(task)
            if task.kind == "blocker":
                task.state = "running"
                self.running.append(task)
            else:
                task.state = "finished"
        return started

    def describe(self) -> str:
        return (f"pool of {self.workers} worker{'s' if self.workers > 1 else ''}: {len(self.running)} blocked "
                f"in a task, {len(self.queue)} of {self.queue_size} queue places taken"
                + (", shut down" if self.closed else ""))


def check_against_model(subject: Subject, *, max_examples: int = 50, steps: int = 10) -> None:
    kit = Kit(subject)
    hint_order = "Free workers take queued tasks oldest first; running tasks and refused tasks do not use queue places."

    class Machine(RuleBasedStateMachine):
        pool: RemoteObject
        model: PoolModel

        def __init__(self) -> None:
            super().__init__()
            self.count = 0

        @initialize(workers=st.integers(1, 3), queue_size=st.integers(1, 3))
        def create(self, workers: int, queue_size: int) -> None:
            self.pool = kit.pool(workers, queue_size)
            self.model = PoolModel(workers, queue_size)
            self.values = kit.open_gate()
            self.failing = kit.recorder(raise_on=["boom"])

        # -- submitting ----------------------------------------------------------------
        def submit(self, kind: str, how: str) -> None:
            self.count += 1
            number = self.count
            gate = kit.gate() if kind == "blocker" else None
            if gate is not None:
                task = gate.task(number)
            elif kind == "quick":
                task = self.values.task(number)
            else:
                task = self.failing.task("boom")
            call = "try_submit(task)" if how == "try" else "submit(task, timeout=0)"
            if self.model.closed:
                expect_raises("PoolClosed", lambda: self.send(how, task),
                              f"{call} after shutdown must raise PoolClosed",
                              hint="A shut-down pool refuses every new task.")
                return
            if not self.model.has_room():
                if how == "try":
                    expect_equal(self.send(how, task), None, f"{call} should return None: the queue is full "
                                 f"({self.model.describe()})", hint=hint_order)
                else:
                    expect_raises("QueueFull", lambda: self.send(how, task),
                                  f"{call} should raise QueueFull: the queue is full ({self.model.describe()})",
                                  hint=hint_order)
                return
            handle = self.send(how, task)
            if not isinstance(handle, RemoteObject):
                fail(f"{call} should have accepted the task ({self.model.describe()} before it)",
                     expected="a task handle", got=show(handle), hint=hint_order)
            task = Task(number, kind, handle, gate)
            self.model.queue.append(task)
            self.check_started(self.model.dispatch())
            self.check_done(task)

        def send(self, how: str, task: RemoteObject) -> object:
            return self.pool.try_submit(task) if how == "try" else self.pool.submit(task, timeout=0)

        @rule(kind=st.sampled_from(["blocker", "quick", "blocker", "failing"]), how=st.sampled_from(["try", "submit"]))
        def submit_task(self, kind: str, how: str) -> None:
            self.submit(kind, how)

        def check_started(self, started: list[Task]) -> None:
            """Every task the model says a free worker took must really start (and quick ones finish)."""
            for task in started:
                what = f"task {task.number} should have run: a worker was free for it ({self.model.describe()} now)"
                if task.gate is not None:
                    expect_started(task.gate, 1, what, hint=WAKE_HINT)
                elif task.kind == "quick":
                    expect_result(task.handle, task.number, what, hint=WAKE_HINT)
                else:
                    error_of(task.handle, "RuntimeError", f"{what}; it raises, so result() should re-raise "
                             "its RuntimeError", hint="Store the task's exception in its handle and raise it from "
                             "result(); the worker goes on with the next task. " + WAKE_HINT)

        # -- releasing, shutting down ------------------------------------------------------
        @precondition(lambda self: bool(self.model.running))
        @rule(pick=st.integers(0, 2))
        def finish_blocking_task(self, pick: int) -> None:
            task = self.model.running.pop(pick % len(self.model.running))
            assert task.gate is not None
            self.check_done(task)
            task.gate.open()
            expect_result(task.handle, task.number, f"task {task.number} should finish once its gate opens",
                          hint=LOOP_HINT)
            task.state = "finished"
            self.check_done(task)
            self.check_started(self.model.dispatch())
            if self.model.queue:
                self.check_done(self.model.queue[0])

        def check_done(self, task: Task) -> None:
            expect_equal(task.handle.done(), task.state in ("finished", "cancelled"),
                         f"done() of task {task.number} is wrong: the task is {task.state}",
                         hint="done() is True once the task returned, raised or was cancelled, and only then.")

        @precondition(lambda self: not self.model.closed and bool(self.model.running))
        @rule(now=st.booleans())
        def shut_down(self, now: bool) -> None:
            if now:
                self.shutdown_now()
                return
            expect_equal(self.pool.shutdown(wait=False), None, "shutdown(wait=False) should return None",
                         hint="shutdown(wait=False) closes the pool and returns at once.")
            self.model.closed = True

        def shutdown_now(self) -> None:
            cancelled = self.pool.shutdown_now()
            queued = [t.handle for t in self.model.queue]
            expect_true(cancelled == queued, f"shutdown_now() should return the handles of the "
                        f"{len(queued)} queued tasks, oldest first",
                        expected=show(queued), got=show(cancelled),
                        hint="Return the handles submit() gave for the tasks still waiting in the queue.")
            for task in self.model.queue:
                task.state = "cancelled"
                self.check_done(task)
                expect_raises("TaskCancelled", lambda task=task: task.handle.result(timeout=0),
                              f"result() of cancelled task {task.number} should raise TaskCancelled",
                              hint="Mark each cancelled handle; result() raises TaskCancelled for it.")
            self.model.queue.clear()
            self.model.closed = True

        def teardown(self) -> None:
            """Let the pool of this example end, without showing these calls in a failure."""
            if subject.failure is not None or not hasattr(self, "pool"):
                return
            shown = len(subject.transcript.entries)
            try:
                for task in self.model.running + self.model.queue:
                    if task.gate is not None:
                        task.gate.open()
                self.pool.shutdown(wait=False)
            except SubjectError:
                pass
            finally:
                del subject.transcript.entries[shown:]

    run_machine(subject, Machine, max_examples=max_examples, steps=steps)


@pytest.mark.correctness
@pytest.mark.points(4)
def test_behaves_like_the_model(subject: Subject) -> None:
    """random submits, finishing tasks and shutdowns agree with a model pool"""
    check_against_model(subject)


# -- performance ----------------------------------------------------------------------------

TASKS = 500
MAX_RATIO = 5.0  # pool time / ThreadPoolExecutor time: reused threads stay near 0.2-2.5x, a thread per task is 12x+


@pytest.mark.performance
@pytest.mark.points(3)
def test_throughput_of_tiny_tasks(subject: Subject, figures: Figures) -> None:
    """500 tiny tasks through 2 workers take at most 5x the time of Python's ThreadPoolExecutor"""
    kit = Kit(subject)
    recorder = kit.recorder()
    task = recorder.task(0)
    futures = subject.import_module("concurrent.futures")
    waited = bound()  # no submit waits long: the workers keep taking tasks
    calls = [("submit", (task, waited))] * TASKS + [("shutdown", (True,))]
    yardstick = [("submit", (task,))] * TASKS + [("shutdown", (True,))]
    best = best_yardstick = float("inf")
    repeats = 5
    for _ in range(repeats):  # alternately, so both see the same machine
        pool = kit.pool(2, 64)
        try:
            timings, _ = subject.batch(pool, calls, timeout=20.0,
                                       text=f"[{TASKS} × workerpool.submit(task, timeout={waited:g}), "
                                            "then workerpool.shutdown(True)]")
        except SubjectError as exc:
            if exc.is_a("QueueFull"):
                fail(f"the workers stopped taking tasks while {TASKS} tiny tasks were submitted in a row",
                     expected="every submit() finds room within its timeout",
                     got=f"QueueFull after {missed(waited)}", hint=LOOP_HINT)
            raise
        best = min(best, timings[0])
        executor = futures.ThreadPoolExecutor(2)
        timings, _ = subject.batch(executor, yardstick, timeout=20.0,
                                   text=f"[yardstick: {TASKS} × executor.submit(task), then executor.shutdown(True)]")
        best_yardstick = min(best_yardstick, timings[0])
    expect_equal(recorder.count(), 2 * TASKS * repeats, f"every one of the {TASKS} tasks should have run",
                 hint="shutdown(wait=True) returns only after every queued task has run.")
    ratio = best / best_yardstick
    figures.record("time for tiny tasks: your pool / ThreadPoolExecutor (2 workers each)", ratio,
                   threshold=MAX_RATIO, better="lower", unit="x")
    if ratio > MAX_RATIO:
        fail("running many tiny tasks through the pool is far too slow",
             expected=f"at most {MAX_RATIO:g}x the time of concurrent.futures.ThreadPoolExecutor(2), timed "
                      "alternately in the same process",
             got=f"{ratio:.1f}x ({best / TASKS * 1e6:.0f} µs per task, against "
                 f"{best_yardstick / TASKS * 1e6:.0f} µs)",
             hint="Start the worker threads once, in the constructor, and let each one loop over the queue. "
                  "Starting a thread costs far more than running a tiny task; so does sleeping or polling "
                  "instead of waiting on a condition variable.")


# -- faults ---------------------------------------------------------------------------------

@pytest.mark.faults
@pytest.mark.points(2)
def test_failing_tasks_do_not_shrink_the_pool(subject: Subject) -> None:
    """tasks that raise do not kill their workers: the pool keeps its size"""
    kit = Kit(subject)
    before = kit.threads()
    pool = kit.pool(3, 64)
    workers = kit.new_threads(before)
    recorder = kit.recorder(raise_on=["boom"])
    hint = ("Catch the task's exception in the worker (try/except around the call), store it in the handle, "
            "and go on with the next task: an exception must never end the worker's loop.")
    handles = kit.submit_all(pool, kit.tasks(recorder, ["boom", "ok"] * 12))
    for i, handle in enumerate(handles):
        value, error = outcome(handle, f"tasks stopped running after some raised: task {i} never finished",
                               hint=hint)
        if i % 2 == 0:
            expect_true(error is not None and error.is_a("RuntimeError"), f"task {i} should have raised",
                        expected="RuntimeError", got=str(error) if error else f"it returned {show(value)}",
                        hint=hint)
        elif error is not None:
            raise error
    alive = [t for t in workers if t.is_alive() is True]
    expect_equal(len(alive), 3, "after 12 tasks raised, all 3 worker threads should still be alive", hint=hint)
    hold = kit.gate()
    busy = kit.submit_all(pool, kit.tasks(hold, [0, 1, 2]))
    expect_started(hold, 3, "3 blocking tasks should run at once on the 3 workers after failures", hint=hint)
    hold.open()
    for handle in busy:
        result_of(handle, "a task never finished", hint=hint)
    pool.shutdown()


@pytest.mark.faults
@pytest.mark.points(2)
def test_hung_task_does_not_block_the_pool(subject: Subject) -> None:
    """a task that hangs only times out its own result(); the other workers keep serving"""
    kit = Kit(subject)
    pool = kit.pool(2, 8)
    hung, values = kit.gate(limit=2.0), kit.open_gate()
    stuck = pool.submit(hung.task("stuck"))
    expect_started(hung, 1, "the task should start at once on an idle worker", hint=LOOP_HINT)
    hint = ("result(timeout) waits at most timeout seconds (Event.wait(timeout) / Condition.wait_for) and then "
            "raises TimeoutError; the task itself keeps its worker, and the other workers keep serving.")
    expect_raises("TimeoutError", lambda: stuck.result(timeout=0.05),
                  "result(timeout=0.05) of a task that is still running should raise TimeoutError", hint=hint)
    expect_equal(stuck.done(), False, "a task that is still running is not done", hint=hint)
    handles = kit.submit_all(pool, kit.tasks(values, list(range(20))))
    for i, handle in enumerate(handles):
        expect_result(handle, i, "with one worker stuck, the other worker should run the other tasks", hint=hint)
    hung.open()
    expect_result(stuck, "stuck", "the task that hung should deliver its result once it returns", hint=hint)
    pool.shutdown()


@pytest.mark.faults
@pytest.mark.points(2)
def test_many_submitters_at_once(subject: Subject) -> None:
    """4 threads submit at once into a small queue: every task runs once, each result reaches its own handle"""
    kit = Kit(subject)
    pool = kit.pool(2, 4)
    values = kit.open_gate()
    per_thread = 40
    plans = []
    for thread in range(4):
        tasks = kit.tasks(values, [thread * 1000 + i for i in range(per_thread)])
        plans.append([("submit", (task, bound())) for task in tasks])
    results, errors = subject.threads(pool, plans, timeout=20.0)
    hint = ("Guard the queue with one lock; submitters wait for room on a condition variable; and each "
            "handle keeps its own result, set by the worker that ran that task.")
    for index, error in enumerate(errors):
        if error is not None:
            err = error["error"]
            call = f"submit(task, timeout={bound():g})"
            if "QueueFull" in err["mro"]:
                fail(f"{call} found no room while 4 threads were submitting at once: the workers stopped "
                     "taking tasks", expected="every submit() accepted within its timeout",
                     got=f"thread {index} got QueueFull after {missed(bound())}", hint=hint + " " + WAKE_HINT)
            fail(f"{call} raised while 4 threads were submitting at once", expected="no exception",
                 got=f"thread {index} raised {err['type']}: {err['message']}", hint=hint)
    for thread, handles in enumerate(results):
        for i, handle in enumerate(handles):
            want = thread * 1000 + i
            expect_result(expect_handle(handle, "submit()"), want,
                          f"the handle of task {want} (submitted by thread {thread}) should return {want}",
                          hint=hint)
    ran = values.started()
    expect_equal(sorted(ran), sorted(t * 1000 + i for t in range(4) for i in range(per_thread)),
                 "every submitted task should run exactly once", hint=hint)
    pool.shutdown()


@pytest.mark.faults
@pytest.mark.points(1)
def test_shutdown_releases_a_blocked_submitter(subject: Subject) -> None:
    """a submit() waiting for room raises PoolClosed when the pool is shut down"""
    kit = Kit(subject)
    pool = kit.pool(1, 1)
    hold = kit.gate()
    kit.submit_all(pool, kit.tasks(hold, ["running", "queued"]))
    expect_started(hold, 1, "the first task should start at once on the idle worker", hint=LOOP_HINT)
    waiting = kit.open_gate().task("never")
    waited = bound()
    results, errors = subject.threads(pool, [[("submit", (waiting, waited))], [("shutdown", (False,))]],
                                      timeout=20.0)
    hint = ("shutdown() must also wake the submitters waiting for room (notify_all on their condition); "
            "each one sees the pool closed and raises PoolClosed instead of waiting out its timeout.")
    error = errors[0]
    if error is None:
        fail("a submit() waiting in a full queue was accepted although the pool was shut down",
             expected="PoolClosed", got=f"it returned {show(results[0])}", hint=hint)
    err = error["error"]
    got = f"{err['type']}: {err['message']}"
    if "QueueFull" in err["mro"]:
        got = f"QueueFull after waiting out its timeout of {missed(waited)}"
    expect_true("PoolClosed" in err["mro"], "a submit() waiting for room should raise PoolClosed on shutdown",
                expected="PoolClosed at once", got=got, hint=hint)
    expect_equal(errors[1], None, "shutdown(wait=False) should not raise", hint=hint)
    hold.open()
    pool.shutdown()
    expect_equal(hold.started(), ["running", "queued"], "the queued task still runs after shutdown()",
                 hint="shutdown() drains the queue.")
