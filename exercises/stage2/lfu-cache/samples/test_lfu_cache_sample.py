"""Public sample tests for LFUCache. The grader checks much more than this."""

from __future__ import annotations

import pytest
from lfu_cache import LFUCache


def test_get_returns_value_or_default() -> None:
    cache = LFUCache(2)
    cache.put("a", 1)
    assert cache.get("a") == 1
    assert cache.get("missing") is None
    assert cache.get("missing", -1) == -1


def test_evicts_least_frequently_used() -> None:
    cache = LFUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.get("a")  # a: 2 uses, b: 1 use
    cache.put("c", 3)  # full: "b" has the fewest uses, so it goes
    assert "b" not in cache
    assert cache.get("a") == 1
    assert cache.get("c") == 3
    assert len(cache) == 2


def test_tie_goes_to_least_recently_used() -> None:
    cache = LFUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.get("b")
    cache.get("a")  # both have 2 uses; "b" was used less recently
    cache.put("c", 3)
    assert "b" not in cache
    assert "a" in cache
    assert "c" in cache


def test_update_counts_as_a_use_and_never_evicts() -> None:
    cache = LFUCache(2)
    cache.put("a", 1)
    cache.get("a")  # a: 2 uses
    cache.put("b", 2)
    cache.get("b")  # b: 2 uses
    cache.put("a", 10)  # update while full: a has 3 uses, nothing is evicted
    assert len(cache) == 2
    cache.put("c", 3)  # "b" (2 uses) goes, not "a" (3 uses)
    assert "b" not in cache
    assert cache.get("a") == 10


def test_new_key_is_never_its_own_victim() -> None:
    cache = LFUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.get("a")
    cache.get("b")  # both have 2 uses, "a" the older one
    cache.put("c", 3)  # evicts "a"; "c" (1 use) must survive its own insert
    assert "c" in cache
    assert "a" not in cache
    assert "b" in cache


def test_contains_is_not_a_use() -> None:
    cache = LFUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert "a" in cache  # a peek: "a" keeps 1 use and stays the older one
    cache.put("c", 3)
    assert "a" not in cache
    assert "b" in cache


@pytest.mark.parametrize("bad", [0, -1])
def test_capacity_below_one_is_a_value_error(bad: int) -> None:
    with pytest.raises(ValueError, match=str(bad)):
        LFUCache(bad)


@pytest.mark.parametrize("bad", [2.0, "2", None, True])
def test_capacity_of_wrong_type_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError):
        LFUCache(bad)  # type: ignore[arg-type]
