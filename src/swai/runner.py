"""Grade one exercise: run its grader suite in a pytest process and collect the checks.

The pytest process loads the grading plugin explicitly and no auto-loaded plugins; the
learner's code never runs in it (the plugin starts subject processes for that). Results
come back over a pipe that only the pytest process holds, so nothing the learner's code
prints or writes can change them.

A process of the same user can still open that pipe through /proc/<pid>/fd, so the records
are checked, not trusted: one result per collected check, nothing else; the static facts
of a check (title, category, points) come from the collection; and a run whose pytest
process did not end normally counts no check as passed.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from swai.catalog import Exercise
from swai.report import CheckResult, ExerciseResult, status_from_checks

EXERCISE_TIMEOUT = 300.0


def grade_exercise(exercise: Exercise, project: Path, *, timeout: float = EXERCISE_TIMEOUT,
                   python: str = sys.executable, only: Sequence[str] = ()) -> ExerciseResult:
    """Grade ``exercise`` on the learner's ``project``; ``only`` names the checks to run (default: all)."""
    started = time.monotonic()
    result = ExerciseResult(exercise.id, exercise.title, exercise.stage, exercise.kind, "error")
    missing = [f for f in exercise.solution_files if not (project / f).is_file()]
    with tempfile.TemporaryDirectory(prefix="swai-grade-") as tmp:
        records, log, code = _run_pytest(exercise, project, Path(tmp), timeout, python,
                                         [f"--swai-only={name}" for name in only])
    collected, available, finished, tampering = _sort_records(records)
    if collected is None:
        result.message = (f"The grader of {exercise.id} could not start (pytest exit code {code}). "
                          f"This is a problem of the course or the environment, not of your code.\n{log[-2000:]}")
    elif unknown := sorted(set(only) - {check["check"] for check in collected}):
        result.message = (f"{exercise.id} has no check called {', '.join(unknown)}; "
                          f"its checks are {', '.join(available)}.")
    else:
        stopped = "the time limit of the exercise ran out" if code is None else f"exit code {code}"
        for check in collected:
            record = finished.get(check["check"])
            if tampering:
                record = {"outcome": "error", "message": f"Not graded: {tampering}."}
            elif record is None:
                record = {"outcome": "error", "message": f"Not run: grading stopped early ({stopped})."}
            elif code not in (0, 1) and record["outcome"] == "passed":
                # A killed or stopped grader may have been fed its results by someone else.
                record = {"outcome": "error", "message": f"Not counted: grading stopped early ({stopped})."}
            result.checks.append(_check(check | _verdict(record)))
        result.status = "error" if tampering else status_from_checks(result.checks, partial=bool(only))
        if tampering:
            result.message = (f"The results of this run cannot be trusted: {tampering}. Only the grader may "
                              "write results; your code must not touch its processes, pipes or files.")
    if missing:
        result.message = f"Missing in {project}: {', '.join(missing)}. " + result.message
    result.duration_s = round(time.monotonic() - started, 3)
    return result


def list_checks(exercise: Exercise, *, python: str = sys.executable) -> list[dict[str, Any]]:
    """The checks of an exercise's grader (check, title, category, max_points), without running them."""
    with tempfile.TemporaryDirectory(prefix="swai-collect-") as tmp:
        records, log, _code = _run_pytest(exercise, Path(tmp), Path(tmp), 60.0, python, ["--collect-only"])
    collected, _available, _finished, _tampering = _sort_records(records)
    if collected is None:
        raise RuntimeError(f"the grader of {exercise.id} cannot be collected:\n{log[-2000:]}")
    return collected


OUTCOMES = ("passed", "failed", "error", "skipped")
VERDICT_KEYS = ("outcome", "message", "duration_s", "figures", "internal")


