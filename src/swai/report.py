"""The grading report: one JSON document per run, the single source for the table, CI and sites.

Its schema is ``swai/schemas/report.schema.json`` (documented in docs/report.md).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from swai import __version__
from swai.catalog import schema_validator

SCHEMA_VERSION = 1
CATEGORIES = ("correctness", "performance", "faults", "review")


@dataclass
class CheckResult:
    check: str
    title: str
    category: str
    max_points: float
    outcome: str  # passed | failed | error | skipped
    message: str = ""
    duration_s: float = 0.0
    figures: list[dict[str, Any]] = field(default_factory=list)
    internal: str = ""  # a grader traceback, for course maintainers

    @property
    def points(self) -> float:
        return self.max_points if self.outcome == "passed" else 0


@dataclass
class ExerciseResult:
    id: str
    title: str
    stage: str
    kind: str
    status: str  # passed | failed | error | unavailable
    message: str = ""
    duration_s: float = 0.0
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(c.points for c in self.checks)

    @property
    def max_points(self) -> float:
        return sum(c.max_points for c in self.checks)

    def category(self, name: str) -> dict[str, float]:
        checks = [c for c in self.checks if c.category == name]
        return {
            "passed": sum(c.outcome == "passed" for c in checks),
            "total": len(checks),
            "points": sum(c.points for c in checks),
            "max_points": sum(c.max_points for c in checks),
        }

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["points"] = self.points
        data["max_points"] = self.max_points
        data["categories"] = {name: self.category(name) for name in CATEGORIES}
        for check, result in zip(data["checks"], self.checks, strict=True):
            check["points"] = result.points
        return data


def status_from_checks(checks: list[CheckResult], *, partial: bool = False) -> str:
    """An exercise passes when it has correctness checks and every one of them passed;
    a partial run (some checks chosen by name) passes when every chosen check passed."""
    correctness = checks if partial else [c for c in checks if c.category == "correctness"]
    if correctness and all(c.outcome == "passed" for c in correctness):
        return "passed"
    return "failed"


@dataclass
class Report:
    target: str
    repo: str
    exercises: list[ExerciseResult] = field(default_factory=list)
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    duration_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        exercises = [e.to_json() for e in self.exercises]
        return {
            "schema_version": SCHEMA_VERSION,
            "swai_version": __version__,
            "created_at": self.created_at,
            "target": self.target,
            "repo": self.repo,
            "duration_s": round(self.duration_s, 3),
            "exercises": exercises,
            "totals": {
                "exercises": len(exercises),
                "passed": sum(e["status"] == "passed" for e in exercises),
                "failed": sum(e["status"] in ("failed", "error") for e in exercises),
                "unavailable": sum(e["status"] == "unavailable" for e in exercises),
                "points": sum(e["points"] for e in exercises),
                "max_points": sum(e["max_points"] for e in exercises),
            },
        }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def validate_report(data: Any) -> list[str]:
    """Schema violations of a report document, as readable strings (empty when valid)."""
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in schema_validator("report").iter_errors(data)]
