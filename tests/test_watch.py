"""swai watch: a saved file re-grades its exercise and shows the first failing check in full."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console

from swai.catalog import Catalog
from swai.learner import LearnerRepo
from swai.runner import grade_exercise
from swai.scaffold import scaffold
from swai.watch import exercise_for, watch_loop


def test_changes_map_to_their_exercise_and_regrade_it(catalog: Catalog, tmp_path: Path) -> None:
    scaffold(catalog, tmp_path, source="stub", stages=["stage2"])
    learner = LearnerRepo.load(tmp_path)
    project = learner.project_dir(catalog, "stage2")
    lru = exercise_for(catalog, learner, project / "lru_cache.py")
    assert lru is not None and lru.id == "stage2/lru-cache"
    assert exercise_for(catalog, learner, project / "tests" / "test_lru_cache_sample.py") is None
    assert exercise_for(catalog, learner, tmp_path / "swai.toml") is None
    out = io.StringIO()
    graded: list[str] = []

    def grade(exercise, path):  # type: ignore[no-untyped-def]
        graded.append(exercise.id)
        return grade_exercise(exercise, path)

    changes = [{project / "README-notes.txt"}, {project / "lru_cache.py", project / "notes.md"}]
    runs = watch_loop(catalog, learner, changes, grade, Console(file=out, width=120))
    assert runs == 1 and graded == ["stage2/lru-cache"]
    text = out.getvalue()
    assert "✗" in text and "First to fix:" in text and "NotImplementedError" in text and "Hint:" in text
    assert text.count("First to fix:") == 1


def test_the_command_grades_on_save(catalog: Catalog, tmp_path: Path) -> None:
    scaffold(catalog, tmp_path, source="reference", stages=["stage2"])
    proc = subprocess.Popen([str(Path(sys.executable).parent / "swai"), "watch", "--repo", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            env=dict(os.environ, COLUMNS="120"))
    try:
        assert proc.stdout is not None
        assert "watching" in proc.stdout.readline()
        time.sleep(2.0)  # let the watcher start before the save
        target = LearnerRepo.load(tmp_path).project_dir(catalog, "stage2") / "lru_cache.py"
        target.write_text(target.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("every check passes" in line for line in lines):
            lines.append(proc.stdout.readline())
        assert any("stage2/lru-cache: every check passes, 19/19 points" in line for line in lines), "".join(lines)
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise AssertionError("swai watch did not stop on Ctrl-C") from None