def _sort_records(records: list[dict[str, Any] | None]) -> tuple[
        list[dict[str, Any]] | None, list[str], dict[str, dict[str, Any]], str]:
    """The collected checks, the names of all checks (before any were chosen by name), one
    result per check, and what (if anything) looks forged.

    The plugin writes one ``collected`` record, then exactly one ``check`` record per
    collected check. Anything else on the pipe (garbage, a second record for a check, a
    record for a check that was never collected) was written by someone else.
    """
    collected: list[dict[str, Any]] | None = None
    available: list[str] = []
    finished: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for record in records:
        kind = record.get("type") if isinstance(record, dict) else None
        if record is None or kind not in ("collected", "check"):
            problems.append("a line on the results pipe that the grader did not write")
        elif kind == "collected":
            if collected is not None or not isinstance(record.get("checks"), list):
                problems.append("a second list of checks")
            else:
                collected = record["checks"]
                available = [str(name) for name in record.get("available") or []]
        elif collected is None or record.get("check") not in {c["check"] for c in collected}:
            problems.append(f"a result for an unknown check {str(record.get('check'))[:80]!r}")
        elif record["check"] in finished:
            problems.append(f"a second result for {record['check']}")
        elif record.get("outcome") not in OUTCOMES:
            problems.append(f"an invalid outcome for {record['check']}")
        else:
            finished[record["check"]] = record
    tampering = problems[0] if problems else ""
    if len(problems) > 1:
        tampering += f", and {len(problems) - 1} more such problems"
    return collected, available, finished, tampering


def _verdict(record: dict[str, Any]) -> dict[str, Any]:
    """The parts of a check's result that come from running it (never its title or points)."""
    return {key: record[key] for key in VERDICT_KEYS if key in record}


def _check(record: dict[str, Any]) -> CheckResult:
    return CheckResult(
        check=record["check"], title=record["title"], category=record["category"],
        max_points=record["max_points"], outcome=record["outcome"], message=record.get("message", ""),
        duration_s=record.get("duration_s", 0.0), figures=record.get("figures", []),
        internal=record.get("internal", ""),
    )


def _run_pytest(exercise: Exercise, project: Path, tmp: Path, timeout: float,
                python: str, extra: Sequence[str]) -> tuple[list[dict[str, Any] | None], str, int | None]:
    graders = exercise.grader.parent.parent
    read_fd, write_fd = os.pipe()
    cmd = [python, "-m", "pytest", str(exercise.grader), "-c", str(graders / "pytest.ini"),
           "--rootdir", str(graders), "-p", "swai.grading.plugin", "-p", "no:cacheprovider",
           "--swai-project", str(project.resolve()), "--swai-results-fd", str(write_fd),
           "--basetemp", str(tmp / "pytest"), "-q", "--no-header", "-rN"]
    cmd += extra
    # A persistent hypothesis directory keeps its caches (unicode tables, constants) between
    # gradings; examples are never stored (the profile has no database), so grades stay pure.
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "swai" / "hypothesis"
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONHASHSEED="0",
               PYTHONDONTWRITEBYTECODE="1", HYPOTHESIS_STORAGE_DIRECTORY=str(cache))
    log_path = tmp / "pytest.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, pass_fds=(write_fd,), start_new_session=True)
    os.close(write_fd)
    code: int | None
    try:
        data = _read_until_eof(read_fd, time.monotonic() + timeout)
        code = proc.wait(timeout=5.0)
    except subprocess.TimeoutExpired:
        code = None
    except BaseException:
        # Ctrl-C (or any other way out): the grader runs in its own session, so stop it here.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    if code is None or data is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        code = None
    records: list[dict[str, Any] | None] = []  # None: a line that is not a JSON object
    lines = (data or b"").split(b"\n")
    for line in lines[:-1]:  # the last piece is empty, or a line cut off when pytest was stopped
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            record = None
        records.append(record if isinstance(record, dict) else None)
    return records, log_path.read_text(encoding="utf-8", errors="replace"), code


def _read_until_eof(fd: int, deadline: float) -> bytes | None:
    """Everything written to ``fd`` until it closes, or None if ``deadline`` passes first."""
    chunks: list[bytes] = []
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    return None if not chunks else b"".join(chunks)
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
        finally:
            os.close(fd)
