"""The order-events queue and the consumer group that drains it, as it runs in production.

Producers append message ids to a ``Queue``; a ``ConsumerGroup`` of workers takes them off
the head of the queue and hands each one to ``handler(message_id)``. A message whose handler
returns is acknowledged; one whose handler raises goes to the back of the queue and is tried
again later, and after ``MAX_ATTEMPTS`` failed attempts it is dead-lettered (kept in
``dead_letters()``, never silently dropped).

Time is simulated: whoever drives the group calls ``tick()`` once per second of the clock,
and in one tick each worker handles up to ``per_worker_rate`` messages. See README.md.

The group scales itself from its lag (produced, not yet acknowledged nor dead-lettered): up
at once when the backlog is more than the workers can handle this second, down only to a
count that would have handled every tick of the last ``COOLDOWN`` seconds, so a choppy load
does not make it flap. ``metrics()["lag"]`` is what the alert watches.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Hashable
from typing import Any

MAX_ATTEMPTS = 3  # attempts per message before it is dead-lettered
COOLDOWN = 5.0  # seconds of calm a scale-down looks back over


COMMIT_INTERVAL = 5.0  # seconds between offset commits, as a Kafka consumer's auto-commit


class Queue:
    """An append-only log read through an offset, as a partition of a broker."""

    def __init__(self) -> None:
        self._log: list[Hashable] = []
        self._read = 0
        self.produced = 0  # every message ever produced: the head of the lag

    def produce(self, message_id: Hashable) -> None:
        """Append one message (its id; ids are unique) to the log."""
        self._log.append(message_id)
        self.produced += 1

    def __len__(self) -> int:
        return len(self._log) - self._read

    def take(self) -> Hashable:
        """The message at the read offset; the offset moves on."""
        message_id = self._log[self._read]
        self._read += 1
        return message_id

    def put_back(self, message_id: Hashable) -> None:
        """Append a message again for a retry."""
        self._log.append(message_id)

    def offset(self) -> int:
        return self._read

    def seek(self, offset: int) -> None:
        self._read = offset


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


class ConsumerGroup:
    """Workers that drain ``queue`` through ``handler``; ``tick()`` is one second of their work."""

    def __init__(self, queue: Queue, handler: Callable[[Hashable], object], *, min_workers: int = 2,
                 max_workers: int = 8, per_worker_rate: int = 10,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not callable(handler):
            raise TypeError(f"handler must be callable, got {handler!r}")
        self._queue = queue
        self._handler = handler
        self._min_workers = _count("min_workers", min_workers)
        self._max_workers = _count("max_workers", max_workers)
        if self._max_workers < self._min_workers:
            raise ValueError(f"max_workers must be at least min_workers ({min_workers}), got {max_workers}")
        self._rate = _count("per_worker_rate", per_worker_rate)
        self._clock = clock
        self._workers = self._min_workers
        self._attempts: dict[Hashable, int] = {}  # failed attempts of messages waiting for a retry
        self._acked = 0
        self._dead: list[Hashable] = []
        self._throughput = 0  # messages acknowledged in the last tick
        self._last_tick = clock()
        self._window: deque[tuple[float, int]] = deque()  # (time, lag) at the start of recent ticks
        self._committed = 0  # the log offset every worker has confirmed
        self._last_commit = self._last_tick

    def tick(self) -> None:
        """One second of work: each worker handles up to ``per_worker_rate`` messages."""
        self._last_tick = now = self._clock()
        # 1. The workers for this second, from the lag as the tick begins.
        lag = self._lag()
        self._window.append((now, lag))
        while self._window[0][0] <= now - COOLDOWN:
            self._window.popleft()
        workers = self._target(lag)
        if workers > self._workers:
            # A rebalance: partitions are reassigned and every worker resumes from the committed offset.
            self._queue.seek(self._committed)
        self._workers = workers
        # 2. Each worker handles up to per_worker_rate messages, oldest first. Only the messages
        #    waiting when the tick began are taken, so a retry waits at least until the next tick.
        budget = min(workers * self._rate, len(self._queue))
        acked = 0
        for _ in range(budget):
            message_id = self._queue.take()
            try:
                self._handler(message_id)
            except Exception:  # noqa: BLE001 - any failure of the handler is retried, never fatal
                failed = self._attempts.get(message_id, 0) + 1
                if failed >= MAX_ATTEMPTS:
                    self._attempts.pop(message_id, None)
                    self._dead.append(message_id)
                else:
                    self._attempts[message_id] = failed
                    self._queue.put_back(message_id)
            else:
                self._attempts.pop(message_id, None)
                self._acked += 1
                acked += 1
        self._throughput = acked
        if now - self._last_commit >= COMMIT_INTERVAL:
            self._committed = self._queue.offset()
            self._last_commit = now

    def _needed(self, lag: int) -> int:
        """Workers that handle ``lag`` messages in one tick, within [min_workers, max_workers]."""
        return max(self._min_workers, min(self._max_workers, math.ceil(lag / self._rate)))

    def _target(self, lag: int) -> int:
        needed = self._needed(lag)
        if needed > self._workers:
            return needed  # a backlog grows every second we wait: scale up at once
        # Down only as far as every tick of the last COOLDOWN seconds allows: no flapping.
        calm = self._needed(max(seen for _, seen in self._window))
        return min(self._workers, calm)

    def _lag(self) -> int:
        return self._queue.produced - self._acked - len(self._dead)

    def dead_letters(self) -> list[Hashable]:
        """The messages given up after MAX_ATTEMPTS failed attempts, in the order given up."""
        return list(self._dead)

    def metrics(self) -> dict[str, Any]:
        """What the dashboard scrapes; ``lag`` counts a message until it is acked or dead-lettered."""
        return {
            "lag": self._lag(),
            "produced": self._queue.produced,
            "workers": self._workers,
            "acked": self._acked,
            "dead_lettered": len(self._dead),
            "throughput": self._throughput,
            "last_tick": self._last_tick,
        }
