"""Grader for stage4/buffer-pool-lru-vs-mysql: "Buffer Pool 的 LRU 和 MySQL 的 LRU 区别（young/old 分代）".

The learner replays one seeded workload (a hot set of 32 pages, a full scan of a 1024-page table
that fetches every page 4 times in a row, users reading the hot set throughout) through their own
BufferPool (stage4/buffer-pool) as plain LRU, as InnoDB's midpoint LRU, and as midpoint LRU with
old_blocks_time=0, and states the hot set's hit ratio before, during and after the scan and the
hot pages the scan evicted; then InnoDB's defaults and five choices in
``answers/buffer-pool-lru-vs-mysql.yaml``.

Both policies are specified exactly (a logical clock, no ties), so every correct pool hits exactly
as often as the key below; the stated figures are checked against the re-measurement with the
learner's own pool, through ``support/buffer_pool_lru_vs_mysql_support.py`` (the experiment's
block, verbatim), on the grader's ``MemoryStorage``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from swai.grading import expect_true, fail
from swai.grading.documents import read_answers
from swai.subject import RemoteObject, Subject
from swai.subject.client import show
from swai.subject.errors import SubjectError

NAME = "buffer-pool-lru-vs-mysql"
SUPPORT = "buffer_pool_lru_vs_mysql_support"
SUPPORT_FILE = Path(__file__).resolve().parent / "support" / f"{SUPPORT}.py"
SCRIPT = "python experiments/buffer_pool_lru_vs_mysql.py"
RUN = f"Run `{SCRIPT}` from your project folder and copy what it prints."
CONFIGS = ("lru", "midpoint", "midpoint_no_wait")
CONFIG_TEXT = {
    "lru": 'BufferPool(pager, 64, policy="lru")',
    "midpoint": 'BufferPool(pager, 64, policy="midpoint")',
    "midpoint_no_wait": 'BufferPool(pager, 64, policy="midpoint", old_blocks_time=0)',
}
PHASES = ("before", "during", "after")
RATIO_TOLERANCE = 0.001  # a stated hit ratio, printed with four decimals
MEASURE_TIMEOUT = 60.0

# -- the key -----------------------------------------------------------------------------------------------
# Hot-set fetches and hits of a correct pool, per phase, and the hot pages the scan evicted.
HOT_FETCHES = {"before": 883, "during": 256, "after": 179}
CORRECT = {
    "lru": {"hits": {"before": 883, "during": 97, "after": 156}, "evicted": 181},
    "midpoint": {"hits": {"before": 883, "during": 256, "after": 179}, "evicted": 0},
    "midpoint_no_wait": {"hits": {"before": 883, "during": 59, "after": 147}, "evicted": 222},
}
OLD_BLOCKS_PCT = 37
OLD_BLOCKS_TIME_MS = 1000
QUESTIONS = {
    "new_page_enters": "head_of_old",
    "old_blocks_time_role": "promotion_delay",
    "scan_in_lru": "evicts_hot_set",
    "scan_in_midpoint": "passes_through_old",
    "scan_without_wait": "evicts_hot_set",
}
SCAN_CHOICES = ["evicts_hot_set", "passes_through_old", "bypasses_pool", "promotes_hot_set"]
RULES = {
    "lru": "every fetch (hit or miss) puts the page at the most recently used end; the victim is the least "
           "recently used unpinned page",
    "midpoint": "a page read in enters the head of the old sublist; a hit on an old page promotes it to the young "
                "head only once old_blocks_time ticks have passed since it came in; a full young sublist pushes "
                "its tail to the old head; the victim is the old tail",
}

# -- the answers file's shape -------------------------------------------------------------------------------------
RATIO = {"type": "number", "minimum": 0, "maximum": 1,
         "description": "a hit ratio between 0 and 1 with four decimals, as the experiment prints it (e.g. 0.1234)"}
COUNT = {"type": "integer", "minimum": 0, "description": "a whole number, as the experiment prints it"}
LEAVES: dict[tuple[str, ...], dict[str, Any]] = {
    **{("measured", config, f"hit_ratio_{phase}"): RATIO for config in CONFIGS for phase in PHASES},
    **{("measured", config, "hot_pages_evicted"): COUNT for config in CONFIGS},
    ("innodb", "old_blocks_pct"): {"type": "number", "minimum": 0, "maximum": 100, "description": "a percentage"},
    ("innodb", "old_blocks_time_ms"): {"type": "number", "minimum": 0, "description": "milliseconds"},
    ("questions", "new_page_enters"): {"enum": ["head_of_young", "head_of_old", "tail_of_old", "tail_of_young"]},
    ("questions", "old_blocks_time_role"): {"enum": ["promotion_delay", "eviction_delay", "flush_interval",
                                                     "young_lifetime"]},
    ("questions", "scan_in_lru"): {"enum": SCAN_CHOICES},
    ("questions", "scan_in_midpoint"): {"enum": SCAN_CHOICES},
    ("questions", "scan_without_wait"): {"enum": SCAN_CHOICES},
}


def schema(wanted: set[tuple[str, ...]] | None = None) -> dict[str, Any]:
    """The answers' schema. ``None``: every answer, strictly (no unknown keys). Otherwise only
    the ``wanted`` answers must be filled in, so one blank does not fail every other check."""

    def node(prefix: tuple[str, ...]) -> dict[str, Any]:
        children = list(dict.fromkeys(path[len(prefix)] for path in LEAVES if path[:len(prefix)] == prefix))
        properties: dict[str, Any] = {}
        required = []
        for child in children:
            path = (*prefix, child)
            if path in LEAVES:
                properties[child] = LEAVES[path] if wanted is None or path in wanted else {}
            else:
                properties[child] = node(path)
            if wanted is None or any(w[:len(path)] == path for w in wanted):
                required.append(child)
        where = ".".join(prefix) or "the file"
        result: dict[str, Any] = {"type": "object", "properties": properties, "required": required,
                                  "description": f"{where} as the template lays it out: "
                                                 + ", ".join(f"{c}: ..." for c in children)}
        if wanted is None:
            result["additionalProperties"] = False
        return result

    return node(())


def answers(project: Path, *wanted: tuple[str, ...]) -> dict[str, Any]:
    return read_answers(project, NAME, schema(set(wanted)))


# -- replaying the workload through the learner's pool ---------------------------------------------------------

_measured: dict[tuple[str, str], dict[str, Any]] = {}  # (project, configuration) -> replay, for this run


def support(subject: Subject) -> RemoteObject:
    module = subject.import_module(SUPPORT)
    where = module.attr("__file__")
    subject.transcript.entries.pop()  # the grader's own path is no business of the learner's
    if not isinstance(where, str) or Path(where).resolve() != SUPPORT_FILE:
        fail(f"your project has its own {SUPPORT} module, which hides the grader's",
             expected="no file or folder of that name in your project", got=show(where),
             hint=f"Rename or delete {SUPPORT}.py in your project; the grader needs that name.")
    return module


def measure(subject: Subject, config: str) -> dict[str, Any]:
    """The learner's pool in ``config`` replaying the workload, measured once per grading run."""
    key = (str(subject.project), config)
    if key not in _measured:
        try:
            pool_class = subject.import_module("minimysql.buffer_pool").attr("BufferPool")
        except SubjectError as exc:
            fail(f"importing minimysql.buffer_pool raised {exc.type_name}", expected="the module with BufferPool",
                 got=f"{exc.type_name}: {exc.message}"[:300], hint="Run `swai grade stage4/buffer-pool` first.")
        if not isinstance(pool_class, RemoteObject):
            fail("minimysql.buffer_pool.BufferPool is not a class", expected="class BufferPool",
                 got=show(pool_class), hint="Keep the class BufferPool of stage4/buffer-pool.")
        try:
            result = subject.call(support(subject), "run", (pool_class, config), {}, timeout=MEASURE_TIMEOUT,
                                  text=f"replay the workload through {CONFIG_TEXT[config]}, unpinning after each fetch")
        except SubjectError as exc:
            fail(f"your buffer pool raised {exc.type_name} while the experiment ran on it",
                 expected="the workload to run: fetch(page_id), then unpin(page_id), 9 000 times",
                 got=f"{exc.type_name}: {exc.message}"[:300],
                 hint=f"Run `{SCRIPT}` to see where; `swai grade stage4/buffer-pool` checks the pool itself.")
        if not (isinstance(result, dict) and isinstance(result.get("figures"), dict)):
            fail("the replay returned something unexpected", expected="its counts", got=show(result),
                 hint=f"Keep the shared block of {SCRIPT} as it was given.")
        if result.get("storage_reads") != result.get("reads"):
            fail("your buffer pool read the storage behind the experiment's back",
                 expected=f"{result.get('storage_reads')} reads counted by the experiment's CountingStorage",
                 got=str(result.get("reads")), hint="Read pages through the pager only.")
        _measured[key] = result
    return _measured[key]


