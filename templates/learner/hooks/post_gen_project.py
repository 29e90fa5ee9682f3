"""Fills the new repository with the chosen stages' exercises, from the installed swai package.

The stubs and sample tests come from the course itself (``swai`` carries them), so the template
never holds a copy that could drift from the exercises.
"""

import sys
from pathlib import Path

SWAI_VERSION = {{ cookiecutter._swai_version | tojson }}
STAGES = {{ cookiecutter.stages | tojson }}
ALL_STAGES = {{ cookiecutter._all_stages | tojson }}
LEARNER = {"name": {{ cookiecutter.learner_name | tojson }}, "github": {{ cookiecutter.github_user | tojson }}}
CLASSROOM = {{ cookiecutter.classroom | tojson }} == "yes"


def main() -> int:
    try:
        import swai
        from swai.catalog import load_catalog
        from swai.scaffold import scaffold
    except ImportError:
        print(f"error: this template needs the swai package to write the exercises: "
              f"pip install swai=={SWAI_VERSION}", file=sys.stderr)
        return 1
    if swai.__version__ != SWAI_VERSION:
        print(f"error: this template is for swai {SWAI_VERSION}, but swai {swai.__version__} is installed: "
              f"pip install swai=={SWAI_VERSION}", file=sys.stderr)
        return 1
    stages = ALL_STAGES if STAGES.strip() == "all" else [s.strip() for s in STAGES.split(",")]
    root = Path.cwd()
    written = scaffold(load_catalog(), root, source="stub", stages=stages, learner=LEARNER)
    if not CLASSROOM:
        (root / ".github" / "workflows" / "classroom.yml").unlink()
    print(f"{root.name}: {len(written)} exercises in {len(stages)} stages. Next: cd {root.name} && make grade")
    return 0


if __name__ == "__main__":
    sys.exit(main())
