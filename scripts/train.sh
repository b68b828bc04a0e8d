#!/usr/bin/env bash
# Render clinic responses, then train. Rasa fingerprints data and config and
# skips training when nothing changed since models/tms.tar.gz was made.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
.venv/bin/python -m bot.config.render
.venv/bin/rasa train --fixed-model-name tms --out models "$@"
