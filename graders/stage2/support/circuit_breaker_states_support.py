"""Subject-side support of stage2/circuit-breaker-states: the experiment's workloads, replayed.

This module runs inside the subject process, next to the learner's ``circuit_breaker``
module, and is the source of truth for the experiment: the event sequences, the half-open
burst and the traffic run. The learner's ``experiments/circuit_breaker_states.py`` holds a
verbatim copy of the block between the ">>> shared" and "<<< end" lines. If the two ever drift,
the reference answers (measured with the learner-side copy) stop matching this module's
re-measurement, and the grader's proofs fail.

Every function returns plain data (lists, dicts, strings, numbers) and never raises: an
exception from the learner's breaker is returned as text with the index of the step that
raised it, so the grader can say where the replay stopped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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


def _plain(value: Any) -> Any:
    """A value the grader can read: plain strings, bools and numbers as they are, else their repr."""
    if value is None or type(value) in (str, bool, int, float):
        return value
    return f"<{type(value).__name__}: {value!r}>"[:120]


def _error(exc: BaseException) -> str:
    text = str(exc)
    return (f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:300]


def _breaker_class() -> Any:
    from circuit_breaker import CircuitBreaker  # the learner's module, from their project

    return CircuitBreaker


def sequences() -> dict[str, dict[str, Any]]:
    """Every sequence replayed with the learner's breaker: the state after each event.

    ``{"a": {"states": [...], "error": None or text, "failed_at": None or event index}, ...}``;
    ``states`` holds the states read before the replay stopped.
    """
    out: dict[str, dict[str, Any]] = {}
    for name in SEQUENCES:
        states: list[Any] = []
        error, failed_at = None, None
        try:
            for row in replay_sequence(_breaker_class(), name):
                states.append(_plain(row["state"]))
        except Exception as exc:  # noqa: BLE001 - the learner's code: report, never raise
            error, failed_at = _error(exc), len(states)
        out[name] = {"states": states, "error": error, "failed_at": failed_at}
    return out


def numbers() -> dict[str, Any]:
    """The measured numbers with the learner's breaker: the burst and the traffic run."""
    out: dict[str, Any] = {"error": None}
    try:
        breaker_class = _breaker_class()
        out["trial_calls_admitted"] = burst(breaker_class)
        out |= {key: _plain(value) for key, value in traffic(breaker_class).items()}
    except Exception as exc:  # noqa: BLE001 - the learner's code: report, never raise
        out["error"] = _error(exc)
    return out
