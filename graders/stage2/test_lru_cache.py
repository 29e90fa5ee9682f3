"""Grader for stage2/lru-cache: an LRU cache (HashMap + doubly linked list)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

import pytest
from cache_grading import (
    MISS,
    CacheExercise,
    check_against_model,
    check_capacity_validation,
    check_constant_time,
    check_scenario,
    check_threads,
    check_unhashable_key,
)

from swai.grading import Figures, expect_equal
from swai.subject import Subject


class LRUModel:
    """The specification as a few lines: an ordered dict, least recent first."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.data: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable, default: Any = None) -> Any:
        if key not in self.data:
            return default
        self.data.move_to_end(key)
        return self.data[key]

    def put(self, key: Hashable, value: Any) -> None:
        if key not in self.data and len(self.data) == self.capacity:
            self.data.popitem(last=False)
        self.data[key] = value
        self.data.move_to_end(key)

    def __len__(self) -> int:
        return len(self.data)

    def __contains__(self, key: Hashable) -> bool:
        return key in self.data


LRU = CacheExercise("lru_cache", "LRUCache", LRUModel,
                    "When full, put() of a new key evicts the entry used least recently; "
                    "get() hits and put() updates count as uses.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_put_then_get(subject: Subject) -> None:
    """get returns what put stored, and the default on a miss"""
    cache = LRU.new(subject, 2)
    cache.put("a", 1)
    expect_equal(cache.get("a"), 1, "get() should return the value put() stored",
                 hint="Keep a dict from key to the entry that holds the value.")
    expect_equal(cache.get("zzz"), None, "get() of a missing key should return None",
                 hint="The default for a miss is None unless a default is passed.")
    expect_equal(cache.get("zzz", MISS), MISS, "get(key, default) of a missing key should return default",
                 hint="get(key, default=None) returns default on a miss.")
    expect_equal(len(cache), 1, "len(cache) should count the entries", hint="__len__ returns the number of keys held.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_falsy_values_are_values(subject: Subject) -> None:
    """None, 0 and "" are stored values, not misses"""
    cache = LRU.new(subject, 3)
    for key, value in (("none", None), ("zero", 0), ("empty", "")):
        cache.put(key, value)
        expect_equal(cache.get(key, MISS), value, f"get({key!r}, {MISS!r}) should return the stored {value!r}",
                     hint="Test membership with `in`, not the truthiness of the stored value.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_evicts_least_recently_used(subject: Subject) -> None:
    """a full cache evicts the least recently used entry"""
    check_scenario(subject, LRU, 2, [("put", (1, "a")), ("put", (2, "b")), ("put", (3, "c")),
                                     ("get", (1,)), ("get", (2,)), ("get", (3,))],
                   "the wrong entry was evicted", LRU.rule_hint)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_get_refreshes_recency(subject: Subject) -> None:
    """a get() hit makes the key the most recently used"""
    check_scenario(subject, LRU, 2, [("put", (1, "a")), ("put", (2, "b")), ("get", (1,)),
                                     ("put", (3, "c")), ("get", (2,)), ("get", (1,))],
                   "after get(1), key 2 was the least recently used and should have been evicted",
                   "Move the entry to the most-recent end of the list on every get() hit.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_update_refreshes_recency_without_evicting(subject: Subject) -> None:
    """put() on an existing key updates it, refreshes it and evicts nothing"""
    check_scenario(subject, LRU, 2, [("put", (1, "a")), ("put", (2, "b")), ("put", (1, "A")),
                                     ("__len__", ()), ("put", (3, "c")), ("get", (2,)), ("get", (1,))],
                   "put() on an existing key must replace its value, make it the most recent, and not evict",
                   "Look the key up first: an update moves the node, an insert may evict.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_contains_is_not_a_use(subject: Subject) -> None:
    """`key in cache` does not change the eviction order"""
    check_scenario(subject, LRU, 2, [("put", (1, "a")), ("put", (2, "b")), ("__contains__", (1,)),
                                     ("put", (3, "c")), ("get", (1,)), ("get", (2,))],
                   "`in` changed which key was evicted", "__contains__ only reads membership.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_capacity_one(subject: Subject) -> None:
    """a cache of capacity 1 keeps only the last key"""
    check_scenario(subject, LRU, 1, [("put", (1, "a")), ("put", (2, "b")), ("get", (1,)), ("get", (2,)),
                                     ("put", (2, "B")), ("get", (2,))],
                   "a capacity-1 cache kept the wrong entry", LRU.rule_hint)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_capacity_is_validated(subject: Subject) -> None:
    """capacity below 1 raises ValueError; a non-int raises TypeError"""
    check_capacity_validation(subject, LRU)


@pytest.mark.correctness
@pytest.mark.points(4)
def test_behaves_like_the_model(subject: Subject) -> None:
    """random sequences of put/get/in/len agree with a model LRU cache"""
    check_against_model(subject, LRU)


@pytest.mark.performance
@pytest.mark.points(3)
def test_get_put_constant_time(subject: Subject, figures: Figures) -> None:
    """get/put stay O(1): time per call at 8n entries over time at n"""
    check_constant_time(subject, figures, LRU)


@pytest.mark.faults
@pytest.mark.points(3)
def test_eight_threads_keep_invariants(subject: Subject) -> None:
    """8 threads at once: no exception, never over capacity, consistent afterwards"""
    check_threads(subject, LRU)


@pytest.mark.faults
@pytest.mark.points(1)
def test_unhashable_key_rejected_cleanly(subject: Subject) -> None:
    """an unhashable key raises TypeError and leaves the cache intact"""
    check_unhashable_key(subject, LRU)
