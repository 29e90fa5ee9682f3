"""Public sample tests for the B+Tree, on real files and your pager. The grader checks much more than this."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from minimysql.btree import BPlusTree, DuplicateKey
from minimysql.pager import Pager
from minimysql.storage import OsStorage

PAGE = 512  # small pages: a few hundred keys already make a tree of several levels


def key(i: int) -> bytes:
    return f"key{i:06d}".encode()


def open_tree(path: Path) -> tuple[Pager, BPlusTree]:
    pager = Pager(OsStorage(path), page_size=PAGE)
    return pager, BPlusTree(pager)


def test_insert_get_and_policies(tmp_path: Path) -> None:
    _, tree = open_tree(tmp_path)
    assert len(tree) == 0 and tree.height() == 1
    tree.insert(b"apple", b"red")
    assert tree.get(b"apple") == b"red"
    assert tree.get(b"pear") is None and tree.get(b"pear", b"-") == b"-"
    with pytest.raises(DuplicateKey):
        tree.insert(b"apple", b"green")
    tree.put(b"apple", b"green")
    assert tree.get(b"apple") == b"green" and len(tree) == 1
    assert tree.delete(b"apple") == b"green"
    with pytest.raises(KeyError):
        tree.delete(b"apple")


def test_many_keys_split_then_merge(tmp_path: Path) -> None:
    pager, tree = open_tree(tmp_path)
    order = list(range(800))
    random.Random(1).shuffle(order)
    for i in order:
        tree.insert(key(i), f"v{i}".encode())
    assert tree.height() >= 2
    assert [k for k, _ in tree.range()] == [key(i) for i in range(800)]
    for i in order[:790]:
        tree.delete(key(i))
    assert len(tree) == 10
    assert sorted(tree.range()) == [(key(i), f"v{i}".encode()) for i in sorted(order[790:])]
    assert tree.height() <= 2
    assert pager.page_count() <= 6  # merges gave the emptied pages back


def test_range_is_half_open(tmp_path: Path) -> None:
    _, tree = open_tree(tmp_path)
    for i in range(0, 100, 2):
        tree.insert(key(i), b"v")
    assert [k for k, _ in tree.range(key(10), key(20))] == [key(i) for i in range(10, 20, 2)]
    assert [k for k, _ in tree.range(key(11), key(13))] == [key(12)]
    assert [k for k, _ in tree.range(None, key(4))] == [key(0), key(2)]
    assert [k for k, _ in tree.range(key(96))] == [key(96), key(98)]
    assert list(tree.range(key(50), key(50))) == []


def test_reopen_finds_the_tree(tmp_path: Path) -> None:
    pager, tree = open_tree(tmp_path)
    for i in range(300):
        tree.insert(key(i), bytes([i % 256]) * 10)
    height = tree.height()
    pager.close()
    _, tree = open_tree(tmp_path)
    assert len(tree) == 300 and tree.height() == height
    assert tree.get(key(123)) == bytes([123]) * 10


def test_bad_arguments(tmp_path: Path) -> None:
    _, tree = open_tree(tmp_path)
    with pytest.raises(TypeError):
        tree.insert("text", b"v")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        tree.insert(b"k" * 33, b"v")
    with pytest.raises(ValueError):
        tree.insert(b"k", b"v" * 65)
    assert len(tree) == 0
