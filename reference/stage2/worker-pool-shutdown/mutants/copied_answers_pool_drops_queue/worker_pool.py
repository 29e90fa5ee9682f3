"""MUTANT: workers stop as soon as the pool is closed, abandoning the queued tasks

The worker loop checks the closed flag before the queue: after shutdown() every queued
task is dropped without running, and its handle never becomes done.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable


class QueueFull(Exception):
    """submit() waited for room in the queue until its timeout ran out."""


class PoolClosed(RuntimeError):
    """The pool is shut down and accepts no more tasks."""


class TaskCancelled(Exception):
    """result() of a task that shutdown_now() removed from the queue before it started."""


_PENDING, _DONE, _FAILED, _CANCELLED = range(4)


def _check_timeout(timeout: float | None, name: str = "timeout") -> None:
    if timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"{name} must be a number of seconds or None, got {type(timeout).__name__}: {timeout!r}")
    if timeout < 0:
        raise ValueError(f"{name} must not be negative, got {timeout}")


class TaskHandle:
    """The submitter's side of one task: wait for it, then read its value or its exception."""

    def __init__(self, task: Callable[[], object]) -> None:
        self._task = task
        self._state = _PENDING
        self._value: object = None
        self._error: BaseException | None = None
        self._finished = threading.Event()

    def done(self) -> bool:
        """True once the task has returned, raised, or been cancelled."""
        return self._finished.is_set()

    def cancelled(self) -> bool:
        """True if shutdown_now() removed the task from the queue before it started."""
        return self._finished.is_set() and self._state == _CANCELLED

    def result(self, timeout: float | None = None) -> object:
        """The task's return value; re-raises its exception.

        Waits at most ``timeout`` seconds (None: as long as it takes) and raises
        ``TimeoutError`` if the task has not finished by then; the task itself is not
        affected. Raises ``TaskCancelled`` for a cancelled task.
        """
        _check_timeout(timeout)
        if not self._finished.wait(timeout):
            raise TimeoutError(f"the task did not finish within {timeout} s")
        if self._state == _CANCELLED:
            raise TaskCancelled("the task was cancelled by shutdown_now() before it started")
        if self._state == _FAILED:
            assert self._error is not None
            raise self._error
        return self._value

    # -- called by the pool ----------------------------------------------------------
    def _run(self) -> None:
        try:
            value = self._task()
        except BaseException as exc:  # noqa: BLE001 - the task's failure belongs to its submitter
            self._error, self._state = exc, _FAILED
        else:
            self._value, self._state = value, _DONE
        self._task = _noop  # drop the reference: the handle may outlive the task by far
        self._finished.set()

    def _cancel(self) -> None:
        self._state = _CANCELLED
        self._finished.set()


def _noop() -> None:
    return None


class WorkerPool:
    """A fixed number of reused worker threads and a bounded FIFO queue of tasks."""

    def __init__(self, workers: int, queue_size: int) -> None:
        for name, value in (("workers", workers), ("queue_size", queue_size)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, got {type(value).__name__}: {value!r}")
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        self._workers = workers
        self._queue_size = queue_size
        self._queue: deque[TaskHandle] = deque()
        self._lock = threading.Lock()
        self._not_empty = threading.Condition(self._lock)
        self._not_full = threading.Condition(self._lock)
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, name=f"pool-worker-{i}", daemon=True) for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def workers(self) -> int:
        return self._workers

    @property
    def queue_size(self) -> int:
        return self._queue_size

    # -- submitting ------------------------------------------------------------------
    def submit(self, task: Callable[[], object], timeout: float | None = None) -> TaskHandle:
        """Queue ``task``; wait for room at most ``timeout`` seconds (None: no limit).

        Raises QueueFull when the timeout runs out, PoolClosed if the pool is (or gets)
        shut down.
        """
        if not callable(task):
            raise TypeError(f"task must be callable with no arguments, got {type(task).__name__}: {task!r}")
        _check_timeout(timeout)
        with self._lock:
            if not self._not_full.wait_for(lambda: self._closed or len(self._queue) < self._queue_size, timeout):
                raise QueueFull(f"no room in the queue ({self._queue_size} tasks waiting) within {timeout} s")
            return self._enqueue(task)

    def try_submit(self, task: Callable[[], object]) -> TaskHandle | None:
        """Queue ``task`` if there is room right now; return None if the queue is full."""
        if not callable(task):
            raise TypeError(f"task must be callable with no arguments, got {type(task).__name__}: {task!r}")
        with self._lock:
            if not self._closed and len(self._queue) >= self._queue_size:
                return None
            return self._enqueue(task)

    def _enqueue(self, task: Callable[[], object]) -> TaskHandle:
        """Put a task in the queue; the lock is held and there is room (or the pool is closed)."""
        if self._closed:
            raise PoolClosed("the pool is shut down and accepts no more tasks")
        handle = TaskHandle(task)
        self._queue.append(handle)
        self._not_empty.notify()
        return handle

    # -- the workers -----------------------------------------------------------------
    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self._closed:
                    self._not_empty.wait()
                if self._closed:
                    return
                handle = self._queue.popleft()
                self._not_full.notify()
            handle._run()  # never raises: the outcome goes to the handle

    # -- shutting down ---------------------------------------------------------------
    def shutdown(self, wait: bool = True) -> None:
        """Accept no more tasks; the queued ones still run, then the workers exit.

        With ``wait`` (the default), return once every worker has exited.
        """
        with self._lock:
            self._closed = True
            self._not_empty.notify_all()
            self._not_full.notify_all()
        if wait:
            self._join()

    def shutdown_now(self) -> list[TaskHandle]:
        """Accept no more tasks and cancel the queued ones; return their handles, oldest first.

        Running tasks finish; this does not wait for them (call shutdown() for that).
        """
        with self._lock:
            self._closed = True
            cancelled = list(self._queue)
            self._queue.clear()
            self._not_empty.notify_all()
            self._not_full.notify_all()
        for handle in cancelled:
            handle._cancel()
        return cancelled

    def _join(self) -> None:
        current = threading.current_thread()
        for thread in self._threads:
            if thread is not current:  # a task that shuts its own pool down must not join itself
                thread.join()