def check_pool(subject: Subject, config: str) -> None:
    result = measure(subject, config)
    expect_true(not result["wrong"], f"{CONFIG_TEXT[config]} handed out pages with another page's data",
                expected="every fetched page holding its own data", got=f"pages {result['wrong']}",
                hint="A frame reused for a new page must hold that page's data; run `swai grade stage4/buffer-pool`.")
    want = CORRECT[config]
    got_hits = {phase: result["hits"].get(phase) for phase in PHASES}
    rule = RULES["lru" if config == "lru" else "midpoint"]
    expect_true(got_hits == want["hits"] and result["hot_evicted_during_scan"] == want["evicted"],
                f"{CONFIG_TEXT[config]} does not replay the workload as a correct pool does, so its figures "
                "cannot answer the question",
                expected=f"hot-set hits {want['hits']} of {HOT_FETCHES}, and {want['evicted']} hot pages evicted "
                         "during the scan",
                got=f"hot-set hits {got_hits}, {result['hot_evicted_during_scan']} hot pages evicted",
                hint=f"Your numbers come from your own pool: {rule}. Run `swai grade stage4/buffer-pool` and fix what "
                     "it reports first.")


def check_stated(subject: Subject, project: Path, config: str) -> None:
    fields = [f"hit_ratio_{phase}" for phase in PHASES] + ["hot_pages_evicted"]
    stated = answers(project, *[("measured", config, field) for field in fields])["measured"][config]
    measured = measure(subject, config)["figures"]
    for field in fields:
        value, want = stated[field], measured[field]
        close = abs(value - want) <= RATIO_TOLERANCE if field.startswith("hit_ratio") else value == want
        shown = f"{want:.4f} ± {RATIO_TOLERANCE}" if field.startswith("hit_ratio") else str(want)
        expect_true(close, f"measured.{config}.{field} is not what your pool measures as {CONFIG_TEXT[config]}",
                    expected=f"{shown}: what your own pool measures", got=show(value),
                    hint=f"{RUN} Row {config}; a hit ratio is the hot set's hits / its fetches in that phase, a "
                         "fraction (0.1234, not 12.34); the last column counts hot pages pushed out during the scan.")


