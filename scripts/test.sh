#!/usr/bin/env bash
# The project's tests: lint, types, and the test suite (engine tests and the grader proofs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check src graders tests reference exercises
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
