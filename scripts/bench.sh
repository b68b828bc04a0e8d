#!/usr/bin/env bash
# Benchmarks (make bench, after make train): stock Rasa vs ours in production
# mode, ~20 min the first time (trains the stock and no-guard models, kept in
# .run/bench/models and reused while data and config do not change).
# Writes reports/bench.json, reports/bench.md, reports/latency.png; then the
# crisis detector's own latency benchmark if present (reports/bench_safety.json), the
# safety sets, and follow-up questions in context (reports/followups.md).
# Arguments go to benchmarks/bench.py (--quick, --duration S, --retrain).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
.venv/bin/python -m benchmarks.bench "$@"
if [ -f benchmarks/safety_latency.py ]; then
  .venv/bin/python benchmarks/safety_latency.py
fi
.venv/bin/python benchmarks/safety_blind.py
.venv/bin/python -m benchmarks.followups
# Staff console: patient message -> console, p50/p95 (reports/bench_staff.json).
.venv/bin/python benchmarks/staff_latency.py
