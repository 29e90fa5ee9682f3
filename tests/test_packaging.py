"""The wheel carries the engine, the exercises and the graders, and never the reference."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO


def test_wheel_contents(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(REPO)],
                   check=True, timeout=300)
    (wheel,) = tmp_path.glob("swai-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for expected in ("swai/cli.py", "swai/subject/host.py", "swai/schemas/report.schema.json",
                     "swai/_course/exercises/roadmap.yaml", "swai/_course/exercises/stage2/lru-cache/stub/lru_cache.py",
                     "swai/_course/graders/stage2/test_lru_cache.py", "swai/_course/graders/pytest.ini"):
        assert expected in names, expected
    leaked = [n for n in names if "reference" in n.split("/") or "mutants" in n or "alternatives" in n]
    assert not leaked, f"the wheel must not carry reference solutions: {leaked[:5]}"
