"""Checks that exercises/roadmap.yaml carries every checkbox and fault-table row of exercises/ROADMAP.md.

The roadmap is parsed here independently of the swai package: stage headings
("# Stage N — title"), the nearest heading above each "- [ ] " item, the rows of each
stage's "构造问题 & 定位手段" table, and each stage's "输出项目" project folder.
Only PyYAML and the standard library are used.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT: Path = Path(__file__).resolve().parent.parent
EXERCISES: Path = REPO_ROOT / "exercises"
ROADMAP_MD: Path = EXERCISES / "ROADMAP.md"
ROADMAP_YAML: Path = EXERCISES / "roadmap.yaml"
SEED: Path = REPO_ROOT.parent / "shared" / "seeds" / "000_7310ee60743e6412.txt"

EXPECTED_CHECKBOXES = 204
EXPECTED_LABS = 37
FAULT_TABLE_HEADING = "构造问题 & 定位手段"
TABLE_ROW_RE = re.compile(r"^\| (.+?) \| (.+?) \|$")
EXPECTED_STAGES = 12
CHECKBOX_PREFIX = "- [ ] "
ALLOWED_KINDS = frozenset(
    {"library", "service", "cluster", "deploy", "repo", "concept", "incident"}
)
ALLOWED_SECTIONS = frozenset({"core", "interview", "docker"})
CHECKBOX_KEYS = ("id", "text", "section", "heading", "kind", "title")
STAGE_KEYS = ("id", "number", "title", "title_en", "project", "checkboxes")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HEADING_RE = re.compile(r"^(#{1,6}) (.*)$")
STAGE_HEADING_RE = re.compile(r"^Stage (\d+) — (.+)$")
PROJECT_RE = re.compile(r"`projects/([^/`]+)/`")
FIXED_IDS: dict[str, tuple[str, str, str]] = {
    # id -> (checkbox text prefix, kind, title)
    "stage2/lru-cache": ("LRU Cache", "library", "LRU cache"),
    "stage2/lfu-cache": ("LFU Cache", "library", "LFU cache"),
}


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class MdCheckbox:
    line: int  # 1-based line number in ROADMAP.md
    text: str
    heading: str


@dataclass
class MdStage:
    number: int
    title: str
    heading: str
    line: int
    projects: list[str] = field(default_factory=list)
    checkboxes: list[MdCheckbox] = field(default_factory=list)
    fault_rows: list[tuple[str, str]] = field(default_factory=list)  # (构造问题, 定位手段)


def expected_section(heading: str) -> str:
    """The section a checkbox belongs to, from its nearest heading."""
    if "面试考点" in heading:
        return "interview"
    if "Docker 部署" in heading:
        return "docker"
    return "core"


@cache
def parse_roadmap() -> tuple[MdStage, ...]:
    """Stages of ROADMAP.md with their checkboxes, in file order."""
    stages: list[MdStage] = []
    current: MdStage | None = None
    heading: str | None = None
    in_output_section = False
    in_fence = False
    text = ROADMAP_MD.read_text(encoding="utf-8")
    for lineno, line in enumerate(text.split("\n"), start=1):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        match = HEADING_RE.match(line)
        if match:
            level, heading = len(match.group(1)), match.group(2)
            in_output_section = "输出项目" in heading
            if level == 1:
                stage_match = STAGE_HEADING_RE.match(heading)
                if stage_match:
                    current = MdStage(
                        number=int(stage_match.group(1)),
                        title=stage_match.group(2),
                        heading=heading,
                        line=lineno,
                    )
                    stages.append(current)
                else:
                    current = None
            continue
        if line.startswith(CHECKBOX_PREFIX):
            assert current is not None and heading is not None, (
                f"ROADMAP.md line {lineno}: checkbox {line!r} is outside any Stage section"
            )
            current.checkboxes.append(
                MdCheckbox(line=lineno, text=line[len(CHECKBOX_PREFIX) :], heading=heading)
            )
        elif (current is not None and heading is not None and FAULT_TABLE_HEADING in heading
              and (row := TABLE_ROW_RE.match(line)) and row.group(1) != "构造问题"
              and not set(row.group(1)) <= set("-")):
            current.fault_rows.append((row.group(1), row.group(2)))
        elif in_output_section and current is not None:
            current.projects.extend(PROJECT_RE.findall(line))
    return tuple(stages)


@cache
def load_yaml() -> dict[str, Any]:
    data = yaml.safe_load(ROADMAP_YAML.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "roadmap.yaml must be a mapping at the top level"
    return data


def yaml_stages() -> list[dict[str, Any]]:
    stages = load_yaml().get("stages")
    assert isinstance(stages, list), "roadmap.yaml: 'stages' must be a list"
    for i, stage in enumerate(stages):
        assert isinstance(stage, dict), f"roadmap.yaml: stages[{i}] must be a mapping"
    return stages


def yaml_checkboxes() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(stage, checkbox) pairs in file order."""
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for stage in yaml_stages():
        boxes = stage.get("checkboxes")
        assert isinstance(boxes, list), f"stage {stage.get('id')!r}: 'checkboxes' must be a list"
        for j, box in enumerate(boxes):
            assert isinstance(box, dict), (
                f"stage {stage.get('id')!r}: checkboxes[{j}] must be a mapping"
            )
            pairs.append((stage, box))
    return pairs


