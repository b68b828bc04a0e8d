#!/usr/bin/env bash
# Start the action server and the Rasa server on localhost; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "stopping..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "stopped."
}
trap stop INT TERM EXIT
SANIC_HOST=127.0.0.1 .venv/bin/python -m rasa_sdk --actions actions --port "$ACTION_PORT" &
pids+=($!)
.venv/bin/rasa run --model "$MODEL_PATH" --endpoints endpoints.yml --credentials credentials.yml \
  --interface 127.0.0.1 --port "$RASA_PORT" \
  --cors "http://127.0.0.1:$RASA_PORT" $(echo "$ALLOWED_ORIGINS" | tr ',' ' ') &
pids+=($!)
echo "waiting for the assistant to load (about 30 s)..."
for _ in $(seq 1 180); do
  if curl -fs "http://127.0.0.1:$RASA_PORT/" >/dev/null 2>&1; then break; fi
  sleep 1
done
cat <<MSG

The TMS assistant is running.
  Chat widget (demo page):  http://127.0.0.1:$RASA_PORT/webhooks/webchat/
  REST:  curl -s -XPOST http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook \\
           -H 'Content-Type: application/json' -d '{"sender":"me","message":"does tms hurt?"}'
  Shell: in another terminal, RASA_TELEMETRY_ENABLED=false .venv/bin/rasa shell --endpoints endpoints.yml
         (needs ACTION_ENDPOINT_URL and TRACKER_DB as set in scripts/env.sh)
Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
