#!/usr/bin/env bash
# The demo: materialise two learner repositories (from the reference and from the stubs)
# and grade both, so you see a full pass and the readable failures a learner starts with.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
demo=${SWAI_DEMO_DIR:-/tmp/swai-demo}
rm -rf "$demo"
.venv/bin/swai dev scaffold "$demo/solved" --from reference --stages stage2
.venv/bin/swai dev scaffold "$demo/fresh" --from stub --stages stage2
echo
echo "== A repository holding the reference solutions: everything passes =="
.venv/bin/swai grade stage2 --repo "$demo/solved" --report "$demo/solved-report.json"
echo
echo "== A fresh learner repository (the stubs): every check fails, each saying why =="
status=0
.venv/bin/swai grade stage2 --repo "$demo/fresh" --report "$demo/fresh-report.json" || status=$?
if [ "$status" -ne 1 ]; then
  echo "expected exit code 1 (checks failed) for the stubs, got $status" >&2
  exit 1
fi
echo
echo "Reports: $demo/solved-report.json and $demo/fresh-report.json"
