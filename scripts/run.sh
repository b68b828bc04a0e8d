#!/usr/bin/env bash
# Start the action server and the Rasa server on localhost; Ctrl-C stops both.
# Both go through the production launchers (bot.production.serve / .actions):
# the same patches, limits, redaction and checks as the tests and production,
# with the embedded defaults (SQLite in .run/, in-memory lock, generated secrets).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
umask 077
pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "stopping..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "stopped."
}
trap stop INT TERM EXIT
# The launcher generates the shared secrets into .run/ (0600) on first use;
# create them before the action server starts so both read the same files.
.venv/bin/python -c "from bot import keys; keys.shared_secret(keys.SESSION_SECRET); keys.shared_secret(keys.ACTION_TOKEN)"
.venv/bin/python -m bot.production.actions &
pids+=($!)
.venv/bin/python -m bot.production.serve &
pids+=($!)
echo "waiting for the assistant to load (about 30 s)..."
for _ in $(seq 1 180); do
  if curl -fs "http://127.0.0.1:$RASA_PORT/" >/dev/null 2>&1; then break; fi
  sleep 1
done
cat <<MSG

The TMS assistant is running.
  Chat widget (demo page):  http://127.0.0.1:$RASA_PORT/webhooks/webchat/
  REST:  curl -si -XPOST http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook \\
           -H 'Content-Type: application/json' -d '{"sender":"new","message":"does tms hurt?"}'
         (the answer's X-Conversation-Id / X-Conversation-Token headers continue the
          conversation: send them back as "sender" and "token")
Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