def describe(box: dict[str, Any]) -> str:
    return f"checkbox {box.get('id')!r} ({box.get('text')!r})"


def report(problems: list[str]) -> None:
    if problems:
        pytest.fail(f"{len(problems)} problem(s):\n  " + "\n  ".join(problems), pytrace=False)


# --------------------------------------------------------------------------- tests


def test_roadmap_matches_seed_byte_for_byte() -> None:
    if not SEED.is_file():
        pytest.skip(f"canonical seed {SEED} is not present; cannot compare the vendored copy")
    assert ROADMAP_MD.read_bytes() == SEED.read_bytes(), (
        f"{ROADMAP_MD} differs from the canonical seed {SEED}; re-copy it byte-for-byte"
    )


def test_roadmap_parses_to_expected_shape() -> None:
    stages = parse_roadmap()
    numbers = [stage.number for stage in stages]
    assert numbers == list(range(EXPECTED_STAGES)), f"stage headings found: {numbers}"
    total = sum(len(stage.checkboxes) for stage in stages)
    raw = sum(
        1
        for line in ROADMAP_MD.read_text(encoding="utf-8").split("\n")
        if line.startswith(CHECKBOX_PREFIX)
    )
    assert total == raw == EXPECTED_CHECKBOXES, (
        f"expected {EXPECTED_CHECKBOXES} checkboxes in ROADMAP.md, parsed {total} "
        f"inside stages and {raw} in the whole file"
    )


def test_yaml_top_level() -> None:
    data = load_yaml()
    assert data.get("version") == 1, f"version must be 1, got {data.get('version')!r}"
    assert data.get("roadmap") == "ROADMAP.md", (
        f"roadmap must be 'ROADMAP.md', got {data.get('roadmap')!r}"
    )
    assert (EXERCISES / data["roadmap"]).is_file()


def test_stages_match_headings() -> None:
    md = parse_roadmap()
    ys = yaml_stages()
    problems: list[str] = []
    if len(ys) != len(md):
        problems.append(f"roadmap.yaml has {len(ys)} stages, ROADMAP.md has {len(md)}")
    for md_stage, stage in zip(md, ys, strict=False):
        where = f"stage {stage.get('id')!r} (ROADMAP.md line {md_stage.line})"
        missing = [key for key in STAGE_KEYS if key not in stage]
        if missing:
            problems.append(f"{where}: missing keys {missing}")
        if stage.get("id") != f"stage{md_stage.number}":
            problems.append(f"{where}: id should be 'stage{md_stage.number}'")
        if stage.get("number") != md_stage.number:
            problems.append(f"{where}: number {stage.get('number')!r} != {md_stage.number}")
        if stage.get("title") != md_stage.title:
            problems.append(
                f"{where}: title {stage.get('title')!r} != heading title {md_stage.title!r}"
            )
        title_en = stage.get("title_en")
        if not isinstance(title_en, str) or not title_en.strip():
            problems.append(f"{where}: title_en must be a non-empty string")
    report(problems)


