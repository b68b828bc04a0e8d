"""Slack, Messenger, Twilio and Telegram against the real Rasa + action servers.

The session's Rasa server (tests/conftest.py) runs with fake credentials and
its platform APIs pointed at the loopback stub (tests/channels/api_stub.py);
webhooks are signed here with the same fake secrets, so these requests go
through exactly what a platform's would.
"""
from __future__ import annotations

import json
import urllib.parse
import uuid

import pytest

from bot import config
from tests.channels import api_stub
from tests.channels.api_stub import fb_headers, shared_stub, slack_headers, twilio_signature
from tests.channels.payloads import BAD_JSON, fb_event, get, post, slack_event, tg_update
from tests.helpers import ROOT, load_yaml

FAQ = load_yaml(ROOT / "data" / "responses" / "faq.yml")["responses"]
PAINFUL = FAQ["utter_faq/is_it_painful"][0]["text"]
CRISIS_TEXT = config.resources_for(None)["self"]
CRISIS_MESSAGE = "does insurance cover it? i want to kill myself"  # crisis wins over the FAQ


def same_text(a, b):
    """Equal but for line breaks (faq.yml and the trained model may differ in them)."""
    return " ".join(a.split()) == " ".join(b.split())


def unescape(text):
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@pytest.fixture(scope="module")
def live(servers):
    return servers, shared_stub()


def url(servers, path):
    return f"http://127.0.0.1:{servers.port}{path}"


def slack_texts(stub, channel, start, settle=2.0):
    calls = stub.wait(lambda c: c.api == "slack" and (c.data or {}).get("channel") == channel,
                      start=start, settle=settle)
    assert all(c.endpoint == "chat.postMessage" for c in calls)
    return [unescape(c.data["text"]) for c in calls], calls


def test_slack_signed_event_gets_the_faq_answer(live):
    servers, stub = live
    start = len(stub.calls)
    body, channel = slack_event("does tms hurt??")
    status, _ = post(url(servers, "/webhooks/slack/webhook"), body, slack_headers(body))
    assert status == 200
    texts, calls = slack_texts(stub, channel, start)
    assert texts and same_text(texts[0], PAINFUL)
    assert calls[0].headers["Authorization"] == f"Bearer {api_stub.SLACK_TOKEN}"


def test_slack_crisis_is_plain_text_with_the_numbers(live):
    servers, stub = live
    start = len(stub.calls)
    body, channel = slack_event(CRISIS_MESSAGE)
    post(url(servers, "/webhooks/slack/webhook"), body, slack_headers(body))
    texts, calls = slack_texts(stub, channel, start)
    assert texts[0].startswith(CRISIS_TEXT) and "988" in texts[0]
    assert "Call 988: tel:988" in texts[0]
    for call in calls:  # a phone number is never a postback button
        for block in call.data.get("blocks", []):
            for element in block.get("elements", []):
                assert not element.get("value", "").startswith(("tel:", "sms:"))


@pytest.mark.parametrize("forgery", ["unsigned", "wrong-secret", "stale"])
def test_slack_forged_event_rejected_nothing_sent(live, forgery):
    servers, stub = live
    body, channel = slack_event(CRISIS_MESSAGE)
    headers = {"unsigned": {}, "wrong-secret": slack_headers(body, secret="forged"),
               "stale": slack_headers(body, timestamp=1_600_000_000)}[forgery]
    start = len(stub.calls)
    status, _ = post(url(servers, "/webhooks/slack/webhook"), body, headers)
    assert status == 401
    assert stub.wait(lambda c: (c.data or {}).get("channel") == channel, start=start, timeout=3) == []


def fb_texts(stub, psid, start, settle=2.0):
    calls = stub.wait(lambda c: c.api == "graph" and "message" in (c.data or {})
                      and c.data["recipient"]["id"] == psid, start=start, settle=settle)
    return [c.data["message"]["text"] for c in calls], calls


def test_messenger_signed_webhook_gets_the_faq_answer(live):
    servers, stub = live
    start = len(stub.calls)
    body, psid = fb_event("does tms hurt??")
    status, _ = post(url(servers, "/webhooks/facebook/webhook"), body, fb_headers(body))
    assert status == 200
    texts, calls = fb_texts(stub, psid, start)
    assert texts and same_text(texts[0], PAINFUL)
    assert calls[0].path == "/graph/me/messages" and calls[0].query["access_token"] == api_stub.FB_TOKEN


def test_messenger_crisis_is_plain_text_with_the_numbers(live):
    servers, stub = live
    start = len(stub.calls)
    body, psid = fb_event(CRISIS_MESSAGE)
    post(url(servers, "/webhooks/facebook/webhook"), body, fb_headers(body))
    texts, calls = fb_texts(stub, psid, start)
    assert texts[0].startswith(CRISIS_TEXT) and "Call 988: tel:988" in texts[0]
    for call in calls:
        for quick in call.data["message"].get("quick_replies", []):
            assert not quick["payload"].startswith(("tel:", "sms:"))


