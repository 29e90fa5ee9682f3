"""The Stage 4 storages: the learner's OsStorage, and the grader's MemoryStorage with its crash semantics."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import REPO


def load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


support = load(REPO / "graders" / "stage4" / "support" / "storage_support.py", "storage_support")
storage = load(REPO / "exercises" / "stage4" / "project" / "minimysql" / "storage.py", "mm_storage")


@pytest.mark.parametrize("make", [lambda tmp: storage.OsStorage(tmp / "db"), lambda tmp: support.MemoryStorage()])
def test_both_storages_keep_the_same_rules(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    disk = make(tmp_path)
    f = disk.open("a")
    assert f.size() == 0 and f.read_at(0, 10) == b""
    f.write_at(4, b"xy")
    assert f.read_at(0, 10) == b"\0\0\0\0xy" and f.size() == 6
    assert f.append(b"z") == 6 and f.read_at(5, 5) == b"yz"
    f.truncate(2)
    f.sync()
    assert f.size() == 2 and disk.names() == ["a"] and disk.exists("a")
    f.close()
    disk.remove("a")
    assert not disk.exists("a")
    with pytest.raises(ValueError):
        disk.open("../etc")


def test_power_cut_keeps_synced_bytes_and_a_prefix_of_the_rest() -> None:
    outcomes = set()
    for seed in range(40):
        disk = support.MemoryStorage(seed=seed)
        f = disk.open("log")
        f.append(b"A" * 8)
        f.sync()
        f.append(b"B" * 8)
        f.append(b"C" * 8)
        after = disk.power_cut().open("log").read_at(0, 100)
        assert after.startswith(b"A" * 8)
        rest = after[8:]
        assert rest in {b"", *(b"B" * n for n in range(1, 9)), *(b"B" * 8 + b"C" * n for n in range(1, 9))}
        outcomes.add(len(rest))
    assert {0, 16} <= outcomes and len(outcomes) > 4, "lost, kept and torn writes all happen"


def test_cut_after_the_nth_write_is_a_power_cut() -> None:
    disk = support.MemoryStorage(seed=3, cut_after_writes=3)
    f = disk.open("data")
    f.write_at(0, b"1111")
    f.write_at(4, b"2222")
    with pytest.raises(support.PowerCut):
        f.write_at(8, b"3333")
    with pytest.raises(support.PowerCut):
        f.write_at(12, b"4444")
    assert disk.counts("data")["writes"] == 2 and disk.unsynced("data") == 3
    assert not isinstance(support.PowerCut(), Exception), "except Exception must not swallow a power cut"


def test_counts_and_corruption() -> None:
    disk = support.MemoryStorage()
    f = disk.open("p")
    f.write_at(0, b"abcd")
    f.read_at(0, 2)
    f.sync()
    assert disk.counts("p") == {"reads": 1, "read_bytes": 2, "writes": 1, "written_bytes": 4, "syncs": 1,
                                "truncates": 0}
    disk.corrupt("p", 1)
    assert f.read_at(1, 1) != b"b" and disk.power_cut().open("p").read_at(1, 1) != b"b"
    disk.reset_counts()
    assert disk.counts()["reads"] == 0
