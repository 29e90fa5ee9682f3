"""Public sample tests for LRUCache. The grader checks much more than this."""

from __future__ import annotations

import pytest
from lru_cache import LRUCache


def test_get_returns_value_or_default() -> None:
    cache = LRUCache(2)
    cache.put("a", 1)
    assert cache.get("a") == 1
    assert cache.get("missing") is None
    assert cache.get("missing", -1) == -1


def test_evicts_least_recently_used() -> None:
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)  # full: "a" is the least recently used, so it goes
    assert "a" not in cache
    assert cache.get("b") == 2
    assert cache.get("c") == 3
    assert len(cache) == 2


def test_get_refreshes_recency() -> None:
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # now "b" is the least recently used
    cache.put("c", 3)
    assert "b" not in cache
    assert "a" in cache
    assert "c" in cache


def test_update_refreshes_recency_and_never_evicts() -> None:
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("b", 20)  # update while full: nothing is evicted
    assert len(cache) == 2
    assert "a" in cache
    cache.put("a", 10)  # an update is a use: now "b" is the least recently used
    cache.put("c", 3)
    assert "b" not in cache
    assert cache.get("a") == 10


def test_contains_is_not_a_use() -> None:
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert "a" in cache  # a peek: "a" stays the least recently used
    cache.put("c", 3)
    assert "a" not in cache
    assert "b" in cache


def test_capacity_is_read_only() -> None:
    cache = LRUCache(3)
    assert cache.capacity == 3
    assert len(cache) == 0
    with pytest.raises(AttributeError):
        cache.capacity = 5  # type: ignore[misc]


@pytest.mark.parametrize("bad", [0, -1])
def test_capacity_below_one_is_a_value_error(bad: int) -> None:
    with pytest.raises(ValueError, match=str(bad)):
        LRUCache(bad)


@pytest.mark.parametrize("bad", [2.0, "2", None, True])
def test_capacity_of_wrong_type_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError):
        LRUCache(bad)  # type: ignore[arg-type]
