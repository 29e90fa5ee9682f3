"""Public sample tests for the LRU vs LFU experiment. The grader checks much more than this."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from lfu_cache import LFUCache
from lru_cache import LRUCache

PROJECT = Path(__file__).resolve().parent.parent


def experiment() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lru_vs_lfu", PROJECT / "experiments" / "lru_vs_lfu.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answers() -> dict[str, Any]:
    data = yaml.safe_load((PROJECT / "answers" / "lru-vs-lfu.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), "answers/lru-vs-lfu.yaml should hold the template's keys"
    return data


def test_cache_aside_on_a_tiny_trace() -> None:
    # capacity 2, reads 1 2 1 3 2 1: LRU keeps only the second read of 1; LFU keeps 1 (used
    # twice) through the churn of 2 and 3 and hits it again at the end.
    hit_count = experiment().hit_count
    assert hit_count(LRUCache, [1, 2, 1, 3, 2, 1], 2) == 1
    assert hit_count(LFUCache, [1, 2, 1, 3, 2, 1], 2) == 2


def test_every_answer_is_filled_in() -> None:
    def blanks(node: Any, where: str) -> list[str]:
        if isinstance(node, dict):
            return [b for key, value in node.items() for b in blanks(value, f"{where}.{key}".lstrip("."))]
        return [where] if node is None else []

    assert blanks(answers(), "") == []


def test_winners_agree_with_your_numbers() -> None:
    data = answers()
    for trace, ratios in data["hit_ratio"].items():
        assert ratios["lru"] is not None and ratios["lfu"] is not None, f"hit_ratio.{trace} is blank"
        better = "lru" if ratios["lru"] > ratios["lfu"] else "lfu"
        assert data["winner"][trace] == better, f"winner.{trace}: your numbers say {better}"
