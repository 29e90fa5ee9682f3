"""A learner's repository: ``swai.toml`` at its root and one project per stage under ``projects/``.

    my-swai/
      swai.toml                          which course version and stages
      projects/stage2-mini-components/   the stage's project: the learner's code
        lru_cache.py  lfu_cache.py       one module per exercise (from the stubs)
        tests/                           public sample tests, and the learner's own
        conftest.py                      puts the project on sys.path for pytest
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from swai.catalog import Catalog, CatalogError, validate

CONFIG = "swai.toml"


class NotALearnerRepo(Exception):
    pass


@dataclass(frozen=True)
class LearnerRepo:
    root: Path
    stages: tuple[str, ...]
    projects: dict[str, str] = field(default_factory=dict)
    learner: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path) -> LearnerRepo:
        root = root.resolve()
        path = root / CONFIG
        if not path.is_file():
            raise NotALearnerRepo(
                f"{root} is not a SWAI learner repository: it has no {CONFIG}. "
                "Run swai in your repository, or pass --repo PATH.")
        try:
            data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise CatalogError(path, "", f"not valid TOML: {exc}") from None
        validate(data, "learner", path)
        return cls(root, tuple(data["course"]["stages"]), dict(data.get("projects", {})),
                   dict(data.get("learner", {})))

    def project_dir(self, catalog: Catalog, stage: str) -> Path:
        relative = self.projects.get(stage) or f"projects/{catalog.stage(stage).project}"
        return self.root / relative
