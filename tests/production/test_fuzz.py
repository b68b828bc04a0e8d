"""Fuzz tests (hypothesis): the REST input parser, the crisis detector, the live webhook.

1. bot.channels.inbound.parse_rest on arbitrary bytes and arbitrary JSON: it
   returns a clean Inbound or raises InboundError, nothing else; a valid body
   keeps its sender and (cleaned) text; an over-long text with crisis language
   is never refused.
2. bot.safety.detect on arbitrary text: never raises, always a well-formed
   Detection; crisis language survives noise around it.
3. A live server (the production launcher, embedded profile) gets FUZZ_SECONDS
   (default 30, at most 60) of random requests on loopback (REST webhook
   mostly, plus other routes and socket.io): never a 5xx, still answering
   afterwards. (It found python-engineio 4.8.0's 500 on a polling POST without
   a session id, now a 400 in bot/channels/webchat.py; probed below too.)
"""
from __future__ import annotations

import asyncio
import importlib
import json
import os
import random
import string
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bot.channels import commands, inbound
from tests.helpers import free_port

FUZZ_SECONDS = min(60.0, float(os.environ.get("FUZZ_SECONDS", "30")))
# database=None: no .hypothesis/ directory in the repository.
PROFILE = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")), deadline=None,
                   suppress_health_check=[HealthCheck.too_slow], database=None)


def safety_detect():
    """bot.safety.detect, or skip while the safety package is not there yet."""
    try:
        module = importlib.import_module("bot.safety")
    except ImportError:
        pytest.skip("bot.safety is not there yet")
    detect = getattr(module, "detect", None)
    if detect is None:
        pytest.skip("bot.safety.detect is not there yet")
    return detect


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=4),
    max_leaves=12)


def check_outcome(body: bytes) -> None:
    try:
        result = inbound.parse_rest(body)
    except inbound.InboundError as error:
        assert str(error)
        return
    assert isinstance(result, inbound.Inbound)
    assert isinstance(result.sender, str) and 0 < len(result.sender) <= inbound.MAX_SENDER_CHARS
    assert isinstance(result.text, str) and result.text
    assert result.text == inbound.clean_text(result.text) or result.too_long is False
    assert result.metadata is None or isinstance(result.metadata, dict)
    # whatever the body, text reaching Rasa as an intent is one of our own buttons
    assert not result.text.startswith("/") or commands.is_button_payload(result.text)


@PROFILE
@given(st.binary(max_size=2048))
def test_parse_rest_arbitrary_bytes(body):
    safety_detect()
    check_outcome(body)


@PROFILE
@given(st.dictionaries(st.sampled_from(["sender", "message", "metadata", "x"]), json_values,
                       max_size=4) | json_values)
def test_parse_rest_arbitrary_json(payload):
    safety_detect()
    check_outcome(json.dumps(payload).encode())


@PROFILE
@given(sender=st.text(min_size=1, max_size=40).filter(lambda s: inbound.clean_text(s)),
       text=st.text(min_size=1, max_size=400).filter(
           lambda s: commands.neutralise(inbound.clean_text(s))),
       metadata=st.none() | st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))
def test_parse_rest_valid_bodies_keep_sender_and_text(sender, text, metadata):
    safety_detect()
    result = inbound.parse_rest(json.dumps({"sender": sender, "message": text,
                                            "metadata": metadata}).encode())
    assert result.sender == inbound.clean_text(sender)
    # text typed with a leading "/" loses it (bot.channels.commands), all else is kept
    assert result.text == commands.neutralise(inbound.clean_text(text))
    assert not result.too_long
    assert result.metadata == (metadata if isinstance(metadata, dict) else None)


