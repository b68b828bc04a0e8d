"""Conversations belong to their owner: server-issued ids with a signed token.

A web conversation (REST, socket.io) is reachable only with its id AND the
token the server issued with it: HMAC-SHA256 of the id under SESSION_SECRET
(bot.keys: the environment, or a generated .run/ file for the embedded
default). Ids are random (192 bits). Anything else (no token, a wrong one, an
id someone guessed or copied from a screen) gets a fresh conversation, never
someone else's. Messaging platforms keep their own sender ids (their
signatures prove who wrote). No Rasa import.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from typing import Any, Optional, Tuple

from bot import keys

_CONTEXT = b"tms-conversation:"


@functools.lru_cache(maxsize=1)
def _secret() -> bytes:
    return keys.shared_secret(keys.SESSION_SECRET).encode("utf-8")


def sign(conversation_id: str, secret: Optional[bytes] = None) -> str:
    digest = hmac.new(secret or _secret(), _CONTEXT + conversation_id.encode("utf-8"),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def verify(conversation_id: Any, token: Any, secret: Optional[bytes] = None) -> bool:
    """True only for an id with the token the server issued for it."""
    if not (isinstance(conversation_id, str) and isinstance(token, str)):
        return False
    if not conversation_id or len(conversation_id) > 128 or len(token) > 128:
        return False
    return hmac.compare_digest(sign(conversation_id, secret), token)


def new_conversation(secret: Optional[bytes] = None) -> Tuple[str, str]:
    """(id, token) for a conversation nobody else can know of."""
    conversation_id = secrets.token_urlsafe(24)
    return conversation_id, sign(conversation_id, secret)


def reset_cache() -> None:
    """Tests: read the secret again (another SESSION_SECRET / RUN_DIR)."""
    _secret.cache_clear()
