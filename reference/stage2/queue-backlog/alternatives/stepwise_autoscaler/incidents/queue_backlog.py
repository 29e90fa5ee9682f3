"""The order-events queue and its consumer group, fixed with a separate, step-by-step autoscaler.

The queue is an append-only log read through a cursor, with retries kept aside; the
autoscaler adds one worker per tick while the backlog is more than the workers can handle,
and removes one when a worker fewer would have handled every tick of the last COOLDOWN
seconds. Slower to react than jumping to the needed count, but inside the same bounds.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable
from typing import Any

MAX_ATTEMPTS = 3
COOLDOWN = 5.0


class Queue:
    """An append-only log; the consumer group reads it through a cursor."""

    def __init__(self) -> None:
        self.log: list[Hashable] = []

    def produce(self, message_id: Hashable) -> None:
        self.log.append(message_id)

    def __len__(self) -> int:
        return len(self.log)


def _positive_int(name: str, value: Any) -> int:
    if type(value) is not int:
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")
    return value


class Autoscaler:
    """Decides the worker count for each tick from the lag at its start."""

    def __init__(self, low: int, high: int, rate: int) -> None:
        self.low, self.high, self.rate = low, high, rate
        self.workers = low
        self.recent: list[tuple[float, int]] = []

    def decide(self, now: float, lag: int) -> int:
        self.recent = [(t, seen) for t, seen in self.recent if t > now - COOLDOWN] + [(now, lag)]
        if lag > self.workers * self.rate and self.workers < self.high:
            self.workers += 1
        elif self.workers > self.low and all(seen <= (self.workers - 1) * self.rate for _, seen in self.recent):
            self.workers -= 1
        return self.workers


class ConsumerGroup:
    def __init__(self, queue: Queue, handler: Callable[[Hashable], object], *, min_workers: int = 2,
                 max_workers: int = 8, per_worker_rate: int = 10,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not callable(handler):
            raise TypeError("handler must be callable")
        low = _positive_int("min_workers", min_workers)
        high = _positive_int("max_workers", max_workers)
        rate = _positive_int("per_worker_rate", per_worker_rate)
        if high < low:
            raise ValueError(f"max_workers ({high}) is below min_workers ({low})")
        self.queue, self.handler, self.clock = queue, handler, clock
        self.scaler = Autoscaler(low, high, rate)
        self.cursor = 0  # next unread position of the log
        self.retries: deque[tuple[Hashable, int]] = deque()  # (message, failed attempts so far)
        self.acked = 0
        self.dead: list[Hashable] = []

    def lag(self) -> int:
        return len(self.queue.log) - self.acked - len(self.dead)

    def tick(self) -> None:
        workers = self.scaler.decide(self.clock(), self.lag())
        budget = workers * self.scaler.rate
        retries, self.retries = self.retries, deque()
        fresh = self.queue.log[self.cursor:self.cursor + budget]
        self.cursor += len(fresh)
        batch = [(m, 0) for m in fresh] + list(retries)
        # Retries beyond the budget wait for the next tick, in front of the ones failing now.
        waiting = batch[budget:]
        for message_id, failed in batch[:budget]:
            try:
                self.handler(message_id)
            except Exception:  # noqa: BLE001
                if failed + 1 >= MAX_ATTEMPTS:
                    self.dead.append(message_id)
                else:
                    waiting.append((message_id, failed + 1))
            else:
                self.acked += 1
        self.retries.extend(waiting)

    def dead_letters(self) -> list[Hashable]:
        return list(self.dead)

    def metrics(self) -> dict[str, Any]:
        return {"lag": self.lag(), "workers": self.scaler.workers, "produced": len(self.queue.log),
                "acked": self.acked, "dead_lettered": len(self.dead)}
