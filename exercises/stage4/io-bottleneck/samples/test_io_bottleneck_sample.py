"""Public sample tests for the I/O bottleneck lab. The grader checks much more than this."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

PROJECT = Path(__file__).resolve().parent.parent


def load_script() -> ModuleType:
    path = PROJECT / "incidents" / "io_bottleneck_load.py"
    spec = importlib.util.spec_from_file_location("io_bottleneck_load", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def load() -> dict[str, Any]:
    result: dict[str, Any] = load_script().run_load()
    return result


def test_every_answer_is_filled_in() -> None:
    data = yaml.safe_load((PROJECT / "answers" / "io-bottleneck.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), "answers/io-bottleneck.yaml should hold the template's keys"

    def blanks(node: Any, where: str) -> list[str]:
        if isinstance(node, dict):
            return [b for key, value in node.items() for b in blanks(value, f"{where}.{key}".lstrip("."))]
        return [where] if node is None else []

    assert blanks(data, "") == []


def test_the_disk_keeps_up_and_nothing_is_wrong() -> None:
    result = load()
    figures = result["figures"]
    assert result["wrong_lookups"] == [] and result["wrong_after_reopen"] == [], result["wrong_lookups"][:2]
    assert figures["disk_time_percent"] <= 50, figures  # % of the 10 s of traffic
    assert figures["ack_latency_max_ms"] <= 100, figures


def test_one_sync_per_batch_and_small_status_writes() -> None:
    figures = load()["figures"]
    assert figures["syncs_per_order"] <= 0.5 and figures["syncs_per_update"] <= 0.5, figures
    assert figures["bytes_written_per_update"] <= 256, figures
