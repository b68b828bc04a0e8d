"""Input hardening shared by every channel (no server, no model): typed "/intent" text,
nested / huge / malformed JSON, the readable part of unusable input, conversation
tokens, generated secrets and the action server's token check."""
from __future__ import annotations

import json
import os

import pytest

from bot import keys, safety
from bot.channels import commands, failsafe, inbound, ownership, webchat
from bot.production import actions as action_server

CRISIS = "I want to kill myself"


@pytest.mark.parametrize("text, expected", [
    ("/greet I want to kill myself", "greet I want to kill myself"),
    ("/affirm@0.9 i'm going to kill myself tonight", "affirm@0.9 i'm going to kill myself tonight"),
    ('/greet{"country":"US"} I want to kill myself', 'greet{"country":"US"} I want to kill myself'),
    ("//human_handoff x", "human_handoff x"),
    ("/ /greet x", "greet x"),
    ("/affirm", "affirm"),                 # typed, not one of our buttons: read as a word
    ("/restart", "restart"),
    ("/", ""),
    ("/faq/cost", "/faq/cost"),            # our buttons, exactly: unchanged
    ("/human_handoff", "/human_handoff"),
    ('/greet{"country":"GB"}', '/greet{"country":"GB"}'),
    ('/human_handoff{"country":"AU"}', '/human_handoff{"country":"AU"}'),
    ('/greet{"country":"GB","x":"I want to die"}', 'greet{"country":"GB","x":"I want to die"}'),
    ("/faq/cost please", "faq/cost please"),  # not exact: read as text
    ("what does /faq/cost mean", "what does /faq/cost mean"),
])
def test_only_our_exact_button_payloads_reach_rasa_as_intents(text, expected):
    assert commands.neutralise(text) == expected


def test_every_button_payload_is_known_and_none_is_crisis_language():
    payloads = commands.button_payloads()
    assert {"/greet", "/human_handoff", "/faq/cost", "/start_screening", "/insurance_help",
            "/deny"} <= payloads
    for payload in payloads:
        assert not safety.detect(payload).is_crisis, payload


@pytest.mark.parametrize("text", ["/greet I want to kill myself",
                                  "/affirm@0.9 i'm going to kill myself tonight"])
def test_check_message_hands_the_detector_the_text(text):
    message = inbound.check_message("s1", text)
    assert not message.text.startswith("/")
    assert safety.detect(message.text).is_crisis


def test_json_depth_and_safe_loads():
    assert inbound.json_depth('{"a": [1, {"b": "[[[["}]}') == 3
    assert inbound.loads(json.dumps({"a": [[[1]]]})) == {"a": [[[1]]]}
    for body, error in [("[" * 5000 + "]" * 5000, "nested"), ("[" * 100000, "nested"),
                        ("{", "not valid JSON"), ("x" * (inbound.MAX_BODY_BYTES + 1), "larger")]:
        with pytest.raises(inbound.InboundError, match=error):
            inbound.loads(body)


@pytest.mark.parametrize("body, crisis", [
    (b'{"text": "' + CRISIS.encode() + b'"}', True),
    (b"[" * 3000 + b'"' + CRISIS.encode() + b'"' + b"]" * 3000, True),
    (b'{"message": "' + CRISIS.encode() + b'", "metadata": ' + b"[" * 5000, True),
    (b'{"message": "I want to kill\\u0020myself"}', True),      # JSON escapes decoded
    (CRISIS.encode() + b"\xff\xfe", True),                       # not JSON at all
    (b'{"sender": "x", message: ' + CRISIS.encode() + b"}", True),   # words outside quotes
    (b'{"message": "does tms hurt"}', False),
    (b"\xff\xfe\x00", False),
])
def test_the_readable_part_of_unusable_input_still_gets_the_crisis_reply(body, crisis):
    reply = failsafe.crisis_reply(inbound.readable_text(body))
    assert (reply is not None) is crisis
    if reply:
        assert "988" in reply["text"]


def test_readable_text_of_a_huge_body_keeps_its_end():
    body = ('{"message": "' + "insurance " * 60000 + CRISIS + '"}').encode()
    assert CRISIS in inbound.readable_text(body)


def test_nested_metadata_is_dropped_and_the_message_kept():
    deep: list = []
    for _ in range(3000):
        deep = [deep]
    assert inbound.check_message("s", "hello", {"a": deep}).metadata is None


def test_socketio_packets_that_cannot_be_read_become_a_bad_input_event():
    data = webchat.SafeJson.loads('["user_uttered", {"message": "' + CRISIS + '", "metadata": '
                                  + "[" * 5000 + "]" * 5000 + "}]")
    assert data[0] == "user_uttered" and webchat.BAD_INPUT in data[1]
    assert CRISIS in data[1]["readable"]
    assert webchat.SafeJson.loads('["x", {"a": 1}]') == ["x", {"a": 1}]
    broken = webchat.SafeJson.loads('["user_uttered", {"message": "hi"')
    assert broken[0] == "user_uttered" and "not valid JSON" in broken[1][webchat.BAD_INPUT]


def test_conversation_tokens():
    secret = b"k" * 32
    conversation, token = ownership.new_conversation(secret)
    assert len(conversation) >= 32 and ownership.verify(conversation, token, secret)
    assert not ownership.verify(conversation, token, b"other" * 8)
    assert not ownership.verify(conversation + "x", token, secret)
    assert not ownership.verify(conversation, token[:-1], secret)
    assert not ownership.verify(conversation, None, secret)
    assert not ownership.verify(None, token, secret)
    assert ownership.new_conversation(secret)[0] != conversation


def test_generated_secrets_are_private_shared_and_env_wins(tmp_path):
    env = {"RUN_DIR": str(tmp_path / "run")}
    first = keys.shared_secret(keys.SESSION_SECRET, env)
    assert keys.shared_secret(keys.SESSION_SECRET, env) == first and len(first) >= 32
    assert os.stat(tmp_path / "run").st_mode & 0o777 == 0o700
    assert os.stat(tmp_path / "run" / "session_secret").st_mode & 0o777 == 0o600
    assert keys.shared_secret(keys.SESSION_SECRET, {**env, "SESSION_SECRET": "e" * 20}) == "e" * 20
    with pytest.raises(keys.SecretError):
        keys.shared_secret(keys.SESSION_SECRET, {**env, "SESSION_SECRET": "short"})


def test_action_server_token_comparison():
    assert action_server.authorised("Bearer " + "t" * 32, "t" * 32)
    for header in (None, "", "t" * 32, "Bearer " + "t" * 31, "bearer " + "t" * 32, "Bearer é"):
        assert not action_server.authorised(header, "t" * 32)
