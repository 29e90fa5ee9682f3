"""The learner's progress site: the roadmap ticked by grading, per stage and per exercise.

Built from a grading report (and the history of earlier ones) into a MkDocs project that uses
Material for MkDocs with nothing but its built-in search and standard Markdown extensions, so
it builds offline, with ``--strict``, and stays readable by Zensical.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from swai.catalog import Catalog, Checkbox
from swai.learner import LearnerRepo
from swai.report import CATEGORIES, validate_report
from swai.site import history
from swai.site.mkdocs import MkDocsProject


class SiteError(Exception):
    pass


@dataclass
class ExerciseView:
    id: str
    title: str
    kind: str
    status: str  # passed | failed | error | unavailable | not graded
    points: float = 0
    max_points: float = 0
    message: str = ""
    categories: dict[str, dict[str, float]] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def page(self) -> str:
        return f"exercises/{self.id}.md"

    @property
    def figures(self) -> list[dict[str, Any]]:
        return [figure | {"check": check["title"]} for check in self.checks for figure in check["figures"]]

    @property
    def faults(self) -> list[dict[str, Any]]:
        return [check for check in self.checks if check["category"] == "faults"]

    @property
    def failures(self) -> list[dict[str, Any]]:
        return [check for check in self.checks if check["outcome"] != "passed"]


@dataclass
class ItemView:
    box: Checkbox
    exercise: ExerciseView | None

    @property
    def ticked(self) -> bool:
        return self.exercise is not None and self.exercise.status == "passed"


@dataclass
class StageView:
    id: str
    title: str
    title_en: str
    included: bool
    items: list[ItemView]

    @property
    def graded(self) -> list[ExerciseView]:
        return [i.exercise for i in self.items if i.exercise is not None and i.exercise.status != "not graded"]

    @property
    def passed(self) -> int:
        return sum(i.ticked for i in self.items)

    @property
    def points(self) -> float:
        return sum(e.points for e in self.graded)

    @property
    def max_points(self) -> float:
        return sum(e.max_points for e in self.graded)


def read_report(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise SiteError(f"no report at {path}: grade first (make grade, or swai grade all --report {path})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise SiteError(f"{path} is not JSON: {exc}") from None
    problems = validate_report(data)
    if problems:
        raise SiteError(f"{path} is not a swai report: {problems[0]}")
    assert isinstance(data, dict)
    return data


def stage_views(catalog: Catalog, learner: LearnerRepo, report: dict[str, Any]) -> list[StageView]:
    graded = {e["id"]: e for e in report["exercises"]}
    views = []
    for stage in catalog.stages:
        items = []
        for box in stage.items:
            exercise = box.exercise
            view = None
            if exercise is not None and exercise.status == "ready":
                result = graded.get(exercise.id)
                view = ExerciseView(exercise.id, exercise.title, exercise.kind, "not graded", 0, exercise.points)
                if result is not None:
                    view = ExerciseView(exercise.id, exercise.title, exercise.kind, result["status"],
                                        result["points"], result["max_points"], result["message"],
                                        result["categories"], result["checks"])
            items.append(ItemView(box, view))
        views.append(StageView(stage.id, stage.title, stage.title_en, stage.id in learner.stages, items))
    return views


def build_progress_site(catalog: Catalog, learner: LearnerRepo, report_path: Path, history_path: Path | None,
                        out: Path, work: Path) -> Path:
    """Build the site into ``out`` (with ``history.json`` for the next build); returns ``out``."""
    report = read_report(report_path)
    entries = history.append(history.load(history_path), report)
    stages = stage_views(catalog, learner, report)
    name = learner.learner.get("name") or learner.root.name
    project = MkDocsProject(work, site_name=f"{name} · SWAI progress")
    context = {"report": report, "stages": stages, "learner": learner.learner, "categories": CATEGORIES,
               "entries": entries, "name": name}
    project.page("index.md", "progress/index.md.j2", context, title="Roadmap")
    for stage in stages:
        if stage.included:
            section = f"{stage.id} · {stage.title_en}"
            project.page(f"stages/{stage.id}.md", "progress/stage.md.j2", context | {"stage": stage},
                         title="Overview", section=section)
            for item in stage.items:
                if item.exercise is not None:
                    project.page(item.exercise.page, "progress/exercise.md.j2",
                                 context | {"stage": stage, "item": item, "exercise": item.exercise},
                                 title=item.exercise.title, section=section)
    project.page("history.md", "progress/history.md.j2", context, title="History")
    project.asset("history.svg", history.chart(entries))
    project.asset("history.json", history.dump(entries))
    project.build(out)
    return out
