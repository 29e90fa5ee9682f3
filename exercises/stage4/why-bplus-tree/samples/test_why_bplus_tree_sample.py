"""Public sample tests for the B+Tree vs binary tree experiment. The grader checks much more than this."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from minimysql.pager import Pager
from minimysql.storage import OsStorage

PROJECT = Path(__file__).resolve().parent.parent


def experiment() -> ModuleType:
    spec = importlib.util.spec_from_file_location("why_bplus_tree", PROJECT / "experiments" / "why_bplus_tree.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answers() -> dict[str, Any]:
    data = yaml.safe_load((PROJECT / "answers" / "why-bplus-tree.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), "answers/why-bplus-tree.yaml should hold the template's keys"
    return data


def test_paged_bst_reads_one_page_per_level(tmp_path: Path) -> None:
    # Keys 0..6 inserted middle first (3, then 1 and 5, then 0 2 4 6): a balanced tree of 3 levels.
    module = experiment()
    storage = module.CountingStorage(OsStorage(tmp_path))
    tree = module.PagedBST(Pager(storage, "tree.db", page_size=4096))
    for i in module.binary_order(7):
        tree.insert(module.key_of(i), module.value_of(i))
    assert tree.height() == 3
    for i, levels in ((3, 1), (5, 2), (0, 3)):
        before = storage.reads["tree.db"]
        assert tree.get(module.key_of(i)) == module.value_of(i)
        assert storage.reads["tree.db"] - before == levels, f"get(key {i}) should read {levels} page(s)"
    assert tree.get(module.key_of(9)) is None
    before = storage.reads["tree.db"]
    assert [k for k, _ in tree.range(module.key_of(4), module.key_of(6))] == [module.key_of(4), module.key_of(5)]
    assert storage.reads["tree.db"] - before == 4  # 3, 5, then 4 (left of 5) and 6 (right of 5, since 5 < hi)


def test_every_answer_is_filled_in() -> None:
    def blanks(node: Any, where: str) -> list[str]:
        if isinstance(node, dict):
            return [b for key, value in node.items() for b in blanks(value, f"{where}.{key}".lstrip("."))]
        return [where] if node is None else []

    assert blanks(answers(), "") == []


def test_stated_heights_follow_the_rules() -> None:
    # A B+Tree lookup reads one page per level; a balanced binary tree of n nodes has ceil(log2(n + 1)) levels.
    for size, trees in answers()["lookups"].items():
        n = int(size.removeprefix("n_"))
        assert trees["bplus_tree"]["reads_per_lookup"] == trees["bplus_tree"]["height"], size
        assert trees["binary_tree"]["height"] == n.bit_length(), size
