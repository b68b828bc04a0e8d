"""Keep patient text out of every log: message texts, e-mail addresses, phone numbers.

`install()` puts the redaction in two places:

* `logging.Logger.makeRecord`, so every record any logger makes (Rasa and
  its structlog output, Sanic, SQLAlchemy, our actions, a library we never
  heard of) is redacted once, when it is made (after `extra` is applied),
  before any handler or formatter sees it;
* a `RedactingFilter` on every handler that exists at that moment, for
  records built without the factory (`logging.makeLogRecord`).

The message is rendered (`msg % args`) and then redacted, as are the
exception text, the stack text and any extra string attributes (Sanic's
access log puts the request line in `record.request`). `RedactingFilter`
can also be named in a logging config file
(`()`: bot.production.redaction.RedactingFilter).

Patient text itself: every channel hands each message it receives to
`remember()` (bot.channels.inbound); from then on that text (at least
MIN_REMEMBERED characters), wherever it shows up in a record of any logger,
Rasa's and Sanic's included, becomes "[message text]". Rasa's own leaks are
closed at their source too: its warning for text that starts with "/"
("Failed to parse arguments in line '<the whole message>'") is replaced by a
line without the text, Python warnings go through logging (so through all
of this) instead of straight to stderr, and `install(rasa=True)` makes Rasa's
structlog anonymiser blank the fields it knows hold text (text, user_text,
message, ...).

Phone numbers are matched loosely (7 to 15 digits with the usual separators),
then dates, times, decimal numbers, IP addresses and version strings are let
through, so timestamps in the audit log stay readable. When in doubt, redact.
"""
from __future__ import annotations

import collections
import functools
import json
import logging
import re
import threading
import warnings
from typing import Any, Deque, Optional

EMAIL_MARK = "[email]"
PHONE_MARK = "[phone]"
TEXT_MARK = "[message text]"
MIN_REMEMBERED = 6   # shorter texts ("yes", "no") are not worth mangling log lines for
# A single word ("crisis", "thanks", "insurance") identifies nobody and would mangle every
# log line that uses it; e-mails and phone numbers are redacted by pattern anyway.
MIN_ONE_WORD = 16
REMEMBERED = 512     # the most recent message texts of this process
_RASA_PARSE_WARNING = re.compile(r"Failed to parse arguments in line '.*", re.S)
_RASA_PARSE_SAFE = ("Failed to parse arguments in a message that starts with '/' "
                    "(message text not logged).")
