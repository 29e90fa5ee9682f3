"""MUTANT: wheel slots are lists and cancel() removes a task with list.remove(), which scans the slot

Results are right, but cancel() costs O(tasks in the slot); with many tasks sharing a slot
it is O(n).
"""

from __future__ import annotations

import heapq
import logging
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable

TaskId = int
Task = Callable[[], object]
Clock = Callable[[], float]
ErrorHandler = Callable[[TaskId, Exception], object]

_log = logging.getLogger(__name__)


class _Entry:
    """One scheduled task and where it currently is."""

    __slots__ = ("bucket", "deadline", "expiry", "queued", "task", "task_id")

    def __init__(self, task_id: TaskId, deadline: float, task: Task) -> None:
        self.task_id = task_id
        self.deadline = deadline
        self.task = task
        self.expiry = 0  # the wheel's expiry tick
        self.bucket: list[_Entry] | None = None  # the wheel slot holding the entry
        self.queued = False  # the heap holds a tuple for the entry


def _order(entry: _Entry) -> tuple[float, TaskId]:
    return entry.deadline, entry.task_id


def _seconds(value: object, name: str, *, allow_zero: bool) -> float:
    """``value`` as a finite float, or TypeError/ValueError naming what is wrong."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be an int or a float, got {type(value).__name__}: {value!r}")
    try:
        seconds = float(value)
    except OverflowError:
        raise ValueError(f"{name} must be finite, got {value!r}") from None
    if not math.isfinite(seconds):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if seconds < 0 or (seconds == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return seconds


class DelayQueue(ABC):
    """Tasks that run once their delay has passed, each time ``run_due`` is called."""

    def __init__(self, clock: Clock = time.monotonic, on_error: ErrorHandler | None = None) -> None:
        if not callable(clock):
            raise TypeError(f"clock must be callable, got {type(clock).__name__}")
        if on_error is not None and not callable(on_error):
            raise TypeError(f"on_error must be callable or None, got {type(on_error).__name__}")
        self._clock = clock
        self._on_error = on_error
        self._entries: dict[TaskId, _Entry] = {}  # every pending task
        self._next_id: TaskId = 0

    def schedule(self, delay: float, task: Task) -> TaskId:
        """Run ``task`` at the first ``run_due`` once ``delay`` seconds have passed; return its id."""
        seconds = _seconds(delay, "delay", allow_zero=True)
        if not callable(task):
            raise TypeError(f"task must be a callable taking no arguments, got {type(task).__name__}: {task!r}")
        entry = _Entry(self._next_id, self._clock() + seconds, task)
        self._next_id += 1
        self._insert(entry)
        self._entries[entry.task_id] = entry
        return entry.task_id

    def cancel(self, task_id: TaskId) -> bool:
        """Stop a pending task from running: True if it was pending, else False (a no-op)."""
        try:
            entry = self._entries.pop(task_id, None)
        except TypeError:  # an unhashable id was never issued
            return False
        if entry is None:
            return False
        self._remove(entry)
        return True

    def run_due(self) -> int:
        """Run every task that is due now, in deadline order (ties: scheduling order).

        Returns how many tasks ran, counting tasks that raised. An exception from a task
        goes to ``on_error(task_id, exc)`` (or the log) and the remaining tasks still run.
        """
        due = self._collect_due(self._clock())
        due.sort(key=_order)
        fired = 0
        position = 0
        try:
            while position < len(due):
                entry = due[position]
                position += 1
                if self._entries.pop(entry.task_id, None) is None:
                    continue  # cancelled by a task that ran before it
                fired += 1
                try:
                    entry.task()
                except Exception as exc:  # noqa: BLE001 - a failing task must not stop the others
                    self._report(entry.task_id, exc)
        finally:
            # Only a BaseException (KeyboardInterrupt, SystemExit) gets here early: keep the
            # tasks that did not run yet pending, so they run at the next call.
            for entry in due[position:]:
                if entry.task_id in self._entries:
                    self._insert(entry)
        return fired

    def __len__(self) -> int:
        """The number of pending tasks: scheduled, not yet run and not cancelled."""
        return len(self._entries)

    def _report(self, task_id: TaskId, exc: Exception) -> None:
        if self._on_error is None:
            _log.error("delayed task %s raised", task_id, exc_info=exc)
        else:
            self._on_error(task_id, exc)

    # What a queue structure provides. ``_collect_due`` takes the due entries out of the
    # structure; they stay in ``_entries`` until they run.

    @abstractmethod
    def _insert(self, entry: _Entry) -> None: ...

    @abstractmethod
    def _remove(self, entry: _Entry) -> None: ...

    @abstractmethod
    def _collect_due(self, now: float) -> list[_Entry]: ...


class HeapDelayQueue(DelayQueue):
    """A delay queue on a binary min-heap: schedule O(log n), cancel O(1), exact deadlines."""

    def __init__(self, *, clock: Clock = time.monotonic, on_error: ErrorHandler | None = None) -> None:
        super().__init__(clock, on_error)
        self._heap: list[tuple[float, TaskId, _Entry]] = []
        self._dead = 0  # heap tuples of cancelled entries, skipped when they surface

    def _insert(self, entry: _Entry) -> None:
        heapq.heappush(self._heap, (entry.deadline, entry.task_id, entry))
        entry.queued = True

    def _remove(self, entry: _Entry) -> None:
        if not entry.queued:
            return  # already taken out of the heap by run_due
        self._dead += 1
        if self._dead > 64 and 2 * self._dead > len(self._heap):
            self._heap = [item for item in self._heap if item[1] in self._entries]
            heapq.heapify(self._heap)
            self._dead = 0

    def _collect_due(self, now: float) -> list[_Entry]:
        due: list[_Entry] = []
        heap = self._heap
        while heap and heap[0][0] <= now:
            entry = heapq.heappop(heap)[2]
            entry.queued = False
            if entry.task_id in self._entries:
                due.append(entry)
            else:
                self._dead -= 1
        return due


class TimingWheelDelayQueue(DelayQueue):
    """A delay queue on a hierarchical timing wheel: schedule and cancel O(1).

    A task fires at the first ``run_due`` at or after its deadline rounded up to a whole
    tick, ticks being counted from the clock's reading when the queue was created.
    """

    def __init__(self, tick_duration: float = 0.01, wheel_size: int = 64, *, clock: Clock = time.monotonic,
                 on_error: ErrorHandler | None = None) -> None:
        tick = _seconds(tick_duration, "tick_duration", allow_zero=False)
        if isinstance(wheel_size, bool) or not isinstance(wheel_size, int):
            raise TypeError(f"wheel_size must be an int, got {type(wheel_size).__name__}: {wheel_size!r}")
        if wheel_size < 2:
            raise ValueError(f"wheel_size must be at least 2, got {wheel_size}")
        super().__init__(clock, on_error)
        self._tick = tick
        self._size = wheel_size
        self._start = clock()
        self._now_tick = 0  # every tick up to this one has been processed
        self._levels: list[list[list[_Entry]]] = []  # level -> slot -> entries
        self._ready: list[_Entry] = []  # entries whose expiry tick has passed

    def _insert(self, entry: _Entry) -> None:
        entry.expiry = math.ceil((entry.deadline - self._start) / self._tick)
        self._place(entry)

    def _place(self, entry: _Entry) -> None:
        """Put ``entry`` in the slot that the current tick reaches at its expiry tick."""
        expiry, now, size = entry.expiry, self._now_tick, self._size
        if expiry <= now:
            bucket = self._ready
        else:
            level, unit = 0, 1  # unit: ticks per slot at this level
            while expiry // (unit * size) != now // (unit * size):
                level += 1
                unit *= size
            while len(self._levels) <= level:
                self._levels.append([[] for _ in range(size)])
            bucket = self._levels[level][(expiry // unit) % size]
        bucket.append(entry)
        entry.bucket = bucket

    def _remove(self, entry: _Entry) -> None:
        if entry.bucket is not None:
            entry.bucket.remove(entry)
            entry.bucket = None

    def _collect_due(self, now: float) -> list[_Entry]:
        target = math.floor((now - self._start) / self._tick)
        while self._now_tick < target:
            self._now_tick = self._next_stop(target)
            self._expire(self._now_tick)
        due = list(self._ready)
        self._ready.clear()
        for entry in due:
            entry.bucket = None
        return due

    def _next_stop(self, target: int) -> int:
        """The first tick after the current one at which a non-empty slot is reached (or target)."""
        now, size = self._now_tick, self._size
        best, unit = target, 1
        for slots in self._levels:
            span = unit * size
            base = now - now % span
            for digit in range((now // unit) % size + 1, size):
                if slots[digit]:
                    best = min(best, base + digit * unit)
                    break
            unit = span
        return best

    def _expire(self, tick: int) -> None:
        """The current tick is now ``tick``: empty the slots it reaches, highest level first."""
        if not self._levels:
            return
        size = self._size
        for level in range(len(self._levels) - 1, 0, -1):
            unit = size**level
            if tick % unit:
                continue
            slots = self._levels[level]
            slot = (tick // unit) % size
            bucket = slots[slot]
            if bucket:
                slots[slot] = []
                for entry in bucket:
                    self._place(entry)  # each by its own expiry tick: a lower level, or the ready list
        # Level 0 holds only tasks of the current revolution: its slot for this tick is due.
        slots = self._levels[0]
        bucket = slots[tick % size]
        if bucket:
            slots[tick % size] = []
            for entry in bucket:
                self._ready.append(entry)
                entry.bucket = self._ready
