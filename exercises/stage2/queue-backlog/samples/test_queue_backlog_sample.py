"""Public sample tests for the queue backlog lab. The grader checks much more than this."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

PROJECT = Path(__file__).resolve().parent.parent


def load_script() -> ModuleType:
    path = PROJECT / "incidents" / "queue_backlog_load.py"
    spec = importlib.util.spec_from_file_location("queue_backlog_load", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def load() -> dict[str, Any]:
    result: dict[str, Any] = load_script().run_load()
    return result


def test_every_answer_is_filled_in() -> None:
    data = yaml.safe_load((PROJECT / "answers" / "queue-backlog.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), "answers/queue-backlog.yaml should hold the template's keys"

    def blanks(node: Any, where: str) -> list[str]:
        if isinstance(node, dict):
            return [b for key, value in node.items() for b in blanks(value, f"{where}.{key}".lstrip("."))]
        return [where] if node is None else []

    assert blanks(data, "") == []


def test_lag_metric_matches_what_the_load_counts() -> None:
    # metrics()["lag"] after each tick, against produced - acknowledged - dead-lettered as the load counts it.
    wrong = [(t[0], t[4][0], t[5]) for t in load()["ticks"] if t[4][0] != t[5]]
    assert wrong == [], f"(time, metrics()['lag'], lag counted by the load), first ones: {wrong[:5]}"


def test_backlog_drains_soon_after_the_burst() -> None:
    figures = load()["figures"]
    assert figures["drain_seconds"] != "never" and figures["drain_seconds"] <= 30, figures
    assert figures["lost"] == 0 and figures["duplicated"] == 0, figures
