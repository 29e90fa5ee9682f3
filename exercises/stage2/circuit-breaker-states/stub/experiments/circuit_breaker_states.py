"""Experiment for 熔断器三态转换的条件？ (stage2/circuit-breaker-states).

Run it from the project folder, once your circuit_breaker.py passes its own exercise:

    python experiments/circuit_breaker_states.py

It replays the workloads below with YOUR CircuitBreaker and prints what happens: the state
after every event of the sequences a to d, how many calls a half_open breaker admits out of
a burst of 5, and the traffic run. Write your predictions into
answers/circuit-breaker-states.yaml first, then run this and compare: where your prediction
and your breaker disagree, one of them is wrong, and working out which is the exercise.

The grader replays exactly these workloads with your CircuitBreaker from its own copy of the
definitions between the ">>> shared" and "<<< end" lines; it never runs this file. Editing them here
changes only what this script prints, and the numbers you copy from it would then not match
what the grader measures.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project folder, for circuit_breaker.py

# >>> shared with support/circuit_breaker_states_support.py: the grader replays this block, keep it unchanged

SEQUENCES: dict[str, dict[str, Any]] = {
    "a": {
        "config": {"failure_threshold": 3, "reset_timeout": 10.0, "half_open_max_calls": 1,
                   "success_threshold": 1},
        "events": [("record_failure",), ("record_failure",), ("record_success",), ("record_failure",),
                   ("record_failure",), ("record_failure",), ("try_acquire",), ("advance", 9.5),
                   ("advance", 0.5), ("try_acquire",), ("try_acquire",), ("record_success",)],
    },
    "b": {
        "config": {"failure_threshold": 2, "reset_timeout": 10.0, "half_open_max_calls": 1,
                   "success_threshold": 1},
        "events": [("record_failure",), ("advance", 6.0), ("record_failure",), ("advance", 6.0),
                   ("try_acquire",), ("advance", 4.0), ("try_acquire",), ("record_failure",),
                   ("advance", 9.0), ("advance", 1.0), ("try_acquire",), ("record_success",),
                   ("record_failure",)],
    },
    "c": {
        "config": {"failure_threshold": 2, "reset_timeout": 5.0, "half_open_max_calls": 2,
                   "success_threshold": 2},
        "events": [("try_acquire",), ("try_acquire",), ("record_failure",), ("try_acquire",),
                   ("record_failure",), ("advance", 3.0), ("record_success",), ("advance", 2.0),
                   ("try_acquire",), ("try_acquire",), ("record_success",), ("record_failure",),
                   ("advance", 5.0), ("try_acquire",), ("try_acquire",), ("record_success",),
                   ("record_success",)],
    },
    "d": {
        "config": {"failure_threshold": 1, "reset_timeout": 30.0, "half_open_max_calls": 3,
                   "success_threshold": 2},
        "events": [("record_failure",), ("try_acquire",), ("advance", 30.0), ("try_acquire",),
                   ("try_acquire",), ("try_acquire",), ("try_acquire",), ("advance", 60.0),
                   ("record_success",), ("record_success",), ("try_acquire",), ("record_failure",)],
    },
}

# The half-open burst: sequence d's configuration; the breaker is opened by one failure, the
# clock moves on by reset_timeout, then BURST_CALLS callers ask try_acquire() before any
# outcome is reported. Measured: how many of them are admitted.
BURST_CONFIG = SEQUENCES["d"]["config"]
BURST_CALLS = 5

# The traffic run: one call a second at t = 0, 1, ..., 59 (try_acquire(), then, if admitted,
# the outcome). The dependency fails every call made before t = 25 and succeeds from then on.
TRAFFIC_CONFIG = {"failure_threshold": 5, "reset_timeout": 10.0, "half_open_max_calls": 1,
                  "success_threshold": 1}
TRAFFIC_SECONDS = 60
DEPENDENCY_BACK_AT = 25.0


class ManualClock:
    """The breaker's clock: time moves only when the experiment says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def replay_sequence(breaker_class: Any, name: str) -> Iterator[dict[str, Any]]:
    """Run one sequence; after every event read ``state``. Yields one row per event."""
    clock = ManualClock()
    spec = SEQUENCES[name]
    breaker = breaker_class(**spec["config"], clock=clock)
    for event in spec["events"]:
        returned = None
        if event[0] == "advance":
            clock.now += event[1]
        else:
            returned = getattr(breaker, event[0])()
        yield {"event": event, "t": clock.now, "returned": returned, "state": breaker.state}


def burst(breaker_class: Any) -> int:
    """How many of BURST_CALLS try_acquire() calls a fresh half-open period admits."""
    clock = ManualClock()
    breaker = breaker_class(**BURST_CONFIG, clock=clock)
    for _ in range(BURST_CONFIG["failure_threshold"]):
        breaker.record_failure()
    clock.now += BURST_CONFIG["reset_timeout"]
    return sum(1 for _ in range(BURST_CALLS) if breaker.try_acquire() is True)


def traffic(breaker_class: Any) -> dict[str, float]:
    """The traffic run: calls that reached the dead dependency, calls refused, when it closed again."""
    clock = ManualClock()
    breaker = breaker_class(**TRAFFIC_CONFIG, clock=clock)
    sent_while_down = refused = 0
    closed_again_at = -1.0  # stays -1 if the breaker never closes again after opening
    was_open = False
    for second in range(TRAFFIC_SECONDS):
        clock.now = float(second)
        if breaker.try_acquire() is not True:
            refused += 1
        elif clock.now < DEPENDENCY_BACK_AT:
            sent_while_down += 1
            breaker.record_failure()
        else:
            breaker.record_success()
        state = breaker.state
        was_open = was_open or state != "closed"
        if was_open and state == "closed" and closed_again_at < 0:
            closed_again_at = clock.now
    return {"calls_sent_while_down": sent_while_down, "calls_refused": refused,
            "closed_again_at": closed_again_at}

# <<< end of the shared block


def _call(event: tuple[Any, ...]) -> str:
    return f"advance({event[1]:g})" if event[0] == "advance" else f"{event[0]}()"


def main() -> None:
    from circuit_breaker import CircuitBreaker

    for name, spec in SEQUENCES.items():
        config = ", ".join(f"{key}={value:g}" for key, value in spec["config"].items())
        print(f"sequence {name}: CircuitBreaker({config}), clock starting at t = 0")
        print(f"  {'#':>2}  {'event':<18} {'t':>5}  {'returned':<9} state after")
        for number, row in enumerate(replay_sequence(CircuitBreaker, name), start=1):
            returned = "" if row["returned"] is None else repr(row["returned"])
            print(f"  {number:>2}  {_call(row['event']):<18} {row['t']:>5g}  {returned:<9} {row['state']}")
        print()
    print(f"half_open burst (sequence d's configuration): {burst(CircuitBreaker)} of {BURST_CALLS} "
          "try_acquire() calls admitted")
    print()
    print(f"traffic run (one call a second for {TRAFFIC_SECONDS} s, dependency back at t = {DEPENDENCY_BACK_AT:g}):")
    for key, value in traffic(CircuitBreaker).items():
        print(f"  {key}: {value:g}")


if __name__ == "__main__":
    main()
