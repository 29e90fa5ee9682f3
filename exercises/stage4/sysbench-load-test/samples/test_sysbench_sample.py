"""Public sample tests for the load test. The grader checks much more than this (and runs your commands
against your server when a Docker engine answers)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

PROJECT = Path(__file__).resolve().parent.parent


def run_command() -> list[str]:
    data: Any = yaml.safe_load((PROJECT / "docker-compose.bench.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict) and "sysbench" in (data.get("services") or {}), "a service sysbench is needed"
    command = data["services"]["sysbench"].get("command")
    return [str(word) for word in command] if isinstance(command, list) else str(command).split()


def test_the_run_is_a_point_select_run_without_server_side_prepared_statements() -> None:
    command = run_command()
    assert command[0] == "oltp_point_select" and command[-1] == "run"
    assert "--db-ps-mode=disable" in command


def test_the_saved_output_has_a_qps_figure() -> None:
    text = (PROJECT / "bench" / "results" / "oltp_point_select.txt").read_text(encoding="utf-8")
    assert re.search(r"queries:\s+\d+\s+\([\d.]+ per sec\.\)", text)
