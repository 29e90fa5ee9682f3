"""The order-events queue and its consumer group, fixed with a doubling autoscaler.

Scale-up doubles the workers (within max_workers) until they cover the lag; scale-down halves
them, but never below the count the busiest tick of the last COOLDOWN seconds needed. The
window is kept on the clock as a list of timestamps per lag reading.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any

MAX_ATTEMPTS = 3
COOLDOWN = 5.0


class Queue:
    def __init__(self) -> None:
        self.waiting: list[Hashable] = []
        self.total = 0

    def produce(self, message_id: Hashable) -> None:
        self.waiting.append(message_id)
        self.total += 1


class ConsumerGroup:
    def __init__(self, queue: Queue, handler: Callable[[Hashable], object], *, min_workers: int = 2,
                 max_workers: int = 8, per_worker_rate: int = 10,
                 clock: Callable[[], float] = time.monotonic) -> None:
        for name, value in (("min_workers", min_workers), ("max_workers", max_workers),
                            ("per_worker_rate", per_worker_rate)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, not {type(value).__name__} {value!r}")
            if value < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")
        if min_workers > max_workers:
            raise ValueError(f"min_workers {min_workers} > max_workers {max_workers}")
        if not callable(handler):
            raise TypeError("handler must be callable")
        self.queue, self.handler, self.clock = queue, handler, clock
        self.low, self.high, self.rate = min_workers, max_workers, per_worker_rate
        self.workers = min_workers
        self.done = 0
        self.failures: dict[Hashable, int] = {}
        self.dead: list[Hashable] = []
        self.seen: list[tuple[float, int]] = []

    def metrics(self) -> dict[str, Any]:
        finished = self.done + len(self.dead)
        return {"lag": self.queue.total - finished, "produced": self.queue.total, "acked": self.done,
                "dead_lettered": len(self.dead), "workers": self.workers}

    def dead_letters(self) -> list[Hashable]:
        return self.dead[:]

    def _scale(self, lag: int) -> None:
        now = self.clock()
        self.seen = [(t, n) for t, n in self.seen if t > now - COOLDOWN]
        self.seen.append((now, lag))
        if lag > self.workers * self.rate:
            self.workers = min(self.high, self.workers * 2)
            return
        floor = max(-(-n // self.rate) for _, n in self.seen)  # ceil: workers the busiest tick needed
        target = max(self.low, self.workers // 2, floor)
        if target < self.workers:
            self.workers = target

    def tick(self) -> None:
        self._scale(self.metrics()["lag"])
        take = min(len(self.queue.waiting), self.workers * self.rate)
        batch, self.queue.waiting = self.queue.waiting[:take], self.queue.waiting[take:]
        retry = []
        for message_id in batch:
            try:
                self.handler(message_id)
            except Exception:  # noqa: BLE001
                self.failures[message_id] = self.failures.get(message_id, 0) + 1
                if self.failures[message_id] == MAX_ATTEMPTS:
                    self.dead.append(message_id)
                else:
                    retry.append(message_id)
            else:
                self.done += 1
        self.queue.waiting.extend(retry)
