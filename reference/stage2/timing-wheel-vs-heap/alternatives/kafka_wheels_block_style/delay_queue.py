"""Alternative solution: a heapq queue with removal markers, and Kafka-style overflow wheels.

No shared base class: ``DelayQueue`` is a ``typing.Protocol`` and the two classes share
only module-level helpers. The heap follows the "priority queue implementation notes" of
the ``heapq`` documentation: entries are mutable lists ``[deadline, seq, task]`` and a
cancelled entry has its task replaced by a marker. The wheel is built like Kafka's
``TimingWheel``: each level is an object with its own current time (in ticks), a slot
width (``unit``) and ``wheel_size`` buckets, and creates its overflow level lazily the
first time a task does not fit in its range. The clock is advanced one tick at a time; at
every tick each level whose slot boundary it is empties that slot and adds the tasks
again from the lowest level.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import time
from collections.abc import Callable
from typing import Protocol

Task = Callable[[], object]
OnError = Callable[[int, Exception], object]

_REMOVED = object()  # marks a cancelled heap entry
_log = logging.getLogger("delay_queue")


class DelayQueue(Protocol):
    def schedule(self, delay: float, task: Task) -> int: ...
    def cancel(self, task_id: int) -> bool: ...
    def run_due(self) -> int: ...
    def __len__(self) -> int: ...


def _delay(delay: object) -> float:
    if type(delay) not in (int, float):
        raise TypeError(f"delay must be an int or a float, not {type(delay).__name__}")
    try:
        value = float(delay)  # type: ignore[arg-type]
    except OverflowError:
        raise ValueError(f"delay {delay!r} is too large") from None
    if not 0 <= value < math.inf:
        raise ValueError(f"delay must be finite and >= 0, got {delay!r}")
    return value


def _task(task: object) -> Task:
    if not callable(task):
        raise TypeError(f"task must be callable, got {task!r}")
    return task


def _run_one(task_id: int, task: Task, on_error: OnError | None) -> None:
    try:
        task()
    except Exception as exc:  # noqa: BLE001 - one failing task must not stop the batch
        if on_error is not None:
            on_error(task_id, exc)
        else:
            _log.exception("task %d failed", task_id)


class HeapDelayQueue:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic, on_error: OnError | None = None) -> None:
        self._clock = clock
        self._on_error = on_error
        self._heap: list[list[object]] = []
        self._live: dict[int, list[object]] = {}
        self._ids = itertools.count()

    def schedule(self, delay: float, task: Task) -> int:
        seconds = _delay(delay)
        job = _task(task)
        task_id = next(self._ids)
        item: list[object] = [self._clock() + seconds, task_id, job]
        heapq.heappush(self._heap, item)
        self._live[task_id] = item
        return task_id

    def cancel(self, task_id: int) -> bool:
        item = self._live.pop(task_id, None) if isinstance(task_id, int) else None
        if item is None:
            return False
        item[2] = _REMOVED
        return True

    def run_due(self) -> int:
        now = self._clock()
        batch: list[list[object]] = []
        while self._heap and self._heap[0][0] <= now:  # type: ignore[operator]
            item = heapq.heappop(self._heap)
            if item[2] is not _REMOVED:
                batch.append(item)
        ran = 0
        for item in batch:  # already in (deadline, seq) order: popped from the heap
            task_id = item[1]
            assert isinstance(task_id, int)
            if self._live.pop(task_id, None) is None:
                continue
            ran += 1
            job = item[2]
            assert callable(job)
            _run_one(task_id, job, self._on_error)
        return ran

    def __len__(self) -> int:
        return len(self._live)


class _Timer:
    __slots__ = ("deadline", "expiry", "home", "seq", "task")

    def __init__(self, seq: int, deadline: float, expiry: int, task: Task) -> None:
        self.seq = seq
        self.deadline = deadline
        self.expiry = expiry
        self.task = task
        self.home: dict[int, _Timer] | None = None


class _Level:
    """One wheel: ``size`` buckets of ``unit`` ticks each, from ``current`` on."""

    def __init__(self, unit: int, size: int, current: int) -> None:
        self.unit = unit
        self.size = size
        self.interval = unit * size
        self.current = current - current % unit
        self.buckets: list[dict[int, _Timer]] = [{} for _ in range(size)]
        self.overflow: _Level | None = None

    def add(self, timer: _Timer) -> bool:
        """Place the timer; False when it is already due."""
        if timer.expiry < self.current + self.unit:
            return False
        if timer.expiry < self.current + self.interval:
            bucket = self.buckets[(timer.expiry // self.unit) % self.size]
            bucket[timer.seq] = timer
            timer.home = bucket
            return True
        if self.overflow is None:
            self.overflow = _Level(self.interval, self.size, self.current)
        return self.overflow.add(timer)

    def advance(self, tick: int) -> None:
        if tick >= self.current + self.unit:
            self.current = tick - tick % self.unit
        if self.overflow is not None:
            self.overflow.advance(tick)


class TimingWheelDelayQueue:
    def __init__(self, tick_duration: float = 0.01, wheel_size: int = 64, *,
                 clock: Callable[[], float] = time.monotonic, on_error: OnError | None = None) -> None:
        if type(tick_duration) not in (int, float):
            raise TypeError(f"tick_duration must be a number, not {type(tick_duration).__name__}")
        if not 0 < tick_duration < math.inf:
            raise ValueError(f"tick_duration must be finite and > 0, got {tick_duration!r}")
        if type(wheel_size) is not int:
            raise TypeError(f"wheel_size must be an int, not {type(wheel_size).__name__}")
        if wheel_size < 2:
            raise ValueError(f"wheel_size must be >= 2, got {wheel_size}")
        self._clock = clock
        self._on_error = on_error
        self._tick = float(tick_duration)
        self._origin = clock()
        self._root = _Level(1, wheel_size, 0)
        self._expired: dict[int, _Timer] = {}
        self._timers: dict[int, _Timer] = {}
        self._ids = itertools.count()

    def schedule(self, delay: float, task: Task) -> int:
        seconds = _delay(delay)
        job = _task(task)
        deadline = self._clock() + seconds
        timer = _Timer(next(self._ids), deadline, math.ceil((deadline - self._origin) / self._tick), job)
        self._add(timer)
        self._timers[timer.seq] = timer
        return timer.seq

    def _add(self, timer: _Timer) -> None:
        if not self._root.add(timer):
            self._expired[timer.seq] = timer
            timer.home = self._expired

    def cancel(self, task_id: int) -> bool:
        timer = self._timers.pop(task_id, None) if isinstance(task_id, int) else None
        if timer is None:
            return False
        if timer.home is not None:
            del timer.home[timer.seq]
            timer.home = None
        return True

    def run_due(self) -> int:
        target = math.floor((self._clock() - self._origin) / self._tick)
        while self._root.current < target:
            tick = self._root.current + 1
            self._root.advance(tick)
            level: _Level | None = self._root
            while level is not None:
                if tick % level.unit == 0:
                    index = (tick // level.unit) % level.size
                    bucket = level.buckets[index]
                    if bucket:
                        level.buckets[index] = {}
                        for timer in bucket.values():
                            self._add(timer)
                level = level.overflow
        batch = sorted(self._expired.values(), key=lambda t: (t.deadline, t.seq))
        self._expired = {}
        for timer in batch:
            timer.home = None
        ran = 0
        for timer in batch:
            if self._timers.pop(timer.seq, None) is None:
                continue  # cancelled by a task of this batch
            ran += 1
            _run_one(timer.seq, timer.task, self._on_error)
        return ran

    def __len__(self) -> int:
        return len(self._timers)
