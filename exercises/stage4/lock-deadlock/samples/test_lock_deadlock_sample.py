"""Public sample tests for the deadlock lab. The grader checks much more than this."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

PROJECT = Path(__file__).resolve().parent.parent


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lock_deadlock_load", PROJECT / "incidents" / "lock_deadlock_load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def answers() -> dict[str, Any]:
    data = yaml.safe_load((PROJECT / "answers" / "lock-deadlock.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), "answers/lock-deadlock.yaml should hold the template's keys"
    return data


def test_ten_rounds_without_a_deadlock() -> None:
    result = load_script().run_load(rounds=10)
    assert result["deadlocks"] == 0 and result["failed_requests"] == 0, result["pairs"]
    assert result["mismatches"] == [], result["mismatches"]


def test_every_answer_is_filled_in() -> None:
    def blanks(node: Any, where: str) -> list[str]:
        if isinstance(node, dict):
            return [b for key, value in node.items() for b in blanks(value, f"{where}.{key}".lstrip("."))]
        return [where] if node is None else []

    assert blanks(answers(), "") == []


def test_the_fix_removed_every_deadlock() -> None:
    after = answers()["after"]
    assert after["deadlocks"] == 0 and after["failed_requests"] == 0, after
