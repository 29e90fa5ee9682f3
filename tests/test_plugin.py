"""The grading plugin, driven with pytester: markers, result records, feedback and performance helpers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

LEARNER = '''
class Counter:
    def __init__(self):
        self.n = 0
    def add(self, k):
        self.n += k if k != 3 else 2   # the bug: adding 3 adds 2
        return self.n
    def scan(self, size):              # O(size) per call
        return sum(range(size))
    def constant(self, size):
        return size
'''

GRADER = '''
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule
from swai.grading import expect_equal
from swai.grading.perf import check_growth, check_speed
from swai.grading.stateful import run_machine


@pytest.mark.correctness
@pytest.mark.points(2)
def test_counts(subject):
    """adding numbers gives their sum"""
    mod = subject.import_module("counter")

    class Machine(RuleBasedStateMachine):
        @initialize()
        def make(self):
            self.counter, self.total = mod.Counter(), 0

        @rule(k=st.integers(0, 5))
        def add(self, k):
            self.total += k
            expect_equal(self.counter.add(k), self.total, f"add({k}) returned the wrong total", hint="sum them")

    run_machine(subject, Machine, max_examples=50)


@pytest.mark.performance
@pytest.mark.points(1)
@pytest.mark.parametrize("method", ["constant", "scan"])
def test_growth(subject, figures, method):
    """calls do not slow down with size"""
    mod = subject.import_module("counter")

    def setup(size):
        counter = mod.Counter()
        return counter, lambda round_: [(method, (size,))] * 50

    check_growth(subject, figures, setup, n=2000, operation=method, hint="keep it constant")


@pytest.mark.performance
@pytest.mark.points(1)
@pytest.mark.parametrize("method", ["constant", "scan"])
def test_speed(subject, figures, method):
    """calls are fast against the calibration loop"""
    counter = subject.import_module("counter").Counter()
    check_speed(subject, figures, counter, [(method, (100_000,))] * 20, operation=method, min_speed=0.01,
                hint="do less per call")


@pytest.mark.faults
@pytest.mark.points(1)
def test_grader_bug(subject):
    """a grader that breaks itself is an error, not a learner failure"""
    {}["missing"]
'''


def run_grader(pytester: pytest.Pytester, grader: str) -> tuple[pytest.RunResult, list[dict[str, Any]]]:
    project = pytester.mkdir("project")
    (project / "counter.py").write_text(LEARNER, encoding="utf-8")
    pytester.makepyfile(test_grader=grader)
    results = pytester.path / "results.jsonl"
    result = pytester.runpytest_subprocess("-p", "swai.grading.plugin", f"--swai-project={project}",
                                           f"--swai-results-file={results}", "-p", "no:cacheprovider")
    lines = results.read_text(encoding="utf-8").splitlines() if results.exists() else []
    return result, [json.loads(line) for line in lines]


def test_checks_are_recorded_with_actionable_messages(pytester: pytest.Pytester) -> None:
    _, records = run_grader(pytester, GRADER)
    assert records[0]["type"] == "collected" and len(records[0]["checks"]) == 6
    checks = {r["check"]: r for r in records[1:]}
    counts = checks["test_counts"]
    assert counts["outcome"] == "failed" and counts["category"] == "correctness" and counts["max_points"] == 2
    assert counts["title"] == "adding numbers gives their sum"
    # the shrunk failure is shown as the minimal sequence of calls on the learner's API
    assert counts["message"].splitlines() == [
        "add(3) returned the wrong total",
        "  What was done (calls on your code, oldest first):",
        "    counter = Counter()",
        "    counter.add(3) -> 2",
        "  Expected: 3",
        "  Got:      2",
        "  Hint:     sum them",
    ]
    constant, scan = checks["test_growth[constant]"], checks["test_growth[scan]"]
    assert constant["outcome"] == "passed" and constant["figures"][0]["margin"] >= 2
    assert scan["outcome"] == "failed" and "slows down as the structure grows" in scan["message"]
    assert scan["figures"][0]["value"] > 4
    fast, slow = checks["test_speed[constant]"], checks["test_speed[scan]"]
    assert fast["outcome"] == "passed" and fast["figures"][0]["margin"] >= 2, fast
    assert slow["outcome"] == "failed" and "much slower" in slow["message"], slow
    bug = checks["test_grader_bug"]
    assert bug["outcome"] == "error" and "KeyError" in bug["internal"] and "Traceback" not in bug["message"]


def test_a_check_without_category_or_points_is_refused(pytester: pytest.Pytester) -> None:
    result, records = run_grader(pytester, "import pytest\n\n@pytest.mark.points(1)\ndef test_x(subject):\n    pass\n")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_x: has categories none; needs exactly one of*"])
    assert records == []


def test_plugin_is_not_active_unless_loaded(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    assert pytester.runpytest_subprocess("-p", "no:cacheprovider").ret == 0


def test_support_folder_beside_the_grader_reaches_the_subject(pytester: pytest.Pytester) -> None:
    support = pytester.mkdir("support")
    (support / "replay_helper.py").write_text("def twice(obj, k):\n    obj.add(k)\n    return obj.add(k)\n",
                                              encoding="utf-8")
    grader = (
        "import pytest\n\n"
        "@pytest.mark.correctness\n@pytest.mark.points(1)\n"
        "def test_support(subject, project):\n"
        "    '''support code runs in the subject on the learner's objects'''\n"
        "    counter = subject.import_module('counter').Counter()\n"
        "    assert subject.import_module('replay_helper').twice(counter, 1) == 2\n"
        "    assert (project / 'counter.py').is_file()\n"
    )
    _, records = run_grader(pytester, grader)
    assert records[1]["outcome"] == "passed", records[1]["message"]
