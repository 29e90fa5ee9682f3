"""Checks shared by the Stage 2 cache exercises (LRU and LFU).

Both caches have the same API and differ only in which entry they evict, so one set of
checks takes the cache's module, class name and a model of its eviction rule.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from swai.grading import Figures, expect_equal, expect_raises, expect_true, fail
from swai.grading.perf import check_growth
from swai.grading.stateful import run_machine
from swai.subject import RemoteObject, Subject
from swai.subject.client import show

MISS = "<miss>"


class CacheModel(Protocol):
    capacity: int

    def get(self, key: Hashable, default: Any = None) -> Any: ...
    def put(self, key: Hashable, value: Any) -> None: ...
    def __len__(self) -> int: ...
    def __contains__(self, key: Hashable) -> bool: ...


@dataclass(frozen=True)
class CacheExercise:
    module: str
    cls: str
    model: Callable[[int], CacheModel]
    rule_hint: str  # one sentence: the eviction rule, for hints

    def new(self, subject: Subject, capacity: Any) -> RemoteObject:
        cache = getattr(subject.import_module(self.module), self.cls)(capacity)
        if not isinstance(cache, RemoteObject):  # e.g. a __new__ that returns None
            fail(f"{self.cls}({capacity!r}) should return a new cache object", expected=f"a {self.cls} instance",
                 got=show(cache), hint=f"Leave __new__ alone: {self.cls}(capacity) must build and return the cache.")
        return cache


# -- correctness: a stateful property test against the model -----------------------------

def check_against_model(subject: Subject, exercise: CacheExercise, *, max_examples: int = 150) -> None:
    class Machine(RuleBasedStateMachine):
        cache: RemoteObject
        model: CacheModel

        @initialize(capacity=st.integers(1, 4))
        def create(self, capacity: int) -> None:
            self.cache = exercise.new(subject, capacity)
            self.model = exercise.model(capacity)

        @rule(key=st.integers(0, 6), value=st.integers(0, 99))
        def put(self, key: int, value: int) -> None:
            result = self.cache.put(key, value)
            self.model.put(key, value)
            expect_equal(result, None, f"put({key}, {value}) should return None",
                         hint="put() stores and returns nothing.")

        @rule(key=st.integers(0, 6), default=st.sampled_from([None, MISS]))
        def get(self, key: int, default: str | None) -> None:
            got = self.cache.get(key) if default is None else self.cache.get(key, default)
            want = self.model.get(key, default)
            expect_equal(got, want, f"get({key}) returned the wrong value after the calls above",
                         hint=f"{exercise.rule_hint} get() returns the default on a miss.")

        @rule(key=st.integers(0, 6))
        def contains(self, key: int) -> None:
            expect_equal(key in self.cache, key in self.model,
                         f"`{key} in cache` disagrees with the calls above",
                         hint="`in` reports membership and is not a use.")

        @rule()
        def size(self) -> None:
            expect_equal(len(self.cache), len(self.model), "len(cache) is wrong after the calls above",
                         hint=f"The cache holds at most {self.model.capacity} entries; "
                              "updating a key does not add one.")

    run_machine(subject, Machine, max_examples=max_examples, steps=30)


# -- correctness: named scenarios -----------------------------------------------------------

def check_scenario(subject: Subject, exercise: CacheExercise, capacity: int,
                   steps: Sequence[tuple[str, tuple[Any, ...]]], summary: str, hint: str) -> None:
    """Replay ``steps`` on the learner's cache and the model; compare every answer."""
    cache = exercise.new(subject, capacity)
    model = exercise.model(capacity)
    for method, args in steps:
        got = getattr(cache, method)(*args)
        want = getattr(model, method)(*args)
        expect_equal(got, want, summary, hint=hint)
    for key in sorted({args[0] for _, args in steps if args}):
        expect_equal(key in cache, key in model, summary, hint=hint)
    expect_equal(len(cache), len(model), summary, hint=hint)


def check_capacity_validation(subject: Subject, exercise: CacheExercise) -> None:
    for bad in (0, -3):
        err = expect_raises("ValueError", lambda bad=bad: exercise.new(subject, bad),
                            f"{exercise.cls}({bad}) must be rejected",
                            hint="A cache that can hold nothing is a configuration mistake: raise ValueError.")
        expect_true(str(bad) in err.message, f"the ValueError for {exercise.cls}({bad}) should name the value",
                    expected=f"a message mentioning {bad}", got=repr(err.message),
                    hint="Say what was wrong, e.g. f\"capacity must be at least 1, got {capacity}\".")
    for bad in ("3", 2.5, True):
        expect_raises("TypeError", lambda bad=bad: exercise.new(subject, bad),
                      f"{exercise.cls}({bad!r}) must be rejected",
                      hint="Capacity must be an int; check with isinstance and reject bool explicitly.")
    cache = exercise.new(subject, 3)
    expect_equal(cache.attr("capacity"), 3, "the capacity property should return the capacity given",
                 hint="Expose it as a read-only @property.")


# -- performance ----------------------------------------------------------------------------

def check_constant_time(subject: Subject, figures: Figures, exercise: CacheExercise) -> None:
    """get/put must not slow down as the cache grows: time at 8n over time at n."""
    calls_per_round = 1000

    def setup(size: int) -> tuple[RemoteObject, Callable[[int], list[tuple[str, tuple[Any, ...]]]]]:
        cache = exercise.new(subject, size)
        subject.batch(cache, [("put", (-1 - i, i)) for i in range(size)])  # fill it

        def calls(round_: int) -> list[tuple[str, tuple[Any, ...]]]:
            base = round_ * calls_per_round
            out: list[tuple[str, tuple[Any, ...]]] = []
            for i in range(base, base + calls_per_round, 2):
                out.append(("put", (i, i)))  # a new key: evicts one entry
                out.append(("get", (i,)))  # a hit on the newest entry
            return out

        return cache, calls

    check_growth(subject, figures, setup, n=256, operation="get/put",
                 hint="Eviction must not search the whole cache. Keep the entries in an order you can "
                      "take the victim from directly (a doubly linked list, frequency buckets).")


