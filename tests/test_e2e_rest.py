"""End to end over REST: real Rasa and action servers on free loopback ports.

Asks FAQs and checks the answers, sends bad input, checks the crisis reply and
the staff alert on a loopback receiver, then stops the action server and checks
that a crisis message still gets the full crisis reply (fail-safe).
"""
import json
import uuid

import pytest

from bot import config
from tests.helpers import ROOT, load_yaml, post, rest_say

FAQ = load_yaml(ROOT / "data" / "responses" / "faq.yml")["responses"]
CRISIS_TEXT = config.resources_for(None)["self"]


def webhook(servers):
    return f"http://127.0.0.1:{servers.port}/webhooks/rest/webhook"


def texts(replies):
    return [r.get("text") for r in replies]


@pytest.mark.parametrize("question, topic", [
    ("does tms hurt??", "is_it_painful"),
    ("will i lose my memory like with ECT", "memory_loss"),
    ("is tms covered by my insurance", "insurance"),
    ("how many weeks is the whole treatment", "schedule"),
])
def test_faq_answers_over_rest(servers, question, topic):
    replies = rest_say(servers.port, f"faq-{uuid.uuid4().hex}", question)
    assert texts(replies)[0] == FAQ[f"utter_faq/{topic}"][0]["text"]


def test_several_faqs_in_one_conversation(servers):
    sender = f"multi-{uuid.uuid4().hex}"
    welcome = rest_say(servers.port, sender, "hi there")
    assert "988" in welcome[0]["text"] and "not a clinician" in welcome[0]["text"]
    assert any(b["payload"] == "/human_handoff" for b in welcome[0]["buttons"])
    first = rest_say(servers.port, sender, "what is tms exactly")
    second = rest_say(servers.port, sender, "/faq/cost")
    assert texts(first)[0] == FAQ["utter_faq/what_is_tms"][0]["text"]
    assert texts(second)[0] == FAQ["utter_faq/cost"][0]["text"]


def test_crisis_reply_and_staff_alert(servers):
    sender = f"crisis-{uuid.uuid4().hex}"
    before = len(servers.hook.received)
    replies = rest_say(servers.port, sender, "does insurance cover it? i want to kill myself")
    assert replies[0]["text"] == CRISIS_TEXT
    assert {"title": "Call 988", "payload": "tel:988"} in replies[0]["buttons"]
    assert "let the clinic team know" in replies[1]["text"]
    alerts = servers.hook.received[before:]
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert["type"] == "crisis_alert" and alert["conversation_id"] == sender
    assert alert["channel"] == "rest" and alert["category"]
    assert "kill" not in json.dumps(alert)
    later = rest_say(servers.port, sender, "how long is a session")
    assert texts(later)[0] == FAQ["utter_faq/session_length"][0]["text"]
    assert "988" in texts(later)[-1], "later replies keep the crisis line close"


def test_country_from_metadata_picks_local_lines(servers):
    replies = rest_say(servers.port, f"uk-{uuid.uuid4().hex}", "i want to end my life",
                       metadata={"country": "GB"})
    assert replies[0]["text"] == config.crisis_resources()["GB"]["self"]


@pytest.mark.parametrize("body", [
    b"",
    b"{not json",
    b"\xff\xfe\x00binary\x80",
    json.dumps({"message": "hello"}).encode(),
    json.dumps({"sender": "", "message": "hello"}).encode(),
    json.dumps({"sender": "x", "message": ""}).encode(),
    json.dumps({"sender": "x", "message": None}).encode(),
    json.dumps({"sender": {"a": 1}, "message": "hi"}).encode(),
    json.dumps(["sender", "message"]).encode(),
])
def test_bad_input_gets_a_clear_4xx(servers, body):
    status, data = post(webhook(servers), body)
    assert 400 <= status < 500, (status, data)
    assert json.loads(data)["error"]


def test_huge_message_gets_a_polite_reply_and_server_keeps_answering(servers):
    sender = f"huge-{uuid.uuid4().hex}"
    status, data = post(webhook(servers), json.dumps(
        {"sender": sender, "message": "insurance question " * 5300}).encode())
    assert status == 200
    assert "too long" in json.loads(data)[0]["text"]
    replies = rest_say(servers.port, sender, "does tms hurt")
    assert texts(replies)[0] == FAQ["utter_faq/is_it_painful"][0]["text"]


def test_huge_message_with_crisis_inside_is_never_dropped(servers):
    text = "my insurance question is long. " * 2000 + " i want to kill myself. " + "more. " * 1000
    replies = rest_say(servers.port, f"hugecrisis-{uuid.uuid4().hex}", text)
    assert replies[0]["text"] == CRISIS_TEXT


def test_fail_safe_crisis_reply_with_action_server_down(servers):
    """Stops the action server, checks the crisis path, then starts it again."""
    servers.actions.stop()
    try:
        _check_crisis_without_action_server(servers)
    finally:
        servers.actions = servers.start_actions()


def _check_crisis_without_action_server(servers):
    sender = f"failsafe-{uuid.uuid4().hex}"
    replies = rest_say(servers.port, sender, "i'm going to end it tonight")
    assert replies[0]["text"] == CRISIS_TEXT
    assert any(b["payload"] == "tel:988" for b in replies[0]["buttons"])
    again = rest_say(servers.port, sender, "no")
    assert "911" in again[0]["text"], "not safe -> emergency number"
    handoff = rest_say(servers.port, f"handoff-{uuid.uuid4().hex}", "i want to talk to a human")
    assert config.clinic()["phone_display"] in handoff[0]["text"]