def test_stage_projects_match_output_line() -> None:
    problems: list[str] = []
    for md_stage, stage in zip(parse_roadmap(), yaml_stages(), strict=False):
        where = f"stage {stage.get('id')!r}"
        if len(md_stage.projects) != 1:
            problems.append(
                f"{where}: expected one `projects/<name>/` under 输出项目 in ROADMAP.md, "
                f"found {md_stage.projects}"
            )
            continue
        if stage.get("project") != md_stage.projects[0]:
            problems.append(
                f"{where}: project {stage.get('project')!r} != 输出项目 folder "
                f"{md_stage.projects[0]!r}"
            )
    report(problems)


def test_checkboxes_in_order_with_verbatim_text_stage_and_heading() -> None:
    problems: list[str] = []
    for md_stage, stage in zip(parse_roadmap(), yaml_stages(), strict=False):
        boxes = stage.get("checkboxes") or []
        if len(boxes) != len(md_stage.checkboxes):
            problems.append(
                f"stage {stage.get('id')!r}: {len(boxes)} checkboxes in roadmap.yaml, "
                f"{len(md_stage.checkboxes)} in ROADMAP.md"
            )
        for md_box, box in zip(md_stage.checkboxes, boxes, strict=False):
            if box.get("text") != md_box.text:
                problems.append(
                    f"ROADMAP.md line {md_box.line} {md_box.text!r}: roadmap.yaml has "
                    f"{describe(box)} in its place (wrong text or order)"
                )
                continue
            if box.get("heading") != md_box.heading:
                problems.append(
                    f"{describe(box)}: heading {box.get('heading')!r} != nearest heading "
                    f"{md_box.heading!r} (ROADMAP.md line {md_box.line})"
                )
    report(problems)


def test_every_checkbox_appears_exactly_once() -> None:
    expected: Counter[tuple[object, object]] = Counter(
        (stage.number, box.text) for stage in parse_roadmap() for box in stage.checkboxes
    )
    actual: Counter[tuple[object, object]] = Counter(
        (stage.get("number"), box.get("text")) for stage, box in yaml_checkboxes()
    )
    problems = [
        f"stage {number} checkbox {text!r}: appears {actual[(number, text)]} time(s) in "
        f"roadmap.yaml, {expected[(number, text)]} in ROADMAP.md"
        for number, text in sorted(set(expected) | set(actual), key=repr)
        if expected[(number, text)] != actual[(number, text)]
    ]
    total = sum(actual.values())
    if total != EXPECTED_CHECKBOXES:
        problems.append(f"roadmap.yaml lists {total} checkboxes, expected {EXPECTED_CHECKBOXES}")
    report(problems)


def test_checkbox_fields_present_and_typed() -> None:
    problems: list[str] = []
    for _stage, box in yaml_checkboxes():
        for key in CHECKBOX_KEYS:
            value = box.get(key)
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{describe(box)}: '{key}' must be a non-empty string")
    report(problems)


def test_ids_unique_kebab_case_and_stage_prefixed() -> None:
    problems: list[str] = []
    counts = Counter(box.get("id") for _stage, box in yaml_checkboxes())
    for ident, n in counts.items():
        if n > 1:
            problems.append(f"id {ident!r} is used by {n} checkboxes")
    for stage, box in yaml_checkboxes():
        ident = box.get("id")
        if not isinstance(ident, str):
            continue
        prefix, sep, slug = ident.partition("/")
        if not sep or prefix != stage.get("id"):
            problems.append(f"{describe(box)}: id must start with '{stage.get('id')}/'")
        if not SLUG_RE.fullmatch(slug):
            problems.append(f"{describe(box)}: slug {slug!r} is not kebab-case")
    report(problems)


