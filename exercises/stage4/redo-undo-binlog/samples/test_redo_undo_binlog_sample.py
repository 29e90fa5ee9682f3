"""Public sample tests for the two-phase commit and its experiment. The grader checks much more than this."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from minimysql.storage import OsStorage
from minimysql.two_phase_commit import Primary, frame, read_log

PROJECT = Path(__file__).resolve().parent.parent


def experiment() -> ModuleType:
    spec = importlib.util.spec_from_file_location("redo_undo_binlog_experiment",
                                                  PROJECT / "experiments" / "redo_undo_binlog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answers() -> dict[str, Any]:
    data = yaml.safe_load((PROJECT / "answers" / "redo-undo-binlog.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), "answers/redo-undo-binlog.yaml should hold the template's keys"
    return data


def test_two_phase_commit_writes_both_logs(tmp_path: Path) -> None:
    primary = Primary(OsStorage(tmp_path))
    primary.commit(1, {"alice": "100"})
    redo, _ = read_log((tmp_path / "redo.log").read_bytes())
    binlog, _ = read_log((tmp_path / "binlog.log").read_bytes())
    assert redo == [{"type": "prepare", "txn": 1, "changes": {"alice": "100"}}, {"type": "commit", "txn": 1}]
    assert binlog == [{"txn": 1, "changes": {"alice": "100"}}]
    assert primary.get("alice") == "100" and primary.data() == {"alice": "100"}
    with pytest.raises(ValueError):
        primary.commit(1, {"alice": "0"})  # T1 is taken


def test_recovery_asks_the_binlog(tmp_path: Path) -> None:
    # T2 was prepared, and its binlog event made it to the disk: recovery must commit it.
    (tmp_path / "redo.log").write_bytes(frame({"type": "prepare", "txn": 2, "changes": {"k": "v"}}))
    (tmp_path / "binlog.log").write_bytes(frame({"txn": 2, "changes": {"k": "v"}}))
    primary = Primary(OsStorage(tmp_path))
    assert primary.data() == {"k": "v"} and primary.recovered == {2: "committed"}


def test_your_answers_are_what_the_experiment_measures() -> None:
    module = experiment()
    stated = answers()
    for order in module.ORDERS:
        measured = module.power_cuts(Primary, order)
        assert stated["outcomes"][order] == measured["outcomes"], f"outcomes.{order}: {measured['outcomes']}"
        if order == "two_phase":
            assert stated["decisions"]["two_phase"] == measured["decisions"], f"decisions: {measured['decisions']}"
