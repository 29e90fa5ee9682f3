"""Alternative solution: a hand-written indexed heap, and a wheel cascaded like the old Linux timers.

``HeapDelayQueue`` does not use ``heapq``: it keeps its own binary heap of task records,
each knowing its position, so ``cancel`` takes the record out at once (swap with the last,
sift up or down) instead of leaving a dead entry behind.

``TimingWheelDelayQueue`` places a task by its *distance* from the current tick, like
Linux's pre-2016 timer wheel: level L holds the tasks expiring less than ``size**(L+1)``
ticks ahead, in slot ``(expiry // size**L) % size``. Time advances one tick at a time; when
a tick is a multiple of ``size**L``, the matching slot of level L is cascaded (level 1
first, then 2, ... as in ``__run_timers``): its tasks are placed again by their distance,
which is now smaller. Slots are lists of ids; a cancelled id is simply forgotten in the
task table and skipped when its slot comes due.
"""

from __future__ import annotations

import logging
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable

_log = logging.getLogger(__name__)


class _Record:
    __slots__ = ("deadline", "expiry", "ident", "pos", "task")

    def __init__(self, ident: int, deadline: float, task: Callable[[], object]) -> None:
        self.ident = ident
        self.deadline = deadline
        self.task = task
        self.pos = -1  # index in the heap, -1 when not in it
        self.expiry = 0  # tick, for the wheel

    def key(self) -> tuple[float, int]:
        return (self.deadline, self.ident)


class DelayQueue(ABC):
    """Shared API: schedule, cancel, run_due and len over an injectable clock."""

    def __init__(self, clock: Callable[[], float], on_error: Callable[[int, Exception], object] | None) -> None:
        self.clock = clock
        self.on_error = on_error
        self.records: dict[int, _Record] = {}
        self.counter = 0

    def schedule(self, delay: float, task: Callable[[], object]) -> int:
        if isinstance(delay, bool) or not isinstance(delay, int | float):
            raise TypeError("delay must be a real number of seconds")
        if isinstance(delay, float) and not math.isfinite(delay):
            raise ValueError(f"delay must be finite, got {delay}")
        if delay < 0:
            raise ValueError(f"delay must not be negative, got {delay}")
        if not callable(task):
            raise TypeError("task must be callable")
        record = _Record(self.counter, self.clock() + float(delay), task)
        self.counter += 1
        self.records[record.ident] = record
        self.add(record)
        return record.ident

    def cancel(self, task_id: int) -> bool:
        if not isinstance(task_id, int) or task_id not in self.records:
            return False
        self.discard(self.records.pop(task_id))
        return True

    def run_due(self) -> int:
        batch = self.take_due(self.clock())
        batch.sort(key=_Record.key)
        count = 0
        for record in batch:
            if record.ident not in self.records:
                continue
            del self.records[record.ident]
            count += 1
            try:
                record.task()
            except Exception as error:  # noqa: BLE001 - keep going with the rest of the batch
                if self.on_error is None:
                    _log.warning("task %d raised %r", record.ident, error)
                else:
                    self.on_error(record.ident, error)
        return count

    def __len__(self) -> int:
        return len(self.records)

    @abstractmethod
    def add(self, record: _Record) -> None: ...

    @abstractmethod
    def discard(self, record: _Record) -> None: ...

    @abstractmethod
    def take_due(self, now: float) -> list[_Record]: ...


class HeapDelayQueue(DelayQueue):
    def __init__(self, *, clock: Callable[[], float] = time.monotonic,
                 on_error: Callable[[int, Exception], object] | None = None) -> None:
        super().__init__(clock, on_error)
        self.heap: list[_Record] = []

    def add(self, record: _Record) -> None:
        record.pos = len(self.heap)
        self.heap.append(record)
        self._up(record.pos)

    def discard(self, record: _Record) -> None:
        if record.pos < 0:
            return
        i = record.pos
        last = self.heap.pop()
        record.pos = -1
        if last is not record:
            self.heap[i] = last
            last.pos = i
            self._up(i)
            self._down(last.pos)

    def take_due(self, now: float) -> list[_Record]:
        out = []
        while self.heap and self.heap[0].deadline <= now:
            top = self.heap[0]
            self.discard(top)
            out.append(top)
        return out

    def _swap(self, i: int, j: int) -> None:
        h = self.heap
        h[i], h[j] = h[j], h[i]
        h[i].pos = i
        h[j].pos = j

    def _up(self, i: int) -> None:
        while i > 0:
            parent = (i - 1) // 2
            if self.heap[i].key() < self.heap[parent].key():
                self._swap(i, parent)
                i = parent
            else:
                return

    def _down(self, i: int) -> None:
        n = len(self.heap)
        while True:
            smallest = i
            for child in (2 * i + 1, 2 * i + 2):
                if child < n and self.heap[child].key() < self.heap[smallest].key():
                    smallest = child
            if smallest == i:
                return
            self._swap(i, smallest)
            i = smallest


class TimingWheelDelayQueue(DelayQueue):
    def __init__(self, tick_duration: float = 0.01, wheel_size: int = 64, *,
                 clock: Callable[[], float] = time.monotonic,
                 on_error: Callable[[int, Exception], object] | None = None) -> None:
        if isinstance(tick_duration, bool) or not isinstance(tick_duration, int | float):
            raise TypeError("tick_duration must be a real number of seconds")
        if not (math.isfinite(tick_duration) and tick_duration > 0):
            raise ValueError(f"tick_duration must be finite and positive, got {tick_duration}")
        if isinstance(wheel_size, bool) or not isinstance(wheel_size, int):
            raise TypeError("wheel_size must be an int")
        if wheel_size < 2:
            raise ValueError(f"wheel_size must be at least 2, got {wheel_size}")
        super().__init__(clock, on_error)
        self.tick = tick_duration
        self.size = wheel_size
        self.origin = clock()
        self.jiffies = 0  # the last tick processed
        self.wheels: list[list[list[int]]] = []  # level -> slot -> ids (cancelled ones are skipped)
        self.expired: list[int] = []

    def add(self, record: _Record) -> None:
        record.expiry = math.ceil((record.deadline - self.origin) / self.tick)
        self._enqueue(record)

    def _enqueue(self, record: _Record) -> None:
        distance = record.expiry - self.jiffies
        if distance <= 0:
            self.expired.append(record.ident)
            return
        level, reach = 0, self.size
        while distance >= reach:
            level += 1
            reach *= self.size
        while len(self.wheels) <= level:
            self.wheels.append([[] for _ in range(self.size)])
        self.wheels[level][(record.expiry // (reach // self.size)) % self.size].append(record.ident)

    def discard(self, record: _Record) -> None:
        pass  # its id stays in a slot and is skipped: the record is gone from self.records

    def take_due(self, now: float) -> list[_Record]:
        target = math.floor((now - self.origin) / self.tick)
        while self.jiffies < target:
            self.jiffies += 1
            self._cascade()
            if self.wheels:
                slot = self.jiffies % self.size
                self.expired.extend(self.wheels[0][slot])
                self.wheels[0][slot] = []
        ids, self.expired = self.expired, []
        return [self.records[i] for i in ids if i in self.records]

    def _cascade(self) -> None:
        unit = 1
        for level in range(1, len(self.wheels)):
            unit *= self.size
            if self.jiffies % unit:
                return
            slot = (self.jiffies // unit) % self.size
            ids, self.wheels[level][slot] = self.wheels[level][slot], []
            for ident in ids:
                record = self.records.get(ident)
                if record is not None:
                    self._enqueue(record)
