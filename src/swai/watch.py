"""``swai watch``: re-grade the exercise being edited whenever its files change (like rustlings'
watch mode), and show one line per check plus the first failing check in full.

The loop takes its file changes as an iterable of path sets, so it is driven by ``watchfiles``
in the CLI and by a plain list in the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from swai.catalog import Catalog, Exercise
from swai.learner import LearnerRepo
from swai.report import ExerciseResult

Grader = Callable[[Exercise, Path], ExerciseResult]


def exercise_for(catalog: Catalog, learner: LearnerRepo, path: Path) -> Exercise | None:
    """The ready exercise whose learner file ``path`` is, if any (a stage project's file)."""
    path = path.resolve()
    for stage in learner.stages:
        project = learner.project_dir(catalog, stage).resolve()
        if not path.is_relative_to(project):
            continue
        relative = path.relative_to(project).as_posix()
        for box in catalog.stage(stage).items:
            exercise = box.exercise
            if exercise is not None and exercise.status == "ready" and relative in exercise.solution_files:
                return exercise
    return None


def show(result: ExerciseResult, console: Console) -> None:
    """A line per check, then the first failing check's whole message: one thing to fix at a time."""
    for check in result.checks:
        mark = "[green]✓[/green]" if check.outcome == "passed" else "[red]✗[/red]"
        console.print(f"  {mark} {escape(check.title)} [dim]({check.category}, {check.max_points:g} pt)[/dim]")
    if result.message:
        console.print(escape(result.message))
    first = next((c for c in result.checks if c.outcome != "passed"), None)
    if first is None and result.status == "passed":
        points = f"{result.points:g}/{result.max_points:g}"
        console.print(f"[green]{result.id}: every check passes, {points} points.[/green]")
    elif first is not None:
        console.print(f"\n[bold]First to fix:[/bold] {escape(first.title)}\n{escape(first.message)}", highlight=False)


def watch_loop(catalog: Catalog, learner: LearnerRepo, changes: Iterable[set[Path]], grade: Grader,
               console: Console, target: Exercise | None = None) -> int:
    """Grade on each batch of changes; returns how many gradings ran."""
    runs = 0
    for batch in changes:
        exercise = target or next((e for p in sorted(batch) if (e := exercise_for(catalog, learner, p))), None)
        if exercise is None:
            continue
        console.rule(f"{exercise.id}")
        result = grade(exercise, learner.project_dir(catalog, exercise.stage))
        show(result, console)
        runs += 1
        console.print("[dim]watching for changes; Ctrl-C stops[/dim]")
    return runs
