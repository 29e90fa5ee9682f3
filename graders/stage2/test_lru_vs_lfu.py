"""Grader for stage2/lru-vs-lfu: "LRU vs LFU 的适用场景？", answered by an experiment.

The learner replays three seeded traces (scan-heavy, stable Zipf, shifting hot set) through
their own LRUCache and LFUCache and states the hit ratios, the winner per trace and three
multiple-choice answers in answers/lru-vs-lfu.yaml. The grader re-measures with the learner's
own caches through support/lru_vs_lfu_support.py (the source of truth for the traces; the
learner's experiments/lru_vs_lfu.py holds a verbatim copy and is never imported here), checks
the stated numbers against that re-measurement, the caches against the hit counts any correct
LRU / LFU cache produces, and the choices against the key below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from swai.grading import expect_true, fail
from swai.grading.documents import read_answers
from swai.subject import RemoteObject, Subject
from swai.subject.client import show

NAME = "lru-vs-lfu"
SUPPORT = "lru_vs_lfu_support"
SUPPORT_FILE = Path(__file__).resolve().parent / "support" / f"{SUPPORT}.py"
TRACES = ("scan", "zipf", "shift")
POLICIES = {"lru": ("lru_cache", "LRUCache"), "lfu": ("lfu_cache", "LFUCache")}
TOLERANCE = 0.005  # on a stated hit ratio, against the re-measurement with the learner's own caches
RUN = "Run `python experiments/lru_vs_lfu.py` from your project folder and copy what it prints."

# -- the key ---------------------------------------------------------------------------------
# Hits of a correct cache of capacity 100 (requests: scan 36 000, zipf 30 000, shift 30 000).
# Both caches are deterministic here (LFU ties go to the least recently used; cache-aside never
# updates a present key), so every correct implementation hits exactly this often.
CORRECT_HITS = {
    "lru": {"scan": 15007, "zipf": 13118, "shift": 25072},
    "lfu": {"scan": 17950, "zipf": 15898, "shift": 5777},
}
WINNER = {"scan": "lfu", "zipf": "lfu", "shift": "lru"}
QUESTIONS = {"pollution": "lfu", "scan_victim": "lru", "redis_lfu_fix": "decay"}
TRACE_TEXT = {
    "scan": "the scan trace (a hot set of 50 keys re-read between one-off scans of 300 new keys)",
    "zipf": "the zipf trace (stable Zipf popularity over 5 000 keys)",
    "shift": "the shift trace (a new hot set of 80 keys in each of 6 phases)",
}

# -- the answers file's shape -------------------------------------------------------------------
RATIO = {"type": "number", "minimum": 0, "maximum": 1,
         "description": "a hit ratio between 0 and 1 with four decimals, as the experiment prints it (e.g. 0.1234)"}
POLICY = {"enum": ["lru", "lfu"]}
LEAVES: dict[tuple[str, ...], dict[str, Any]] = {
    **{("hit_ratio", trace, policy): RATIO for trace in TRACES for policy in POLICIES},
    **{("winner", trace): POLICY for trace in TRACES},
    ("questions", "pollution"): {"enum": ["lru", "lfu", "both", "neither"]},
    ("questions", "scan_victim"): {"enum": ["lru", "lfu", "both", "neither"]},
    ("questions", "redis_lfu_fix"): {"enum": ["decay", "log_increment", "ttl", "lru_tiebreak"]},
}


def schema(wanted: set[tuple[str, ...]] | None = None) -> dict[str, Any]:
    """The answers' schema. ``None``: every answer, strictly (no unknown keys). Otherwise only
    the ``wanted`` answers must be filled in, so one blank does not fail every other check."""

    def node(prefix: tuple[str, ...]) -> dict[str, Any]:
        children = sorted({path[len(prefix)] for path in LEAVES if path[:len(prefix)] == prefix})
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


# -- re-measuring with the learner's caches --------------------------------------------------------

def support(subject: Subject) -> RemoteObject:
    module = subject.import_module(SUPPORT)
    where = module.attr("__file__")
    subject.transcript.entries.pop()  # the grader's own path is no business of the learner's
    if not isinstance(where, str) or Path(where).resolve() != SUPPORT_FILE:
        fail(f"your project has its own {SUPPORT} module, which hides the grader's",
             expected="no file or folder of that name in your project", got=show(where),
             hint=f"Rename or delete {SUPPORT}.py in your project; the grader needs that name.")
    return module


def measure(subject: Subject, policy: str, trace: str) -> int:
    """Hits of the learner's cache of ``policy`` on ``trace`` (capacity 100, cache-aside)."""
    module, cls = POLICIES[policy]
    cache_class = subject.import_module(module).attr(cls)
    if not isinstance(cache_class, RemoteObject):
        fail(f"{module}.{cls} is not a class", expected=f"class {cls}", got=show(cache_class),
             hint=f"Keep the stub's class {cls} in {module}.py.")
    value = subject.call(support(subject), "replay", (cache_class, trace), {}, timeout=60.0,
                         text=f"replay the {trace} trace through {cls}(100), cache-aside")
    if not (isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value)):
        fail("the replay did not return hit and request counts", expected="[hits, requests]", got=show(value),
             hint="Keep get(key, default) returning default on a miss and put(key, value) returning None.")
    return int(value[0])


def requests(trace: str) -> int:
    return {"scan": 36_000, "zipf": 30_000, "shift": 30_000}[trace]


