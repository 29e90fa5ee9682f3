"""The shutdown scenario of stage2/worker-pool-shutdown, run inside the subject next to the learner's pool.

The grader calls ``run_scenario("graceful")`` and ``run_scenario("immediate")`` from here, in one
round trip each: this module is the source of truth for the scenario. The learner's
experiments/worker_pool_shutdown.py holds a verbatim copy of everything between the ">>> shared" and "<<< end"
lines below, so what the learner measures is exactly what the grader
re-measures with the same worker_pool.py. If the two copies ever drift, the reference's stated
outcomes stop matching the re-measurement and the exercise's proof fails; keep them identical.
"""

from __future__ import annotations

# >>> shared with support/worker_pool_shutdown_support.py: the grader replays this block, keep it unchanged
import threading
import time
from collections.abc import Callable
from typing import Any

from swai.subject.fakes import Gate, Recorder

WORKERS = 2  # WorkerPool(WORKERS, QUEUE_SIZE)
QUEUE_SIZE = 3
TASKS = ("t1", "t2", "t3", "t4", "t5", "t6", "t7")
SETTLE = 0.05  # seconds t6's submitter gets to reach submit() and block on the full queue
WAIT = 1.0  # seconds given to anything a correct pool does at once
SHORT_WAIT = 0.2  # the bound once a wait has run out in vain: a broken pool is not waited for twice
HOLD = 10.0  # t1 and t2 block on a gate the scenario opens; it opens by itself after HOLD seconds


class Waits:
    """Bounded waits; after one has run out, the later ones are short."""

    def __init__(self) -> None:
        self.missed = False

    def bound(self) -> float:
        return SHORT_WAIT if self.missed else WAIT

    def join(self, thread: threading.Thread) -> bool:
        """Wait for ``thread`` to end; False if it is still running after the bound."""
        thread.join(self.bound())
        if thread.is_alive():
            self.missed = True
            return False
        return True


