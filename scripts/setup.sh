#!/usr/bin/env bash
# Create or update .venv from requirements.lock (exact pins); cheap when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$(scripts/find_python.sh)
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info[:2]==(3,10) else 1)'; then
  echo "setup: creating .venv with $PY"
  rm -rf .venv
  "$PY" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.lock | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing pinned requirements (requirements.lock)"
  .venv/bin/python -m pip install -q --disable-pip-version-check "pip<25" wheel
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.lock
  echo "$want" > "$stamp"
fi
