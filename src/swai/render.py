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


FULL_FAILURES = 3  # per exercise; the rest are listed by title unless verbose


def print_report(report: Report, console: Console, *, verbose: bool = False) -> None:
    table = Table(title=f"swai grade {report.target}", title_justify="left")
    for column in ("exercise", "status", "correctness", "performance", "faults", "points"):
        table.add_column(column, justify="left" if column in ("exercise", "status") else "right")
    for result in report.exercises:
        style = STATUS_STYLE.get(result.status, "")
        table.add_row(result.id, f"[{style}]{result.status}[/{style}]", _fraction(result, "correctness"),
                      _fraction(result, "performance"), _fraction(result, "faults"),
                      f"{result.points:g}/{result.max_points:g}")
    console.print(table)
    for result in report.exercises:
        if result.message:
            console.print(f"\n[bold]{result.id}[/bold]: {escape(result.message)}")
        failed = [c for c in result.checks if c.outcome in ("failed", "error")]
        shown = failed if verbose else failed[:FULL_FAILURES]
        for check in shown:
            console.print(f"\n[red]✗[/red] [bold]{result.id}[/bold] · {escape(check.title)} "
                          f"[dim]({check.category}, {check.max_points:g} pt, {check.check})[/dim]")
            console.print(escape(check.message), highlight=False)
        if len(failed) > len(shown):
            console.print(f"\n[red]✗[/red] {len(failed) - len(shown)} more checks of [bold]{result.id}[/bold] "
                          f"failed (--verbose shows their messages):")
            for check in failed[len(shown):]:
                console.print(f"    {escape(check.title)} [dim]({check.check})[/dim]")
    totals = report.to_json()["totals"]
    console.print(f"\n{totals['passed']} of {totals['exercises']} exercises passed, "
                  f"{totals['points']:g}/{totals['max_points']:g} points, {report.duration_s:.1f} s")


def print_roadmap(boxes: list[Checkbox], console: Console) -> None:
    table = Table(show_lines=False)
    for column in ("stage", "exercise", "kind", "status", "roadmap"):
        table.add_column(column, overflow="fold")
    for box in boxes:
        style = STATUS_STYLE[box.status]
        table.add_row(box.stage, box.id, box.kind, f"[{style}]{box.status}[/{style}]", escape(box.text))
    console.print(table)
    ready = sum(box.status == "ready" for box in boxes)
    console.print(f"{len(boxes)} checkboxes, {ready} ready")
