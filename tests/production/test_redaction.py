"""Log redaction: e-mails and phone numbers never reach a log line."""
from __future__ import annotations

import io
import json
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
        assert "redaction.install(" in (ROOT / module).read_text()


PROBE = ("/greet@1 I am Maria Quintavalle, maria.quintavalle@example.com, 415-555-0123, "
         "I was diagnosed with bipolar disorder")


def test_a_remembered_message_text_never_reaches_any_logger():
    redaction.install()
    redaction.remember(PROBE)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("some.library.we.never.heard.of")
    logger.addHandler(handler)
    try:
        logger.warning("got %r", PROBE)            # repr
        logger.warning("json %s", json.dumps({"text": PROBE}))
        logger.warning("raw " + PROBE)
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert "Quintavalle" not in out and "bipolar" not in out
    assert out.count(redaction.TEXT_MARK) == 3
    redaction.remember("no")  # short answers are not worth mangling log lines for
    assert redaction.redact("no problem") == "no problem"


def test_rasas_own_warning_for_slash_text_is_redacted_in_a_real_rasa_process():
    """Rasa prints the whole text of a message starting with "/" that does not parse
    (a UserWarning) and logs it in structlog: neither reaches the output, even when
    the text was never seen by a channel."""
    code = f"""
import logging, warnings
from bot.production import redaction
redaction.install(rasa=True)
from rasa.utils.log_utils import configure_structlog
configure_structlog(logging.DEBUG)
logging.basicConfig(level=logging.DEBUG)
warnings.simplefilter("always")
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.core.domain import Domain
from rasa.shared.nlu.training_data.message import Message
domain = Domain.from_yaml("intents: [greet]")
for text in [{PROBE!r}, "/unknown_intent I am Maria Quintavalle and I have bipolar disorder",
             "/greet@x{{ I am Maria Quintavalle, bipolar"]:
    YAMLStoryReader.unpack_regex_message(Message({{"text": text}}), domain)
print("done")
"""
    result = subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=base_env(), capture_output=True,
                            text=True, timeout=120)
    out = result.stdout + result.stderr
    assert "done" in out, out[-2000:]
    assert "Failed to parse" in out  # the warning itself is still there, without the text
    for secret in ("Quintavalle", "bipolar", "415-555", "maria."):
        assert secret not in out, out[-3000:]
