"""The catalog: the roadmap's stages and checkboxes, and the exercises built for them.

``exercises/roadmap.yaml`` is the course definition: every roadmap checkbox, in order,
with its exercise id and kind, and every row of each stage's fault table
(构造问题 & 定位手段) as an incident lab; ``exercises/<stage>/<slug>/exercise.yaml``
describes one exercise. Both are validated against the JSON Schemas in ``swai/schemas`` when loaded, and
a bad entry is reported as a ``CatalogError`` naming the file and the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from swai.course import PACKAGE_DIR, course_root

KINDS = ("library", "service", "cluster", "deploy", "repo", "concept", "incident")
LAB_SECTION = "lab"
LAB_HEADING = "构造问题 & 定位手段"


class CatalogError(Exception):
    def __init__(self, path: Path | str, field: str, message: str) -> None:
        where = f"{path}: {field}: " if field else f"{path}: "
        super().__init__(where + message)
        self.path = path
        self.field = field


@cache
def schema_validator(name: str) -> Draft202012Validator:
    schema = json.loads((PACKAGE_DIR / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def validate(data: Any, schema: str, path: Path | str) -> None:
    """Raise a ``CatalogError`` for the first schema violation, naming the field."""
    errors = sorted(schema_validator(schema).iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        error = errors[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        raise CatalogError(path, where or "(top level)", error.message)


def load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(path, "", "file not found") from None
    except yaml.YAMLError as exc:
        raise CatalogError(path, "", f"not valid YAML: {exc}") from None


@dataclass(frozen=True)
class Exercise:
    id: str
    stage: str
    slug: str
    roadmap: str
    title: str
    kind: str
    difficulty: int
    prerequisites: tuple[str, ...]
    status: str
    points: int
    dir: Path
    spec: Path
    hints: Path
    solution_files: tuple[str, ...]
    sample_files: tuple[str, ...]
    grader: Path
    reference: Path
    mutants: Path
    blurb: str = ""

    @property
    def stub_dir(self) -> Path:
        return self.dir / "stub"

    @property
    def samples_dir(self) -> Path:
        return self.dir / "samples"


@dataclass(frozen=True)
class Checkbox:
    """One item of the roadmap: a checkbox, or a row of a stage's fault table (``section == "lab"``,
    kind ``incident``, ``text`` the problem, ``remedy`` the way to find and fix it)."""

    id: str
    stage: str
    text: str
    section: str
    heading: str
    kind: str
    title: str
    exercise: Exercise | None
    remedy: str = ""

    @property
    def is_lab(self) -> bool:
        return self.section == LAB_SECTION

    @property
    def status(self) -> str:
        """``ready`` when its exercise is built and proven, otherwise ``planned`` or ``draft``."""
        return self.exercise.status if self.exercise is not None else "planned"


@dataclass(frozen=True)
class Stage:
    id: str
    number: int
    title: str
    title_en: str
    project: str
    checkboxes: tuple[Checkbox, ...] = field(default=())
    labs: tuple[Checkbox, ...] = field(default=())

    @property
    def items(self) -> tuple[Checkbox, ...]:
        """The stage's checkboxes, then its labs."""
        return self.checkboxes + self.labs


@dataclass(frozen=True)
class Catalog:
    root: Path
    stages: tuple[Stage, ...]

    @property
    def checkboxes(self) -> list[Checkbox]:
        return [box for stage in self.stages for box in stage.checkboxes]

    @property
    def items(self) -> list[Checkbox]:
        """Every checkbox and lab, stage by stage."""
        return [box for stage in self.stages for box in stage.items]

    @property
    def exercises(self) -> list[Exercise]:
        return [box.exercise for box in self.items if box.exercise is not None]

    def stage(self, stage_id: str) -> Stage:
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)

    def resolve(self, target: str) -> list[Checkbox]:
        """The items a target names: ``all``, ``stage2``, ``stage2/lru-cache`` or ``lru-cache``."""
        target = target.strip().strip("/")
        if target == "all":
            return self.items
        if any(stage.id == target for stage in self.stages):
            return list(self.stage(target).items)
        matches = [box for box in self.items if box.id == target or box.id.split("/", 1)[1] == target]
        if not matches:
            raise LookupError(f"no stage or exercise is called {target!r}; `swai list` shows them all")
        if len(matches) > 1:
            raise LookupError(f"{target!r} names {len(matches)} exercises "
                              f"({', '.join(b.id for b in matches)}); give the stage too")
        return matches


