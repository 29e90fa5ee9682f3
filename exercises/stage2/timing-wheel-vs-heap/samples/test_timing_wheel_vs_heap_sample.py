"""Public sample tests for stage2/timing-wheel-vs-heap. The grader checks much more than this."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

PROJECT = Path(__file__).resolve().parent.parent
ANSWERS = PROJECT / "answers" / "timing-wheel-vs-heap.yaml"
EXPERIMENT = PROJECT / "experiments" / "timing_wheel_vs_heap.py"


def load_experiment() -> ModuleType:
    spec = importlib.util.spec_from_file_location("timing_wheel_vs_heap_experiment", EXPERIMENT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def blanks(value: Any, path: str = "") -> list[str]:
    if value is None:
        return [path or "(the whole file)"]
    if isinstance(value, dict):
        return [b for key, item in value.items() for b in blanks(item, f"{path}.{key}".lstrip("."))]
    if isinstance(value, list):
        return [b for index, item in enumerate(value) for b in blanks(item, f"{path}[{index}]")]
    return []


def test_every_answer_is_filled_in() -> None:
    answers = yaml.safe_load(ANSWERS.read_text(encoding="utf-8"))
    assert blanks(answers) == [], "still blank (null) in answers/timing-wheel-vs-heap.yaml"


def test_stated_lateness_is_what_your_queues_measure() -> None:
    import delay_queue

    measured = load_experiment().lateness(delay_queue)
    stated = yaml.safe_load(ANSWERS.read_text(encoding="utf-8"))["lateness"]
    for name in ("wheel_max_s", "wheel_mean_s", "heap_max_s"):
        assert stated[name] is not None, f"lateness.{name} is still blank"
        assert abs(stated[name] - measured[name]) <= 0.001, (name, stated[name], measured[name])
