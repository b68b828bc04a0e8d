"""Checking what a channel hands us before Rasa sees it (no Rasa import).

Bad input (wrong JSON, binary, missing sender, empty or huge text) gets a
clear error or a polite reply, never a crash. A crisis is never dropped: an
over-long message that holds crisis language is cut to a window around it
instead of being refused.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, replace
from typing import Any, Dict, Optional

from bot import safety
from bot.channels import commands
from bot.production import redaction

MAX_BODY_BYTES = 256 * 1024
MAX_JSON_DEPTH = 32  # arrays/objects inside each other; deeper is refused (RecursionError-proof)
MAX_SENDER_CHARS = 128
MAX_METADATA_BYTES = 4096
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_JSON_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")
_JSON_PUNCTUATION = re.compile(r"[\[\]{}:,]+")
TOO_LONG_REPLY = (
    "Sorry, that message is too long for me to read. Could you send a shorter "
    "question (under {limit} characters)? If you're in crisis, please contact "
    "a crisis line or emergency services now."
)


def max_message_chars() -> int:
    try:
        return max(100, int(os.environ.get("MAX_MESSAGE_CHARS", "2000")))
    except ValueError:
        return 2000


class InboundError(ValueError):
    """The request is unusable; the message is safe to show to the client."""


@dataclass(frozen=True)
class Inbound:
    sender: str
    text: str
    metadata: Optional[Dict[str, Any]]
    too_long: bool = False  # True: reply politely instead of processing
    token: Any = None  # REST: the conversation token sent with `sender` (bot.channels.ownership)


def clean_text(text: str) -> str:
    """Drop control characters (keeping newlines and tabs) and outer spaces."""
    return _CONTROL.sub(" ", text).strip()


def crisis_window(text: str, limit: int) -> str:
    """The part of an over-long text around its crisis span, at most `limit` chars."""
    detection = safety.detect(text)
    start = detection.start or 0
    end = detection.end or start
    center = (start + end) // 2
    begin = max(0, min(center - limit // 2, len(text) - limit))
    return text[begin:begin + limit]


def json_depth(text: str) -> int:
    """How deeply arrays/objects nest in a JSON text (strings skipped; no recursion)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_JSON_STRING.sub("", text)):
        if match.group(0) in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def loads(text: str) -> Any:
    """json.loads that refuses what would break later code: too long, too deep, invalid."""
    if len(text) > MAX_BODY_BYTES:
        raise InboundError(f"body larger than {MAX_BODY_BYTES} bytes")
    if json_depth(text) > MAX_JSON_DEPTH:
        raise InboundError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise InboundError("body is not valid JSON") from None


def readable_text(raw: Any, limit: int = MAX_BODY_BYTES) -> str:
    """The words a person may have written in a body we cannot use: its JSON strings
    (every one, wherever it sits), or the raw text when it has none."""
    if isinstance(raw, (bytes, bytearray)):
        raw = bytes(raw).decode("utf-8", errors="replace")
    text = str(raw or "")
    if len(text) > limit:  # the beginning and the end: where people write
        text = text[:limit // 2] + " " + text[-(limit // 2):]
    parts = []
    for match in _JSON_STRING.finditer(text):
        try:
            parts.append(json.loads('"' + match.group(1) + '"'))
        except ValueError:
            parts.append(match.group(1))
    # and whatever stands outside quotes (broken JSON, plain text), without the brackets
    parts.append(_JSON_PUNCTUATION.sub(" ", _JSON_STRING.sub(" ", text)))
    return clean_text(re.sub(r"\s+", " ", " ".join(parts)))


def parse_rest(body: bytes) -> Inbound:
    """Validate a REST webhook body: {"sender": str, "message": str, "metadata": {}}."""
    if not body:
        raise InboundError("empty body: send JSON {\"sender\": ..., \"message\": ...}")
    if len(body) > MAX_BODY_BYTES:
        raise InboundError(f"body larger than {MAX_BODY_BYTES} bytes")
    try:
        payload = loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise InboundError("body is not valid UTF-8") from None
    if not isinstance(payload, dict):
        raise InboundError("body must be a JSON object")
    message = check_message(payload.get("sender"), payload.get("message"), payload.get("metadata"))
    return replace(message, token=payload.get("token"))


def check_message(sender: Any, text: Any, metadata: Any = None) -> Inbound:
    """Shared checks for any channel that gives us a sender, a text and metadata."""
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not sender.strip():
        raise InboundError("'sender' is required (a non-empty string)")
    sender = clean_text(sender)
    if len(sender) > MAX_SENDER_CHARS or not sender:
        raise InboundError(f"'sender' must be 1 to {MAX_SENDER_CHARS} printable characters")
    if not isinstance(text, str):
        raise InboundError("'message' is required (a string)")
    redaction.remember(text)  # never in a log, whatever logs it
    text = commands.neutralise(clean_text(text))  # typed "/intent" is read as text
    redaction.remember(text)
    if not text:
        raise InboundError("'message' is empty")
    try:
        if not isinstance(metadata, dict) or len(json.dumps(metadata, default=str)) > MAX_METADATA_BYTES:
            metadata = None
    except (RecursionError, ValueError):  # nested beyond repair: drop it, keep the message
        metadata = None
    limit = max_message_chars()
    if len(text) > limit:
        if safety.detect(text).is_crisis:
            return Inbound(sender, crisis_window(text, limit), metadata)
        return Inbound(sender, text, metadata, too_long=True)
    return Inbound(sender, text, metadata)


def too_long_reply() -> str:
    return TOO_LONG_REPLY.format(limit=max_message_chars())
