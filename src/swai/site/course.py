"""The public course site: the roadmap with every checkbox and lab, a page per stage, and a page
per ready exercise (its spec, prerequisites, difficulty and the list of what its grader checks).

Only learner-facing material goes in: the specs from ``exercises/`` and the titles of the
grader's checks (which every grading report shows anyway). Grader code, reference solutions
and mutants never do. Hand-written pages come from ``site/pages/``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from swai.catalog import Catalog, Checkbox, Exercise
from swai.runner import list_checks
from swai.site.mkdocs import MkDocsProject

PAGES = Path("site") / "pages"
SPEC_LINK = re.compile(r"\]\(\.\./([a-z0-9-]+)/README\.md\)")


def page_of(item: Checkbox | Exercise) -> str:
    exercise = item.exercise if isinstance(item, Checkbox) else item
    assert exercise is not None
    return f"stages/{exercise.stage}/{exercise.slug}.md"


def split_spec(text: str) -> tuple[str, str]:
    """The spec's title line and the rest; links to sibling specs become links to their pages."""
    text = SPEC_LINK.sub(r"](\1.md)", text)
    first, _, rest = text.partition("\n")
    if first.startswith("# "):
        return first, rest.lstrip("\n")
    return "", text


def build_course_site(catalog: Catalog, out: Path, work: Path) -> Path:
    project = MkDocsProject(work, site_name="SWAI · from CRUD engineer to architect")
    pages = catalog.root / PAGES
    for name, title in (("index.md", "Home"), ("grading.md", "How grading works")):
        target = work / "docs" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pages / name, target)
        project.nav.append({title: name})
    ready = [box for box in catalog.items if box.exercise is not None and box.exercise.status == "ready"]
    context = {"stages": catalog.stages, "page_of": page_of, "ready": len(ready), "total": len(catalog.items)}
    project.page("roadmap.md", "course/roadmap.md.j2", context, title="Roadmap")
    by_id = {e.id: e for e in catalog.exercises}
    for stage in catalog.stages:
        section = f"{stage.id} · {stage.title_en}"
        project.page(f"stages/{stage.id}/index.md", "course/stage.md.j2", context | {"stage": stage},
                     title="Overview", section=section)
        for box in stage.items:
            exercise = box.exercise
            if exercise is None or exercise.status != "ready":
                continue
            heading, spec = split_spec(exercise.spec.read_text(encoding="utf-8"))
            prerequisites = [by_id[p] for p in exercise.prerequisites if p in by_id]
            body = {"box": box, "exercise": exercise, "spec": spec, "checks": list_checks(exercise),
                    "prerequisites": prerequisites}
            project.page(page_of(box), "course/exercise.md.j2", context | body, title=exercise.title,
                         section=section, prefix=heading or f"# {exercise.title}")
    project.build(out)
    return out
