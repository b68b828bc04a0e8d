#!/usr/bin/env bash
# The web widget's dependencies; cheap when nothing changed.
# - npm ci: socket.io-client (served to browsers by bot/channels/webchat.py) and
#   axe-core (accessibility checks in tests/browser), pinned in package-lock.json.
# - Chromium from Debian (/usr/bin/chromium) for the browser tests.
# - Playwright for Python, pinned in tests/browser/requirements.txt, into .venv
#   (it drives /usr/bin/chromium; no browser is ever downloaded).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else return 1; fi; }
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq || return 1; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || return 1
}

# 1. npm packages
if ! command -v npm >/dev/null 2>&1; then
  echo "setup_web: npm not found, installing Debian's nodejs and npm"
  apt_install nodejs npm || { echo "setup_web: error: npm is needed (node 18+)" >&2; exit 1; }
fi
stamp=node_modules/.package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/socket.io-client/dist/socket.io.min.js ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup_web: npm ci (socket.io-client, axe-core)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# 2. Chromium
if [ ! -x /usr/bin/chromium ]; then
  echo "setup_web: installing Debian's chromium"
  apt_install chromium || echo "setup_web: warning: could not install chromium; browser tests will be skipped" >&2
fi

# 3. Playwright for Python (exact pin)
if [ -x .venv/bin/python ]; then
  pin=$(grep -E '^playwright==' tests/browser/requirements.txt)
  have=$(.venv/bin/python -c 'import importlib.metadata as m; print("playwright==" + m.version("playwright"))' 2>/dev/null || true)
  if [ "$have" != "$pin" ]; then
    echo "setup_web: installing $pin"
    .venv/bin/python -m pip install -q --disable-pip-version-check -r tests/browser/requirements.txt
  fi
else
  echo "setup_web: warning: no .venv yet (run scripts/setup.sh first); Playwright not installed" >&2
fi
