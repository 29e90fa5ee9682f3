"""GitHub Classroom points from a grading report.

Classroom's grading reporter (``classroom-resources/autograding-grading-reporter``) reads, for
each runner id named in its ``runners`` input, an environment variable ``<ID>_RESULTS`` holding
base64 of a runner result::

    {"version": 1, "status": "pass" | "fail" | "error", "max_score": N,
     "tests": [{"name", "status", "score", "message", "test_code", "filename", "line_no", "duration"}]}

sums ``score`` over all tests and ``max_score`` over all runners, and posts "Points X/Y" on the
"Autograding Tests" check run. We emit one runner result per stage with one test per check,
scored with the check's own points, so Classroom shows partial credit per check rather than
pass/fail per command.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from swai.catalog import Catalog

MESSAGE_LIMIT = 1000  # the reporter prints messages in the job log; keep each one readable


def stage_result(report: dict[str, Any], stage: str, catalog: Catalog | None = None) -> dict[str, Any]:
    """The runner result of one stage of ``report`` (a report document, see docs/report.md)."""
    tests: list[dict[str, Any]] = []
    max_score = 0.0
    for exercise in report["exercises"]:
        if exercise["stage"] != stage:
            continue
        if not exercise["checks"]:
            # Not graded here (no engine, grader could not start): worth its points, scored 0.
            known = _points(catalog, exercise["id"])
            max_score += known
            tests.append(_test(f"{exercise['id']}: not graded", "error", 0, exercise["message"],
                               f"swai grade {exercise['id']}", exercise["duration_s"]))
            continue
        for check in exercise["checks"]:
            max_score += check["max_points"]
            status = {"passed": "pass", "failed": "fail"}.get(check["outcome"], "error")
            tests.append(_test(f"{exercise['id']}: {check['title']}", status, check["points"], check["message"],
                               f"swai grade {exercise['id']} --check {check['check'].removeprefix('test_')}",
                               check["duration_s"]))
    statuses = {test["status"] for test in tests}
    # A stage with nothing ready yet passes with 0 of 0 points: the reporter skips it.
    status = "error" if "error" in statuses else "fail" if "fail" in statuses else "pass"
    return {"version": 1, "status": status, "max_score": _number(max_score), "tests": tests}


def encode(result: dict[str, Any]) -> str:
    """The value of a runner's ``result`` output: base64 of compact JSON."""
    return base64.b64encode(json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode()).decode()


def _test(name: str, status: str, score: float, message: str, command: str, duration: float) -> dict[str, Any]:
    if len(message) > MESSAGE_LIMIT:
        message = message[:MESSAGE_LIMIT] + " …(run the command locally for the whole message)"
    return {"name": name, "status": status, "score": _number(score), "message": message, "test_code": command,
            "filename": "", "line_no": 0, "duration": round(duration * 1000)}


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _points(catalog: Catalog | None, exercise_id: str) -> float:
    if catalog is None:
        return 0
    return next((e.points for e in catalog.exercises if e.id == exercise_id), 0)
