#!/usr/bin/env bash
# Runs every test: SQLite first (what a laptop has), then PostgreSQL + Redis when they answer.
# Under CI=true nothing may be skipped quietly: no browser, no PostgreSQL or no tests is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
CI=${CI:-false}
PG_URL=${TEST_DATABASE_URL_PG:-postgresql://postgres@127.0.0.1:5432/test}
REDIS=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}

ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing Debian's chromium for the browser tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/tmp/chromium-install.log 2>&1 \
      || { echo "chromium install failed: see /tmp/chromium-install.log"; }
  fi
  [ -x /usr/bin/chromium ] || { [ "$CI" = true ] && { echo "FAIL: no /usr/bin/chromium under CI"; exit 1; }; echo "(no chromium: browser tests will be skipped)"; }
}

ensure_node_tools() {  # test-only Node tools at their locked versions: the SSO tests' OpenID provider, axe-core
  if command -v node >/dev/null && command -v npm >/dev/null; then
    for tool in oidc axe; do
      echo "== installing tests/$tool (npm ci --prefix tests/$tool)"
      npm ci --prefix "tests/$tool" --no-audit --no-fund --loglevel=error >"/tmp/$tool-npm-ci.log" 2>&1 \
        || { echo "FAIL: npm ci --prefix tests/$tool: see /tmp/$tool-npm-ci.log"; exit 1; }
    done
  elif [ "$CI" = true ]; then
    echo "FAIL: node and npm are needed under CI for the SSO and accessibility tests (tests/oidc, tests/axe)"; exit 1
  else
    echo "(no node/npm: the SSO and accessibility tests will be skipped)"
  fi
}

answers() {  # answers HOST PORT
  $PY - "$1" "$2" <<'PYCODE'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()
except OSError:
    sys.exit(1)
PYCODE
}

run_pytest() {  # run_pytest LABEL ARGS...
  local label=$1; shift
  echo "== $label"
  $PY -m pytest "$@" | tee /tmp/pytest-$$.log
  local code=${PIPESTATUS[0]}
  if [ "$code" = 5 ]; then echo "FAIL: $label collected no tests"; exit 1; fi
  if [ "$code" != 0 ]; then echo "FAIL: $label (pytest exit $code)"; exit "$code"; fi
  if [ "$CI" = true ] && grep -qE "SKIPPED .*tests/browser" /tmp/pytest-$$.log; then
    echo "FAIL: browser tests were skipped under CI"; exit 1
  fi
  if [ "$CI" = true ] && [ -n "${REDIS_URL:-}" ] && grep -qE "SKIPPED .*test_many_workers" /tmp/pytest-$$.log; then
    echo "FAIL: the many-workers test (PostgreSQL + Redis) was skipped under CI"; exit 1
  fi
}

ensure_chromium
ensure_node_tools
run_pytest "SQLite + SqliteHuey (every test, browser included)" -q

if ! answers 127.0.0.1 5432 && [ "$(id -u)" = 0 ] && command -v pg_ctlcluster >/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start >/dev/null 2>&1 || true
  sleep 2
fi
if answers 127.0.0.1 5432; then
  export TEST_DATABASE_URL=$PG_URL
  if answers 127.0.0.1 6379; then export REDIS_URL=$REDIS; fi
  run_pytest "PostgreSQL${REDIS_URL:+ + RedisHuey} (all but the browser suite, which ran above)" -q -m "not browser" tests
elif [ "$CI" = true ]; then
  echo "FAIL: PostgreSQL does not answer on 127.0.0.1:5432 under CI"; exit 1
else
  echo "(PostgreSQL not reachable on 127.0.0.1:5432: SQLite run only)"
fi
echo "== all test runs passed"
