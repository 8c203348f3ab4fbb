#!/usr/bin/env bash
# Command 2: install what the tests need and run the whole suite.
# Uses DATABASE_URL / REDIS_URL when set (PostgreSQL / a Redis server); otherwise
# a temporary SQLite file and an embedded Redis. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's chromium for the browser tests…"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; browser tests will be skipped"
  else
    echo "note: /usr/bin/chromium missing and cannot be installed here; browser tests will be skipped"
  fi
fi
exec .venv/bin/python -m pytest "$@"
