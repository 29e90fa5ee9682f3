#!/usr/bin/env bash
# The project's tests: lint, types, and the test suite (engine tests and the grader proofs).
# The suite runs on pytest-xdist workers, two per core and at most four: the proofs grade every
# exercise about twenty times, mostly waiting on child processes, and are built to hold on a busy
# machine. Modules that share expensive fixtures keep their tests on one worker (xdist_group).
# Recording mutants runs serially, since every mutant's proof writes its exercise's mutants.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check src graders tests reference exercises
.venv/bin/mypy
workers=$(.venv/bin/python -c 'import os; print(min(4, 2 * (os.cpu_count() or 1)))')
if [ -n "${SWAI_RECORD_MUTANTS:-}" ] || [ "$workers" -lt 2 ]; then
  .venv/bin/python -m pytest "$@"
else
  .venv/bin/python -m pytest -n "$workers" --dist loadgroup "$@"
fi
