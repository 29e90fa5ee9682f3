"""Hostile solutions: learner code must not hang the grader, crash it, or fake its report.

Every folder of ``tests/hostile`` is one case (found by glob, like the Exercism test
runners' golden tests): ``lru_cache.py`` is a "solution" of stage2/lru-cache that attacks
the grader, and ``expected.yaml`` says what grading it must produce::

    description: what the solution does and why the grader survives it
    max_seconds: 25                   # the whole `swai grade` run, wall clock on an idle machine
                                      # (a loaded one stretches it: load_stretch)
    failed_checks: all                # or a list of check ids that must not pass
    message_contains: "..."           # in the message of every check named above
                                      # (a list: any one of them, where isolation differs)
    other_messages_contain: "..."     # optional: in every other check that did not pass
    passed_checks_allowed: false      # may checks not named above pass?
    status: failed                    # optional: the exercise's status, or a list (default failed)
    known_weakness: "..."             # optional: a known hole, with its fix; the case is an
                                      # xfail(strict) until the fix lands, then remove this key

For each case the test scaffolds a learner repository from the reference, puts the hostile
file in place, runs the real CLI in a subprocess (``swai grade ... --report``, in the
learner repository) and checks the report it writes: valid, failed, every named check
failed with the expected message, no grader traceback, within the time bound, and no
process of the case left running afterwards.

The cases are independent CLI runs that mostly wait (hung calls, timeouts), so they are
started together, a few at a time, the first time any of them is needed (only the
selected ones: `-k infinite_loop` grades one case).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from swai.catalog import Exercise, load_catalog
from swai.report import validate_report
from swai.scaffold import overlay, scaffold

# Under pytest-xdist (scripts/test.sh) this module's tests stay on one worker:
# the cases run once, together, in a module fixture.
pytestmark = pytest.mark.xdist_group("hostile")

REPO = Path(__file__).resolve().parent.parent
HOSTILE = REPO / "tests" / "hostile"
CASES = sorted(path for path in HOSTILE.iterdir() if (path / "expected.yaml").is_file())
EXERCISE_ID = "stage2/lru-cache"
SOLUTION = "lru_cache.py"
KEYS = {"description", "max_seconds", "failed_checks", "message_contains", "other_messages_contain",
        "passed_checks_allowed", "status", "known_weakness"}
PARALLEL = 3  # CLI runs at once: the hang cases sleep, the others need a core each
KILL_MARGIN = 60.0  # past the stretched max_seconds + this, the test kills the CLI (the test then fails anyway)
MAX_STRETCH = 3.0  # max_seconds holds on an idle machine; a loaded one stretches it by up to this


def load_stretch() -> float:
    """How much slower wall-clock grading is now than on an idle machine: the run queue per core
    (the 1-minute load average over the core count), at least 1 and at most MAX_STRETCH. The
    bound is there to catch a grader that waits on a hung solution, which no stretch hides."""
    return min(MAX_STRETCH, max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1)))
LEFTOVER_GRACE = 3.0  # seconds a killed process may take to disappear from /proc
GRADER_LEAKS = ("Traceback (most recent call last)", "site-packages", "The grader could not finish")


@dataclass(frozen=True)
class Expected:
    description: str
    max_seconds: float
    failed_checks: str | tuple[str, ...]  # "all" or check ids
    message_contains: tuple[str, ...]  # any one of them
    passed_checks_allowed: bool
    other_messages_contain: str = ""
    status: tuple[str, ...] = ("failed",)  # any one of them
    known_weakness: str = ""

    @classmethod
    def load(cls, case: Path) -> Expected:
        data = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
        assert isinstance(data, dict), f"{case.name}/expected.yaml must be a mapping"
        unknown = set(data) - KEYS
        assert not unknown, f"{case.name}/expected.yaml has unknown keys {sorted(unknown)}"
        failed = data["failed_checks"]
        assert failed == "all" or (isinstance(failed, list) and failed), \
            f"{case.name}: failed_checks must be 'all' or a non-empty list"
        return cls(
            description=str(data["description"]), max_seconds=float(data["max_seconds"]),
            failed_checks="all" if failed == "all" else tuple(str(c) for c in failed),
            message_contains=_strings(data["message_contains"]),
            passed_checks_allowed=bool(data["passed_checks_allowed"]),
            other_messages_contain=str(data.get("other_messages_contain", "")),
            status=_strings(data.get("status", "failed")),
            known_weakness=str(data.get("known_weakness", "")),
        )


def _strings(value: object) -> tuple[str, ...]:
    """A string or a list of strings from expected.yaml, as a tuple."""
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


@dataclass
class Run:
    """One `swai grade` run of a hostile case, and what it left behind."""

    case: str
    repo: Path
    report_path: Path
    returncode: int | None
    elapsed: float
    stretch: float  # load_stretch() when the run ended
    output: str
    leftovers: list[str] = field(default_factory=list)

    def report(self) -> dict[str, Any]:
        assert self.report_path.is_file(), f"no report was written; the CLI said:\n{self.output}"
        data: dict[str, Any] = json.loads(self.report_path.read_text(encoding="utf-8"))
        return data


@functools.cache
def exercise() -> Exercise:
    (box,) = load_catalog(REPO).resolve(EXERCISE_ID)
    assert box.exercise is not None
    return box.exercise


def prepare(case: Path, root: Path) -> Path:
    """A learner repository built from the reference, with the case's hostile solution in it."""
    catalog = load_catalog(REPO)
    target = exercise()
    repo = root / "learner"
    scaffold(catalog, repo, source="reference", stages=[target.stage])
    overlay(target, repo / "projects" / catalog.stage(target.stage).project, case / SOLUTION)
    return repo.resolve()


