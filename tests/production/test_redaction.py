"""Log redaction: e-mails and phone numbers never reach a log line."""
from __future__ import annotations

import io
import logging
import subprocess

import pytest

from bot.production import redaction
from bot.production.redaction import EMAIL_MARK, PHONE_MARK, RedactingFilter, redact
from tests.helpers import PYTHON, ROOT, base_env


@pytest.mark.parametrize("text, expected", [
    ("write to john.doe+tms@example.co.uk please", f"write to {EMAIL_MARK} please"),
    ("A@B.IO", EMAIL_MARK),
    ("call 555-123-4567", f"call {PHONE_MARK}"),
    ("(555) 123-4567 or +1 555 123 4567", f"{PHONE_MARK} or {PHONE_MARK}"),
    ("uk 07700 900123, fr +33 1 23 45 67 89", f"uk {PHONE_MARK}, fr {PHONE_MARK}"),
    ("my number is 5551234567.", f"my number is {PHONE_MARK}."),
    ("call me on 555.123.4567!", f"call me on {PHONE_MARK}!"),
    ("phone:5551234567", f"phone:{PHONE_MARK}"),
])
def test_redacts_emails_and_phone_numbers(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "time 2026-11-24T22:08:01+00:00", "at 2026-11-24 22:08:01", "ts 1764021234.123",
    "listening on http://127.0.0.1:5005", "version 3.6.21", "took 0.123 s", "pid 12345",
    "conversation 123e4567-e89b-12d3-a456-426614174000", "date 24/11/2026",
    "sender faq-3f2a9812345678ab", "event 12345 of 67890",
])
def test_leaves_timestamps_addresses_and_ids_alone(text):
    assert redact(text) == text


def capture(logger: logging.Logger) -> io.StringIO:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s %(request)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return stream


def test_installed_factory_redacts_every_record_and_its_parts():
    previous = logging.Logger.makeRecord
    try:
        redaction.install()
        redaction.install()  # idempotent
        assert redaction.installed()
        logger = logging.getLogger("tms.test.redaction.after")  # created after install
        stream = capture(logger)
        try:
            raise ValueError("bad address bob@example.org")
        except ValueError:
            logger.exception("user %s called from %s", "x@y.com", "+1 (555) 123-4567",
                             extra={"request": "POST /hook?mail=z@z.io"})
        output = stream.getvalue()
        assert "x@y.com" not in output and "555" not in output
        assert "bob@example.org" not in output and "z@z.io" not in output
        assert output.count(EMAIL_MARK) >= 3 and PHONE_MARK in output
        assert "ValueError" in output  # the traceback itself survives
    finally:
        logging.Logger.makeRecord = previous


def test_filter_on_a_handler_redacts_records_made_without_the_factory():
    record = logging.makeLogRecord({"msg": "mail %s", "args": ("a@b.com",), "levelno": 20,
                                    "levelname": "INFO"})
    handler = logging.StreamHandler(io.StringIO())
    handler.addFilter(RedactingFilter())
    handler.handle(record)
    assert handler.stream.getvalue().strip() == f"mail {EMAIL_MARK}"


def test_launcher_and_action_server_install_redaction():
    code = ("import logging, sys; import bot.production.serve as s; "
            "sys.argv=['x','--check']; "
            "from bot.production import redaction; redaction.install(); "
            "logging.basicConfig(level=logging.INFO); "
            "logging.getLogger('t').warning('mail %s phone %s', 'p@q.org', '555 123 4567')")
    result = subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=base_env(), capture_output=True,
                            text=True, timeout=60)
    assert "p@q.org" not in result.stderr and EMAIL_MARK in result.stderr
    assert PHONE_MARK in result.stderr
    # Both entry points call redaction.install() before anything else runs.
    for module in ("bot/production/serve.py", "bot/production/actions.py",
                   "bot/production/rasa_main.py"):
        assert "redaction.install()" in (ROOT / module).read_text()
