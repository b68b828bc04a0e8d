#!/usr/bin/env bash
# The whole suite (after `make train`): data checks, unit, NLU quality, dialogue, end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
mkdir -p reports
.venv/bin/python -m pytest tests -ra "$@"
