"""Materialise a learner repository from the stubs or the reference (``swai dev scaffold``).

The proofs, the README's demo and the template all build learner repositories the same way.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

import tomli_w

from swai import __version__
from swai.catalog import Catalog, Exercise
from swai.learner import CONFIG

PROJECT_FILES = "project"  # exercises/<stage>/project/: given to every learner project of the stage
CONFTEST = '''"""Lets pytest import this project's modules (the project folder goes on sys.path)."""
'''


def scaffold(catalog: Catalog, dest: Path, *, source: str, stages: Iterable[str] | None = None,
             learner: dict[str, str] | None = None, overwrite: bool = True) -> list[Exercise]:
    """Write a learner repository at ``dest`` with every ready exercise of ``stages``.

    ``source`` is ``stub`` (what a learner starts from) or ``reference`` (the hidden
    solutions, for proofs and demos; only in a source checkout). With ``overwrite=False``
    existing files are kept (``swai sync``: a learner's work is never replaced).
    """
    if source not in ("stub", "reference"):
        raise ValueError(f"source must be 'stub' or 'reference', not {source!r}")
    wanted = list(stages) if stages else [s.id for s in catalog.stages]
    unknown = [s for s in wanted if s not in {stage.id for stage in catalog.stages}]
    if unknown:
        raise LookupError(f"unknown stage(s): {', '.join(unknown)}")
    dest.mkdir(parents=True, exist_ok=True)
    if overwrite or not (dest / CONFIG).exists():
        config = {"course": {"version": __version__, "stages": wanted}, "learner": learner or {}}
        (dest / CONFIG).write_text(tomli_w.dumps(config), encoding="utf-8")
    written = []
    for stage_id in wanted:
        stage = catalog.stage(stage_id)
        project = dest / "projects" / stage.project
        shared = catalog.root / "exercises" / stage_id / PROJECT_FILES
        if shared.is_dir() and any(b.exercise is not None and b.exercise.status == "ready" for b in stage.items):
            # Files every exercise of the stage builds on (a package's __init__, a given I/O layer).
            for path in sorted(shared.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    place(path, project / path.relative_to(shared), overwrite)
        for box in stage.items:
            exercise = box.exercise
            if exercise is None or exercise.status != "ready":
                continue
            project.mkdir(parents=True, exist_ok=True)
            if overwrite or not (project / "conftest.py").exists():
                (project / "conftest.py").write_text(CONFTEST, encoding="utf-8")
            for name in exercise.solution_files:
                origin = exercise.stub_dir / name if source == "stub" else exercise.reference / name
                if source == "reference" and not origin.is_file():
                    origin = exercise.stub_dir / name  # a file the learner gets complete (a load script)
                if not origin.is_file():
                    raise FileNotFoundError(f"{origin} is missing ({source} of {exercise.id})")
                place(origin, project / name, overwrite)
            for name in exercise.sample_files:
                place(exercise.samples_dir / name, project / "tests" / name, overwrite)
            written.append(exercise)
    return written


def place(origin: Path, target: Path, overwrite: bool) -> None:
    if overwrite or not target.exists():
        copy(origin, target)


def copy(origin: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(origin, target)


def overlay(exercise: Exercise, project: Path, variant: Path) -> None:
    """Put a variant solution (a mutant, an alternative, a hostile file) in place of the learner's.

    A single ``.py`` file replaces the exercise's first solution file; a folder replaces
    the files it holds.
    """
    if variant.is_file():
        copy(variant, project / exercise.solution_files[0])
        return
    for path in sorted(variant.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            copy(path, project / path.relative_to(variant))
