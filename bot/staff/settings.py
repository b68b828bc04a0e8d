"""The console's switches, all from environment variables (docs: README "For clinic staff").

| variable | default | meaning |
|---|---|---|
| (an account) | none | the console is off until `python -m bot.staff add-user` made one |
| STAFF_WAIT_SECONDS | 180 | no take-over by then: the widget says nobody is free |
| STAFF_REPLY_SECONDS | 300 | a taken conversation whose patient waits this long for a reply goes back to the assistant |
| STAFF_OPEN_MINUTES | 30 | conversations active this recently are listed as "open" |
| STAFF_COOKIE_SECURE | true in production (TRACKER_DB_URL set), else false | Secure cookie (HTTPS only) |
| STAFF_SESSION_HOURS | 12 | a login lasts this long |
| STAFF_HOURS_OVERRIDE | unset | open / closed: ignore clinic.yml's staff_hours |
| STAFF_REDIS_URL | unset | several replicas: python-socketio's Redis manager, so a message reaches a socket on another replica |
"""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, Mapping

logger = logging.getLogger("bot.staff")
_state: Dict[str, Any] = {}


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    try:
        value = float(env.get(name, default))
    except ValueError:
        logger.warning("%s is not a number: using %s", name, default)
        return default
    return max(low, min(value, high))


def wait_seconds(env: Mapping[str, str] = os.environ) -> float:
    return _number(env, "STAFF_WAIT_SECONDS", 180, 5, 3600)


def reply_seconds(env: Mapping[str, str] = os.environ) -> float:
    return _number(env, "STAFF_REPLY_SECONDS", 300, 5, 24 * 3600)


def open_seconds(env: Mapping[str, str] = os.environ) -> float:
    return _number(env, "STAFF_OPEN_MINUTES", 30, 1, 24 * 60) * 60


def cookie_secure(env: Mapping[str, str] = os.environ) -> bool:
    raw = env.get("STAFF_COOKIE_SECURE", "").strip().lower()
    if raw in ("true", "1", "yes"):
        return True
    if raw in ("false", "0", "no"):
        return False
    return bool(env.get("TRACKER_DB_URL", "").strip().lower().startswith("postgres"))


def redis_url(env: Mapping[str, str] = os.environ) -> str:
    return env.get("STAFF_REDIS_URL", "").strip()


def enabled() -> bool:
    """True when at least one account exists (decided once per process; one log line)."""
    if "enabled" not in _state:
        from bot.staff import store
        try:
            count = store.count_users(store.engine())
        except Exception as error:  # noqa: BLE001 - a broken database must not stop the chat
            logger.error("staff console off: accounts unreadable (%s)", type(error).__name__)
            count = 0
        _state["enabled"] = count > 0
        if count:
            logger.info("staff console on at /staff (%d account(s))", count)
        else:
            logger.info("staff console off: no staff account "
                        "(create one with `python -m bot.staff add-user NAME`, then restart)")
    return _state["enabled"]
