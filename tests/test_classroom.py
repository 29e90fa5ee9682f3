"""GitHub Classroom runner results: per-check points, in the shape the grading reporter reads."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from click.testing import CliRunner

from swai import cli
from swai.catalog import Catalog
from swai.classroom import encode, stage_result
from swai.scaffold import scaffold


def report(*exercises: dict[str, object]) -> dict[str, object]:
    return {"exercises": list(exercises)}


def exercise(ident: str, *checks: tuple[str, str, float], message: str = "") -> dict[str, object]:
    return {"id": ident, "stage": ident.split("/")[0], "message": message, "duration_s": 1.5,
            "checks": [{"check": f"test_{name}", "title": name.replace("_", " "), "outcome": outcome,
                        "max_points": points, "points": points if outcome == "passed" else 0,
                        "message": "" if outcome == "passed" else "Hint: read the spec", "duration_s": 0.25}
                       for name, outcome, points in checks]}


def test_points_per_check_and_status() -> None:
    data = report(exercise("stage2/lru-cache", ("evicts", "passed", 2), ("threads", "failed", 3)),
                  exercise("stage3/x", ("other", "passed", 5)))
    result = stage_result(data, "stage2")
    assert result["version"] == 1 and result["status"] == "fail" and result["max_score"] == 5
    assert [(t["name"], t["status"], t["score"]) for t in result["tests"]] == [
        ("stage2/lru-cache: evicts", "pass", 2), ("stage2/lru-cache: threads", "fail", 0)]
    assert result["tests"][1]["test_code"] == "swai grade stage2/lru-cache --check threads"
    assert result["tests"][1]["duration"] == 250
    passing = stage_result(report(exercise("stage2/a", ("x", "passed", 1.5))), "stage2")
    assert passing["status"] == "pass" and passing["max_score"] == 1.5


def test_an_ungraded_exercise_is_an_error_worth_its_points(catalog: Catalog) -> None:
    data = report(exercise("stage2/lru-cache", message="cannot be graded here: no engine"))
    result = stage_result(data, "stage2", catalog)
    assert result["status"] == "error" and result["max_score"] == 19
    assert result["tests"][0]["score"] == 0 and "no engine" in result["tests"][0]["message"]


def test_encoded_result_round_trips() -> None:
    result = stage_result(report(exercise("stage2/a", ("x", "failed", 1), message="")), "stage2")
    assert json.loads(base64.b64decode(encode(result))) == result


def test_cli_reads_a_real_report(catalog: Catalog, tmp_path: Path) -> None:
    scaffold(catalog, tmp_path, source="stub", stages=["stage2"])
    path = tmp_path / "report.json"
    CliRunner().invoke(cli.main, ["grade", "lru-cache", "--repo", str(tmp_path), "--report", str(path)])
    out = CliRunner().invoke(cli.main, ["classroom-result", str(path), "--stage", "stage2"])
    assert out.exit_code == 0, out.output
    result = json.loads(base64.b64decode(out.output.strip()))
    assert result["status"] == "fail" and result["max_score"] == 19 and len(result["tests"]) > 10
    assert sum(t["score"] for t in result["tests"]) == 0
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    assert CliRunner().invoke(cli.main, ["classroom-result", str(bad), "--stage", "stage2"]).exit_code == 2
