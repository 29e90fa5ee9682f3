"""Public sample tests for the clustered table and its experiment. The grader checks much more than this."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from minimysql.btree import DuplicateKey
from minimysql.clustered import ClusteredTable
from minimysql.storage import OsStorage

PROJECT = Path(__file__).resolve().parent.parent


def experiment() -> ModuleType:
    spec = importlib.util.spec_from_file_location("clustered_index_experiment",
                                                  PROJECT / "experiments" / "clustered_index.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answers() -> dict[str, Any]:
    data = yaml.safe_load((PROJECT / "answers" / "clustered-index.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), "answers/clustered-index.yaml should hold the template's keys"
    return data


def small_table(path: Path) -> ClusteredTable:
    table = ClusteredTable(OsStorage(path), page_size=512)
    table.insert(5, b"eve@x.io", b"row 5")
    table.insert(1, b"carol@x.io", b"row 1")
    table.insert(300, b"alice@x.io", b"row 300")
    return table


def test_the_two_indexes(tmp_path: Path) -> None:
    table = small_table(tmp_path)
    assert table.primary.get((300).to_bytes(8, "big")) == b"row 300"  # clustered: id -> row
    assert table.secondary.get(b"alice@x.io") == (300).to_bytes(8, "big")  # secondary: email -> id
    assert table.get(300) == b"row 300" and table.get(7) is None
    assert table.get_by_email(b"alice@x.io") == b"row 300" and table.get_by_email(b"nobody") is None
    assert table.id_by_email(b"eve@x.io") == 5
    assert table.range(1, 300) == [b"row 1", b"row 5"]  # id order, 300 excluded
    assert table.range_by_email(b"a", b"d") == [b"row 300", b"row 1"]  # email order: alice, carol


def test_a_refused_insert_changes_nothing(tmp_path: Path) -> None:
    table = small_table(tmp_path)
    with pytest.raises(DuplicateKey):
        table.insert(2, b"eve@x.io", b"row 2")  # the email is taken
    assert table.get(2) is None
    with pytest.raises(TypeError):
        table.insert("3", b"new@x.io", b"row 3")


def test_your_answers_are_what_the_experiment_measures() -> None:
    module = experiment()
    measured = module.measure(module.MemoryDisk(), ClusteredTable)
    stated = answers()
    for section in ("height", "range_reads"):
        assert stated[section] == measured[section], f"{section}: the experiment measures {measured[section]}"
    for field, value in measured["point_reads"].items():
        assert stated["point_reads"][field] == pytest.approx(value, abs=0.01), f"point_reads.{field}: {value}"