def test_fixed_ids() -> None:
    by_id = {box.get("id"): box for _stage, box in yaml_checkboxes()}
    problems: list[str] = []
    for ident, (text_prefix, kind, title) in FIXED_IDS.items():
        box = by_id.get(ident)
        if box is None:
            problems.append(f"id {ident!r} is missing")
            continue
        if not str(box.get("text", "")).startswith(text_prefix):
            problems.append(f"{describe(box)}: should be the {text_prefix!r} checkbox")
        if box.get("kind") != kind:
            problems.append(f"{describe(box)}: kind should be {kind!r}")
        if box.get("title") != title:
            problems.append(f"{describe(box)}: title should be {title!r}")
    stage2 = next((s for s in yaml_stages() if s.get("id") == "stage2"), None)
    assert stage2 is not None, "stage2 is missing"
    first_two = [box.get("id") for box in stage2.get("checkboxes", [])[:2]]
    if first_two != list(FIXED_IDS):
        problems.append(f"stage2's first two checkboxes are {first_two}, not {list(FIXED_IDS)}")
    report(problems)


def test_kinds_and_sections_allowed() -> None:
    problems: list[str] = []
    for _stage, box in yaml_checkboxes():
        if box.get("kind") not in ALLOWED_KINDS:
            problems.append(
                f"{describe(box)}: kind {box.get('kind')!r} not in {sorted(ALLOWED_KINDS)}"
            )
        if box.get("section") not in ALLOWED_SECTIONS:
            problems.append(
                f"{describe(box)}: section {box.get('section')!r} not in {sorted(ALLOWED_SECTIONS)}"
            )
    report(problems)


def test_section_matches_heading() -> None:
    md_boxes = [box for stage in parse_roadmap() for box in stage.checkboxes]
    problems: list[str] = []
    for md_box, (_stage, box) in zip(md_boxes, yaml_checkboxes(), strict=False):
        want = expected_section(md_box.heading)
        if box.get("section") != want:
            problems.append(
                f"{describe(box)}: section {box.get('section')!r} should be {want!r} "
                f"(heading {md_box.heading!r})"
            )
    report(problems)


def test_kind_consistent_with_section() -> None:
    """Interview questions are concepts; everything in a Docker section is a deploy exercise."""
    required = {"interview": "concept", "docker": "deploy"}
    problems = [
        f"{describe(box)}: section {box.get('section')!r} requires kind "
        f"{required[box['section']]!r}, got {box.get('kind')!r}"
        for _stage, box in yaml_checkboxes()
        if box.get("section") in required and box.get("kind") != required[box["section"]]
    ]
    report(problems)


LAB_KEYS = ("id", "problem", "remedy", "title")


def test_every_fault_table_row_is_a_lab_in_order() -> None:
    """Each stage's 构造问题 & 定位手段 table is carried as its ``labs``, row by row, verbatim."""
    problems: list[str] = []
    ids = {box.get("id") for _stage, box in yaml_checkboxes()}
    total = 0
    for md_stage, stage in zip(parse_roadmap(), yaml_stages(), strict=False):
        labs = stage.get("labs") or []
        total += len(labs)
        rows = [(lab.get("problem"), lab.get("remedy")) for lab in labs]
        if rows != md_stage.fault_rows:
            problems.append(f"stage {stage.get('id')!r}: labs {rows} != table rows {md_stage.fault_rows}")
        for lab in labs:
            if sorted(lab) != sorted(LAB_KEYS) or not all(isinstance(lab[k], str) and lab[k] for k in LAB_KEYS):
                problems.append(f"lab {lab!r}: needs exactly {LAB_KEYS}, non-empty")
                continue
            prefix, _, slug = lab["id"].partition("/")
            if prefix != stage.get("id") or not SLUG_RE.fullmatch(slug):
                problems.append(f"lab {lab['id']!r}: id must be '{stage.get('id')}/<kebab-case>'")
            if lab["id"] in ids:
                problems.append(f"lab {lab['id']!r}: id is used twice")
            ids.add(lab["id"])
    if total != EXPECTED_LABS:
        problems.append(f"roadmap.yaml lists {total} labs, expected {EXPECTED_LABS}")
    report(problems)
