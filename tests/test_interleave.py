"""Seeded turn-taking (swai.subject.interleave): races show on every run, locks never hang it."""

from __future__ import annotations

import importlib.util
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from swai.subject import Subject
from swai.subject.interleave import Turns

COUNTERS = '''
import threading

class Unsafe:
    def __init__(self):
        self.value = 0
    def add(self):
        self.value += 1          # a read and a write: a turn can pass between them

class Locked:
    def __init__(self):
        self.value = 0
        self.lock = threading.Lock()
    def add(self):
        with self.lock:
            seen = self.value
            self.value = seen + 1

class Handoff:
    """Producers and consumers on one condition: threads block in wait(), not only on a lock."""
    def __init__(self):
        self.items = []
        self.cond = threading.Condition()
    def put(self, item):
        with self.cond:
            self.items.append(item)
            self.cond.notify()
    def take(self):
        with self.cond:
            while not self.items:
                self.cond.wait()
            return self.items.pop()
'''

THREADS, CALLS = 6, 150


@pytest.fixture
def counters(tmp_path: Path) -> ModuleType:
    path = tmp_path / "solution" / "counters.py"
    path.parent.mkdir()
    path.write_text(COUNTERS, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("counters", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_turns(bodies: list[Callable[[], None]], *, seed: int, root: Path, chance: float = 0.02) -> float:
    """Run one body per thread under Turns; the seconds it took."""
    turns = Turns(len(bodies), seed=seed, chance=chance, root=str(root))
    threads = [threading.Thread(target=turns.run, args=(i, body), daemon=True) for i, body in enumerate(bodies)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a thread never finished under Turns"
    return time.perf_counter() - started


def hammer(counter: object) -> list[Callable[[], None]]:
    def body() -> None:
        for _ in range(CALLS):
            counter.add()  # type: ignore[attr-defined]
    return [body] * THREADS


def test_a_lost_update_shows_and_the_same_seed_loses_the_same(counters: ModuleType, tmp_path: Path) -> None:
    finals = []
    for _ in range(2):
        counter = counters.Unsafe()
        run_turns(hammer(counter), seed=7, root=tmp_path / "solution")
        finals.append(counter.value)
    assert finals[0] < THREADS * CALLS, "switching inside `value += 1` must lose updates"
    assert finals[0] == finals[1], "lock-free code is scheduled the same way by the same seed"


def test_other_seeds_interleave_differently(counters: ModuleType, tmp_path: Path) -> None:
    finals = set()
    for seed in range(4):
        counter = counters.Unsafe()
        run_turns(hammer(counter), seed=seed, root=tmp_path / "solution")
        finals.add(counter.value)
    assert len(finals) > 1


def test_code_outside_the_root_is_never_interrupted(counters: ModuleType, tmp_path: Path) -> None:
    counter = counters.Unsafe()
    run_turns(hammer(counter), seed=7, root=tmp_path / "elsewhere")
    assert counter.value == THREADS * CALLS


def test_a_locked_counter_is_exact_and_quick(counters: ModuleType, tmp_path: Path) -> None:
    counter = counters.Locked()
    took = run_turns(hammer(counter), seed=3, root=tmp_path / "solution")
    assert counter.value == THREADS * CALLS
    assert took < 10, f"threads blocked on a paused lock holder must be moved past quickly ({took:.1f} s)"


def test_threads_waiting_on_a_condition_are_woken(counters: ModuleType, tmp_path: Path) -> None:
    box = counters.Handoff()
    taken: list[int] = []

    def producer() -> None:
        for item in range(40):
            box.put(item)

    def consumer() -> None:
        for _ in range(20):
            taken.append(box.take())

    run_turns([consumer, producer, consumer], seed=5, root=tmp_path / "solution", chance=0.05)
    assert sorted(taken) == list(range(40))


def test_a_body_that_raises_passes_its_turn_on(counters: ModuleType, tmp_path: Path) -> None:
    counter = counters.Locked()

    def boom() -> None:
        counter.add()
        raise RuntimeError("the learner's failure")

    def body() -> None:
        for _ in range(CALLS):
            counter.add()

    turns = Turns(3, seed=1, chance=0.05, root=str(tmp_path / "solution"))
    errors: list[BaseException] = []

    def guarded(index: int, fn: Callable[[], None]) -> None:
        try:
            turns.run(index, fn)
        except RuntimeError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i, fn), daemon=True) for i, fn in enumerate([body, boom, body])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()
    assert counter.value == 2 * CALLS + 1 and len(errors) == 1


def test_the_threads_request_takes_turns_by_seed(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "counters.py").write_text(COUNTERS, encoding="utf-8")
    with Subject(project, tmp_path / "work") as subject:
        module = subject.import_module("counters")
        finals = []
        for _ in range(2):
            counter = module.Unsafe()
            _, errors = subject.threads(counter, [[("add", ())] * CALLS] * THREADS, interleave=11, chance=0.02)
            assert errors == [None] * THREADS
            finals.append(counter.attr("value"))
        assert finals[0] < THREADS * CALLS and finals[0] == finals[1]
        assert any("taking turns by seed 11" in entry.text for entry in subject.transcript.entries)