def run_scenario(how: str) -> dict[str, Any]:
    """Replay the scenario with your worker_pool.WorkerPool and report what became of every task.

    ``how`` is "graceful" (the pool is stopped with shutdown(wait=True)) or "immediate"
    (shutdown_now(), then shutdown() to wait for the workers). Every call on the pool that
    could block runs in a thread of its own and is waited for a bounded time, so a broken
    pool shows up in the result instead of hanging the scenario.
    """
    if how not in ("graceful", "immediate"):
        raise ValueError(f"how must be 'graceful' or 'immediate', not {how!r}")
    import worker_pool

    log = Recorder()  # the timeline: log(text) records one event; log.calls() lists them in order
    gate = Gate(HOLD)  # t1 and t2 block on it until the scenario opens it
    waits = Waits()
    ran: list[str] = []  # the tasks that started running, in the order they started
    handles: dict[str, Any] = {}  # task -> the handle submit() returned
    refused: dict[str, str] = {}  # task -> the exception submit() raised
    helpers: list[threading.Thread] = []  # the scenario's own threads, never counted as the pool's
    submitted: list[str] = []  # the tasks handed to submit(), in order
    before = set(threading.enumerate())

    def pool_threads() -> int:
        """Threads alive now that the pool started (not the scenario's own, not older ones)."""
        return sum(1 for t in threading.enumerate() if t not in before and t not in helpers)

    def task(name: str) -> Callable[[], str]:
        def run() -> str:
            ran.append(name)
            if name in ("t1", "t2"):
                log(f"{name} started: it runs until the gate opens")
                gate.task(name)()  # blocks until the gate opens
            else:
                log(f"{name} ran")
            return name

        return run

    def in_thread(action: Callable[[], None]) -> threading.Thread:
        thread = threading.Thread(target=action, daemon=True)
        helpers.append(thread)
        thread.start()
        return thread

    def submit(name: str) -> threading.Thread:
        """pool.submit(task) in a thread of its own: it may block on a full queue."""

        def call() -> None:
            try:
                handles[name] = pool.submit(task(name))
            except Exception as exc:  # noqa: BLE001 - any refusal is an outcome to report
                refused[name] = type(exc).__name__

        submitted.append(name)
        return in_thread(call)

    def describe_submit(name: str) -> str:
        if name in refused:
            return f"{name}: submit() raised {refused[name]}"
        if name in handles:
            return f"{name}: submit() returned a handle"
        return f"{name}: submit() is still waiting"

    pool = worker_pool.WorkerPool(WORKERS, QUEUE_SIZE)
    log(f"WorkerPool({WORKERS}, {QUEUE_SIZE}) started {pool_threads()} threads")

    # t1 and t2 keep both workers busy; t3, t4, t5 fill the queue; t6 waits for room.
    for name in ("t1", "t2"):
        waits.join(submit(name))
        if not gate.wait_started(TASKS.index(name) + 1, waits.bound()):
            waits.missed = True
    for name in ("t3", "t4", "t5"):
        waits.join(submit(name))
        log(describe_submit(name))
    t6 = submit("t6")
    t6.join(SETTLE)
    log(describe_submit("t6") + (" for room in the full queue" if t6.is_alive() else ""))

    # Shut down, from a thread of its own; note the pool's threads alive right when the call returns.
    stop: dict[str, Any] = {}
    call = "shutdown(wait=True)" if how == "graceful" else "shutdown_now()"

    def shut_down() -> None:
        try:
            value = pool.shutdown(wait=True) if how == "graceful" else pool.shutdown_now()
        except Exception as exc:  # noqa: BLE001
            stop["threads_left"] = pool_threads()
            stop["error"] = f"{type(exc).__name__}: {exc}"
            log(f"{call} raised {stop['error']}: {stop['threads_left']} pool threads alive")
            return
        stop["threads_left"] = pool_threads()
        stop["value"] = value
        shown = ""
        if how == "immediate":
            names = {id(h): n for n, h in handles.items()}
            stop["returned"] = ([names.get(id(h), repr(h)) for h in value] if isinstance(value, (list, tuple))
                                else repr(value))
            shown = f" {stop['returned']}".replace("'", "")
        log(f"{call} returned{shown}: {stop['threads_left']} pool threads alive")

    log(f"{call} called")
    stopper = in_thread(shut_down)
    if how == "immediate":
        waits.join(stopper)  # shutdown_now() returns at once
    waits.join(t6)
    log(describe_submit("t6"))
    waits.join(submit("t7"))  # t7 arrives after the shutdown began
    log(describe_submit("t7"))
    if how == "graceful" and stopper.is_alive():
        log(f"{call} has not returned yet: {pool_threads()} pool threads alive")

    # Let the running tasks return, then wait for the pool to finish.
    waiting = [n for n in submitted if n not in handles and n not in refused]  # submit() has not returned
    log("the gate opens: t1 and t2 return")
    gate.open()
    if how == "graceful":
        if stopper.is_alive() and not waits.join(stopper):
            log(f"{call} still had not returned")
    else:
        final = in_thread(lambda: pool.shutdown(wait=True))
        log("shutdown(wait=True) called, to wait for the workers")
        if waits.join(final):
            log(f"shutdown(wait=True) returned: {pool_threads()} pool threads alive")
        else:
            log("shutdown(wait=True) still had not returned")
    deadline = time.monotonic() + waits.bound()  # a broken pool may still be busy: one last bounded wait
    for name in TASKS:
        handle = handles.get(name)
        if handle is not None and name not in ran:
            try:
                handle.result(timeout=max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                waits.missed = True
            except Exception:  # noqa: BLE001 - the fate below says what became of the task
                pass

    def fate(name: str) -> str:
        if name in refused:
            return "rejected"  # submit() raised: the task was never accepted
        if name not in handles:
            return "blocked"  # submit() never returned
        if name in ran:
            return "ran"
        try:
            if handles[name].cancelled() is True:
                return "cancelled"  # accepted, never run, and its handle says so
        except Exception:  # noqa: BLE001
            pass
        return "lost"  # accepted (a handle was returned), yet neither run nor cancelled

    return {
        "how": how,
        "fates": {name: fate(name) for name in TASKS},
        "refusals": dict(refused),
        "returned": stop.get("returned"),
        "threads_left": stop.get("threads_left"),
        "waiting_when_the_gate_opened": waiting,
        "shutdown_error": stop.get("error"),
        "timeline": [str(event[0]) for event in log.calls()],
    }
# <<< end of the shared block
