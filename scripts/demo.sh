#!/usr/bin/env bash
# The demo: make a learner repository from the template (the stubs) and one holding the
# reference solutions, grade both (a full pass, and the readable failures a learner starts
# with) and build both progress sites. It takes the two complete stages: Stage 2's components
# and Stage 4's mini-mysql (whose server is graded with PyMySQL and the mariadb client).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
demo=${SWAI_DEMO_DIR:-/tmp/swai-demo}
rm -rf "$demo"
# A learner's repository, made the way a learner makes it: from the cookiecutter template.
.venv/bin/cookiecutter --no-input --output-dir "$demo" templates/learner \
  learner_name="Demo Learner" github_user=demo repo_name=fresh stages=stage2,stage4
# The same layout filled with the hidden reference solutions.
.venv/bin/swai dev scaffold "$demo/solved" --from reference --stages stage2,stage4
echo
echo "== A repository holding the reference solutions: everything passes =="
.venv/bin/swai grade all -j 2 --repo "$demo/solved" --report "$demo/solved/reports/report.json"
echo
echo "== A fresh learner repository from the template (the stubs): checks fail, each saying why =="
status=0
.venv/bin/swai grade all -j 2 --repo "$demo/fresh" --report "$demo/fresh/reports/report.json" || status=$?
if [ "$status" -ne 1 ]; then
  echo "expected exit code 1 (checks failed) for the stubs, got $status" >&2
  exit 1
fi
echo
echo "== Their progress sites (MkDocs, built --strict) =="
.venv/bin/swai site build --repo "$demo/fresh"
.venv/bin/swai site build --repo "$demo/solved"
echo
echo "Reports: $demo/fresh/reports/report.json and $demo/solved/reports/report.json"