_recent: Deque[str] = collections.deque(maxlen=REMEMBERED)
_recent_lock = threading.Lock()

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b"
)
# A run of digits and phone separators, starting with + or ( or a digit, ending
# with a digit, not glued to letters or digits on either side.
_PHONE = re.compile(r"(?<![\w+])(?:\+|\(\s*)?\d[\d\s().\-/]{5,24}\d(?![\w])")
_DATE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:$|[\sT])")
_DATE_DMY = re.compile(r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{4}$")
_DECIMAL = re.compile(r"^\d+\.\d+$")
_DOTTED = re.compile(r"^\d{1,3}(?:\.\d{1,3}){2,3}$")  # IPv4, versions
_UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def _is_phone(candidate: str) -> bool:
    digits = sum(ch.isdigit() for ch in candidate)
    if not 7 <= digits <= 15:
        return False
    text = candidate.strip()
    if _DATE.match(text) or _DATE_DMY.match(text) or _DECIMAL.match(text) or _DOTTED.match(text):
        return False
    return True


def _phone(match: "re.Match[str]") -> str:
    text = match.group(0)
    if not _is_phone(text):
        return text
    # keep trailing/leading whitespace that the separator class swallowed
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    return f"{lead}{PHONE_MARK}{trail}"


def remember(text: Any) -> None:
    """A patient message this process received: never let it reach a log."""
    if not isinstance(text, str):
        return
    text = text.strip()
    if len(text) < MIN_REMEMBERED or (len(text) < MIN_ONE_WORD and not any(
            ch.isspace() for ch in text)):
        return
    forms = {text, json.dumps(text)[1:-1], repr(text)[1:-1]}  # as JSON / repr would show it
    with _recent_lock:
        for form in forms:
            if len(form) >= MIN_REMEMBERED and form not in _recent:
                _recent.append(form)


def _forget_all() -> None:
    """Tests only."""
    with _recent_lock:
        _recent.clear()


@functools.lru_cache(maxsize=2048)
def _whole(known: str) -> "re.Pattern[str]":
    """`known` where it stands whole: not inside a longer word ("crisis_detected")."""
    return re.compile(r"(?<!\w)" + re.escape(known) + r"(?!\w)")


def redact(text: str) -> str:
    """`text` without remembered message texts, e-mail addresses and phone numbers."""
    if not text:
        return text
    if "Failed to parse arguments in line" in text:
        text = _RASA_PARSE_WARNING.sub(_RASA_PARSE_SAFE, text)
    if _recent:
        with _recent_lock:
            recent = sorted(_recent, key=len, reverse=True)
        for known in recent:
            if known in text:
                text = _whole(known).sub(TEXT_MARK, text)
    if "@" in text:
        text = _EMAIL.sub(EMAIL_MARK, text)
    if sum(ch.isdigit() for ch in text) >= 7:
        # UUIDs (conversation ids) are not phone numbers: redact around them.
        parts, last = [], 0
        for match in _UUID.finditer(text):
            parts += [_PHONE.sub(_phone, text[last:match.start()]), match.group(0)]
            last = match.end()
        parts.append(_PHONE.sub(_phone, text[last:]))
        text = "".join(parts)
    return text


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Redact a record in place (idempotent) and return it."""
    if getattr(record, "_tms_redacted", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string must still be logged
        message = f"{record.msg!s} {record.args!r}"
    record.msg = redact(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        try:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        except Exception:  # noqa: BLE001
            record.exc_text = repr(record.exc_info[1])
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    for key, value in list(vars(record).items()):
        if key not in _STANDARD and isinstance(value, str):
            setattr(record, key, redact(value))
    record._tms_redacted = True
    return record


class RedactingFilter(logging.Filter):
    """A logging filter that redacts e-mails and phone numbers (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def _add_to_handlers(filt: logging.Filter) -> None:
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(filt)


def _show_warning(message: Any, category: Any, filename: str, lineno: int,
                  file: Any = None, line: Optional[str] = None) -> None:
    """warnings.showwarning: through logging (and so redacted), never raw to stderr."""
    name = getattr(category, "__name__", "Warning")
    logging.getLogger("py.warnings").warning("%s: %s", name, redact(str(message)))


_show_warning._tms_redacting = True  # type: ignore[attr-defined]


def _blank_rasa_fields() -> None:
    """Rasa's structlog anonymiser: blank every field it knows may hold patient text."""
    from rasa.utils import log_utils

    if getattr(log_utils._anonymizer, "_tms_redacting", False):
        return
    original = log_utils._anonymizer
    keys = ("text", "response_text", "user_text", "parse_data_text", "parse_data_entities",
            "tracker_latest_message", "message", "user_message", "json_message", "slot_values",
            "prefilled_slots", "slot_candidates", "rasa_event", "rasa_events", "token_text",
            "response", "entity", "current_entity", "next_entity")

    def anonymizer(logger: Any, method: str, event_dict: dict) -> dict:
        event_dict = original(logger, method, event_dict)
        for key in keys:
            if key in event_dict:
                event_dict[key] = "[redacted]"
        return event_dict

    anonymizer._tms_redacting = True  # type: ignore[attr-defined]
    log_utils._anonymizer = anonymizer


def install(rasa: bool = False) -> None:
    """Redact every log record and warning of this process from now on (idempotent);
    `rasa=True` also blanks text fields in Rasa's structured logs (imports Rasa)."""
    current = logging.Logger.makeRecord
    if not getattr(current, "_tms_redacting", False):
        def make_record(self: logging.Logger, *args: Any, **kwargs: Any) -> logging.LogRecord:
            # after Logger.makeRecord has applied `extra`, so extras are redacted too
            return redact_record(current(self, *args, **kwargs))

        make_record._tms_redacting = True  # type: ignore[attr-defined]
        logging.Logger.makeRecord = make_record  # type: ignore[method-assign]
    _add_to_handlers(RedactingFilter())
    warnings.showwarning = _show_warning
    if rasa:
        _blank_rasa_fields()


def installed() -> bool:
    return bool(getattr(logging.Logger.makeRecord, "_tms_redacting", False))
