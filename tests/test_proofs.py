"""The proof of every ready exercise's grader (DESIGN §5).

For each exercise: the stub fails; the reference passes three runs (two, then one while
every core is busy), with its performance figures at least 2x inside their thresholds; every
differently-written correct solution passes; every mutant (a realistic learner bug) fails at
least the first checks recorded for it in mutants.yaml (only those are run, unless recording; a
performance catch lost on a busy machine is measured once more); and
every failure message has the shape a learner can act on.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import REPO, Grade, ready_exercises

from swai.catalog import Catalog, Exercise
from swai.report import ExerciseResult
from swai.scaffold import scaffold

EXERCISES = ready_exercises()
MIN_MARGIN = 2.0
PROVEN_CHECKS = 2  # how many of a mutant's recorded checks each proof run re-runs


def mutants_of(exercise: Exercise) -> dict[str, dict[str, object]]:
    """mutants.yaml of an exercise; a missing or empty one fails test_every_mutant_file_is_listed,
    not the collection of every other exercise's proofs."""
    path = exercise.mutants / "mutants.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    return dict(data or {})


MUTANTS = [pytest.param(e, name, id=f"{e.id}:{name}") for e in EXERCISES for name in mutants_of(e)]
ALTERNATIVES = [pytest.param(e, path, id=f"{e.id}:{path.name}")
                for e in EXERCISES for path in sorted((e.reference / "alternatives").glob("*"))]


def failed(result: ExerciseResult) -> list[str]:
    return [c.check for c in result.checks if c.outcome != "passed"]


def performance_only(result: ExerciseResult, checks: set[str]) -> bool:
    return all(c.category == "performance" for c in result.checks if c.check in checks)


def assert_actionable(result: ExerciseResult) -> None:
    """Every failed check says what went wrong with a hint, and leaks no grader internals."""
    for check in result.checks:
        if check.outcome == "passed":
            continue
        where = f"{result.id}:{check.check}"
        assert check.message.strip(), f"{where} failed without a message"
        assert "Hint:" in check.message or check.message.startswith("Not run"), f"{where} has no hint:\n{check.message}"
        assert "Traceback (most recent call last)" not in check.message, f"{where} shows a traceback"
        assert "site-packages" not in check.message and "swai/" not in check.message, f"{where} leaks grader paths"
        assert check.outcome == "failed", f"{where} ended in a grader error:\n{check.internal}"


def assert_all_passed(result: ExerciseResult) -> None:
    problems = [f"{c.check}: {c.outcome}\n{c.message}" for c in result.checks if c.outcome != "passed"]
    assert not problems, "\n\n".join(problems)
    assert result.status == "passed"


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_stub_fails(exercise: Exercise, grade: Grade) -> None:
    result = grade(exercise, source="stub")
    assert result.status == "failed"
    if exercise.kind == "incident":
        # A lab's stub is the shipped program with its failure built in: it works, except for
        # the symptom, so its regression checks may pass while the symptom checks fail.
        assert any(c.outcome == "failed" and c.category == "correctness" for c in result.checks)
    else:
        assert not any(c.outcome == "passed" and c.category == "correctness" for c in result.checks)
    assert_actionable(result)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_reference_passes_repeatedly(exercise: Exercise, grade: Grade) -> None:
    """Two runs here and the busy-machine run below: three in all."""
    for _ in range(2):
        result = grade(exercise)
        assert_all_passed(result)
        assert result.max_points == exercise.points, "exercise.yaml's points must equal the grader's"
        for check in result.checks:
            for figure in check.figures:
                assert figure["margin"] is None or figure["margin"] >= MIN_MARGIN, (
                    f"{check.check}: {figure['name']} = {figure['value']:.3g}, threshold {figure['threshold']}: "
                    f"margin {figure['margin']:.2f} < {MIN_MARGIN}")


def _spin(stop: multiprocessing.synchronize.Event) -> None:
    while not stop.is_set():
        sum(range(10_000))


@pytest.fixture
def busy_machine() -> Iterator[None]:
    """Keep every core busy with a spinning process while the test runs."""
    stop = multiprocessing.Event()
    workers = [multiprocessing.Process(target=_spin, args=(stop,), daemon=True) for _ in range(os.cpu_count() or 2)]
    for worker in workers:
        worker.start()
    try:
        yield
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=5)
            worker.kill()


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_reference_passes_on_a_busy_machine(exercise: Exercise, grade: Grade, busy_machine: None) -> None:
    result = grade(exercise)
    assert_all_passed(result)
    for check in result.checks:
        for figure in check.figures:
            assert figure["margin"] is None or figure["margin"] >= MIN_MARGIN, (check.check, figure)


@pytest.mark.parametrize(("exercise", "variant"), ALTERNATIVES)
def test_alternative_solution_passes(exercise: Exercise, variant: Path, grade: Grade) -> None:
    assert_all_passed(grade(exercise, variant=variant))