def check_question(project: Path, question: str, summary: str, hint: str) -> None:
    said = answers(project, ("questions", question))["questions"][question]
    expect_true(said == QUESTIONS[question], summary, expected="the choice your measurements support",
                got=show(said), hint=hint)


# -- the checks -----------------------------------------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(1)
def test_answers_file_is_complete(project: Path) -> None:
    """answers/buffer-pool-lru-vs-mysql.yaml answers every question of the template"""
    read_answers(project, NAME, schema(None))


@pytest.mark.correctness
@pytest.mark.points(1)
def test_lru_pool_replays_like_lru(subject: Subject) -> None:
    """your pool with policy="lru" hits as often as a correct LRU pool on the workload"""
    check_pool(subject, "lru")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_midpoint_pool_replays_like_innodb(subject: Subject) -> None:
    """your pool with policy="midpoint" hits as often as a correct midpoint pool on the workload"""
    check_pool(subject, "midpoint")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_midpoint_without_wait_replays_correctly(subject: Subject) -> None:
    """your midpoint pool with old_blocks_time=0 hits as often as a correct one on the workload"""
    check_pool(subject, "midpoint_no_wait")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_lru_figures(subject: Subject, project: Path) -> None:
    """the stated plain-LRU figures are what your pool measures"""
    check_stated(subject, project, "lru")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_midpoint_figures(subject: Subject, project: Path) -> None:
    """the stated midpoint figures are what your pool measures"""
    check_stated(subject, project, "midpoint")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_midpoint_no_wait_figures(subject: Subject, project: Path) -> None:
    """the stated midpoint figures with old_blocks_time=0 are what your pool measures"""
    check_stated(subject, project, "midpoint_no_wait")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_innodb_old_blocks_pct(project: Path) -> None:
    """InnoDB's default share of the old sublist"""
    said = answers(project, ("innodb", "old_blocks_pct"))["innodb"]["old_blocks_pct"]
    expect_true(said == OLD_BLOCKS_PCT, "innodb.old_blocks_pct is not InnoDB's default",
                expected="the default of innodb_old_blocks_pct, in percent", got=show(said),
                hint="See innodb_old_blocks_pct in the MySQL manual, 'Making the Buffer Pool Scan Resistant' "
                     "(https://dev.mysql.com/doc/refman/8.0/en/innodb-performance-midpoint_insertion.html): about "
                     "3/8 of the list.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_innodb_old_blocks_time(project: Path) -> None:
    """InnoDB's default old_blocks_time"""
    said = answers(project, ("innodb", "old_blocks_time_ms"))["innodb"]["old_blocks_time_ms"]
    expect_true(said == OLD_BLOCKS_TIME_MS, "innodb.old_blocks_time_ms is not InnoDB's default",
                expected="the default of innodb_old_blocks_time, in milliseconds", got=show(said),
                hint="See innodb_old_blocks_time in the MySQL manual (same page as innodb_old_blocks_pct). It is in "
                     "milliseconds, not the logical ticks of your pool.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_new_page_enters(project: Path) -> None:
    """where a page read into InnoDB's buffer pool enters the list"""
    check_question(project, "new_page_enters", "questions.new_page_enters is not right",
                   "Read your own midpoint code: where does a miss put the page it reads? That is the 'midpoint'.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_old_blocks_time_role(project: Path) -> None:
    """what innodb_old_blocks_time does"""
    check_question(project, "old_blocks_time_role", "questions.old_blocks_time_role is not right",
                   "Compare the rows midpoint and midpoint_no_wait: the only difference is old_blocks_time. The scan "
                   "fetches each page 4 times in a row; what happens to a page on its second fetch in each pool?")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_scan_in_lru(project: Path) -> None:
    """what a full scan does to plain LRU"""
    check_question(project, "scan_in_lru", "questions.scan_in_lru is not right",
                   "Row lru: the hit ratio during the scan and the hot pages evicted. Each scanned page becomes the "
                   "most recently used one.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_scan_in_midpoint(project: Path) -> None:
    """what a full scan does to InnoDB's midpoint LRU"""
    check_question(project, "scan_in_midpoint", "questions.scan_in_midpoint is not right",
                   "Row midpoint: 0 hot pages evicted. Where do the scanned pages enter, and which sublist do they "
                   "leave from?")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_scan_without_wait(project: Path) -> None:
    """what the same scan does to midpoint LRU with old_blocks_time=0"""
    check_question(project, "scan_without_wait", "questions.scan_without_wait is not right",
                   "Row midpoint_no_wait: the hit ratio during the scan and the hot pages evicted. A scanned page's "
                   "second fetch comes one tick after its first.")
