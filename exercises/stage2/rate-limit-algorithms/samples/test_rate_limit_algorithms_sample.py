"""Public sample tests for the rate-limit algorithms experiment. The grader checks much more than this."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from rate_limit_algorithms import LeakyBucket, SlidingWindowLog

PROJECT = Path(__file__).resolve().parent.parent


class ManualClock:
    """A clock the test moves by hand: pass it as LeakyBucket(..., clock=clock)."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def experiment() -> ModuleType:
    path = PROJECT / "experiments" / "rate_limit_algorithms.py"
    spec = importlib.util.spec_from_file_location("rate_limit_algorithms_experiment", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answers() -> dict[str, Any]:
    data = yaml.safe_load((PROJECT / "answers" / "rate-limit-algorithms.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), "answers/rate-limit-algorithms.yaml should hold the template's keys"
    return data


def test_leaky_bucket_worked_example() -> None:
    clock = ManualClock()
    bucket = LeakyBucket(2, 3, clock=clock)  # leaks 2 units a second, holds 3
    assert bucket.delay() == 0.0  # empty: a request admitted now is handed on at once
    assert [bucket.allow() for _ in range(4)] == [True, True, True, False]
    assert bucket.delay() == pytest.approx(1.5)  # 3 units ahead, at 2 a second
    clock.now = 0.25  # half a unit leaked: 2.5 + 1 does not fit
    assert bucket.allow() is False
    clock.now = 0.5  # one unit leaked: 2 + 1 fits, to the brim
    assert bucket.delay() == pytest.approx(1.0)
    assert bucket.allow() is True
    clock.now = 100.0  # a long idle time empties the bucket, and no further
    assert bucket.delay() == 0.0
    assert [bucket.allow() for _ in range(4)] == [True, True, True, False]


def test_sliding_window_log_worked_example() -> None:
    clock = ManualClock()
    log = SlidingWindowLog(2, 1.0, clock=clock)  # 2 requests in any 1 second
    assert [log.allow(), log.allow(), log.allow()] == [True, True, False]
    clock.now = 0.5
    assert log.allow() is False  # refused, and not logged
    clock.now = 1.0  # the two at 0.0 are exactly one window old: they have left (0.0, 1.0]
    assert [log.allow(), log.allow(), log.allow()] == [True, True, False]


def test_every_answer_is_filled_in() -> None:
    def blanks(node: Any, where: str) -> list[str]:
        if isinstance(node, dict):
            return [b for key, value in node.items() for b in blanks(value, f"{where}{key}.")]
        return [where.rstrip(".")] if node is None else []

    assert blanks(answers(), "") == []


def test_stated_numbers_are_what_the_experiment_measures() -> None:
    stated = answers()
    for section, limiters in experiment().measure().items():
        for name, numbers in limiters.items():
            for field, value in numbers.items():
                got = stated[section][name][field]
                where = f"{section}.{name}.{field}"
                if field == "rejected":
                    assert sorted(got or []) == value, where
                elif field == "longest_wait":
                    assert got == pytest.approx(value, abs=0.001), where
                else:
                    assert got == value, where
