# The TMS assistant's image: Rasa replicas and the action server run from it.
#   docker build -t tms-assistant .
# Rasa:           CMD (below): the production launcher, python -m bot.production.serve
# Action server:  command ["python", "-m", "bot.production.actions"]
# Configuration comes from environment variables only (docs/production.md).
# A trained model at models/tms.tar.gz in the build context is used as is
# (`make train` first); without one the build trains it (~4 min).

# -- the widget's socket.io client (npm ci, pinned by package-lock.json) -------
FROM node:20-bookworm-slim AS web
WORKDIR /web
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# -- the assistant -----------------------------------------------------------
FROM python:3.10-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    PYTHONPATH=/app \
    RUN_DIR=/app/.run \
    MODEL_PATH=/app/models/tms.tar.gz
WORKDIR /app

COPY requirements.lock ./
RUN python -m pip install "pip<25" wheel && python -m pip install -r requirements.lock

COPY . .
COPY --from=web /web/node_modules/socket.io-client/dist /app/node_modules/socket.io-client/dist
RUN python -m bot.config.render \
 && (test -f models/tms.tar.gz || rasa train --fixed-model-name tms --out models) \
 && rm -rf .rasa /root/.cache \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin tms \
 && mkdir -p /app/.run && chown tms /app/.run

USER tms
EXPOSE 5005 5055
# "/" answers once the model is loaded (about 30 s after start).
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/' % os.environ.get('RASA_PORT', '5005'), timeout=4)"
CMD ["python", "-m", "bot.production.serve"]
