"""A worker pool: a fixed number of threads, started once and reused for every task.

Tasks (callables taking no arguments) wait in a bounded first-in, first-out queue until a
worker takes them. ``submit`` returns a ``TaskHandle`` through which the submitter gets the
task's return value, or its exception. When the queue is full, ``try_submit`` returns
``None`` at once and ``submit`` waits for room (raising ``QueueFull`` when its timeout runs
out). ``shutdown`` lets the queued tasks run and then stops the workers; ``shutdown_now``
cancels the queued tasks instead. See README.md for the full contract.
"""

from __future__ import annotations

from collections.abc import Callable


class QueueFull(Exception):
    """submit() waited for room in the queue until its timeout ran out."""


class PoolClosed(RuntimeError):
    """The pool is shut down and accepts no more tasks."""


class TaskCancelled(Exception):
    """result() of a task that shutdown_now() removed from the queue before it started."""


class TaskHandle:
    """The submitter's side of one task. Created by the pool, returned by submit()."""

    def done(self) -> bool:
        """True once the task has returned, raised, or been cancelled; False while queued or running."""
        raise NotImplementedError

    def cancelled(self) -> bool:
        """True if shutdown_now() removed the task from the queue before it started."""
        raise NotImplementedError

    def result(self, timeout: float | None = None) -> object:
        """Wait for the task and return its return value, or raise the exception it raised.

        Waits at most ``timeout`` seconds (None: as long as it takes); if the task has not
        finished by then, raise ``TimeoutError`` (the task is not affected). For a cancelled
        task, raise ``TaskCancelled``.

        Raises:
            TypeError: if ``timeout`` is not None, an int or a float (a bool is rejected too).
            ValueError: if ``timeout`` is negative.
        """
        raise NotImplementedError


class WorkerPool:
    """A fixed number of reused worker threads and a bounded FIFO queue of tasks."""

    def __init__(self, workers: int, queue_size: int) -> None:
        """Start ``workers`` worker threads; at most ``queue_size`` tasks may wait in the queue.

        Raises:
            TypeError: if either is not an int (a bool is rejected too).
            ValueError: if either is less than 1; the message names the value.
        """
        raise NotImplementedError

    @property
    def workers(self) -> int:
        """The number of worker threads."""
        raise NotImplementedError

    @property
    def queue_size(self) -> int:
        """How many tasks may wait in the queue (running tasks do not count)."""
        raise NotImplementedError

    def submit(self, task: Callable[[], object], timeout: float | None = None) -> TaskHandle:
        """Queue ``task`` and return its handle.

        If the queue is full, wait for room at most ``timeout`` seconds (None: as long as it
        takes; 0: not at all) and raise ``QueueFull`` if there is still none.

        Raises:
            TypeError: if ``task`` is not callable, or ``timeout`` is not None/int/float.
            ValueError: if ``timeout`` is negative.
            QueueFull: if the queue stayed full for ``timeout`` seconds.
            PoolClosed: if the pool is shut down (also while this call was waiting for room).
        """
        raise NotImplementedError

    def try_submit(self, task: Callable[[], object]) -> TaskHandle | None:
        """Queue ``task`` if there is room right now and return its handle; return None if the queue is full.

        Raises:
            TypeError: if ``task`` is not callable.
            PoolClosed: if the pool is shut down.
        """
        raise NotImplementedError

    def shutdown(self, wait: bool = True) -> None:
        """Accept no more tasks; every task already queued still runs, then the workers exit.

        With ``wait=True`` return only after every worker thread has exited; with
        ``wait=False`` return at once. Calling it again is allowed.
        """
        raise NotImplementedError

    def shutdown_now(self) -> list[TaskHandle]:
        """Accept no more tasks and cancel the queued ones; return their handles, oldest first.

        Tasks already running finish normally; this does not wait for them (call
        ``shutdown()`` afterwards to wait for the workers to exit).
        """
        raise NotImplementedError
