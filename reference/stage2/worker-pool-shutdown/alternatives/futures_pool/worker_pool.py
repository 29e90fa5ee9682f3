"""Alternative: queue.Queue for the tasks, a semaphore for the room, Futures for the results.

The task queue itself is unbounded; the bound is a semaphore with ``queue_size`` slots that
a submitter takes before it enqueues and a worker gives back when it dequeues. Shutdown
enqueues one ``None`` per worker behind the queued tasks, so the workers drain the queue
and then stop. Handles are ``concurrent.futures.Future`` objects with a ``result`` that
speaks this pool's exceptions.
"""

from __future__ import annotations

import concurrent.futures
import queue
import threading
from collections.abc import Callable
from typing import Any


class QueueFull(Exception):
    pass


class PoolClosed(RuntimeError):
    pass


class TaskCancelled(Exception):
    pass


def _valid_timeout(timeout: Any) -> None:
    if timeout is not None:
        if type(timeout) not in (int, float):
            raise TypeError(f"timeout must be a number or None, not {type(timeout).__name__}")
        if timeout < 0:
            raise ValueError(f"timeout must be >= 0, got {timeout}")


class TaskHandle(concurrent.futures.Future[Any]):
    def result(self, timeout: float | None = None) -> Any:
        _valid_timeout(timeout)
        try:
            return super().result(timeout)
        except concurrent.futures.CancelledError:
            raise TaskCancelled("cancelled by shutdown_now()") from None


class WorkerPool:
    def __init__(self, workers: int, queue_size: int) -> None:
        if type(workers) is not int or type(queue_size) is not int:
            raise TypeError(f"workers and queue_size must be ints, got {workers!r} and {queue_size!r}")
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        if queue_size < 1:
            raise ValueError(f"queue_size must be >= 1, got {queue_size}")
        self.workers = workers
        self.queue_size = queue_size
        self._tasks: queue.Queue[tuple[TaskHandle, Callable[[], Any]] | None] = queue.Queue()
        self._room = threading.Semaphore(queue_size)
        self._state_lock = threading.Lock()
        self._closed = False
        self._threads: list[threading.Thread] = []
        for _ in range(workers):
            t = threading.Thread(target=self._worker, daemon=True)
            t.start()
            self._threads.append(t)

    def _worker(self) -> None:
        while (item := self._tasks.get()) is not None:
            self._room.release()
            handle, task = item
            if not handle.set_running_or_notify_cancel():
                continue
            try:
                handle.set_result(task())
            except BaseException as e:  # noqa: BLE001
                handle.set_exception(e)

    def _put(self, task: Callable[[], Any]) -> TaskHandle:
        with self._state_lock:
            if self._closed:
                self._room.release()
                raise PoolClosed("pool is shut down")
            handle = TaskHandle()
            self._tasks.put((handle, task))
            return handle

    def submit(self, task: Callable[[], Any], timeout: float | None = None) -> TaskHandle:
        if not callable(task):
            raise TypeError("task must be callable")
        _valid_timeout(timeout)
        if self._closed:
            raise PoolClosed("pool is shut down")
        if not self._room.acquire(timeout=timeout):
            raise QueueFull(f"queue still full after {timeout} s")
        return self._put(task)

    def try_submit(self, task: Callable[[], Any]) -> TaskHandle | None:
        if not callable(task):
            raise TypeError("task must be callable")
        if self._closed:
            raise PoolClosed("pool is shut down")
        if not self._room.acquire(blocking=False):
            return None
        return self._put(task)

    def _close(self) -> None:
        with self._state_lock:
            if not self._closed:
                self._closed = True
                # wake every submitter waiting for room: they will see the pool closed
                self._room.release(self.queue_size + 10_000)
                for _ in self._threads:
                    self._tasks.put(None)

    def shutdown(self, wait: bool = True) -> None:
        self._close()
        if wait:
            for t in self._threads:
                if t is not threading.current_thread():
                    t.join()

    def shutdown_now(self) -> list[TaskHandle]:
        self._close()
        cancelled = []
        kept = 0
        while True:
            try:
                item = self._tasks.get_nowait()
            except queue.Empty:
                break
            if item is None:
                kept += 1
            else:
                handle = item[0]
                if handle.cancel():
                    cancelled.append(handle)
        for _ in range(kept):
            self._tasks.put(None)
        return cancelled
