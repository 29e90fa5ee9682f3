"""Grader for stage2/timing-wheel-vs-heap: 时间轮的实现原理？对比最小堆？

The learner answers in ``answers/timing-wheel-vs-heap.yaml``: numbers measured on their own
delay queues (stage2/delay-queue) by ``experiments/timing_wheel_vs_heap.py``, the growth class
of schedule and cancel on each structure, the wheel's lateness bound, the levels a wheel
needs, a cascade trace and which structure fits six scenarios.

Measured numbers are measured again here, with the learner's own ``delay_queue.py`` inside
the subject, by the support module ``support/timing_wheel_vs_heap_support.py`` (its workload
block is the experiment script's, verbatim). Comparison counts and lateness are exact;
time ratios are compared loosely (machines differ), and a growth class is judged from the
measurement only when the measurement is clear-cut.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from swai.grading import fail
from swai.grading.documents import read_answers
from swai.subject import Subject
from swai.subject.errors import SubjectError

NAME = "timing-wheel-vs-heap"
SUPPORT = "timing_wheel_vs_heap_support"
SCRIPT = "python experiments/timing_wheel_vs_heap.py"
KINDS = ("heap", "wheel")
OPS = ("schedule", "cancel")
SIZES = (1024, 8192, 65536)  # as in the support module
GROWTH = ("constant", "logarithmic", "linear")
MEASURE_TIMEOUT = 120.0  # seconds for one measurement in the subject (its own budgets stop far sooner)

FLAT_RATIO = 8.0  # a time ratio at most this: the time hardly depends on the number of pending tasks
LINEAR_RATIO = 16.0  # a time ratio at 64x the tasks at least this: the time grows like n
RATIO_FACTOR = 3.0  # stated and measured time ratios above FLAT_RATIO must be within this factor
COUNT_TOLERANCE = 0.01  # comparison counts: 1 %, at least COUNT_MIN_TOLERANCE
COUNT_MIN_TOLERANCE = 0.1
SECONDS_TOLERANCE = 0.001  # measured lateness, in seconds
BOUND_MS = (99.0, 100.0)  # accepted answers for the lateness bound of a 100 ms tick

# -- the key ---------------------------------------------------------------------------------

THEORY: dict[tuple[str, str], tuple[str, ...]] = {
    ("heap", "schedule"): ("logarithmic",),
    ("heap", "cancel"): ("constant", "logarithmic"),  # lazy deletion, or an indexed heap's removal
    ("wheel", "schedule"): ("constant",),
    ("wheel", "cancel"): ("constant",),
}
THEORY_HINTS = {
    ("heap", "schedule"): "A push onto a binary heap climbs from the last leaf towards the root, one level per "
                          "comparison; a new earliest deadline climbs all log2(n) levels. That is what the "
                          "comparisons column shows: the same number more each time n grows 8x. The time ratio "
                          "stays flat because random deadlines climb ~1 level on average and the climb runs in C.",
    ("heap", "cancel"): "A heap cancel is either lazy (forget the task, skip its entry when it surfaces: constant) "
                        "or an indexed removal (swap the last entry into its place and sift: logarithmic). It never "
                        "needs to scan the heap; if yours does (list.remove, heapify), fix delay_queue.py.",
    ("wheel", "schedule"): "A wheel computes the slot from the expiry tick with arithmetic (a division and a modulo "
                           "per level, and the number of levels does not grow with n): no comparison with other "
                           "tasks, no search.",
    ("wheel", "cancel"): "A wheel cancel finds the task by id in a dict and takes it out of its slot (a dict or a "
                         "doubly linked list) without searching the slot. If your own code measured linear, "
                         "delay_queue.py searches a slot (list.remove): fix it there.",
}

LEVEL_CONFIGS = {  # name: (tick in ms, wheel_size, longest delay in ms)
    "tick_10ms_size_64_up_to_1h": (10, 64, 3_600_000),
    "tick_1ms_size_20_up_to_30s": (1, 20, 30_000),
    "tick_1s_size_60_up_to_1d": (1000, 60, 86_400_000),
    "tick_1ms_size_16_up_to_65536ms": (1, 16, 65_536),
}
CASCADE_SIZE = 8
CASCADE_EXPIRY = 100

SCENARIOS = {
    "gateway_request_timeouts": (
        "wheel", "a million timers that are nearly all cancelled: O(1) schedule and cancel matter, precision does "
                 "not"),
    "exact_order_few_timers": (
        "heap", "a few dozen timers that must fire in exact deadline order: a wheel only orders to the tick"),
    "sleep_until_next_timer": (
        "heap", "the heap's top is the next deadline, so the owner sleeps exactly until it; a wheel ticks through "
                "empty slots (or needs a heap of buckets, as Kafka has, to skip them)"),
    "idle_connection_timeouts": (
        "wheel", "every packet cancels and re-arms a timer: hundreds of thousands of O(1) cancel+schedule pairs a "
                 "second, with a second of slack"),
    "discrete_event_simulation": (
        "heap", "the clock jumps straight to the next event, whose time must be exact: pop-min of a heap"),
    "session_expiry": (
        "wheel", "ten million timers reset on every request and a second of slack: O(1) re-arming, coarse ticks"),
}


def levels_needed(tick_ms: int, size: int, delay_ms: int) -> int:
    """The smallest L with size**L > the expiry tick of the longest delay (L levels hold ticks < size**L)."""
    ticks = delay_ms // tick_ms
    levels = 1
    while size**levels <= ticks:
        levels += 1
    return levels


def cascade_path(size: int, expiry: int) -> tuple[list[int], list[list[int]]]:
    """Where a task with ``expiry`` goes at tick 0 and every later move, by the delay-queue spec."""

    def place(now: int) -> tuple[int, int, int]:
        level, unit = 0, 1
        while expiry // (unit * size) != now // (unit * size):
            level, unit = level + 1, unit * size
        return level, (expiry // unit) % size, unit

    level, slot, unit = place(0)
    placed, moves = [level, slot], []
    while level > 0:
        tick = (expiry // unit) * unit  # the start of its slot: the current tick reaches it and cascades it
        level, slot, unit = place(tick)
        moves.append([tick, level, slot])
    return placed, moves


# -- the answers file ------------------------------------------------------------------------

RATIO = {"type": "number", "exclusiveMinimum": 0,
         "description": "a positive number: a time divided by the time with 1 024 pending"}
COUNT = {"type": "number", "minimum": 0, "description": "a number >= 0 from the comparisons table"}
FIELDS: dict[str, dict[str, Any]] = {
    "time_ratios": {"type": "array", "items": RATIO, "minItems": 2, "maxItems": 2,
                    "description": "two ratios: [time at 8 192 / time at 1 024, time at 65 536 / time at 1 024]"},
    "comparisons": {"type": "array", "items": COUNT, "minItems": 3, "maxItems": 3,
                    "description": "three counts: comparisons per call at 1 024, 8 192 and 65 536 pending"},
    "growth": {"enum": list(GROWTH)},
}
SECONDS = {"type": "number", "minimum": 0, "description": "seconds, from the lateness table"}
MEASURED_LATENESS = ("wheel_max_s", "wheel_mean_s", "heap_max_s")
BOUND = "wheel_bound_ms_for_100ms_tick"
LEVEL = {"type": "integer", "minimum": 1, "description": "a whole number of levels"}
PAIR = {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 2, "maxItems": 2,
        "description": "[level, slot]: two whole numbers"}
MOVE = {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 3, "maxItems": 3,
        "description": "[tick, level, slot]: three whole numbers"}
CHOICE = {"enum": ["heap", "wheel"]}


def obj(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


def ops_part(*fields: str) -> dict[str, Any]:
    """The heap and wheel sections with only ``fields`` of each operation."""
    per_op = obj({field: FIELDS[field] for field in fields})
    return {kind: obj(dict.fromkeys(OPS, per_op)) for kind in KINDS}


def lateness_part(*fields: str) -> dict[str, Any]:
    bound = {"type": "number", "minimum": 0, "description": "milliseconds"}
    return {"lateness": obj({f: bound if f == BOUND else SECONDS for f in fields})}


LEVELS_PART = {"levels": obj(dict.fromkeys(LEVEL_CONFIGS, LEVEL))}
CASCADE_PART = {"cascade": obj({"placed": PAIR, "moves": {"type": "array", "items": MOVE,
                                                          "description": "a list of [tick, level, slot]"}})}
SCENARIOS_PART = {"scenarios": obj(dict.fromkeys(SCENARIOS, CHOICE))}


def answers(project: Path, **parts: Any) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts.values():
        merged |= part
    return read_answers(project, NAME, obj(merged))


# -- measuring the learner's queues ----------------------------------------------------------

_measured: dict[tuple[str, str, str], Any] = {}  # (project, function, kind) -> result, for this run


def measure(subject: Subject, function: str, kind: str = "") -> Any:
    """A support function's result on the learner's delay_queue.py, measured once per grading run."""
    key = (str(subject.project), function, kind)
    if key not in _measured:
        support = subject.import_module(SUPPORT)
        args = (kind,) if kind else ()
        try:
            _measured[key] = subject.call(support, function, args, {}, timeout=MEASURE_TIMEOUT)
        except SubjectError as exc:
            if exc.is_a("TimeoutError"):
                fail("your delay queue is too slow to measure", expected="the experiment's workloads to finish",
                     got=exc.message,
                     hint="schedule() must not search or sort all pending tasks; run `swai grade "
                          "stage2/delay-queue` and fix the performance checks first.")
            fail(f"your delay_queue.py raised {exc.type_name} while the experiment ran on it",
                 expected="the experiment to run on your HeapDelayQueue and TimingWheelDelayQueue",
                 got=f"{exc.type_name}: {exc.message}"[:300],
                 hint=f"Run `{SCRIPT}` to see where. This exercise measures your queues from stage2/delay-queue: "
                      "finish that one first (`swai grade stage2/delay-queue`).")
    return _measured[key]


def numbers(values: list[float]) -> str:
    return "[" + ", ".join(f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}" for v in values) + "]"


def sections() -> Iterator[tuple[str, str]]:
    for kind in KINDS:
        for op in OPS:
            yield kind, op


def ratios(times: list[float]) -> list[float]:
    return [t / times[0] for t in times[1:]] if times[0] > 0 else [float("inf")] * (len(times) - 1)


def count_class(counts: list[float]) -> str | None:
    """constant, logarithmic or linear when the worst-case comparison counts say so clearly."""
    c1, c8, c64 = counts
    if max(counts) - min(counts) <= 0.5:
        return "constant"
    if c64 >= 8 * max(c1, 1.0):
        return "linear"
    step1, step2 = c8 - c1, c64 - c8
    if step1 >= 1 and step2 >= 1 and 0.5 <= step2 / step1 <= 2 and c64 <= 4 * c1:
        return "logarithmic"
    return None


def measured_class(ratio64: float, counts: list[float] | None) -> str | None:
    """What the learner's own measurement says: a class, "not linear", or None (not clear-cut)."""
    by_count = count_class(counts) if counts is not None else None
    if ratio64 >= LINEAR_RATIO or by_count == "linear":
        return "linear"
    if ratio64 <= FLAT_RATIO:
        return by_count or "not linear"
    return by_count


