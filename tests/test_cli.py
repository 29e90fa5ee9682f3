"""The command line: the roadmap listing, grading exit codes and report, hints, doctor, scaffold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from swai import cli
from swai.catalog import Catalog
from swai.environment import Capability
from swai.report import validate_report
from swai.scaffold import scaffold


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli.main, list(args))
    return result.exit_code, result.output


def test_list_json_has_every_checkbox() -> None:
    code, out = run("list", "--json")
    assert code == 0
    boxes = json.loads(out)
    labs = [b for b in boxes if b["section"] == "lab"]
    assert len(boxes) - len(labs) == 204 and len(labs) == 37
    backlog = next(b for b in labs if b["id"] == "stage2/queue-backlog")
    assert backlog["text"] == "队列堆积" and backlog["remedy"] == "Consumer 监控 + 动态扩容"
    assert backlog["kind"] == "incident"
    assert {"ready", "planned"} <= {b["status"] for b in boxes} <= {"ready", "planned", "draft"}
    lru = next(b for b in boxes if b["id"] == "stage2/lru-cache")
    assert lru["text"] == "LRU Cache（HashMap + 双向链表）" and lru["kind"] == "library"
    assert lru["exercise"]["points"] == 19


def test_list_one_stage() -> None:
    code, out = run("list", "stage2")
    assert code == 0 and "13 checkboxes and 4 labs" in out and "stage2/lru-cache" in out and "stage3" not in out
    assert run("list", "stage99")[0] == cli.EXIT_USAGE


def test_hint_and_doctor() -> None:
    code, out = run("hint", "lru-cache")
    assert code == 0 and "Hint" in out
    assert run("hint", "stage11/order-service")[0] == cli.EXIT_USAGE  # planned: no hints yet
    code, out = run("doctor")
    assert code == 0 and "library" in out and "deploy" in out


@pytest.fixture
def solved(catalog: Catalog, tmp_path: Path) -> Path:
    scaffold(catalog, tmp_path / "solved", source="reference", stages=["stage2"])
    return tmp_path / "solved"


def test_grade_passes_and_writes_a_valid_report(solved: Path, tmp_path: Path) -> None:
    report = tmp_path / "out" / "report.json"
    code, out = run("grade", "lru-cache", "--repo", str(solved), "--report", str(report))
    assert code == cli.EXIT_PASSED, out
    data = json.loads(report.read_text(encoding="utf-8"))
    assert validate_report(data) == []
    assert data["totals"] == {"exercises": 1, "passed": 1, "failed": 0, "unavailable": 0,
                              "points": 19, "max_points": 19}
    assert "stage2/lru-cache" in out and "19/19" in out


def test_grade_several_exercises_at_once_keeps_their_order(catalog: Catalog, tmp_path: Path) -> None:
    scaffold(catalog, tmp_path, source="stub", stages=["stage2"])
    code, out = run("grade", "stage2", "--repo", str(tmp_path), "--json", "-j", "4")
    data = json.loads(out[out.index("{"):])
    assert code == cli.EXIT_FAILED and validate_report(data) == []
    ready = [b.exercise.id for b in catalog.stage("stage2").items if b.exercise and b.exercise.status == "ready"]
    assert [e["id"] for e in data["exercises"]] == ready


def test_grade_json_on_stdout_for_the_stubs(catalog: Catalog, tmp_path: Path) -> None:
    scaffold(catalog, tmp_path, source="stub", stages=["stage2"])
    code, out = run("grade", "stage2/lfu-cache", "--repo", str(tmp_path), "--json")
    assert code == cli.EXIT_FAILED
    data = json.loads(out[out.index("{"):])
    assert validate_report(data) == []
    (exercise,) = data["exercises"]
    assert exercise["status"] == "failed" and exercise["points"] == 0
    assert all("NotImplementedError" in c["message"] for c in exercise["checks"])


def test_grade_one_check_by_name(catalog: Catalog, tmp_path: Path) -> None:
    scaffold(catalog, tmp_path, source="stub", stages=["stage2"])
    code, out = run("grade", "lru-cache", "--repo", str(tmp_path), "--json", "--check", "capacity_is_validated")
    assert code == cli.EXIT_FAILED
    (exercise,) = json.loads(out[out.index("{"):])["exercises"]
    assert [c["check"] for c in exercise["checks"]] == ["test_capacity_is_validated"]
    code, out = run("grade", "lru-cache", "--repo", str(tmp_path), "--json", "--check", "no_such_check")
    (exercise,) = json.loads(out[out.index("{"):])["exercises"]
    assert code == cli.EXIT_FAILED and "no check called test_no_such_check" in exercise["message"]
    assert "test_capacity_is_validated" in exercise["message"]


@pytest.mark.parametrize(("args", "words"), [
    (["grade", "stage2", "--check", "x"], "needs one exercise"),
    (["grade", "stage2/nope"], "no stage or exercise"),
    (["grade", "stage4"], "nothing to grade"),
    (["grade", "lru-cache", "--repo", "/nonexistent-dir"], "no swai.toml"),
])
def test_grade_usage_errors(args: list[str], words: str, solved: Path) -> None:
    if "--repo" not in args:
        args = [*args, "--repo", str(solved)]
    code, out = run(*args)
    assert code == cli.EXIT_USAGE and words in out


def test_bad_swai_toml_names_the_field(solved: Path) -> None:
    (solved / "swai.toml").write_text('[course]\nstages = "stage2"\n', encoding="utf-8")
    code, out = run("grade", "stage2", "--repo", str(solved))
    assert code == cli.EXIT_USAGE and "course.stages" in out


def test_grade_says_when_this_environment_cannot(solved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "capabilities", lambda: {"library": Capability(False, "no engine here")})
    code, out = run("grade", "lru-cache", "--repo", str(solved), "--json")
    assert code == cli.EXIT_UNAVAILABLE
    (exercise,) = json.loads(out[out.index("{"):])["exercises"]
    assert exercise["status"] == "unavailable" and "no engine here" in exercise["message"]


def test_scaffold_command(tmp_path: Path) -> None:
    code, out = run("dev", "scaffold", str(tmp_path / "r"), "--from", "stub", "--stages", "stage2")
    assert code == 0 and "stage2/lru-cache" in out
    assert (tmp_path / "r" / "projects" / "stage2-mini-components" / "lru_cache.py").is_file()
    assert run("dev", "scaffold", str(tmp_path / "x"), "--stages", "stage77")[0] == cli.EXIT_USAGE
