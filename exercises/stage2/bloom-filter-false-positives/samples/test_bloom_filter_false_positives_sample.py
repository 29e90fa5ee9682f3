"""Public sample tests for stage2/bloom-filter-false-positives. The grader checks much more:
it compares your answers with a key and re-measures your filter on the experiment's workload."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from bloom_filter import BloomFilter

PROJECT = Path(__file__).resolve().parent.parent
ANSWERS = PROJECT / "answers" / "bloom-filter-false-positives.yaml"
SCRIPT = PROJECT / "experiments" / "bloom_filter_false_positives.py"


def answers() -> dict[str, Any]:
    data = yaml.safe_load(ANSWERS.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{ANSWERS.name} should be a mapping of answers"
    return data


def blanks(value: Any, where: str = "") -> list[str]:
    if value is None:
        return [where or "(the whole file)"]
    if isinstance(value, dict):
        return [b for k, v in value.items() for b in blanks(v, f"{where}.{k}" if where else str(k))]
    return []


def experiment() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bloom_filter_false_positives", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_answer_is_filled_in() -> None:
    assert blanks(answers()) == [], "replace every null in the answers file"


def test_hash_counts_go_with_bits_per_key() -> None:
    for p, entry in answers()["sizing"].items():
        assert entry["hash_count"] == round(entry["bits_per_key"] * math.log(2)), p


def test_rates_rise_past_capacity() -> None:
    for p, entry in answers()["measured"].items():
        assert entry["fp_rate_at_double"] > entry["fp_rate_at_capacity"], p


def test_the_experiment_runs_on_a_small_workload() -> None:
    script = experiment()
    members, probes = script.workload(n=500, probes=2000, seed=1)
    result = script.run_experiment(BloomFilter, 500, 0.05, members, probes)
    assert result["missed"] == 0  # a Bloom filter never forgets an item
    assert result["false_positives_at_capacity"] < result["false_positives_at_double"]
    assert result["false_positives_at_capacity"] < 2 * 0.05 * 2000  # about 100 expected
