"""The pytest plugin that turns a grader suite into graded checks.

Loaded explicitly (``-p swai.grading.plugin``) by the runner, never auto-loaded, so a
learner's own pytest runs are untouched. Every grader test carries exactly one category
marker and a ``points`` marker; each finished check is written as one JSON line to the
results descriptor the runner handed over. That descriptor is not inherited by subject
processes, so the learner's code cannot write results.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from hypothesis import HealthCheck, Phase, settings

from swai.grading.feedback import render
from swai.grading.figures import Figures
from swai.subject.client import Subject, Transcript
from swai.subject.errors import SubjectTimeout
from swai.subject.limits import Limits

CATEGORIES = ("correctness", "performance", "faults", "review")
HANGS_BEFORE_GIVING_UP = 2
# A grader's subject-side helpers (code the subject must run, e.g. replaying a trace through
# the learner's cache without a round trip per call) live in this folder beside the grader.
SUPPORT_DIR = "support"

subject_key = pytest.StashKey[Subject]()
figures_key = pytest.StashKey[Figures]()
verdict_key = pytest.StashKey[dict[str, Any]]()
started_key = pytest.StashKey[float]()

# Shrinking a failure found through a subject costs a process round trip per call; past this
# budget the learner is better served by a slightly longer example now than a minimal one later.
SHRINK_SECONDS = 4


def _bound_shrinking() -> None:
    from hypothesis.internal.conjecture import engine

    if hasattr(engine, "MAX_SHRINKING_SECONDS"):
        engine.MAX_SHRINKING_SECONDS = SHRINK_SECONDS


settings.register_profile(
    "swai",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    report_multiple_bugs=False,
    suppress_health_check=list(HealthCheck),
    max_examples=100,
    # No explain phase: it replays a failure under a tracer, each replay through the subject.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("swai", "SWAI grading")
    group.addoption("--swai-project", help="the learner's project directory the subject imports from")
    group.addoption("--swai-results-fd", type=int, help="file descriptor that receives JSON-line results")
    group.addoption("--swai-results-file", help="file that receives JSON-line results (for debugging graders)")
    group.addoption("--swai-call-timeout", type=float, default=Limits.call_timeout,
                    help="seconds one call on the learner's code may take")
    group.addoption("--swai-only", action="append", default=[], metavar="CHECK",
                    help="run only this check (its name, e.g. test_capacity_is_validated); repeatable")


def pytest_configure(config: pytest.Config) -> None:
    for name in CATEGORIES:
        config.addinivalue_line("markers", f"{name}: a check of the {name} category")
    config.addinivalue_line("markers", "points(n): points the check is worth")
    config.addinivalue_line("markers", "hint(text): the hint shown when the check fails")
    settings.load_profile("swai")
    _bound_shrinking()
    config.pluginmanager.register(GradingPlugin(config), "swai-grading")


class GradingPlugin:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        fd, path = config.getoption("swai_results_fd"), config.getoption("swai_results_file")
        self.out: IO[str] | None = None
        if fd is not None:
            self.out = os.fdopen(fd, "w", encoding="utf-8", buffering=1)
        elif path:
            self.out = open(path, "w", encoding="utf-8", buffering=1)  # noqa: SIM115 - open for the whole session
        self.hangs = 0

    def emit(self, record: dict[str, Any]) -> None:
        if self.out is not None:
            self.out.write(json.dumps(record) + "\n")

    # -- collection ----------------------------------------------------------------
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        problems = [f"{item.nodeid}: {why}" for item in items if (why := _marker_problem(item))]
        if problems:
            raise pytest.UsageError("grader checks need one category and a points marker:\n" + "\n".join(problems))
        available = [item.name for item in items]
        only = set(self.config.getoption("swai_only"))
        if only:
            skipped = [item for item in items if item.name not in only]
            items[:] = [item for item in items if item.name in only]
            self.config.hook.pytest_deselected(items=skipped)
        self.emit({"type": "collected", "checks": [describe(item) for item in items], "available": available})

    # -- fixtures ------------------------------------------------------------------
    @pytest.fixture
    def subject(self, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Subject]:
        """The learner's code, running in its own process under limits."""
        if self.hangs >= HANGS_BEFORE_GIVING_UP:
            reason = (f"Not run: your code stopped answering in {self.hangs} earlier checks "
                      "of this exercise. Fix those first; this check runs again then.")
            # pytest keeps only Exception/outcome exceptions from fixtures; any other
            # BaseException would leave the fixture half set up for every later check.
            request.node.stash[verdict_key] = {"outcome": "failed", "message": reason, "internal": ""}
            pytest.fail(reason, pytrace=False)
        project = request.config.getoption("swai_project")
        if not project:
            raise pytest.UsageError("--swai-project is required to grade")
        limits = Limits(call_timeout=request.config.getoption("swai_call_timeout"))
        support = Path(request.node.path).parent / SUPPORT_DIR
        subject = Subject(Path(project), tmp_path / "subject", limits=limits,
                          support=[support] if support.is_dir() else []).start()
        request.node.stash[subject_key] = subject
        try:
            yield subject
        finally:
            subject.close()

    @pytest.fixture
    def project(self, request: pytest.FixtureRequest) -> Path:
        """The learner's project folder, for graders that read files the learner writes
        (answers, postmortems). Learner code never runs in this process."""
        project = request.config.getoption("swai_project")
        if not project:
            raise pytest.UsageError("--swai-project is required to grade")
        return Path(project)

    @pytest.fixture
    def figures(self, request: pytest.FixtureRequest) -> Figures:
        """Measured figures reported beside the check's verdict."""
        recorder = Figures()
        request.node.stash[figures_key] = recorder
        return recorder

    # -- results -------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        item.stash[started_key] = time.perf_counter()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[
            None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if verdict_key in item.stash:
            return report  # the first problem of a check is the one to show
        if call.excinfo is not None and not call.excinfo.errisinstance(pytest.skip.Exception):
            subject = item.stash.get(subject_key, None)
            transcript: Transcript | None = subject.transcript if subject is not None else None
            if call.excinfo.errisinstance(SubjectTimeout):
                self.hangs += 1
            verdict = render(call.excinfo.value, transcript, hint=_marker_arg(item, "hint", ""))
            item.stash[verdict_key] = {"outcome": verdict.outcome, "message": verdict.message,
                                       "internal": verdict.internal}
        elif report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            item.stash[verdict_key] = {"outcome": "skipped", "message": str(reason).removeprefix("Skipped: ")}
        return report

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, None, None]:
        yield
        verdict = item.stash.get(verdict_key, {"outcome": "passed", "message": ""})
        figures = item.stash.get(figures_key, Figures())
        started = item.stash.get(started_key, time.perf_counter())
        record = describe(item) | verdict | {
            "type": "check",
            "duration_s": round(time.perf_counter() - started, 4),
            "figures": [f.to_json() for f in figures.items],
        }
        self.emit(record)


def _marker_arg(item: pytest.Item, name: str, default: Any) -> Any:
    marker = item.get_closest_marker(name)
    return marker.args[0] if marker is not None and marker.args else default


def _marker_problem(item: pytest.Item) -> str:
    found = [name for name in CATEGORIES if item.get_closest_marker(name) is not None]
    if len(found) != 1:
        return f"has categories {found or 'none'}; needs exactly one of {', '.join(CATEGORIES)}"
    points = _marker_arg(item, "points", None)
    if type(points) not in (int, float) or points < 0:
        return f"points marker missing or invalid ({points!r})"
    return ""


def describe(item: pytest.Item) -> dict[str, Any]:
    """The static facts of a check: its id, title, category and points."""
    doc = (getattr(getattr(item, "obj", None), "__doc__", None) or "").strip()
    category = next(name for name in CATEGORIES if item.get_closest_marker(name) is not None)
    return {
        "check": item.name,
        "title": doc.splitlines()[0] if doc else item.name.removeprefix("test_").replace("_", " "),
        "category": category,
        "max_points": _marker_arg(item, "points", 0),
    }