@pytest.mark.parametrize(("exercise", "name"), MUTANTS)
def test_mutant_is_caught(exercise: Exercise, name: str, grade: Grade) -> None:
    entry = mutants_of(exercise)[name]
    path = exercise.mutants / f"{name}.py"
    if not path.exists():
        path = exercise.mutants / name
    recording = bool(os.environ.get("SWAI_RECORD_MUTANTS"))
    recorded = list(entry.get("caught_by") or [])  # type: ignore[call-overload]
    # Recording needs every check. Proving needs only the first recorded checks, in the order the
    # grader runs them (so a hang that stops the later checks still comes first): any one of
    # them failing shows the mutant is caught, and the whole record was taken from two full runs.
    expected = set(recorded[:PROVEN_CHECKS])
    only = () if recording or not expected else sorted(expected)
    result = grade(exercise, variant=path, only=only)
    caught = failed(result)
    if not recording and expected - set(caught) and performance_only(result, expected - set(caught)):
        # A performance check measures time: while every core is busy with other proofs, a cost
        # that grows too fast can now and then hide in the noise. It is measured once more before
        # the catch counts as lost (a mutant that really escapes passes both times).
        result = grade(exercise, variant=path, only=only)
        caught = failed(result)
    assert caught, f"mutant {name} ({entry['bug']}) passed every check"
    if recording:
        # Record only what fails every time: a second run drops catches that depend on chance.
        again = set(failed(grade(exercise, variant=path)))
        caught = [check for check in caught if check in again]
        assert caught, f"mutant {name} ({entry['bug']}) is caught only by chance"
        record_caught_by(exercise, name, caught)
        expected = set(caught)
    assert expected, f"mutants.yaml must record which checks catch {name}; they were: {caught}"
    missing = expected - set(caught)
    assert not missing, f"mutant {name} was expected to fail {sorted(missing)}; it failed {caught}"
    assert_actionable(result)


MUTANTS_HEADER = """# Mutants of {where}: one realistic learner bug each.
# caught_by: the grader checks that fail on the mutant; the proof (tests/test_proofs.py) checks
# they still do. Re-record after changing a grader: SWAI_RECORD_MUTANTS=1 bash scripts/test.sh -k mutant
"""


def record_caught_by(exercise: Exercise, name: str, caught: list[str]) -> None:
    """Record mode (like golden-output testers): write the checks that caught the mutant."""
    path = exercise.mutants / "mutants.yaml"
    data = mutants_of(exercise)
    data[name] = {"bug": data[name]["bug"], "caught_by": caught}
    header = MUTANTS_HEADER.format(where=path.parent.relative_to(REPO).as_posix())
    path.write_text(header + "\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=True, width=120),
                    encoding="utf-8")


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_every_mutant_file_is_listed(exercise: Exercise) -> None:
    files = {p.stem for p in exercise.mutants.glob("*.py")} | {p.name for p in exercise.mutants.iterdir() if p.is_dir()}
    files.discard("__pycache__")
    assert files == set(mutants_of(exercise)), "mutants/ and mutants.yaml disagree"
    assert len(files) >= 6, "a non-trivial exercise needs at least 6 mutants"


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_reference_keeps_no_copy_of_given_files(exercise: Exercise) -> None:
    """A file the learner receives complete lives only in stub/ (the scaffold falls back to it)."""
    copies = [name for name in exercise.solution_files if (exercise.reference / name).is_file()
              and (exercise.reference / name).read_bytes() == (exercise.stub_dir / name).read_bytes()]
    assert not copies, f"reference/ repeats the stub's {copies}; delete them there"


SHARED = re.compile(r"^# >>> shared with (support/\w+\.py):.*$", re.M)


def shared_block(text: str) -> str | None:
    """The lines between a ``# >>> shared with ...`` line and the ``# <<< end of the shared block`` line."""
    start = SHARED.search(text)
    if start is None:
        return None
    end = text.find("\n# <<< end of the shared block", start.end())
    assert end != -1, "a shared block without its '# <<< end of the shared block' line"
    return text[start.end():end]


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_shared_blocks_match_the_grader(exercise: Exercise) -> None:
    """A script the learner runs (experiment, load) replays the grader's own block, character for character,
    so what the learner measures is what the grader measures."""
    for name in exercise.solution_files:
        text = (exercise.stub_dir / name).read_text(encoding="utf-8", errors="replace")
        start = SHARED.search(text)
        if start is None:
            continue
        support = exercise.grader.parent / start.group(1)
        assert support.is_file(), f"{name} names {start.group(1)}, which {exercise.grader.parent} lacks"
        assert shared_block(text) == shared_block(support.read_text(encoding="utf-8")), (
            f"{name} and {support.name} disagree inside their shared block")


@pytest.mark.parametrize("source", ["reference", "stub"])
def test_public_samples(catalog: Catalog, source: str, tmp_path: Path) -> None:
    """The learner's sample tests pass on the reference and fail on the stubs."""
    stages = sorted({e.stage for e in EXERCISES})
    scaffold(catalog, tmp_path, source=source, stages=stages)
    for stage in stages:
        project = tmp_path / "projects" / catalog.stage(stage).project
        # ~10 s on a quiet machine; the bound only stops a hang (with every core and the disk busy
        # with other proofs, Stage 4's fsyncing samples once took over 120 s).
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project / "tests")],
                              cwd=project, capture_output=True, text=True, timeout=600,
                              env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
        if source == "reference":
            assert proc.returncode == 0, proc.stdout[-3000:]
        else:
            assert proc.returncode == 1 and " passed" not in proc.stdout.splitlines()[-1], proc.stdout[-3000:]