def evidence(op: str, times: list[float], counts: list[float] | None) -> str:
    r8, r64 = ratios(times)
    text = f"time per {op} {r8:.2f}x and {r64:.2f}x the time at 1 024 pending (at 8 192 and 65 536)"
    if counts is not None:
        text += f"; worst-case comparisons per {op} {numbers(counts)} at 1 024, 8 192, 65 536 pending"
    return text


# -- checks: the measurements ----------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(1)
def test_answers_file_is_complete(project: Path) -> None:
    """answers/timing-wheel-vs-heap.yaml answers every question in the expected form"""
    answers(project, ops=ops_part(*FIELDS), lateness=lateness_part(*MEASURED_LATENESS, BOUND), levels=LEVELS_PART,
            cascade=CASCADE_PART, scenarios=SCENARIOS_PART)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_comparison_counts_match_your_queues(project: Path, subject: Subject) -> None:
    """the stated comparison counts are what your own queues make (within 1%)"""
    stated = answers(project, ops=ops_part("comparisons"))
    wrong = []
    for kind, op in sections():
        got = [float(v) for v in stated[kind][op]["comparisons"]]
        want = measure(subject, "measure_comparisons", kind)[op]
        if any(abs(g - w) > max(COUNT_MIN_TOLERANCE, COUNT_TOLERANCE * w) for g, w in zip(got, want, strict=True)):
            wrong.append((f"{kind}.{op}", want, got))
    if wrong:
        fail(f"{len(wrong)} of the 4 comparison counts differ from what your own delay_queue.py measures: "
             + ", ".join(name for name, _, _ in wrong),
             expected="; ".join(f"{name}.comparisons {numbers(want)}" for name, want, _ in wrong),
             got="; ".join(f"{name}.comparisons {numbers(got)}" for name, _, got in wrong),
             hint=f"Copy the comparisons column that `{SCRIPT}` prints, in the order 1 024, 8 192, 65 536; run it "
                  "again if you changed delay_queue.py. The counts are exact: every run gives the same.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_time_ratios_match_your_queues(project: Path, subject: Subject) -> None:
    """the stated time ratios agree with a re-measurement on your own queues"""
    stated = answers(project, ops=ops_part("time_ratios"))
    wrong = []
    for kind, op in sections():
        got = [float(v) for v in stated[kind][op]["time_ratios"]]
        want = ratios(measure(subject, "measure_times", kind)[op])
        for g, w in zip(got, want, strict=True):
            if not (max(g, w) <= FLAT_RATIO or max(g, w) <= RATIO_FACTOR * min(g, w)):
                wrong.append((f"{kind}.{op}", want, got))
                break
    if wrong:
        fail(f"{len(wrong)} of the 4 time-ratio pairs are far from what your own delay_queue.py measures: "
             + ", ".join(name for name, _, _ in wrong),
             expected="; ".join(f"{name}.time_ratios about {numbers(want)}" for name, want, _ in wrong),
             got="; ".join(f"{name}.time_ratios {numbers(got)}" for name, _, got in wrong),
             hint=f"Copy the time_ratios that `{SCRIPT}` prints (time at 8 192 and at 65 536 pending, each divided "
                  f"by the time at 1 024). Timings vary, so a ratio is accepted within {RATIO_FACTOR:g}x of the "
                  f"grader's, and any two ratios up to {FLAT_RATIO:g} count as equal; run it again if you changed "
                  "delay_queue.py.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_growth_agrees_with_your_measurement(project: Path, subject: Subject) -> None:
    """each stated growth class is what your own queues' measurements show"""
    stated = answers(project, ops=ops_part("growth"))
    for kind, op in sections():
        times = measure(subject, "measure_times", kind)[op]
        counts = measure(subject, "measure_comparisons", kind)
        blind = kind == "heap" and not any(counts["schedule"])  # this heap compares no Instants: counts say nothing
        own = None if blind else counts[op]
        verdict = measured_class(ratios(times)[1], own)
        growth = stated[kind][op]["growth"]
        if verdict is None or growth == verdict or (verdict == "not linear" and growth != "linear"):
            continue
        if verdict == "linear":
            why = ("the cost grows like n: 64x the pending tasks made each call "
                   f"{ratios(times)[1]:.0f}x slower" + (f" and {own[2] / max(own[0], 1):.0f}x the comparisons"
                                                        if own is not None and own[0] else ""))
        elif verdict == "not linear":
            why = f"64x the pending tasks made each call only {ratios(times)[1]:.1f}x slower: that is not linear"
        elif verdict == "constant":
            why = "the comparisons per call do not change with n, and neither does the time (beyond cache effects)"
        else:
            why = "the comparisons grow by about the same step each time n grows 8x: that is log2(n)"
        fail(f"{kind}.{op}.growth is {growth!r}, but your own {kind} measures otherwise: {why}",
             expected=f"the class your measurement shows ({evidence(op, times, own)})",
             got=repr(growth),
             hint="Read the two tables together: the time ratio tells linear (it follows n: about 8x and 64x) from "
                  f"not linear (below {FLAT_RATIO:g}x: caches alone explain 2-3x), and the worst-case comparison "
                  "counts tell constant (the same at every size) from logarithmic (+ the same step per 8x).")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_growth_matches_the_theory(project: Path) -> None:
    """schedule and cancel grow as a binary heap and a hierarchical timing wheel do"""
    stated = answers(project, ops=ops_part("growth"))
    for kind, op in sections():
        growth = stated[kind][op]["growth"]
        accepted = THEORY[(kind, op)]
        if growth not in accepted:
            fail(f"{kind}.{op}.growth {growth!r} is not how {op}() grows on a "
                 + ("binary min-heap" if kind == "heap" else "hierarchical timing wheel"),
                 expected=f"the worst-case growth of {op}() on a well-built "
                          + ("heap (either of its two classic forms for cancel)" if len(accepted) > 1 else kind),
                 got=repr(growth), hint=THEORY_HINTS[(kind, op)])


@pytest.mark.correctness
@pytest.mark.points(1)
def test_lateness_matches_your_queues(project: Path, subject: Subject) -> None:
    """the stated lateness of the heap and the wheel is what your own queues show"""
    stated = answers(project, lateness=lateness_part(*MEASURED_LATENESS))["lateness"]
    want = measure(subject, "measure_lateness")
    wrong = [name for name in MEASURED_LATENESS if abs(float(stated[name]) - want[name]) > SECONDS_TOLERANCE]
    if wrong:
        fail("lateness: " + ", ".join(wrong) + " differ from what your own delay_queue.py measures",
             expected=", ".join(f"{name} = {want[name]:.7g}" for name in wrong),
             got=", ".join(f"{name} = {stated[name]!r}" for name in wrong),
             hint=f"Copy the lateness table that `{SCRIPT}` prints, in seconds, to at least 3 decimals (within "
                  f"{SECONDS_TOLERANCE:g} s). These numbers are exact: every correct queue gives the same.")


# -- checks: the principle -------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(1)
def test_lateness_bound(project: Path) -> None:
    """the latest a task can run after its deadline on a wheel with a 100 ms tick"""
    stated = answers(project, lateness=lateness_part(BOUND))["lateness"][BOUND]
    low, high = BOUND_MS
    if not low <= float(stated) <= high:
        fail(f"lateness.{BOUND} = {stated!r} ms is not how late a 100 ms wheel can run a task",
             expected="the most a task can wait after its deadline on that wheel, in milliseconds (1 % under the "
                      "exact bound is accepted too)",
             got=f"{stated!r}",
             hint="A task's deadline is rounded up to the next tick boundary, and run_due() at that tick runs it. "
                  "A deadline just after a boundary waits almost a whole tick; one exactly on a boundary waits "
                  "nothing. Compare your wheel_max_s with the 0.25 s tick of the experiment.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_levels(project: Path) -> None:
    """the number of levels a hierarchical wheel needs for a given tick, wheel size and longest delay"""
    stated = answers(project, levels=LEVELS_PART)["levels"]
    wrong = [name for name, config in LEVEL_CONFIGS.items() if stated[name] != levels_needed(*config)]
    if wrong:
        fail(f"{len(wrong)} of the {len(LEVEL_CONFIGS)} level counts are wrong: " + ", ".join(wrong),
             expected="for each: the smallest L with wheel_size**L > the longest delay in ticks",
             got=", ".join(f"{name}: {stated[name]!r}" for name in wrong),
             hint="Level k has wheel_size slots of wheel_size**k ticks, so L levels hold expiry ticks 0 to "
                  "wheel_size**L - 1. Convert the delay to ticks first (delay / tick); a delay of exactly "
                  "wheel_size**k ticks needs k + 1 levels. Count with integer powers rather than a rounded "
                  "logarithm.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_cascade_trace(project: Path) -> None:
    """where a far-future task sits on an 8-slot wheel and when it cascades down"""
    stated = answers(project, cascade=CASCADE_PART)["cascade"]
    placed, moves = cascade_path(CASCADE_SIZE, CASCADE_EXPIRY)
    hint = ("A task goes on the lowest level whose current revolution contains its expiry tick (level k turns once "
            "every wheel_size**(k+1) ticks), in slot (expiry // wheel_size**k) % wheel_size. When the current tick "
            "reaches the first tick of that slot, the slot is emptied and each task is placed again by the same "
            "rule, from that tick. Write the moves in the order they happen.")
    if stated["placed"] != placed:
        fail("cascade.placed is not where schedule() puts a task with expiry tick 100 on an 8-slot wheel at tick 0",
             expected="[level, slot] by the placement rule", got=repr(stated["placed"]), hint=hint)
    if stated["moves"] != moves:
        detail = (f"{len(stated['moves'])} moves" if len(stated["moves"]) != len(moves)
                  else "the right number of moves, but not the right ticks, levels or slots (or order)")
        fail(f"cascade.moves is not the path of that task down the levels: {detail}",
             expected="each cascade of the task as [tick, new level, new slot], in order",
             got=repr(stated["moves"]), hint=hint)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_scenarios(project: Path) -> None:
    """heap or wheel for six timer workloads"""
    stated = answers(project, scenarios=SCENARIOS_PART)["scenarios"]
    wrong = [name for name, (want, _) in SCENARIOS.items() if stated[name] != want]
    if wrong:
        fail(f"{len(wrong)} of the {len(SCENARIOS)} scenarios got the structure that fits worse: "
             + ", ".join(wrong),
             expected="for each, the structure whose costs fit its workload",
             got=", ".join(f"{name}: {stated[name]}" for name in wrong),
             hint="Weigh what each workload does most: " + "; ".join(
                 f"{name}: {SCENARIOS[name][1]}" for name in wrong[:1])
             + ". In general: many timers, mostly cancelled, coarse precision -> wheel; few timers, exact order "
               "or sleeping until the next one -> heap.")