# -- faults ---------------------------------------------------------------------------------

def value_of(key: int) -> str:
    return f"v{key}"


# Two rounds free-running (real preemption, long plans), then two taking seeded turns at the
# solution's code, which reach the same interleavings however busy the machine is.
THREAD_ROUNDS = ((None, 1500), (None, 1500), (1, 120), (2, 120))


def check_threads(subject: Subject, exercise: CacheExercise) -> None:
    """8 threads hammer one cache; afterwards the cache must still be a consistent cache."""
    capacity, keys, threads = 32, 96, 8
    for round_, (seed, per_thread) in enumerate(THREAD_ROUNDS):
        rng = random.Random(round_)
        cache = exercise.new(subject, capacity)
        plans = []
        for _ in range(threads):
            plan: list[tuple[str, tuple[Any, ...]]] = []
            for _ in range(per_thread):
                key, roll = rng.randrange(keys), rng.random()
                if roll < 0.45:
                    plan.append(("put", (key, value_of(key))))
                elif roll < 0.9:
                    plan.append(("get", (key,)))
                else:
                    plan.append(("__len__", ()))
            plans.append(plan)
        results, errors = subject.threads(cache, plans, interleave=seed)
        for index, error in enumerate(errors):
            if error is not None:
                call = plans[index][error["index"]]
                err = error["error"]
                where = "".join(f"\n      {f['file']}:{f['line']} in {f['function']}: {f['code']}"
                                for f in err["frames"])
                fail("Concurrent calls made your cache raise an exception",
                     expected="no exception from any thread",
                     got=f"thread {index} raised {err['type']}: {err['message']} in {call[0]}{call[1]}{where}",
                     hint="Guard every method with one lock (threading.Lock): a linked-list update is "
                          "several steps another thread can interleave with.")
        for plan, got in zip(plans, results, strict=True):
            for (method, args), value in zip(plan, got, strict=True):
                if method == "__len__" and not (type(value) is int and 0 <= value <= capacity):
                    fail("len(cache) went over capacity while threads were using it",
                         expected=f"0 <= len <= {capacity}", got=repr(value),
                         hint="Evict and insert under the same lock, so no thread sees the cache overfull.")
                if method == "get" and value not in (None, value_of(args[0])):
                    fail(f"get({args[0]}) returned another key's value under concurrency",
                         expected=f"None or {value_of(args[0])!r}", got=repr(value),
                         hint="Make every read and update of the map and the list one atomic step under a lock.")
        check_consistent_after(subject, cache, capacity, keys)


def check_consistent_after(subject: Subject, cache: RemoteObject, capacity: int, keys: int) -> None:
    """Whatever the threads did, the map, the eviction order and len() must still agree."""
    summary = "After 8 threads used it at once, the cache is no longer consistent"
    hint = "Guard every method with one lock so the map and the eviction order never disagree."
    everything = list(range(keys)) + list(range(10_000, 10_000 + capacity))
    for phase in ("after the threads", f"after {capacity} more puts of new keys"):
        _, present = subject.batch(cache, [("__contains__", (k,)) for k in everything], results=True)
        held = [k for k, is_in in zip(everything, present, strict=True) if is_in is True]
        _, values = subject.batch(cache, [("get", (k,)) for k in held], results=True)
        size = len(cache)
        if size != len(held) or size > capacity:
            fail(f"{summary} ({phase})", expected=f"len(cache) == number of keys found with `in` (<= {capacity})",
                 got=f"len(cache) == {size}, keys found: {len(held)}", hint=hint)
        for key, value in zip(held, values, strict=True):
            if value != value_of(key):
                fail(f"{summary} ({phase})", expected=f"get({key}) == {value_of(key)!r}", got=repr(value),
                     hint=hint)
        subject.batch(cache, [("put", (k, value_of(k))) for k in everything[keys:]])
    newest = everything[-1]
    expect_equal(cache.get(newest), value_of(newest), f"{summary}: the key put last is missing", hint=hint)
    expect_equal(len(cache), capacity, f"{summary}: after {capacity} new keys the cache should be full",
                 hint=hint)


def check_unhashable_key(subject: Subject, exercise: CacheExercise) -> None:
    """A bad key is refused with TypeError and leaves the cache as it was."""
    cache = exercise.new(subject, 2)
    cache.put("a", 1)
    cache.put("b", 2)
    expect_raises("TypeError", lambda: cache.put(["not", "hashable"], 3),
                  "put() with an unhashable key (a list) must raise TypeError",
                  hint="Let the dict lookup fail before you change anything else.")
    expect_equal(len(cache), 2, "a refused put() must leave the cache unchanged",
                 hint="Check the key (e.g. hash(key)) before unlinking or evicting anything.")
    hint = "Check the key (e.g. hash(key)) before unlinking or evicting anything."
    expect_equal(cache.get("a"), 1, "a refused put() must leave the cache unchanged", hint=hint)
    expect_equal(cache.get("b"), 2, "a refused put() must leave the cache unchanged", hint=hint)
    cache.put("c", 3)
    expect_equal(len(cache), 2, "after a refused put(), the cache must keep working", hint=hint)