def processes_mentioning(text: str) -> dict[int, str]:
    """pid -> argv of every other process whose argv contains ``text`` (read from /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            argv = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            if text in argv:
                found[int(entry.name)] = argv.strip()
    return found


def leftovers(marker: str) -> list[str]:
    """Processes of a case still alive after its CLI exited; they are killed, then reported."""
    deadline = time.monotonic() + LEFTOVER_GRACE
    while (found := processes_mentioning(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in found:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    return [f"{pid}: {argv[:300]}" for pid, argv in sorted(found.items())]


def grade(case: Path, root: Path) -> Run:
    """Run the real CLI on the case, in the learner repository, and time it."""
    expected = Expected.load(case)
    repo = prepare(case, root)
    report_path = root / "report.json"
    log_path = root / "cli-output.log"
    cmd = [sys.executable, "-c", "from swai.cli import main; main()", "grade", EXERCISE_ID,
           "--repo", str(repo), "--report", str(report_path)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    started = time.monotonic()
    # Output goes to a file, not a pipe: a leftover process holding a pipe would hang the test.
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=repo, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        returncode: int | None
        try:
            returncode = proc.wait(timeout=expected.max_seconds * MAX_STRETCH + KILL_MARGIN)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            returncode = None
    elapsed = time.monotonic() - started
    output = log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
    return Run(case.name, repo, report_path, returncode, elapsed, load_stretch(), output, leftovers(str(repo)))


class Runs:
    """Every case graded in the background, a few at a time; ``get`` waits for one."""

    def __init__(self, root: Path, cases: list[Path]) -> None:
        self._pool = ThreadPoolExecutor(max_workers=PARALLEL, thread_name_prefix="hostile")
        self._futures: dict[str, Future[Run]] = {}
        # The slowest cases (hangs) first, so they overlap with the quick ones.
        for case in sorted(cases, key=lambda c: -Expected.load(c).max_seconds):
            folder = root / case.name
            folder.mkdir()
            self._futures[case.name] = self._pool.submit(grade, case, folder)

    def get(self, name: str) -> Run:
        return self._futures[name].result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    selected = {Path(str(item.callspec.params["case"])) for item in request.session.items
                if isinstance(item, pytest.Function) and item.originalname == test_hostile_solution.__name__}
    started = Runs(tmp_path_factory.mktemp("hostile"), sorted(selected))
    try:
        yield started
    finally:
        started.close()


def case_param(case: Path) -> Any:
    """One case as a test parameter; a known weakness makes it a strict xfail."""
    weakness = Expected.load(case).known_weakness
    marks = [pytest.mark.xfail(reason=f"known weakness: {weakness}", strict=True)] if weakness else []
    return pytest.param(case, id=case.name, marks=marks)


def contains_any(message: str, parts: tuple[str, ...]) -> bool:
    return any(part in message for part in parts)


@pytest.mark.parametrize("case", [case_param(c) for c in CASES])
def test_hostile_solution(case: Path, runs: Runs) -> None:
    expected = Expected.load(case)
    run = runs.get(case.name)
    where = f"{case.name} ({expected.description})"

    assert run.returncode == 1, f"{where}: `swai grade` exited with {run.returncode}:\n{run.output}"
    report = run.report()
    assert validate_report(report) == [], f"{where}: invalid report: {validate_report(report)}"
    (result,) = report["exercises"]
    assert result["id"] == EXERCISE_ID
    assert result["status"] in expected.status, f"{where}: status {result['status']}:\n{run.output}"
    assert result["max_points"] == exercise().points, f"{where}: the report's points were changed"

    checks = {c["check"]: c for c in result["checks"]}
    named = list(checks) if expected.failed_checks == "all" else list(expected.failed_checks)
    missing = [name for name in named if name not in checks]
    assert not missing, f"{where}: expected.yaml names checks the grader does not have: {missing}"
    for name in named:
        check = checks[name]
        assert check["outcome"] != "passed", f"{where}: {name} passed"
        assert contains_any(check["message"], expected.message_contains), \
            f"{where}: {name}'s message lacks {' or '.join(map(repr, expected.message_contains))}:\n{check['message']}"
    for name, check in checks.items():
        if name in named:
            continue
        assert expected.passed_checks_allowed or check["outcome"] != "passed", f"{where}: {name} passed"
        if check["outcome"] != "passed" and expected.other_messages_contain:
            assert expected.other_messages_contain in check["message"], \
                f"{where}: {name}'s message lacks {expected.other_messages_contain!r}:\n{check['message']}"

    for name, check in checks.items():
        assert check["points"] == (check["max_points"] if check["outcome"] == "passed" else 0)
        assert not check["internal"], f"{where}: {name} ended in a grader error:\n{check['internal']}"
        for leak in GRADER_LEAKS:
            assert leak not in check["message"], f"{where}: {name}'s message shows {leak!r}:\n{check['message']}"
    assert result["points"] == sum(c["points"] for c in checks.values())

    allowed = expected.max_seconds * run.stretch
    assert run.elapsed < allowed, f"{where}: grading took {run.elapsed:.1f} s (allowed {allowed:.1f} s at this load)"
    assert not run.leftovers, f"{where}: processes left running after grading:\n" + "\n".join(run.leftovers)


def test_every_case_is_complete() -> None:
    """Each case folder holds exactly a solution and its expectations."""
    assert len(CASES) >= 10
    for case in HOSTILE.iterdir():
        if case.name == "__pycache__" or not case.is_dir():
            continue
        files = {p.name for p in case.iterdir() if p.name != "__pycache__"}
        assert files == {SOLUTION, "expected.yaml"}, f"{case.name} holds {sorted(files)}"
        Expected.load(case)