def load_exercise(root: Path, path: Path, checkbox: dict[str, Any], stage: str) -> Exercise:
    data = load_yaml(path)
    shown = path.relative_to(root) if path.is_relative_to(root) else path
    validate(data, "exercise", shown)
    exercise_dir = path.parent
    expected_id = f"{stage}/{exercise_dir.name}"
    if data["id"] != expected_id:
        raise CatalogError(shown, "id", f"{data['id']!r} does not match its folder ({expected_id!r})")
    for key in ("roadmap", "kind"):
        want = checkbox["text" if key == "roadmap" else key]
        if data[key] != want:
            raise CatalogError(shown, key, f"{data[key]!r} differs from roadmap.yaml's {want!r}")
    for key, base in (("spec", exercise_dir), ("hints", exercise_dir), ("grader", root)):
        if not (base / data[key]).is_file():
            raise CatalogError(shown, key, f"{data[key]!r} does not exist")
    for role, sub in (("solution", "stub"), ("samples", "samples")):
        for index, name in enumerate(data["files"][role]):
            if not (exercise_dir / sub / name).is_file():
                raise CatalogError(shown, f"files.{role}[{index}]", f"{sub}/{name} does not exist")
    return Exercise(
        id=data["id"], stage=stage, slug=exercise_dir.name, roadmap=data["roadmap"], title=data["title"],
        kind=data["kind"], difficulty=data["difficulty"], prerequisites=tuple(data["prerequisites"]),
        status=data["status"], points=data["points"], dir=exercise_dir, spec=exercise_dir / data["spec"],
        hints=exercise_dir / data["hints"], solution_files=tuple(data["files"]["solution"]),
        sample_files=tuple(data["files"]["samples"]), grader=root / data["grader"],
        reference=root / data["reference"], mutants=root / data["mutants"], blurb=data.get("blurb", ""),
    )


def load_catalog(root: Path | None = None) -> Catalog:
    root = (root or course_root()).resolve()
    roadmap_path = root / "exercises" / "roadmap.yaml"
    data = load_yaml(roadmap_path)
    shown = roadmap_path.relative_to(root)
    validate(data, "roadmap", shown)
    seen: set[str] = set()
    stages = []
    for s_index, raw in enumerate(data["stages"]):
        boxes = []
        for key in ("checkboxes", "labs"):
            for c_index, box in enumerate(raw.get(key, [])):
                where = f"stages[{s_index}].{key}[{c_index}].id"
                if box["id"] in seen:
                    raise CatalogError(shown, where, f"{box['id']!r} is used twice")
                if not box["id"].startswith(raw["id"] + "/"):
                    raise CatalogError(shown, where, f"{box['id']!r} is not in stage {raw['id']}")
                seen.add(box["id"])
                if key == "labs":
                    box = {"id": box["id"], "text": box["problem"], "section": LAB_SECTION, "heading": LAB_HEADING,
                           "kind": "incident", "title": box["title"], "remedy": box["remedy"]}
                meta = root / "exercises" / raw["id"] / box["id"].split("/", 1)[1] / "exercise.yaml"
                exercise = load_exercise(root, meta, box, raw["id"]) if meta.is_file() else None
                boxes.append(Checkbox(box["id"], raw["id"], box["text"], box["section"], box["heading"],
                                      box["kind"], box["title"], exercise, box.get("remedy", "")))
        stages.append(Stage(raw["id"], raw["number"], raw["title"], raw["title_en"], raw["project"],
                            tuple(b for b in boxes if not b.is_lab), tuple(b for b in boxes if b.is_lab)))
    catalog = Catalog(root, tuple(stages))
    known = {box.id for box in catalog.items}
    for exercise in catalog.exercises:
        for index, prereq in enumerate(exercise.prerequisites):
            if prereq not in known:
                raise CatalogError(exercise.dir / "exercise.yaml", f"prerequisites[{index}]",
                                   f"{prereq!r} is not an exercise id")
    return catalog
