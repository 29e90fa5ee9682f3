"""The catalog: the whole roadmap is mapped, and a bad entry is a clear error naming file and field."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import REPO

from swai.catalog import Catalog, CatalogError, load_catalog


def test_every_checkbox_is_in_the_catalog(catalog: Catalog) -> None:
    assert len(catalog.checkboxes) == 204
    assert len({box.id for box in catalog.checkboxes}) == 204
    ready = {box.id for box in catalog.checkboxes if box.status == "ready"}
    assert {"stage2/lru-cache", "stage2/lfu-cache"} <= ready
    assert all(box.exercise is not None for box in catalog.checkboxes if box.id in ready)


def test_targets_resolve(catalog: Catalog) -> None:
    assert [b.id for b in catalog.resolve("lru-cache")] == ["stage2/lru-cache"]
    assert [b.id for b in catalog.resolve("stage2/lfu-cache")] == ["stage2/lfu-cache"]
    assert len(catalog.resolve("stage2")) == 13 + 4  # checkboxes, then the fault table's labs
    assert len(catalog.resolve("all")) == 204 + 37
    (lab,) = catalog.resolve("cache-breakdown")
    assert lab.is_lab and lab.kind == "incident" and lab.text == "缓存击穿（热点 key 失效）"
    assert lab.remedy == "singleflight + 分布式锁" and lab in catalog.stage("stage2").labs
    with pytest.raises(LookupError, match="no stage or exercise"):
        catalog.resolve("stage2/nope")
    with pytest.raises(LookupError, match="give the stage too"):
        catalog.resolve("bplus-tree")  # stage1 and stage4 both have one


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A writable copy of the course definition and the two exercises' metadata."""
    for name in ("exercises", "graders"):
        shutil.copytree(REPO / name, tmp_path / name)
    return tmp_path


def edit(path: Path, change: Callable[[dict[str, object]], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


LRU = Path("exercises/stage2/lru-cache/exercise.yaml")


@pytest.mark.parametrize(("target", "change", "field", "words"), [
    (LRU, lambda d: d.update(kind="libary"), "kind", "is not one of"),
    (LRU, lambda d: d.pop("points"), "(top level)", "'points' is a required property"),
    (LRU, lambda d: d.update(difficulty=9), "difficulty", "greater than the maximum"),
    (LRU, lambda d: d["files"].update(solution=["nope.py"]), "files.solution[0]", "stub/nope.py does not exist"),
    (LRU, lambda d: d.update(id="stage2/lfu-cache"), "id", "does not match its folder"),
    (LRU, lambda d: d.update(roadmap="LRU"), "roadmap", "differs from roadmap.yaml"),
    (LRU, lambda d: d.update(prerequisites=["stage9/nothing"]), "prerequisites[0]", "not an exercise id"),
    (LRU, lambda d: d.update(grader="graders/missing.py"), "grader", "does not exist"),
    (Path("exercises/roadmap.yaml"), lambda d: d["stages"][0]["checkboxes"][0].update(kind="x"),
     "stages[0].checkboxes[0].kind", "is not one of"),
    (Path("exercises/roadmap.yaml"), lambda d: d["stages"][0]["checkboxes"][1].update(id="stage0/project-layout"),
     "stages[0].checkboxes[1].id", "is used twice"),
    (Path("exercises/roadmap.yaml"), lambda d: d["stages"][2]["labs"][0].update(id="stage2/lru-cache"),
     "stages[2].labs[0].id", "is used twice"),
    (Path("exercises/roadmap.yaml"), lambda d: d["stages"][2]["labs"][0].pop("remedy"),
     "stages[2].labs[0]", "'remedy' is a required property"),
])
def test_bad_entries_name_file_and_field(course: Path, target: Path, change: Callable[[dict[str, object]], None],
                                         field: str, words: str) -> None:
    edit(course / target, change)
    with pytest.raises(CatalogError) as caught:
        load_catalog(course)
    assert caught.value.field == field
    assert str(target) in str(caught.value) and words in str(caught.value)


def test_broken_yaml_is_a_clear_error(course: Path) -> None:
    (course / LRU).write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid YAML"):
        load_catalog(course)
