"""Alternative: one condition variable for everything, notify_all on every change.

Simpler to get right than two conditions, at the price of waking threads that have
nothing to do (each re-checks its own condition in a loop and goes back to sleep). The
handle is a small class of its own on top of a Condition; the queue is a plain list
used with an index of the next task to run, compacted now and then.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class QueueFull(Exception):
    pass


class PoolClosed(RuntimeError):
    pass


class TaskCancelled(Exception):
    pass


def _timeout_ok(timeout: Any) -> None:
    if timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout: expected seconds (int/float) or None, got {timeout!r}")
    if timeout < 0:
        raise ValueError(f"timeout: must be >= 0, got {timeout}")


class TaskHandle:
    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.cond = threading.Condition()
        self.outcome: tuple[str, Any] | None = None

    def _finish(self, kind: str, payload: Any) -> None:
        with self.cond:
            self.outcome = (kind, payload)
            self.cond.notify_all()

    def done(self) -> bool:
        with self.cond:
            return self.outcome is not None

    def cancelled(self) -> bool:
        with self.cond:
            return self.outcome is not None and self.outcome[0] == "cancelled"

    def result(self, timeout: float | None = None) -> Any:
        _timeout_ok(timeout)
        with self.cond:
            if not self.cond.wait_for(lambda: self.outcome is not None, timeout):
                raise TimeoutError("task still running or queued")
            assert self.outcome is not None
            kind, payload = self.outcome
        if kind == "ok":
            return payload
        if kind == "error":
            raise payload
        raise TaskCancelled("task was cancelled before it started")


class WorkerPool:
    def __init__(self, workers: int, queue_size: int) -> None:
        for label, n in (("workers", workers), ("queue_size", queue_size)):
            if not isinstance(n, int) or isinstance(n, bool):
                raise TypeError(f"{label}: expected int, got {n!r}")
            if n <= 0:
                raise ValueError(f"{label}: must be positive, got {n}")
        self._n_workers = workers
        self._capacity = queue_size
        self._cond = threading.Condition()
        self._items: list[TaskHandle] = []
        self._next = 0  # index of the oldest queued task in _items
        self._stopping = False
        self._threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(workers)]
        for t in self._threads:
            t.start()

    @property
    def workers(self) -> int:
        return self._n_workers

    @property
    def queue_size(self) -> int:
        return self._capacity

    def _queued(self) -> int:
        return len(self._items) - self._next

    def _take(self) -> TaskHandle:
        handle = self._items[self._next]
        self._next += 1
        if self._next > 64 and self._next * 2 > len(self._items):
            del self._items[: self._next]
            self._next = 0
        return handle

    def _loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queued() > 0 or self._stopping)
                if self._queued() == 0:
                    return
                handle = self._take()
                self._cond.notify_all()
            try:
                value = handle.fn()
            except BaseException as exc:  # noqa: BLE001
                handle._finish("error", exc)
            else:
                handle._finish("ok", value)

    def _add(self, task: Callable[[], Any], timeout: float | None, block: bool) -> TaskHandle | None:
        if not callable(task):
            raise TypeError(f"task must be a zero-argument callable, got {task!r}")
        _timeout_ok(timeout)
        with self._cond:
            room = self._cond.wait_for(lambda: self._stopping or self._queued() < self._capacity,
                                       timeout if block else 0)
            if self._stopping:
                raise PoolClosed("submit after shutdown")
            if not room:
                if not block:
                    return None
                raise QueueFull(f"queue full ({self._capacity}) for {timeout} s")
            handle = TaskHandle(task)
            self._items.append(handle)
            self._cond.notify_all()
            return handle

    def submit(self, task: Callable[[], Any], timeout: float | None = None) -> TaskHandle:
        handle = self._add(task, timeout, True)
        assert handle is not None
        return handle

    def try_submit(self, task: Callable[[], Any]) -> TaskHandle | None:
        return self._add(task, None, False)

    def shutdown(self, wait: bool = True) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if wait:
            me = threading.current_thread()
            for t in self._threads:
                if t is not me:
                    t.join()

    def shutdown_now(self) -> list[TaskHandle]:
        with self._cond:
            self._stopping = True
            dropped = self._items[self._next:]
            self._items = []
            self._next = 0
            self._cond.notify_all()
        for handle in dropped:
            handle._finish("cancelled", None)
        return dropped
