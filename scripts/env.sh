# Shared environment for the scripts (sourced). Embedded defaults; override by exporting.
export RASA_TELEMETRY_ENABLED=false
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
export PYTHONPATH="$(pwd)${PYTHONPATH:+:$PYTHONPATH}"
export SQLALCHEMY_SILENCE_UBER_WARNING=1
export RASA_PORT=${RASA_PORT:-5005}
export ACTION_PORT=${ACTION_PORT:-5055}
export ACTION_ENDPOINT_URL=${ACTION_ENDPOINT_URL:-http://127.0.0.1:${ACTION_PORT}/webhook}
export TRACKER_DB=${TRACKER_DB:-$(pwd)/.run/tracker.db}
export ALLOWED_ORIGINS=${ALLOWED_ORIGINS:-}
export MODEL_PATH=${MODEL_PATH:-models/tms.tar.gz}
mkdir -p -m 700 .run
chmod 700 .run  # private: the tracker database lives here
