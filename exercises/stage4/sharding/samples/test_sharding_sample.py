"""Public sample tests for the three routers and the experiment. The grader checks much more than this."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from minimysql.sharding import ConsistentHashRouter, ModRouter, RangeRouter, key_hash

PROJECT = Path(__file__).resolve().parent.parent


def experiment() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sharding_experiment", PROJECT / "experiments" / "sharding.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answers() -> dict[str, Any]:
    data = yaml.safe_load((PROJECT / "answers" / "sharding.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), "answers/sharding.yaml should hold the template's keys"
    return data


def test_range_router() -> None:
    router = RangeRouter([10, 20])  # shards [0, 10), [10, 20), [20, ...)
    assert [router.shard_for(k) for k in (0, 9, 10, 19, 20, 99)] == [0, 0, 1, 1, 2, 2]
    assert router.shards_for_range(5, 15) == [0, 1] and router.shards_for_range(10, 20) == [1]


def test_mod_router() -> None:
    router = ModRouter(4)
    assert router.shard_for(42) == key_hash("42") % 4
    assert router.shards_for_range(0, 10) == [0, 1, 2, 3]


def test_ring_keeps_its_points_when_a_shard_is_added() -> None:
    four, five = ConsistentHashRouter(4), ConsistentHashRouter(5)
    for key in range(2000):
        before, after = four.shard_for(key), five.shard_for(key)
        assert after in (before, 4), f"key {key} moved from shard {before} to shard {after}, not to the new one"
    with pytest.raises(ValueError):
        ConsistentHashRouter(4, vnodes=0)


def test_your_answers_are_what_the_experiment_measures() -> None:
    module = experiment()
    measured = module.measure(RangeRouter, ModRouter, ConsistentHashRouter)
    stated = answers()
    assert stated["range_query_shards"] == measured["range_query_shards"]
    for field, value in measured["moved"].items():
        assert stated["moved"][field] == pytest.approx(value, abs=0.001), f"moved.{field}: {value}"
    for workload, values in measured["skew"].items():
        for field, value in values.items():
            assert stated["skew"][workload][field] == pytest.approx(value, abs=0.001), f"skew.{workload}.{field}"
