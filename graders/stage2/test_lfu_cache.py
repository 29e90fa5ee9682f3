"""Grader for stage2/lfu-cache: an LFU cache (HashMap + frequency buckets)."""

from __future__ import annotations

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


class LFUModel:
    """The specification as a few lines: evict the smallest (uses, last use) pair."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.data: dict[Hashable, list[Any]] = {}  # key -> [value, uses, last use]
        self.clock = 0

    def _use(self, key: Hashable) -> None:
        self.clock += 1
        entry = self.data[key]
        entry[1] += 1
        entry[2] = self.clock

    def get(self, key: Hashable, default: Any = None) -> Any:
        if key not in self.data:
            return default
        self._use(key)
        return self.data[key][0]

    def put(self, key: Hashable, value: Any) -> None:
        if key in self.data:
            self.data[key][0] = value
            self._use(key)
            return
        if len(self.data) == self.capacity:
            victim = min(self.data, key=lambda k: (self.data[k][1], self.data[k][2]))
            del self.data[victim]
        self.clock += 1
        self.data[key] = [value, 1, self.clock]

    def __len__(self) -> int:
        return len(self.data)

    def __contains__(self, key: Hashable) -> bool:
        return key in self.data


LFU = CacheExercise("lfu_cache", "LFUCache", LFUModel,
                    "When full, put() of a new key evicts the entry with the fewest uses, and among those "
                    "the least recently used; get() hits and put() updates count as uses.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_put_then_get(subject: Subject) -> None:
    """get returns what put stored, and the default on a miss"""
    cache = LFU.new(subject, 2)
    cache.put("a", 1)
    expect_equal(cache.get("a"), 1, "get() should return the value put() stored",
                 hint="Keep a dict from key to the entry that holds the value.")
    expect_equal(cache.get("zzz"), None, "get() of a missing key should return None",
                 hint="The default for a miss is None unless a default is passed.")
    expect_equal(cache.get("zzz", MISS), MISS, "get(key, default) of a missing key should return default",
                 hint="get(key, default=None) returns default on a miss.")
    cache.put("b", None)
    expect_equal(cache.get("b", MISS), None, "a stored None is a value, not a miss",
                 hint="Test membership with `in`, not the truthiness of the stored value.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_evicts_least_frequently_used(subject: Subject) -> None:
    """a full cache evicts the entry with the fewest uses"""
    check_scenario(subject, LFU, 2, [("put", (1, "a")), ("put", (2, "b")), ("get", (1,)), ("get", (1,)),
                                     ("get", (2,)), ("put", (3, "c")), ("get", (2,)), ("get", (1,))],
                   "the wrong entry was evicted: key 2 had fewer uses than key 1", LFU.rule_hint)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_ties_broken_by_least_recent_use(subject: Subject) -> None:
    """among equally used entries, the least recently used is evicted"""
    check_scenario(subject, LFU, 3, [("put", (1, "a")), ("put", (2, "b")), ("put", (3, "c")),
                                     ("get", (2,)), ("get", (1,)), ("get", (3,)),
                                     ("put", (4, "d")), ("get", (2,)), ("get", (1,)), ("get", (3,))],
                   "all keys had 2 uses; key 2 was used least recently and should have been evicted",
                   "Within one frequency bucket keep keys in order of last use, not of insertion.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_get_counts_as_a_use(subject: Subject) -> None:
    """a get() hit increases the key's use count"""
    check_scenario(subject, LFU, 2, [("put", (1, "a")), ("put", (2, "b")), ("get", (1,)),
                                     ("put", (3, "c")), ("get", (1,)), ("get", (2,))],
                   "after get(1), key 2 had fewer uses and should have been evicted",
                   "Move the key to the next frequency bucket on every get() hit.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_update_counts_as_a_use(subject: Subject) -> None:
    """put() on an existing key updates the value, counts as a use and evicts nothing"""
    check_scenario(subject, LFU, 2, [("put", (1, "a")), ("put", (2, "b")), ("put", (1, "A")),
                                     ("__len__", ()), ("put", (3, "c")), ("get", (1,)), ("get", (2,))],
                   "put() on an existing key must replace its value, count as a use, and not evict",
                   "An update bumps the key's frequency by one, like a get() hit.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_update_keeps_the_use_count(subject: Subject) -> None:
    """put() on an existing key adds one use to its count; it does not start the count again"""
    check_scenario(subject, LFU, 2, [("put", ("a", 1)), ("put", ("b", 2)), ("get", ("a",)), ("get", ("b",)),
                                     ("put", ("a", 10)), ("put", ("c", 3)), ("get", ("a",)), ("get", ("b",))],
                   "after put('a', 10), key a had 3 uses and b had 2: b should have been evicted",
                   "An update moves the key from its bucket to the next one; it keeps its history.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_new_key_starts_at_one_use(subject: Subject) -> None:
    """a new key starts with one use, so it is the next victim when nothing is used less"""
    check_scenario(subject, LFU, 2, [("put", (1, "a")), ("get", (1,)), ("get", (1,)), ("put", (2, "b")),
                                     ("get", (2,)), ("get", (2,)), ("put", (3, "c")), ("put", (4, "d")),
                                     ("get", (3,)), ("get", (4,)), ("get", (1,)), ("get", (2,))],
                   "after inserting a new key the least used entry changed; the wrong key was evicted",
                   "Reset the minimum frequency to 1 whenever a new key is inserted.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_contains_is_not_a_use(subject: Subject) -> None:
    """`key in cache` does not change the eviction order"""
    check_scenario(subject, LFU, 2, [("put", (1, "a")), ("put", (2, "b")), ("__contains__", (1,)),
                                     ("put", (3, "c")), ("get", (1,)), ("get", (2,))],
                   "`in` changed which key was evicted", "__contains__ only reads membership.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_capacity_is_validated(subject: Subject) -> None:
    """capacity below 1 raises ValueError; a non-int raises TypeError"""
    check_capacity_validation(subject, LFU)


@pytest.mark.correctness
@pytest.mark.points(4)
def test_behaves_like_the_model(subject: Subject) -> None:
    """random sequences of put/get/in/len agree with a model LFU cache"""
    check_against_model(subject, LFU)


@pytest.mark.performance
@pytest.mark.points(3)
def test_get_put_constant_time(subject: Subject, figures: Figures) -> None:
    """get/put stay O(1): time per call at 8n entries over time at n"""
    check_constant_time(subject, figures, LFU)


@pytest.mark.faults
@pytest.mark.points(3)
def test_eight_threads_keep_invariants(subject: Subject) -> None:
    """8 threads at once: no exception, never over capacity, consistent afterwards"""
    check_threads(subject, LFU)


@pytest.mark.faults
@pytest.mark.points(1)
def test_unhashable_key_rejected_cleanly(subject: Subject) -> None:
    """an unhashable key raises TypeError and leaves the cache intact"""
    check_unhashable_key(subject, LFU)
