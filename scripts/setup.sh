#!/usr/bin/env bash
# Create .venv with swai and its pinned dependencies, and the other tools the tests use (idempotent).
# Needs Python >= 3.11 and pip; installs the rest from Debian's packages, PyPI and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.swai-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  touch "$stamp"
fi
bash scripts/tools.sh
