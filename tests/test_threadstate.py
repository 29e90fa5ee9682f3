"""What the kernel says of a thread (swai.subject.threadstate): parked waiters, busy spinners."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

import pytest

from swai.subject.threadstate import asleep, wait_parked

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def started(target: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def test_threads_waiting_on_an_event_are_parked() -> None:
    stop = threading.Event()
    waiters = [started(stop.wait) for _ in range(3)]
    try:
        assert wait_parked(waiters, timeout=5.0)
        assert all(asleep(t.native_id) for t in waiters)
    finally:
        stop.set()


def test_a_spinning_thread_is_never_parked() -> None:
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            pass

    spinner = started(spin)
    try:
        assert not wait_parked([spinner], timeout=0.2)
    finally:
        stop.set()
        spinner.join()


def test_the_running_thread_is_awake_and_finished_threads_are_parked() -> None:
    assert not asleep(threading.get_native_id())
    done = started(lambda: None)
    done.join()
    assert wait_parked([done], timeout=1.0)
