"""队列堆积 (queue backlog): replay the incident's load on YOUR incidents/queue_backlog.py.

Run it from the project folder:

    python incidents/queue_backlog_load.py

It builds the order-events queue and a ConsumerGroup(min_workers=2, max_workers=8,
per_worker_rate=10) from incidents/queue_backlog.py, steps it on a fake clock for 300 seconds
(a base load of 12-20 messages/s, and from t=60 s to t=120 s a burst of 100 messages/s),
then stops the producers and lets the group finish. A few messages fail once (a timeout) and
two always fail. It prints the lag second by second around the burst (measured by the load
itself, and as metrics() reports it), the worker count, and the figures for
answers/queue-backlog.yaml.

The load block below is the very one the grader uses: it replays exactly this load with YOUR
incidents/queue_backlog.py and checks the figures you state against what your program does. If
you change the block here, what you measure no longer matches what the grader measures; to
explore, copy it into a scratch file of your own.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project folder: incidents.queue_backlog

# >>> shared with support/queue_backlog_support.py: the grader replays this block, keep it unchanged
import importlib
import random
from collections.abc import Hashable
from types import ModuleType
from typing import Any

from swai.subject.fakes import FakeClock

SEED = 2002
MIN_WORKERS = 2  # ConsumerGroup(queue, handler, min_workers=2, max_workers=8, per_worker_rate=10)
MAX_WORKERS = 8
PER_WORKER_RATE = 10
BASE_RATE = (12, 20)  # messages per second outside the burst: a whole number drawn uniformly in this range
BURST_RATE = 100  # messages per second during the burst: 5x what the 2 workers handle
BURST_START = 60  # the burst covers the seconds [60, 120); the run lasts 300 s
BURST_END = 120
RUN_END = 300
DRAIN_LIMIT = 900  # after the run, the producers stop and the group gets this many more ticks to finish
FLAKY_SHARE = 0.01  # share of messages whose first attempt fails (a timeout), retried successfully
POISON = (1500, 7000)  # message ids whose handler always raises: they must end dead-lettered
ALWAYS = 1_000_000  # "fails this many attempts": for ever
MAX_ATTEMPTS = 3  # the spec's: a message is dead-lettered when its third attempt fails
KEYS = ("lag", "workers", "produced", "acked", "dead_lettered")  # the metrics() keys the load reads


def arrivals() -> list[int]:
    """Messages produced in each second of the run (seeded: the same every time)."""
    rng = random.Random(SEED)
    return [BURST_RATE if BURST_START <= s < BURST_END else rng.randint(*BASE_RATE) for s in range(RUN_END)]


def failures(total: int) -> dict[int, int]:
    """message id -> how many of its first attempts fail."""
    rng = random.Random(SEED + 1)
    failing = {i: 1 for i in range(total) if rng.random() < FLAKY_SHARE}
    failing.update({i: ALWAYS for i in POISON})
    return failing


class ProbeHandler:
    """The consumers' handler: records every attempt and reads the group's lag while it handles.

    ``fail`` maps a message id to how many of its first attempts raise. Once ``group`` is set,
    every attempt also reads ``group.metrics()["lag"]``, as a monitoring scrape may at any
    moment: the message being handled is not acknowledged yet, so it still counts.
    """

    def __init__(self, fail: dict[Hashable, int] | None = None) -> None:
        self.fail = dict(fail or {})
        self.group: Any = None
        self.attempts: list[list[Any]] = []  # [message id, 1 if it succeeded else 0, lag seen]
        self._tried: dict[Hashable, int] = {}

    def __call__(self, message_id: Hashable) -> None:
        tried = self._tried.get(message_id, 0)
        self._tried[message_id] = tried + 1
        seen = read(self.group, "lag") if self.group is not None else None
        ok = tried >= self.fail.get(message_id, 0)
        self.attempts.append([message_id, 1 if ok else 0, seen])
        if not ok:
            raise RuntimeError(f"injected failure of message {message_id!r}, attempt {tried + 1}")

    def watch(self, group: Any) -> None:
        """Read ``group.metrics()["lag"]`` during every attempt from now on."""
        self.group = group

    def take(self) -> list[list[Any]]:
        """The attempts since the last take(), oldest first."""
        taken, self.attempts = self.attempts, []
        return taken


def read(group: Any, key: str) -> Any:
    """metrics()[key] if it is a whole number, else None: a missing or odd metric shows as None."""
    try:
        value = group.metrics().get(key)
    except Exception:  # noqa: BLE001 - a scrape that fails reads as no value
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def snapshot(group: Any) -> list[Any]:
    """The KEYS of metrics(), in order, each a whole number or None."""
    try:
        metrics = group.metrics()
    except Exception:  # noqa: BLE001
        return [None] * len(KEYS)
    if not isinstance(metrics, dict):
        return [None] * len(KEYS)
    values = [metrics.get(k) for k in KEYS]
    return [v if isinstance(v, int) and not isinstance(v, bool) else None for v in values]


def run_load(module: ModuleType | None = None) -> dict[str, Any]:
    """Play the load on ``incidents.queue_backlog``; every tick as plain data, then the figures.

    Each second: that second's messages are produced, the clock moves on one second, the
    metrics are read, ``tick()`` runs, the metrics are read again. The true lag is what the
    load itself knows: produced, minus the messages whose handler returned, minus those that
    failed MAX_ATTEMPTS times. After RUN_END the producers stop and the group gets up to
    DRAIN_LIMIT more ticks, so that a message still missing at the end is a lost message.
    """
    program = module or importlib.import_module("incidents.queue_backlog")
    per_second = arrivals()
    fail = failures(sum(per_second))
    limit = MAX_ATTEMPTS
    clock = FakeClock()
    queue = program.Queue()
    handler = ProbeHandler(fail)
    group = program.ConsumerGroup(queue, handler, min_workers=MIN_WORKERS, max_workers=MAX_WORKERS,
                                  per_worker_rate=PER_WORKER_RATE, clock=clock)
    handler.watch(group)
    produced = 0
    done: set[Hashable] = set()  # succeeded once, or failed `limit` times
    succeeded: dict[Hashable, int] = {}
    failed: dict[Hashable, int] = {}
    ticks: list[list[Any]] = []
    for second in range(RUN_END + DRAIN_LIMIT):
        if second >= RUN_END and len(done) == produced:
            break
        for _ in range(per_second[second] if second < RUN_END else 0):
            queue.produce(produced)
            produced += 1
        clock.advance(1.0)
        true_before = produced - len(done)
        before = snapshot(group)
        group.tick()
        attempts = handler.take()
        for message_id, ok, _ in attempts:
            if ok:
                succeeded[message_id] = succeeded.get(message_id, 0) + 1
                done.add(message_id)
            else:
                failed[message_id] = failed.get(message_id, 0) + 1
                if failed[message_id] >= limit:
                    done.add(message_id)
        ticks.append([second + 1, produced, true_before, before, snapshot(group), produced - len(done), attempts])
    dead = list(group.dead_letters())
    return {"ticks": ticks, "produced": produced, "dead_letters": dead, "max_attempts": limit,
            "figures": figures(ticks, produced, succeeded, done, dead)}


def figures(ticks: list[list[Any]], produced: int, succeeded: dict[Hashable, int], done: set[Hashable],
            dead: list[Hashable]) -> dict[str, Any]:
    """The figures the load prints, and the answers file states."""
    run = [t for t in ticks if t[0] <= RUN_END]  # [time, produced, lag before, metrics before, metrics after,
    drained = [t[0] for t in run if t[0] >= BURST_END and t[5] == 0]  # lag after, attempts]
    workers = [t[4][1] for t in run]
    known = [w for w in workers if w is not None]
    return {
        "peak_lag": max(t[5] for t in run),
        "drain_seconds": drained[0] - BURST_END if drained else "never",
        "peak_workers": max(known) if known else None,
        "workers_at_end": workers[-1],
        "scale_events": sum(1 for t in run if t[3][1] != t[4][1]),
        "lost": produced - len(done),
        "duplicated": sum(n - 1 for n in succeeded.values()),
        "dead_lettered": len(dead),
        "lag_metric_wrong": sum(1 for t in run if t[3][0] != t[2] or t[4][0] != t[5]),
    }
# <<< end of the shared block


def main() -> None:
    result = run_load()
    ticks = result["ticks"]
    print("  time   produced   lag (load)  lag (metrics)  workers")
    for now, produced, _, _, after, lag, _ in ticks:
        if (now <= 130 and now % 5 == 0) or (130 < now <= RUN_END and now % 30 == 0):
            shown = "-" if after[0] is None else after[0]
            print(f"{now:5.0f} s {produced:9d} {lag:12d} {shown!s:>14} {after[1]!s:>8}")
    figures = result["figures"]
    print()
    print(f"peak lag:                 {figures['peak_lag']} messages")
    print(f"drained after the burst:  {figures['drain_seconds']}"
          + (" s" if figures["drain_seconds"] != "never" else f" (lag still above 0 at t={RUN_END} s)"))
    print(f"peak workers:             {figures['peak_workers']}")
    print(f"workers at the end:       {figures['workers_at_end']}")
    print(f"lost:                     {figures['lost']}")
    print(f"duplicated:               {figures['duplicated']}")
    print(f"dead-lettered:            {figures['dead_lettered']} {sorted(result['dead_letters'])}")
    print(f"scale events:             {figures['scale_events']}")
    wrong = figures["lag_metric_wrong"]
    print(f"ticks where metrics()['lag'] was missing or wrong: {wrong} of {min(len(ticks), RUN_END)}")


if __name__ == "__main__":
    main()
