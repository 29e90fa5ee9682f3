"""Public sample tests for WorkerPool. The grader checks much more than this."""

from __future__ import annotations

import threading

import pytest
from worker_pool import PoolClosed, QueueFull, TaskCancelled, WorkerPool

WAIT = 5.0  # generous: each of these steps takes microseconds


def test_result_and_exception_reach_the_submitter() -> None:
    pool = WorkerPool(2, 4)
    assert pool.submit(lambda: 6 * 7).result(timeout=WAIT) == 42

    def boom() -> None:
        raise KeyError("boom")

    handle = pool.submit(boom)
    with pytest.raises(KeyError):
        handle.result(timeout=WAIT)
    assert handle.done()
    assert pool.submit(lambda: "still working").result(timeout=WAIT) == "still working"
    pool.shutdown()


def test_workers_are_reused() -> None:
    before = set(threading.enumerate())
    pool = WorkerPool(2, 8)
    workers = set(threading.enumerate()) - before
    assert len(workers) == 2
    ran_on = {pool.submit(threading.current_thread).result(timeout=WAIT) for _ in range(20)}
    assert ran_on <= workers
    pool.shutdown()
    assert not any(t.is_alive() for t in workers)


def test_back_pressure() -> None:
    release = threading.Event()
    started = threading.Semaphore(0)

    def blocker() -> str:
        started.release()
        release.wait(WAIT)
        return "done"

    pool = WorkerPool(1, 2)
    running = pool.submit(blocker)
    assert started.acquire(timeout=WAIT)  # the only worker is busy now
    queued = [pool.submit(lambda i=i: i) for i in range(2)]  # fills the queue
    assert pool.try_submit(lambda: "extra") is None
    with pytest.raises(QueueFull):
        pool.submit(lambda: "extra", timeout=0.01)
    with pytest.raises(TimeoutError):
        running.result(timeout=0.01)  # still running: only the submitter's wait times out
    release.set()
    assert running.result(timeout=WAIT) == "done"
    assert [h.result(timeout=WAIT) for h in queued] == [0, 1]
    pool.shutdown()


def test_shutdown_drains_and_shutdown_now_cancels() -> None:
    release = threading.Event()
    order: list[int] = []
    pool = WorkerPool(1, 8)
    pool.submit(lambda: release.wait(WAIT))
    for i in range(3):
        pool.submit(lambda i=i: order.append(i))
    release.set()
    pool.shutdown()  # waits: every queued task has run
    assert order == [0, 1, 2]
    with pytest.raises(PoolClosed):
        pool.submit(lambda: None)
    assert issubclass(PoolClosed, RuntimeError)

    release.clear()
    started = threading.Event()

    def blocker() -> None:
        started.set()
        release.wait(WAIT)

    pool = WorkerPool(1, 8)
    pool.submit(blocker)
    assert started.wait(WAIT)  # the only worker is busy now
    waiting = [pool.submit(lambda: None) for _ in range(3)]
    assert pool.shutdown_now() == waiting
    assert all(h.cancelled() for h in waiting)
    with pytest.raises(TaskCancelled):
        waiting[0].result(timeout=WAIT)
    release.set()
    pool.shutdown()


@pytest.mark.parametrize(("workers", "queue_size"), [(0, 1), (1, 0), (-2, 3)])
def test_sizes_below_one_are_a_value_error(workers: int, queue_size: int) -> None:
    with pytest.raises(ValueError):
        WorkerPool(workers, queue_size)


@pytest.mark.parametrize(("workers", "queue_size"), [(2.0, 1), ("2", 1), (True, 1), (2, None)])
def test_sizes_of_wrong_type_are_a_type_error(workers: object, queue_size: object) -> None:
    with pytest.raises(TypeError):
        WorkerPool(workers, queue_size)  # type: ignore[arg-type]