@pytest.mark.parametrize("forgery", ["unsigned", "wrong-secret"])
def test_messenger_forged_webhook_rejected_nothing_sent(live, forgery):
    servers, stub = live
    body, psid = fb_event(CRISIS_MESSAGE)
    headers = {} if forgery == "unsigned" else fb_headers(body, secret="forged")
    start = len(stub.calls)
    status, _ = post(url(servers, "/webhooks/facebook/webhook"), body, headers)
    assert status == 403
    assert stub.wait(lambda c: c.api == "graph" and (c.data or {}).get("recipient", {}).get("id") == psid,
                     start=start, timeout=3) == []


def test_messenger_verify_token(live):
    servers, _ = live
    base = url(servers, "/webhooks/facebook/webhook?hub.mode=subscribe&hub.challenge=7&hub.verify_token=")
    assert get(base + api_stub.FB_VERIFY) == (200, b"7")
    assert get(base + "wrong")[0] == 403


def twilio_send(servers, params, signature=None):
    target = url(servers, "/webhooks/twilio/webhook")
    body = urllib.parse.urlencode(params).encode()
    return post(target, body, {"X-Twilio-Signature": signature if signature is not None
                               else twilio_signature(target, params)},
                content_type="application/x-www-form-urlencoded")


def sms_bodies(stub, number, start, settle=2.0):
    calls = stub.wait(lambda c: c.api == "twilio" and (c.data or {}).get("To") == number,
                      start=start, settle=settle)
    return [c.data["Body"] for c in calls]


def test_twilio_crisis_sms_is_plain_text_with_the_numbers(live):
    servers, stub = live
    number = f"+1555{uuid.uuid4().int % 10**7:07d}"
    start = len(stub.calls)
    # Twilio signs every parameter it sends, blank ones included
    status, body = twilio_send(servers, {"From": number, "To": api_stub.TWILIO_NUMBER,
                                         "Body": CRISIS_MESSAGE, "FromCity": "", "NumMedia": "0"})
    assert status == 200 and b"<Response>" in body
    bodies = sms_bodies(stub, number, start)
    assert bodies and bodies[0] == CRISIS_TEXT and "988" in bodies[0]
    assert all(len(text) <= 1600 and "tel:" not in text for text in bodies)


def test_twilio_uk_sender_gets_uk_lines(live):
    servers, stub = live
    number = f"+4477{uuid.uuid4().int % 10**8:08d}"
    start = len(stub.calls)
    twilio_send(servers, {"From": number, "Body": "i want to end my life", "FromCountry": "GB"})
    bodies = sms_bodies(stub, number, start)
    assert bodies[0] == config.crisis_resources()["GB"]["self"] and "116 123" in bodies[0]


def test_twilio_forged_rejected_nothing_sent(live):
    servers, stub = live
    number = f"+1555{uuid.uuid4().int % 10**7:07d}"
    start = len(stub.calls)
    status, _ = twilio_send(servers, {"From": number, "Body": CRISIS_MESSAGE}, signature="Zm9yZ2Vk")
    assert status == 403
    assert stub.wait(lambda c: (c.data or {}).get("To") == number, start=start, timeout=3) == []


def test_telegram_update_gets_the_crisis_text(live):
    servers, stub = live
    chat_id = uuid.uuid4().int % 10**9
    start = len(stub.calls)
    status, _ = post(url(servers, "/webhooks/telegram/webhook"),
                     json.dumps(tg_update(CRISIS_MESSAGE, chat_id)).encode(),
                     {"X-Telegram-Bot-Api-Secret-Token": api_stub.TELEGRAM_SECRET})
    assert status == 200
    calls = stub.wait(lambda c: c.endpoint == "sendMessage" and (c.data or {}).get("chat_id") == str(chat_id),
                      start=start, settle=2.0)
    assert calls[0].data["text"].startswith(CRISIS_TEXT) and "Call 988: tel:988" in calls[0].data["text"]
    assert stub.wait(lambda c: c.endpoint == "setWebhook", timeout=1), "webhook registered at startup"


@pytest.mark.parametrize("body", BAD_JSON)
def test_bad_payloads_never_5xx(live, body):
    servers, _ = live
    signed = {"slack": slack_headers(body), "facebook": fb_headers(body),
              "telegram": {"X-Telegram-Bot-Api-Secret-Token": api_stub.TELEGRAM_SECRET}}
    for name, headers in signed.items():
        for extra in (headers, {}):  # signed and unsigned
            status, answer = post(url(servers, f"/webhooks/{name}/webhook"), body, extra)
            assert status < 500, (name, status, answer)
    status, _ = twilio_send(servers, {"Body": body.decode("latin-1")})
    assert status < 500
    status, _ = post(url(servers, "/webhooks/twilio/webhook"), body, {}, "application/json")
    assert status < 500
