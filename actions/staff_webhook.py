"""Posting notifications to the clinic's staff webhook.

The URL comes from an environment variable only (secrets never live in files).
When it is unset we say so in the log and the caller still helps the person.
"""
from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from typing import Any, Dict

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 3.0


def post(env_var: str, payload: Dict[str, Any]) -> bool:
    """POST `payload` as JSON to the URL in `env_var`; True when accepted (2xx)."""
    url = os.environ.get(env_var, "").strip()
    if not url:
        logger.warning("%s is not set: staff notification '%s' not sent", env_var, payload.get("type"))
        return False
    body = json.dumps(payload).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    token = os.environ.get("STAFF_WEBHOOK_TOKEN", "").strip()
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            ok = 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError) as error:
        logger.error("staff notification '%s' failed: %s", payload.get("type"), type(error).__name__)
        return False
    if not ok:
        logger.error("staff notification '%s' rejected", payload.get("type"))
    return ok
