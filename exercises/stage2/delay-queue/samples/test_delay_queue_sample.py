"""Public sample tests for the delay queues. The grader checks much more than this."""

from __future__ import annotations

import pytest
from delay_queue import HeapDelayQueue, TimingWheelDelayQueue


class FakeClock:
    """A clock the test moves by hand: no sleeping."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def wheel(clock: FakeClock, **kwargs: object) -> TimingWheelDelayQueue:
    return TimingWheelDelayQueue(tick_duration=1.0, wheel_size=4, clock=clock, **kwargs)  # type: ignore[arg-type]


def test_worked_example_of_the_readme_on_the_wheel() -> None:
    clock, ran = FakeClock(), []
    queue = wheel(clock)
    for delay, name in ((2.25, "a"), (2.5, "b"), (1, "c"), (6, "d")):
        queue.schedule(delay, lambda name=name: ran.append(name))
    assert len(queue) == 4
    clock.now = 1
    assert queue.run_due() == 1 and ran == ["c"]
    clock.now = 2.5
    assert queue.run_due() == 0  # a's deadline passed, but its tick (3) has not come
    clock.now = 3
    assert queue.run_due() == 2 and ran == ["c", "a", "b"]
    clock.now = 3.5
    queue.schedule(0, lambda: ran.append("e"))
    assert queue.cancel(3) is True  # "d"
    assert queue.cancel(3) is False
    clock.now = 4
    assert queue.run_due() == 1 and ran == ["c", "a", "b", "e"]
    assert len(queue) == 0


def test_heap_uses_exact_deadlines_and_scheduling_order_for_ties() -> None:
    clock, ran = FakeClock(), []
    queue = HeapDelayQueue(clock=clock)
    queue.schedule(2.5, lambda: ran.append("late"))
    for name in "xyz":
        queue.schedule(2.25, lambda name=name: ran.append(name))
    clock.now = 2.25
    assert queue.run_due() == 3
    assert ran == ["x", "y", "z"]
    clock.now = 2.5
    assert queue.run_due() == 1
    assert ran == ["x", "y", "z", "late"]


def test_wheel_task_many_revolutions_ahead_runs_exactly_on_time() -> None:
    clock, ran = FakeClock(), []
    queue = wheel(clock)
    queue.schedule(21, lambda: ran.append("21"))  # 5 revolutions of a 4-slot wheel
    for tick in range(1, 21):
        clock.now = tick
        queue.run_due()
        assert ran == [], f"ran early, at tick {tick}"
    clock.now = 21
    assert queue.run_due() == 1 and ran == ["21"]


def test_cancel_of_a_task_that_ran_is_false() -> None:
    for queue_class in (HeapDelayQueue, TimingWheelDelayQueue):
        clock = FakeClock()
        queue = queue_class(clock=clock)
        task_id = queue.schedule(0, lambda: None)
        clock.now = 1
        assert queue.run_due() == 1
        assert queue.cancel(task_id) is False
        assert queue.cancel(task_id + 1000) is False


def test_a_raising_task_goes_to_on_error_and_the_others_still_run() -> None:
    clock, ran, errors = FakeClock(), [], []
    queue = HeapDelayQueue(clock=clock, on_error=lambda task_id, exc: errors.append((task_id, exc)))

    def boom() -> None:
        raise RuntimeError("boom")

    queue.schedule(1, lambda: ran.append("before"))
    bad = queue.schedule(1, boom)
    queue.schedule(1, lambda: ran.append("after"))
    clock.now = 1
    assert queue.run_due() == 3
    assert ran == ["before", "after"]
    assert [task_id for task_id, _ in errors] == [bad]
    assert isinstance(errors[0][1], RuntimeError)


@pytest.mark.parametrize("delay", [-1, float("nan"), float("inf")])
def test_bad_delay_is_a_value_error(delay: float) -> None:
    with pytest.raises(ValueError):
        HeapDelayQueue(clock=FakeClock()).schedule(delay, lambda: None)


@pytest.mark.parametrize("task", [None, 5])
def test_non_callable_task_is_a_type_error(task: object) -> None:
    with pytest.raises(TypeError):
        wheel(FakeClock()).schedule(1, task)  # type: ignore[arg-type]
