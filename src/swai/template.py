"""The learner template: a cookiecutter template in ``templates/learner``, exported as a
standalone template repository (what ``cookiecutter gh:swai/template`` clones).

The export is the template itself (``cookiecutter.json``, ``hooks/``, the repository folder)
plus ``templates/standalone`` (that repository's README and its own check workflow). The
exercises are not copied: the template's post-generation hook writes them from the installed
``swai`` package, so the template cannot drift from the course.
"""

from __future__ import annotations

import shutil
from pathlib import Path

LEARNER = Path("templates") / "learner"
STANDALONE = Path("templates") / "standalone"


class ExportError(Exception):
    pass


def export_template(course: Path, dest: Path) -> list[str]:
    """Write the standalone template repository at ``dest``; returns the files written."""
    sources = [course / LEARNER, course / STANDALONE]
    if not all(source.is_dir() for source in sources):
        raise ExportError(f"{course} has no {LEARNER}: export the template from a source checkout of the course")
    if dest.exists() and any(p.name != ".git" for p in dest.iterdir()):
        raise ExportError(f"{dest} is not empty; export into a new folder or a bare clone of the template repository")
    written: list[str] = []
    for source in sources:
        for path in sorted(source.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                target = dest / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                written.append(target.relative_to(dest).as_posix())
    return written
