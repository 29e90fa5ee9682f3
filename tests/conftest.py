"""Shared fixtures: the real catalog, and grading a learner repository built from a variant."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from swai.catalog import Catalog, Exercise, load_catalog
from swai.report import ExerciseResult
from swai.runner import grade_exercise
from swai.scaffold import overlay, scaffold

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parent.parent

Grade = Callable[..., ExerciseResult]


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(REPO)


def ready_exercises() -> list[Exercise]:
    return [e for e in load_catalog(REPO).exercises if e.status == "ready"]


@pytest.fixture
def grade(catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Grade:
    """Grade ``exercise`` in a fresh learner repository from ``source``, with ``variant`` overlaid."""

    def run(exercise: Exercise, source: str = "reference", variant: Path | None = None,
            only: Sequence[str] = ()) -> ExerciseResult:
        repo = tmp_path_factory.mktemp("learner")
        scaffold(catalog, repo, source=source, stages=[exercise.stage])
        project = repo / "projects" / catalog.stage(exercise.stage).project
        if variant is not None:
            overlay(exercise, project, variant)
        return grade_exercise(exercise, project, only=only)

    return run
