"""Public sample tests for the buffer-pool scan experiment. The grader checks much more than this."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from minimysql.buffer_pool import BufferPool
from minimysql.pager import Pager
from minimysql.storage import OsStorage

PROJECT = Path(__file__).resolve().parent.parent


def experiment() -> ModuleType:
    path = PROJECT / "experiments" / "buffer_pool_lru_vs_mysql.py"
    spec = importlib.util.spec_from_file_location("buffer_pool_lru_vs_mysql", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answers() -> dict[str, Any]:
    data = yaml.safe_load((PROJECT / "answers" / "buffer-pool-lru-vs-mysql.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), "answers/buffer-pool-lru-vs-mysql.yaml should hold the template's keys"
    return data


def test_a_small_scan_through_both_policies(tmp_path: Path) -> None:
    # 4 frames, so 1 old frame with midpoint: pages 1 and 2 are made young, then pages 3..8 are
    # scanned. LRU loses 1 and 2; midpoint keeps them, the scan passing through the one old frame.
    storage = experiment().CountingStorage(OsStorage(tmp_path))
    pager = Pager(storage, "table.db", page_size=512)
    for _ in range(8):
        pager.allocate()
    for policy, kept in (("lru", False), ("midpoint", True)):
        pool = BufferPool(pager, 4, policy=policy, old_fraction=0.25, old_blocks_time=1)
        for page_id in (1, 2, 1, 2):  # the second fetch of each comes 2 ticks later: promoted
            pool.fetch(page_id)
            pool.unpin(page_id)
        for page_id in range(3, 9):
            pool.fetch(page_id)
            pool.unpin(page_id)
        assert (1 in pool and 2 in pool) is kept, policy


def test_every_answer_is_filled_in() -> None:
    def blanks(node: Any, where: str) -> list[str]:
        if isinstance(node, dict):
            return [b for key, value in node.items() for b in blanks(value, f"{where}.{key}".lstrip("."))]
        return [where] if node is None else []

    assert blanks(answers(), "") == []


def test_midpoint_kept_the_hot_set() -> None:
    measured = answers()["measured"]
    assert measured["midpoint"]["hot_pages_evicted"] < measured["lru"]["hot_pages_evicted"]
    assert measured["midpoint"]["hit_ratio_during"] > measured["lru"]["hit_ratio_during"]
