#!/usr/bin/env bash
# Render clinic responses, then train. Rasa fingerprints data and config and
# skips training when nothing changed since models/tms.tar.gz was made.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
.venv/bin/python -m bot.config.render
# The detector's learned second opinion: retrain only when its corpus changed.
.venv/bin/python -m bot.safety.train_learned --check >/dev/null || .venv/bin/python -m bot.safety.train_learned
.venv/bin/rasa train --fixed-model-name tms --out models "$@"