def check_cache_is_correct(subject: Subject, policy: str) -> None:
    cls = POLICIES[policy][1]
    rule = ("a get() hit makes the key the most recently used; a full cache evicts the least recently used"
            if policy == "lru" else
            "every get() hit counts a use; a full cache evicts the fewest uses, ties the least recently used")
    for trace in TRACES:
        hits, want = measure(subject, policy, trace), CORRECT_HITS[policy][trace]
        total = requests(trace)
        expect_true(hits == want, f"your {cls} does not replay {TRACE_TEXT[trace]} as a correct {policy.upper()} "
                    "cache of capacity 100 does, so its hit ratios cannot answer the question",
                    expected=f"{want} hits of {total} requests (hit ratio {want / total:.4f})",
                    got=f"{hits} hits (hit ratio {hits / total:.4f})",
                    hint=f"Your numbers come from your own {cls}: {rule}, and it never holds more than capacity "
                         f"entries. Run `swai grade stage2/{policy}-cache` and fix what it reports first.")


def check_stated_ratios(subject: Subject, project: Path, trace: str) -> None:
    stated = answers(project, *[("hit_ratio", trace, policy) for policy in POLICIES])["hit_ratio"][trace]
    for policy, (_, cls) in POLICIES.items():
        measured = measure(subject, policy, trace) / requests(trace)
        value = stated[policy]
        expect_true(abs(value - measured) <= TOLERANCE,
                    f"hit_ratio.{trace}.{policy} is not what your {cls} measures on {TRACE_TEXT[trace]}",
                    expected=f"{measured:.4f} ± {TOLERANCE}: the hit ratio your own {cls} measures",
                    got=show(value),
                    hint=f"{RUN} A hit ratio is hits / requests as a fraction (0.1234, not 12.34), counted over "
                         "the whole trace, cold misses included, with both caches at capacity 100.")


def check_winner(project: Path, trace: str) -> None:
    data = answers(project, ("winner", trace))
    said = data["winner"][trace]
    ratios = data.get("hit_ratio", {}).get(trace, {}) if isinstance(data.get("hit_ratio"), dict) else {}
    own = (f" Your own numbers for this trace: LRU {show(ratios.get('lru'), 20)}, LFU {show(ratios.get('lfu'), 20)}."
           if isinstance(ratios, dict) and ratios.get("lru") is not None and ratios.get("lfu") is not None else "")
    expect_true(said == WINNER[trace], f"winner.{trace} is not the policy with the higher hit ratio on {trace}",
                expected="the policy that measures the higher hit ratio on this trace", got=show(said),
                hint=f"{RUN}{own} The winner is the one with the higher hit ratio; if your numbers point the other "
                     "way, check your caches with `swai grade stage2/lru-cache` and `swai grade stage2/lfu-cache`.")


def check_question(project: Path, question: str, summary: str, hint: str) -> None:
    said = answers(project, ("questions", question))["questions"][question]
    expect_true(said == QUESTIONS[question], summary, expected="the choice your measurements support",
                got=show(said), hint=hint)


# -- the checks ------------------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(1)
def test_answers_file_is_complete(project: Path) -> None:
    """answers/lru-vs-lfu.yaml answers every question of the template"""
    read_answers(project, NAME, schema(None))


@pytest.mark.correctness
@pytest.mark.points(1)
def test_lru_cache_replays_like_lru(subject: Subject) -> None:
    """your LRUCache hits as often as a correct LRU cache on the three traces"""
    check_cache_is_correct(subject, "lru")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_lfu_cache_replays_like_lfu(subject: Subject) -> None:
    """your LFUCache hits as often as a correct LFU cache on the three traces"""
    check_cache_is_correct(subject, "lfu")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_scan_hit_ratios(subject: Subject, project: Path) -> None:
    """the stated scan-trace hit ratios are what your own caches measure"""
    check_stated_ratios(subject, project, "scan")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_zipf_hit_ratios(subject: Subject, project: Path) -> None:
    """the stated zipf-trace hit ratios are what your own caches measure"""
    check_stated_ratios(subject, project, "zipf")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_shift_hit_ratios(subject: Subject, project: Path) -> None:
    """the stated shift-trace hit ratios are what your own caches measure"""
    check_stated_ratios(subject, project, "shift")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_winner_scan(project: Path) -> None:
    """the winner on the scan-heavy trace"""
    check_winner(project, "scan")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_winner_zipf(project: Path) -> None:
    """the winner on the stable Zipf trace"""
    check_winner(project, "zipf")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_winner_shift(project: Path) -> None:
    """the winner on the shifting-hot-set trace"""
    check_winner(project, "shift")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_pollution(project: Path) -> None:
    """which policy suffers cache pollution after the popular keys change"""
    check_question(project, "pollution", "questions.pollution is not right",
                   "Look at the shift trace: when phase 2 starts, how many uses does a hot key of phase 1 have, and "
                   "how many does a new hot key have? Which cache keeps the old keys, and for how long?")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_scan_victim(project: Path) -> None:
    """which policy a one-off full scan hurts"""
    check_question(project, "scan_victim", "questions.scan_victim is not right",
                   "Look at the scan trace: after a scan of 300 new keys, which cache still holds the 50 hot keys? "
                   "A scanned key is read once; a hot key many times.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_redis_lfu_fix(project: Path) -> None:
    """what Redis's LFU does so formerly hot keys can be evicted"""
    check_question(project, "redis_lfu_fix", "questions.redis_lfu_fix is not right",
                   "The problem is a count that stays high after the reads stop. Which choice lowers a count "
                   "when a key is not read? See lfu-log-factor and lfu-decay-time in redis.conf "
                   "(https://redis.io/docs/latest/develop/reference/eviction/).")
