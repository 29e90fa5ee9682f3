"""Public sample tests for the worker pool shutdown experiment. The grader checks much more than this."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

PROJECT = Path(__file__).resolve().parent.parent


def experiment() -> ModuleType:
    path = PROJECT / "experiments" / "worker_pool_shutdown.py"
    spec = importlib.util.spec_from_file_location("worker_pool_shutdown", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def replay(how: str) -> dict[str, Any]:
    result: dict[str, Any] = experiment().run_scenario(how)
    return result


def answers() -> dict[str, Any]:
    data = yaml.safe_load((PROJECT / "answers" / "worker-pool-shutdown.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), "answers/worker-pool-shutdown.yaml should hold the template's keys"
    return data


def test_every_answer_is_filled_in() -> None:
    def blanks(node: Any, where: str) -> list[str]:
        if isinstance(node, dict):
            return [b for key, value in node.items() for b in blanks(value, f"{where}.{key}".lstrip("."))]
        return [where] if node is None else []

    assert blanks(answers(), "") == []


def test_your_pool_keeps_every_promise() -> None:
    # Whatever the stop, a task whose submit() returned a handle runs or is cancelled, and no
    # submit() stays blocked once the pool is closed.
    for how in ("graceful", "immediate"):
        fates = replay(how)["fates"]
        broken = {task: fate for task, fate in fates.items() if fate in ("lost", "blocked")}
        assert broken == {}, f"{how}: {broken}\n" + "\n".join(replay(how)["timeline"])


def test_stated_fates_are_what_your_pool_does() -> None:
    data = answers()
    for how in ("graceful", "immediate"):
        assert data[how]["fates"] == replay(how)["fates"], f"{how}: run the experiment and copy its fates"
        assert data[how]["threads_left"] == replay(how)["threads_left"]
