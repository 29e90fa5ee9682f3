"""Grade one exercise: run its grader suite in a pytest process and collect the checks.

The pytest process loads the grading plugin explicitly and no auto-loaded plugins; the
learner's code never runs in it (the plugin starts subject processes for that). Results
come back over a pipe that only the pytest process holds, so nothing the learner's code
prints or writes can change them.
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
from pathlib import Path
from typing import Any

from swai.catalog import Exercise
from swai.report import CheckResult, ExerciseResult, status_from_checks

EXERCISE_TIMEOUT = 300.0


def grade_exercise(exercise: Exercise, project: Path, *, timeout: float = EXERCISE_TIMEOUT,
                   python: str = sys.executable) -> ExerciseResult:
    started = time.monotonic()
    result = ExerciseResult(exercise.id, exercise.title, exercise.stage, exercise.kind, "error")
    missing = [f for f in exercise.solution_files if not (project / f).is_file()]
    with tempfile.TemporaryDirectory(prefix="swai-grade-") as tmp:
        records, log, code = _run_pytest(exercise, project, Path(tmp), timeout, python)
    collected = next((r["checks"] for r in records if r["type"] == "collected"), None)
    finished = {r["check"]: r for r in records if r["type"] == "check"}
    if collected is None:
        result.message = (f"The grader of {exercise.id} could not start (pytest exit code {code}). "
                          f"This is a problem of the course or the environment, not of your code.\n{log[-2000:]}")
    else:
        for check in collected:
            record = finished.get(check["check"])
            if record is None:
                stopped = "the time limit of the exercise ran out" if code is None else f"exit code {code}"
                record = check | {"outcome": "error", "message": f"Not run: grading stopped early ({stopped})."}
            result.checks.append(_check(record))
        result.status = status_from_checks(result.checks)
    if missing:
        result.message = f"Missing in {project}: {', '.join(missing)}. " + result.message
    result.duration_s = round(time.monotonic() - started, 3)
    return result


def _check(record: dict[str, Any]) -> CheckResult:
    return CheckResult(
        check=record["check"], title=record["title"], category=record["category"],
        max_points=record["max_points"], outcome=record["outcome"], message=record.get("message", ""),
        duration_s=record.get("duration_s", 0.0), figures=record.get("figures", []),
        internal=record.get("internal", ""),
    )


def _run_pytest(exercise: Exercise, project: Path, tmp: Path, timeout: float,
                python: str) -> tuple[list[dict[str, Any]], str, int | None]:
    graders = exercise.grader.parent.parent
    read_fd, write_fd = os.pipe()
    cmd = [python, "-m", "pytest", str(exercise.grader), "-c", str(graders / "pytest.ini"),
           "--rootdir", str(graders), "-p", "swai.grading.plugin", "-p", "no:cacheprovider",
           "--swai-project", str(project.resolve()), "--swai-results-fd", str(write_fd),
           "--basetemp", str(tmp / "pytest"), "-q", "--no-header", "-rN"]
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONHASHSEED="0",
               PYTHONDONTWRITEBYTECODE="1")
    log_path = tmp / "pytest.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, pass_fds=(write_fd,), start_new_session=True)
    os.close(write_fd)
    data = _read_until_eof(read_fd, time.monotonic() + timeout)
    code: int | None
    try:
        code = proc.wait(timeout=max(0.0, 5.0))
    except subprocess.TimeoutExpired:
        code = None
    if code is None or data is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        code = None
    records = []
    for line in (data or b"").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
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
