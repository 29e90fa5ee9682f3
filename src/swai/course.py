"""Where the course's files are: the source tree in development, the wheel when installed."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def course_root() -> Path:
    """The folder holding ``exercises/`` and ``graders/`` (and ``reference/`` in a checkout).

    ``SWAI_COURSE`` overrides it, e.g. to grade with a classroom's private grader bundle.
    """
    override = os.environ.get("SWAI_COURSE")
    if override:
        return Path(override).resolve()
    packaged = PACKAGE_DIR / "_course"
    if (packaged / "exercises").is_dir():
        return packaged
    return PACKAGE_DIR.parent.parent  # src/swai -> the repository root
