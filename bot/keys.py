"""Secrets the assistant's processes share: from the environment, else generated once.

Production sets them in the environment (every replica and the action server
must share them). The embedded default (`make run`, the tests' servers) has
none set: the first process that needs one generates it into RUN_DIR (default
.run/, mode 0700) as a 0600 file, and the other processes read the same file.
No Rasa import; no secret is ever logged.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Mapping, Optional

ROOT = Path(__file__).resolve().parents[1]
MIN_CHARS = 16

# name of the environment variable -> file under RUN_DIR for the embedded default
SESSION_SECRET = ("SESSION_SECRET", "session_secret")
ACTION_TOKEN = ("ACTION_SERVER_TOKEN", "action_server_token")


class SecretError(RuntimeError):
    """A secret is set but unusable (too short)."""


def run_dir(env: Optional[Mapping[str, str]] = None) -> Path:
    """RUN_DIR (default .run/), created private (0700) and kept so."""
    env = os.environ if env is None else env
    path = Path(env.get("RUN_DIR") or ROOT / ".run").expanduser()
    path = path if path.is_absolute() else ROOT / path
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def from_env(which: tuple, env: Optional[Mapping[str, str]] = None) -> Optional[str]:
    env = os.environ if env is None else env
    value = (env.get(which[0]) or "").strip()
    if not value:
        return None
    if len(value) < MIN_CHARS:
        raise SecretError(f"{which[0]} must be at least {MIN_CHARS} characters")
    return value


def shared_secret(which: tuple, env: Optional[Mapping[str, str]] = None) -> str:
    """The secret from the environment, else from (or generated into) RUN_DIR/<file>."""
    value = from_env(which, env)
    if value:
        return value
    path = run_dir(env) / which[1]
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
        value = path.read_text(encoding="utf-8").strip()
        if len(value) >= MIN_CHARS:
            return value
        path.unlink(missing_ok=True)  # empty or cut short: make a new one
        return shared_secret(which, env)
    value = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value
