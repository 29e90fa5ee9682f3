"""Render reports and the roadmap for the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from swai.catalog import Checkbox
from swai.report import ExerciseResult, Report

STATUS_STYLE = {"passed": "green", "failed": "red", "error": "red", "unavailable": "yellow",
                "ready": "green", "draft": "yellow", "planned": "dim"}


def _fraction(result: ExerciseResult, category: str) -> str:
    data = result.category(category)
    if not data["total"]:
        return "-"
    text = f"{data['passed']:g}/{data['total']:g}"
    return text if data["passed"] == data["total"] else f"[red]{text}[/red]"


def print_report(report: Report, console: Console, *, verbose: bool = False) -> None:
    """The summary table, then every failed check with its message.

    When several checks of one exercise fail for the same reason (a stub's
    NotImplementedError, a crash at import), the details are printed once and the other
    checks show only the reason, unless ``verbose``.
    """
    table = Table(title=f"swai grade {report.target}", title_justify="left")
    for column in ("exercise", "status", "correctness", "performance", "faults", "review", "points"):
        table.add_column(column, justify="left" if column in ("exercise", "status") else "right")
    for result in report.exercises:
        style = STATUS_STYLE.get(result.status, "")
        table.add_row(result.id, f"[{style}]{result.status}[/{style}]", _fraction(result, "correctness"),
                      _fraction(result, "performance"), _fraction(result, "faults"), _fraction(result, "review"),
                      f"{result.points:g}/{result.max_points:g}")
    console.print(table)
    for result in report.exercises:
        if result.message:
            console.print(f"\n[bold]{result.id}[/bold]: {escape(result.message)}")
        seen: set[str] = set()
        for check in result.checks:
            if check.outcome not in ("failed", "error"):
                continue
            console.print(f"\n[red]✗[/red] [bold]{result.id}[/bold] · {escape(check.title)} "
                          f"[dim]({check.category}, {check.max_points:g} pt, {check.check})[/dim]")
            reason = _reason(check.message)
            if reason in seen and not verbose:
                console.print(f"{escape(check.message.splitlines()[0])} [dim](details as above; -v shows them)[/dim]")
                continue
            seen.add(reason)
            console.print(escape(check.message), highlight=False)
    totals = report.to_json()["totals"]
    console.print(f"\n{totals['passed']} of {totals['exercises']} exercises passed, "
                  f"{totals['points']:g}/{totals['max_points']:g} points, {report.duration_s:.1f} s")


def _reason(message: str) -> str:
    """The cause of a failure, for grouping: the headline and where in the learner's code it arose."""
    lines = message.splitlines()
    where = [line for line in lines if line.strip().startswith('File "')]
    return "\n".join(lines[:1] + where[-1:])


def print_roadmap(boxes: list[Checkbox], console: Console) -> None:
    table = Table(show_lines=False)
    for column in ("stage", "exercise", "kind", "status", "roadmap"):
        table.add_column(column, overflow="fold")
    for box in boxes:
        style = STATUS_STYLE[box.status]
        text = f"{box.text} → {box.remedy}" if box.is_lab else box.text
        table.add_row(box.stage, box.id, box.kind, f"[{style}]{box.status}[/{style}]", escape(text))
    console.print(table)
    ready = sum(box.status == "ready" for box in boxes)
    labs = sum(box.is_lab for box in boxes)
    console.print(f"{len(boxes) - labs} checkboxes and {labs} labs, {ready} ready")