@settings(max_examples=30, deadline=None, database=None)
@given(padding=st.integers(min_value=0, max_value=20000), position=st.floats(0, 1))
def test_long_text_with_crisis_is_never_refused(padding, position):
    safety_detect()
    filler = "I have a question about the clinic and the parking. " * (padding // 52 + 1)
    cut = int(len(filler) * position)
    text = filler[:cut] + " I want to kill myself. " + filler[cut:]
    result = inbound.parse_rest(json.dumps({"sender": "s", "message": text}).encode())
    assert not result.too_long
    assert "kill myself" in result.text
    assert len(result.text) <= inbound.max_message_chars()


@PROFILE
@given(st.text(max_size=3000))
def test_detect_never_raises_and_is_well_formed(text):
    detect = safety_detect()
    detection = detect(text)
    assert isinstance(detection.is_crisis, bool)
    assert detection.severity in ("none", "concern", "crisis")
    assert detection.subject in ("self", "other")
    if detection.is_crisis and detection.start is not None:
        assert 0 <= detection.start <= detection.end <= len(text)
        if detection.span is not None:
            assert text[detection.start:detection.end] == detection.span
    assert detect(text) == detection  # deterministic


@PROFILE
@given(st.one_of(st.none(), st.integers(), st.binary(max_size=200), st.lists(st.text()),
                 st.floats()))
def test_detect_accepts_any_type(value):
    detect = safety_detect()
    assert isinstance(detect(value).is_crisis, bool)


NOISE = st.text(alphabet=string.digits + " .,!?;:-_()[]\n\t", max_size=60)


@PROFILE
@given(before=NOISE, after=NOISE,
       phrase=st.sampled_from(["i want to kill myself", "I want to die",
                               "i am going to end my life", "i'm thinking about suicide"]))
def test_crisis_language_survives_noise(before, after, phrase):
    detect = safety_detect()
    assert detect(f"{before} {phrase} {after}").is_crisis


# -- live webhook -------------------------------------------------------------

def random_body(rng: random.Random) -> tuple:
    """(method, path, headers, body) - a random, often malformed, request."""
    kind = rng.randrange(12)
    sender = rng.choice(["fuzz", "", " ", "x" * 200, 42, None, ["a"], "ü\u0000\u202e"])
    text = rng.choice([
        "does tms hurt?", "", " \n\t ", "i want to kill myself", "\x00\x01\x02", "🙂" * 50,
        "a" * 5000, ("parking " * 700) + "i want to kill myself", "/faq/cost", "/restart",
        "/session_start", '/crisis{"crisis_subject": "other"}', "<script>alert(1)</script>",
        "' OR 1=1 --", "%s%s%s%n", "\ud83d", "A" * 300000,
    ])
    payload = {"sender": sender, "message": text}
    if kind == 0:
        body = bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 400)))
    elif kind == 1:
        body = json.dumps(payload)[:rng.randrange(1, 40)].encode()
    elif kind == 2:
        body = json.dumps([payload]).encode()
    elif kind == 3:
        payload["metadata"] = {"country": rng.choice(["US", "GB", "ZZ", 1, None, "x" * 5000])}
        body = json.dumps(payload).encode()
    elif kind == 4:
        payload["metadata"] = {"nested": [[[[[{}]]]]] * 200}
        body = json.dumps(payload).encode()
    elif kind == 5:
        body = json.dumps(payload).encode("utf-16")
    elif kind == 6:
        body = b"sender=fuzz&message=hello"
    else:
        body = json.dumps(payload, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
    method = "POST" if kind < 10 else rng.choice(["GET", "PUT", "DELETE", "OPTIONS"])
    content_type = rng.choice(["application/json", "text/plain", "application/x-www-form-urlencoded",
                               "multipart/form-data; boundary=x", ""])
    path = rng.choice(["/webhooks/rest/webhook"] * 8 + [
        "/webhooks/rest/webhook?x=1", "/webhooks/rest/", "/webhooks/socketio/webhook",
        "/socket.io/?EIO=4&transport=polling", "/model/parse", "/conversations/x/tracker",
        "/status", "/webhooks/rest/webhook/../../status"])
    return method, path, {"Content-Type": content_type} if content_type else {}, body


@pytest.fixture(scope="module")
def live_server(model, tmp_path_factory):
    from tests.production.cluster import start_actions, start_replica

    logs = tmp_path_factory.mktemp("fuzz")
    action_port, port = free_port(), free_port()
    actions = start_actions(action_port, logs)
    rasa = start_replica("rasa-fuzz", port, action_port, logs, model,
                         TRACKER_DB=str(logs / "tracker.db"))
    yield port, rasa
    rasa.stop()
    actions.stop()


def test_live_webhook_fuzz_never_5xx(live_server):
    import aiohttp

    port, server = live_server
    rng = random.Random(20261124)
    statuses: dict = {}
    server_errors = []

    async def main() -> int:
        deadline = time.time() + FUZZ_SECONDS
        sent = 0
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async def worker() -> None:
                nonlocal sent
                while time.time() < deadline:
                    method, path, headers, body = random_body(rng)
                    async with session.request(method, f"http://127.0.0.1:{port}{path}",
                                               data=body, headers=headers) as resp:
                        await resp.read()
                        statuses[resp.status] = statuses.get(resp.status, 0) + 1
                        sent += 1
                        if resp.status >= 500:
                            server_errors.append((method, path, body[:120], resp.status))
            await asyncio.gather(*(worker() for _ in range(4)))
        return sent

    sent = asyncio.run(main())
    print(f"\nlive fuzz: {sent} requests in {FUZZ_SECONDS:.0f} s, statuses {statuses}")
    assert sent > 50
    assert not server_errors, server_errors[:5]
    assert server.alive()
    # Still answering, and the API stays off.
    from tests.helpers import rest_say
    assert rest_say(port, "after-fuzz", "does tms hurt?")
    assert statuses.get(200, 0) > 0


def test_socketio_polling_post_without_session_is_not_a_5xx(live_server):
    from tests.helpers import post

    port, server = live_server
    status, _ = post(f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling",
                     b'{"sender": "x"}', content_type="text/plain")
    assert server.alive()
    assert status < 500
