"""When Rasa itself fails (database down, a crash), the channel still answers, and a
crisis message still gets the crisis line: bot.channels.failsafe on REST and alone."""
from __future__ import annotations

import json
import urllib.request

import pytest

from bot import config
from bot.channels import failsafe
from bot.channels.rest import SafeRestInput
from tests.channels.local_server import LocalServer


async def broken_rasa(message):
    raise RuntimeError("tracker store down")


@pytest.fixture(scope="module")
def rest_server():
    server = LocalServer([SafeRestInput()], broken_rasa)
    yield server
    server.close()


def post(server, body):
    request = urllib.request.Request(server.url("/webhooks/rest/webhook"),
                                     data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=20) as response:
        return response.status, json.loads(response.read())


def test_crisis_message_gets_the_crisis_text_when_rasa_fails(rest_server):
    status, replies = post(rest_server, {"sender": "fs-1", "message": "i want to kill myself tonight"})
    assert status == 200 and len(replies) == 1
    reply = replies[0]
    us = config.resources_for("US")
    assert reply["text"] == us["self"] and "988" in reply["text"]
    assert {b["payload"] for b in reply["buttons"]} >= {"tel:988", "sms:988"}


def test_someone_else_at_risk_gets_the_other_person_text(rest_server):
    _, replies = post(rest_server, {"sender": "fs-2",
                                    "message": "my son just told me he wants to end his life"})
    assert replies[0]["text"] == config.resources_for("US")["other"]


def test_country_from_metadata_picks_that_countrys_line(rest_server):
    _, replies = post(rest_server, {"sender": "fs-3", "message": "i want to die",
                                    "metadata": {"country": "GB"}})
    assert replies[0]["text"] == config.resources_for("GB")["self"]
    assert "988" not in replies[0]["text"]


def test_ordinary_message_gets_an_apology_with_the_clinic_and_the_line(rest_server):
    _, replies = post(rest_server, {"sender": "fs-4", "message": "how long is a session"})
    text = replies[0]["text"]
    assert text.startswith("Sorry, something went wrong on my side")
    assert config.clinic()["phone"] in text and "988" in text


def test_a_failing_detector_is_treated_as_crisis(monkeypatch):
    def broken(text):
        raise ValueError("boom")

    monkeypatch.setattr(failsafe.safety, "detect", broken)
    reply = failsafe.failure_reply("how long is a session", None)
    assert reply["crisis"] is True and reply["text"] == config.resources_for(None)["self"]


def test_junk_metadata_and_text_do_not_break_the_reply():
    reply = failsafe.failure_reply(None, {"country": ["not", "a", "code"]})
    assert reply["crisis"] is False and reply["text"].startswith("Sorry")
