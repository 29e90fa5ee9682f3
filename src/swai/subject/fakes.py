"""Test doubles a grader creates inside the subject process.

They are imported in the subject like any module (``subject.import_module("swai.subject.fakes")``)
and reach the learner's code as real objects, so an exercise can take a clock as a parameter
and the grader decides what time it is: no check sleeps unless it measures real time.
"""

from __future__ import annotations

import functools
import threading
import time


class FakeClock:
    """A controllable clock in seconds. Call it (or ``now()``) for the time.

    The spec of a time-based exercise says: accept ``clock: Callable[[], float]``, default
    ``time.monotonic``. ``advance`` moves time forward; ``set`` may move it backwards, to
    check that code survives a clock that jumps.
    """

    def __init__(self, start: float = 0.0, tick: float = 0.0) -> None:
        self._now = float(start)
        self._tick = float(tick)  # time that passes at every read: races see time move mid-call
        self._lock = threading.Lock()
        self.reads = 0  # how often the code under test asked for the time

    def __call__(self) -> float:
        with self._lock:
            self.reads += 1
            now = self._now
            self._now += self._tick
            return now

    def now(self) -> float:
        return self()

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("advance() moves time forward; use set() to jump backwards")
        with self._lock:
            self._now += float(seconds)
            return self._now

    def set(self, when: float) -> float:
        with self._lock:
            self._now = float(when)
            return self._now


class Recorder:
    """A callable that records every call, for listeners, callbacks and tasks.

    ``Recorder(raise_on=["b"])`` raises ``RuntimeError`` when its first argument is "b",
    so a grader can inject a failing task or callback as data.
    """

    def __init__(self, raise_on: list[object] | None = None, returns: object = None) -> None:
        self._calls: list[list[object]] = []
        self._raise_on = list(raise_on or [])
        self._returns = returns
        self._lock = threading.Lock()

    def __call__(self, *args: object) -> object:
        with self._lock:
            self._calls.append(list(args))
        if args and args[0] in self._raise_on:
            raise RuntimeError(f"injected failure for {args[0]!r}")
        return self._returns

    def task(self, *args: object) -> functools.partial[object]:
        """A zero-argument callable that records ``args`` when run (and may raise, see above)."""
        return functools.partial(self, *args)

    def calls(self) -> list[list[object]]:
        """Every call's arguments, in order (plain data: it crosses back to the grader)."""
        with self._lock:
            return [list(c) for c in self._calls]

    def count(self) -> int:
        with self._lock:
            return len(self._calls)


class Gate:
    """Tasks that block until the grader opens the gate: to fill a pool, or to hang one.

    ``gate.task(x)`` returns a zero-argument callable that records that it started, waits
    for the gate (at most ``limit`` seconds, so nothing hangs forever) and returns ``x``.
    """

    def __init__(self, limit: float = 30.0) -> None:
        self._open = threading.Event()
        self._limit = limit
        self._started: list[object] = []
        self._lock = threading.Lock()

    def task(self, value: object = None) -> functools.partial[object]:
        return functools.partial(self._run, value)

    def _run(self, value: object) -> object:
        with self._lock:
            self._started.append(value)
        self._open.wait(self._limit)
        return value

    def open(self) -> None:
        self._open.set()

    def started(self) -> list[object]:
        with self._lock:
            return list(self._started)

    def wait_started(self, count: int, timeout: float = 5.0) -> bool:
        """Wait (really) until ``count`` tasks have started; True when they have."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self._started) >= count:
                    return True
            time.sleep(0.001)
        return False
