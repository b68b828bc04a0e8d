"""Slack, Messenger, Telegram and Twilio channels in-process, without a model.

Each channel's blueprint runs on a loopback Sanic server; a stand-in for Rasa
answers with the project's real responses (utter_crisis with its tel:/sms:
buttons, a reply with a postback button); the platform APIs are a loopback
stub (tests/channels/api_stub.py). Covers: channels off without their
variables (one log line, 503, no Telegram call), signatures, bad payloads
(never a 5xx), reply rendering (text first, numbers as text, no tel: postback),
the fallbacks when a platform rejects buttons or Rasa fails.
"""
from __future__ import annotations

import json
import logging
import time
import urllib.parse
import uuid

import pytest

from bot import config
from bot.channels import facebook, messaging, slack, telegram, twilio
from bot.channels.messaging import DisabledChannel
from tests.channels import api_stub
from tests.channels.api_stub import ApiStub, fb_headers, slack_headers, twilio_signature
from tests.channels.local_server import LocalServer
from tests.channels.payloads import BAD_JSON, fb_event, get, post, slack_event, tg_update
from tests.helpers import ROOT, load_yaml

RESPONSES = load_yaml(ROOT / "data" / "responses" / "generated.yml")["responses"]
CRISIS = dict(RESPONSES["utter_crisis"][0])            # text + Call/Text 988, Call 911
REMINDER = dict(RESPONSES["utter_crisis_reminder"][0])  # tel:/sms: + a /human_handoff postback
CRISIS_TEXT = config.resources_for(None)["self"]
CHANNELS = [slack.SlackInput, facebook.FacebookInput, telegram.TelegramInput, twilio.TwilioInput]
ALL_ENV = [name for cls in (slack, facebook, telegram, twilio) for name in cls.REQUIRED] + [
    "SLACK_API_URL", "FB_GRAPH_URL", "TELEGRAM_API_URL", "TELEGRAM_SECRET_TOKEN",
    "TWILIO_API_URL", "TWILIO_WEBHOOK_URL"]


# ------------------------------------------------------------------ fixtures

class FakeRasa:
    """Answers like the assistant would: 'crisis' -> utter_crisis, 'reminder' -> a reply
    with a postback button, 'boom...' -> Rasa fails, anything else -> a plain text."""

    def __init__(self):
        self.received = []

    async def __call__(self, message):
        self.received.append(message)
        if message.text.startswith("boom"):
            raise RuntimeError("tracker store down")
        if message.text == "crisis":
            reply = dict(CRISIS, buttons=[dict(b) for b in CRISIS["buttons"]])
        elif message.text == "reminder":
            reply = dict(REMINDER, buttons=[dict(b) for b in REMINDER["buttons"]])
        else:
            reply = {"text": f"echo: {message.text}"}
        await message.output_channel.send_response(message.sender_id, reply)


@pytest.fixture(scope="module")
def stub():
    api = ApiStub()
    yield api
    api.close()


@pytest.fixture(scope="module")
def local(stub):
    """All four channels on, talking to a private stub."""
    rasa = FakeRasa()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in api_stub.channel_env(stub).items():
            patch.setenv(name, value)
        channels = [cls.from_credentials(None) for cls in CHANNELS]
    server = LocalServer(channels, rasa)
    server.rasa = rasa
    yield server
    server.close()


@pytest.fixture
def no_channel_env(monkeypatch):
    for name in ALL_ENV:
        monkeypatch.delenv(name, raising=False)


# ------------------------------------------------------------------ off without variables

@pytest.mark.parametrize("cls, hint", [
    (slack.SlackInput, "slack channel off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to enable"),
    (facebook.FacebookInput, "facebook channel off: set FB_VERIFY_TOKEN, FB_APP_SECRET and "
                             "FB_PAGE_ACCESS_TOKEN to enable"),
    (telegram.TelegramInput, "telegram channel off: set TELEGRAM_BOT_TOKEN, TELEGRAM_VERIFY and "
                             "TELEGRAM_WEBHOOK_URL to enable"),
    (twilio.TwilioInput, "twilio channel off: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                         "TWILIO_NUMBER to enable"),
])
def test_channel_is_off_without_its_variables(cls, hint, no_channel_env, caplog):
    caplog.set_level(logging.DEBUG)
    channel = cls.from_credentials(None)
    assert isinstance(channel, DisabledChannel)
    assert channel.name() == cls.name() and channel.url_prefix() == cls.name()
    lines = [record for record in caplog.records if record.name.startswith("bot.channels")]
    assert [(r.levelno, r.getMessage()) for r in lines] == [(logging.INFO, hint)]


def test_partly_configured_channel_is_off_and_says_what_is_missing(no_channel_env, monkeypatch,
                                                                    caplog):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    caplog.set_level(logging.INFO)
    assert isinstance(slack.SlackInput.from_credentials({}), DisabledChannel)
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("bot.channels")]
    assert len(messages) == 1 and "missing: SLACK_SIGNING_SECRET" in messages[0]


def test_secrets_in_credentials_file_are_ignored(no_channel_env, caplog):
    caplog.set_level(logging.INFO)
    channel = slack.SlackInput.from_credentials(
        {"slack_token": "xoxb-in-a-file", "slack_signing_secret": "in-a-file"})
    assert isinstance(channel, DisabledChannel)
    assert any("ignoring slack_signing_secret, slack_token" in r.getMessage() for r in caplog.records)


def test_telegram_with_a_malformed_token_is_off(no_channel_env, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "not-a-token")
    monkeypatch.setenv("TELEGRAM_VERIFY", "bot")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://x.invalid/webhooks/telegram/webhook")
    assert isinstance(telegram.TelegramInput.from_credentials(None), DisabledChannel)


def test_off_channels_answer_503_and_telegram_makes_no_api_object(no_channel_env, monkeypatch):
    def no_bot(*args, **kwargs):
        raise AssertionError("an off Telegram channel must not create a bot")
    monkeypatch.setattr(telegram.TelegramBotOutput, "__init__", no_bot)
    channels = [cls.from_credentials(None) for cls in CHANNELS]
    server = LocalServer(channels, FakeRasa())
    try:
        for cls in CHANNELS:
            for method in ("GET", "POST"):
                url = server.url(f"/webhooks/{cls.name()}/webhook")
                status, body = get(url) if method == "GET" else post(url, b"{}")
                assert status == 503, (cls.name(), method, status)
                assert json.loads(body)["error"] == f"the {cls.name()} channel is off"
    finally:
        server.close()


def test_on_channels_are_rasas_connectors_with_api_urls_from_env(stub, monkeypatch):
    for name, value in api_stub.channel_env(stub).items():
        monkeypatch.setenv(name, value)
    from rasa.core.channels import facebook as rasa_fb, slack as rasa_slack
    from rasa.core.channels import telegram as rasa_tg, twilio as rasa_tw
    before = len(stub.calls)
    made = {cls.name(): cls.from_credentials(None) for cls in CHANNELS}
    assert isinstance(made["slack"], rasa_slack.SlackInput)
    assert isinstance(made["facebook"], rasa_fb.FacebookInput)
    assert isinstance(made["telegram"], rasa_tg.TelegramInput)
    assert isinstance(made["twilio"], rasa_tw.TwilioInput)
    assert made["slack"].slack_signing_secret == api_stub.SLACK_SECRET
    assert made["slack"].get_output_channel("C1").client.base_url == f"{stub.url}/slack/"
    assert made["facebook"].get_output_channel().client.graph_url == f"{stub.url}/graph"
    assert made["twilio"].get_output_channel().api_url == f"{stub.url}/twilio"
    assert made["telegram"].secret_token == api_stub.TELEGRAM_SECRET
    assert stub.calls[before:] == [], "no API call while building the channels"


def test_telegram_registers_its_webhook_with_the_secret_after_start(stub, local):
    calls = stub.wait(lambda c: c.api == "telegram" and c.endpoint == "setWebhook", timeout=10)
    assert calls and calls[0].data["secret_token"] == api_stub.TELEGRAM_SECRET
    assert calls[0].data["url"].endswith("/webhooks/telegram/webhook")


# ------------------------------------------------------------------ rendering (no network)

def test_crisis_reply_renders_text_first_with_numbers_as_lines():
    reply = messaging.reply_from(dict(CRISIS))
    assert reply.choices == [], "tel:/sms: buttons are never postbacks"
    full = reply.full_text()
    assert full.startswith(CRISIS_TEXT)
    assert "Call 988: tel:988" in full and "Text 988: sms:988" in full and "Call 911: tel:911" in full


def test_sms_text_is_the_crisis_text_when_it_already_carries_the_numbers():
    for country, resources in config.crisis_resources().items():
        reply = messaging.reply_from({"text": resources["self"], "buttons": resources["buttons"]})
        sms = reply.sms_text()
        assert sms == resources["self"], country
        assert len(sms) <= 320


def test_sms_adds_a_number_missing_from_the_text_and_lists_postbacks():
    reply = messaging.reply_from({"text": "Talk to the clinic.", "buttons": [
        {"title": "Call the clinic", "payload": "tel:+12025550100"},
        {"title": "Talk to a person", "payload": "/human_handoff"}]})
    assert reply.sms_text() == ("Talk to the clinic.\nCall the clinic: +12025550100\n"
                                "You can reply: Talk to a person")


def test_long_text_is_split_within_limits():
    text = " ".join(["word"] * 1000)
    parts = messaging.chunks(text, 1600)
    assert all(len(part) <= 1600 for part in parts) and " ".join(parts) == text


def test_slack_blocks_keep_text_and_only_postback_buttons():
    blocks = slack.SlackOutput.blocks(messaging.reply_from(dict(REMINDER)))
    assert blocks[0]["type"] == "section" and "988" in blocks[0]["text"]["text"]
    values = [element["value"] for element in blocks[-1]["elements"]]
    assert values == ["/human_handoff"]


def test_telegram_keyboard_only_has_postbacks_and_long_payloads_become_text():
    reply = messaging.reply_from({"text": "Pick one", "buttons": [
        {"title": "Call 988", "payload": "tel:988"},
        {"title": "Talk to a person", "payload": "/human_handoff"},
        {"title": "Long", "payload": "/screening_answer" + json.dumps({"answer": "x" * 80})}]})
    markup = telegram.TelegramBotOutput.keyboard(reply)
    data = [button.callback_data for row in markup.inline_keyboard for button in row]
    assert data == ["/human_handoff"]
    text = telegram.TelegramBotOutput.text_of(reply)
    assert "Call 988: tel:988" in text and "You can reply: Long" in text


# ------------------------------------------------------------------ webhooks in-process

def slack_posts(stub, channel, start=0, **kw):
    return stub.wait(lambda c: c.api == "slack" and (c.data or {}).get("channel") == channel,
                     start=start, **kw)


def test_slack_crisis_text_and_numbers_no_tel_buttons(stub, local):
    body, channel = slack_event("crisis")
    status, _ = post(local.url("/webhooks/slack/webhook"), body, slack_headers(body))
    assert status == 200
    calls = slack_posts(stub, channel)
    assert calls, "no chat.postMessage"
    sent = calls[0].data
    assert calls[0].endpoint == "chat.postMessage"
    assert sent["text"].startswith(CRISIS_TEXT) and "Call 988: tel:988" in sent["text"]
    assert "blocks" not in sent, "no buttons: every button was a phone link"


def test_slack_postback_buttons_ride_with_the_text(stub, local):
    body, channel = slack_event("reminder")
    post(local.url("/webhooks/slack/webhook"), body, slack_headers(body))
    sent = slack_posts(stub, channel)[0].data
    assert "988" in sent["text"]
    assert sent["blocks"][-1]["elements"][0]["value"] == "/human_handoff"


def test_slack_rejected_blocks_fall_back_to_text(stub, local):
    body, channel = slack_event("reminder")
    stub.override = lambda c: (200, {"ok": False, "error": "invalid_blocks"}) \
        if c.api == "slack" and "blocks" in (c.data or {}) else None
    try:
        post(local.url("/webhooks/slack/webhook"), body, slack_headers(body))
        calls = slack_posts(stub, channel, settle=1.0)
    finally:
        stub.override = None
    assert len(calls) == 2 and "blocks" not in calls[1].data and "988" in calls[1].data["text"]


def test_slack_interactive_button_click_reaches_rasa(stub, local):
    payload = {"type": "block_actions", "user": {"id": "UCLICK"}, "channel": {"id": "DCLICK"},
               "message": {"ts": "1.2"}, "actions": [{"type": "button", "value": "/human_handoff"}]}
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    start = len(local.rasa.received)
    status, _ = post(local.url("/webhooks/slack/webhook"), body, slack_headers(body),
                     content_type="application/x-www-form-urlencoded")
    assert status == 200
    deadline = time.time() + 10
    while time.time() < deadline and len(local.rasa.received) == start:
        time.sleep(0.1)
    assert local.rasa.received[start].text == "/human_handoff"
    assert local.rasa.received[start].sender_id == "UCLICK"


def test_slack_url_verification_answers_the_challenge(local):
    body = json.dumps({"type": "url_verification", "challenge": "abc123"}).encode()
    status, answer = post(local.url("/webhooks/slack/webhook"), body, slack_headers(body))
    assert status == 200 and json.loads(answer) == {"challenge": "abc123"}


@pytest.mark.parametrize("headers", [
    {},
    {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64},
    "wrong-secret",
    "stale",
])
def test_slack_forged_or_unsigned_rejected_and_nothing_sent(stub, local, headers):
    body, channel = slack_event("crisis")
    if headers == "wrong-secret":
        headers = slack_headers(body, secret="not-the-secret")
    elif headers == "stale":
        headers = slack_headers(body, timestamp=int(time.time()) - 6 * 60)
    start = len(stub.calls)
    status, _ = post(local.url("/webhooks/slack/webhook"), body, headers)
    assert status == 401
    assert slack_posts(stub, channel, start=start, timeout=1.5) == []


def fb_messages(stub, psid, start=0, **kw):
    return stub.wait(lambda c: c.api == "graph" and "message" in (c.data or {})
                     and c.data["recipient"]["id"] == psid, start=start, **kw)


def test_messenger_crisis_is_plain_text_with_numbers(stub, local):
    body, psid = fb_event("crisis")
    status, _ = post(local.url("/webhooks/facebook/webhook"), body, fb_headers(body))
    assert status == 200
    calls = fb_messages(stub, psid)
    message = calls[0].data["message"]
    assert set(message) == {"text"} and message["text"].startswith(CRISIS_TEXT)
    assert "Call 988: tel:988" in message["text"]
    assert calls[0].query["access_token"] == api_stub.FB_TOKEN


def test_messenger_postbacks_as_quick_replies_and_fallback_when_rejected(stub, local):
    body, psid = fb_event("reminder")
    post(local.url("/webhooks/facebook/webhook"), body, fb_headers(body))
    message = fb_messages(stub, psid)[0].data["message"]
    assert "988" in message["text"]
    assert [q["payload"] for q in message["quick_replies"]] == ["/human_handoff"]

    body, psid = fb_event("reminder")
    stub.override = lambda c: (400, {"error": {"code": 100, "type": "OAuthException"}}) \
        if "quick_replies" in ((c.data or {}).get("message") or {}) else None
    try:
        post(local.url("/webhooks/facebook/webhook"), body, fb_headers(body, legacy=True))
        calls = fb_messages(stub, psid, settle=1.0)
    finally:
        stub.override = None
    assert len(calls) == 2 and calls[1].data["message"] == {"text": calls[0].data["message"]["text"]}


def test_messenger_quick_reply_payload_reaches_rasa(stub, local):
    body, psid = fb_event("Talk to a person", quick_reply={"payload": "/human_handoff"})
    start = len(local.rasa.received)
    post(local.url("/webhooks/facebook/webhook"), body, fb_headers(body))
    fb_messages(stub, psid)
    assert [m.text for m in local.rasa.received[start:] if m.sender_id == psid] == ["/human_handoff"]


@pytest.mark.parametrize("headers", [
    {}, {"X-Hub-Signature-256": "sha256=" + "0" * 64}, {"X-Hub-Signature": "md5=abc"}, "wrong",
])
def test_messenger_forged_or_unsigned_rejected(stub, local, headers):
    body, psid = fb_event("crisis")
    if headers == "wrong":
        headers = fb_headers(body, secret="not-the-secret")
    start = len(stub.calls)
    status, _ = post(local.url("/webhooks/facebook/webhook"), body, headers)
    assert status == 403
    assert fb_messages(stub, psid, start=start, timeout=1.5) == []


def test_messenger_verify_token(local):
    ok = get(local.url("/webhooks/facebook/webhook?hub.mode=subscribe&hub.challenge=42"
                       f"&hub.verify_token={api_stub.FB_VERIFY}"))
    bad = get(local.url("/webhooks/facebook/webhook?hub.mode=subscribe&hub.challenge=42"
                        "&hub.verify_token=nope"))
    assert ok == (200, b"42") and bad[0] == 403


def twilio_post(local, params, signature=None):
    url = local.url("/webhooks/twilio/webhook")
    body = urllib.parse.urlencode(params).encode()
    signature = twilio_signature(url, params) if signature is None else signature
    return post(url, body, {"X-Twilio-Signature": signature},
                content_type="application/x-www-form-urlencoded")


def twilio_sms(stub, number, start=0, **kw):
    return stub.wait(lambda c: c.api == "twilio" and (c.data or {}).get("To") == number,
                     start=start, **kw)


def test_twilio_crisis_sms_is_plain_text_with_numbers(stub, local):
    number = f"+1555{uuid.uuid4().int % 10**7:07d}"
    status, body = twilio_post(local, {"From": number, "To": api_stub.TWILIO_NUMBER, "Body": "crisis",
                                       "MessageSid": "SM1"})
    assert status == 200 and b"<Response>" in body
    sms = twilio_sms(stub, number)[0]
    assert sms.data["Body"] == CRISIS_TEXT and len(sms.data["Body"]) <= 1600
    assert sms.data["From"] == api_stub.TWILIO_NUMBER
    assert sms.path == f"/twilio/2010-04-01/Accounts/{api_stub.TWILIO_SID}/Messages.json"
    assert sms.headers["Authorization"].startswith("Basic ")


def test_twilio_passes_the_senders_country(stub, local):
    number = f"+4477{uuid.uuid4().int % 10**8:08d}"
    start = len(local.rasa.received)
    twilio_post(local, {"From": number, "Body": "hello", "FromCountry": "GB"})
    twilio_sms(stub, number)
    assert local.rasa.received[start].metadata == {"country": "GB"}


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl"])
def test_twilio_unsigned_or_forged_rejected(stub, local, signature):
    number = f"+1555{uuid.uuid4().int % 10**7:07d}"
    start = len(stub.calls)
    status, _ = twilio_post(local, {"From": number, "Body": "crisis"}, signature=signature)
    assert status == 403
    assert twilio_sms(stub, number, start=start, timeout=1.5) == []


def telegram_post(local, update, secret=api_stub.TELEGRAM_SECRET):
    headers = {telegram.SECRET_HEADER: secret} if secret else {}
    return post(local.url("/webhooks/telegram/webhook"), json.dumps(update).encode(), headers)


def telegram_sends(stub, chat_id, start=0, **kw):
    return stub.wait(lambda c: c.api == "telegram" and c.endpoint == "sendMessage"
                     and (c.data or {}).get("chat_id") == str(chat_id), start=start, **kw)


def test_telegram_crisis_text_with_numbers_and_no_tel_keyboard(stub, local):
    chat_id = uuid.uuid4().int % 10**9
    status, _ = telegram_post(local, tg_update("crisis", chat_id))
    assert status == 200
    sent = telegram_sends(stub, chat_id)[0].data
    assert sent["text"].startswith(CRISIS_TEXT) and "Call 988: tel:988" in sent["text"]
    assert "reply_markup" not in sent
    assert stub.wait(lambda c: c.api == "telegram" and c.endpoint == "getMe", timeout=0.5) == []


def test_telegram_keyboard_rejected_falls_back_to_text(stub, local):
    chat_id = uuid.uuid4().int % 10**9
    stub.override = lambda c: (400, {"ok": False, "error_code": 400,
                                     "description": "Bad Request: BUTTON_DATA_INVALID"}) \
        if c.api == "telegram" and "reply_markup" in (c.data or {}) else None
    try:
        telegram_post(local, tg_update("reminder", chat_id))
        calls = telegram_sends(stub, chat_id, settle=1.0)
    finally:
        stub.override = None
    assert len(calls) == 2 and "reply_markup" not in calls[1].data and "988" in calls[1].data["text"]


def test_telegram_start_and_callback(stub, local):
    chat_id = uuid.uuid4().int % 10**9
    start = len(local.rasa.received)
    telegram_post(local, tg_update(f"/start@{api_stub.TELEGRAM_BOT}", chat_id))
    telegram_post(local, {"update_id": 2, "callback_query": {
        "id": "cb1", "data": "/human_handoff", "from": {"id": chat_id, "is_bot": False, "first_name": "A"},
        "message": {"message_id": 5, "date": 1, "chat": {"id": chat_id, "type": "private"}}}})
    telegram_sends(stub, chat_id, settle=1.0)
    texts = sorted(m.text for m in local.rasa.received[start:] if m.sender_id == str(chat_id))
    assert texts == ["/greet", "/human_handoff"]
    assert stub.wait(lambda c: c.endpoint == "answerCallbackQuery", timeout=5)


@pytest.mark.parametrize("secret", ["", "wrong-secret"])
def test_telegram_update_without_the_secret_rejected(stub, local, secret):
    chat_id = uuid.uuid4().int % 10**9
    start = len(stub.calls)
    status, _ = telegram_post(local, tg_update("crisis", chat_id), secret=secret)
    assert status == 403
    assert telegram_sends(stub, chat_id, start=start, timeout=1.5) == []


# ------------------------------------------------------------------ Rasa failing, long input

def test_rasa_failure_on_crisis_language_still_sends_the_crisis_text(stub, local):
    body, psid = fb_event("boom: i want to kill myself")
    post(local.url("/webhooks/facebook/webhook"), body, fb_headers(body))
    text = fb_messages(stub, psid)[0].data["message"]["text"]
    assert text.startswith(CRISIS_TEXT) and "Call 988: tel:988" in text


def test_rasa_failure_otherwise_sends_an_apology_with_phone_and_crisis_line(stub, local,
                                                                           monkeypatch):
    from bot.safety.detector import NO_CRISIS
    from bot.channels import failsafe
    monkeypatch.setattr(failsafe.safety, "detect", lambda text: NO_CRISIS)
    number = f"+1555{uuid.uuid4().int % 10**7:07d}"
    twilio_post(local, {"From": number, "Body": "boom: how long is a session"})
    text = twilio_sms(stub, number)[0].data["Body"]
    assert "something went wrong" in text and config.clinic()["phone"] in text and "988" in text


def test_over_long_message_gets_the_polite_reply(stub, local):
    body, channel = slack_event("tell me about tms " * 300)
    post(local.url("/webhooks/slack/webhook"), body, slack_headers(body))
    assert "too long" in slack_posts(stub, channel)[0].data["text"]


# ------------------------------------------------------------------ bad payloads: never a 5xx

@pytest.mark.parametrize("body", BAD_JSON)
def test_bad_payloads_never_5xx(stub, local, body):
    start = len(stub.calls)
    urls = {"slack": (slack_headers(body), "application/json"),
            "facebook": (fb_headers(body), "application/json"),
            "telegram": ({telegram.SECRET_HEADER: api_stub.TELEGRAM_SECRET}, "application/json")}
    for name, (headers, kind) in urls.items():
        status, answer = post(local.url(f"/webhooks/{name}/webhook"), body, headers, kind)
        assert status < 500 and status in (200, 400), (name, status, answer)
    form = urllib.parse.urlencode({"payload": body.decode("latin-1")}).encode()
    status, _ = post(local.url("/webhooks/slack/webhook"), form, slack_headers(form),
                     "application/x-www-form-urlencoded")
    assert status in (200, 400)
    params = {"Body": body.decode("latin-1")}
    status, _ = twilio_post(local, params)
    assert status == 200
    time.sleep(0.3)
    assert [c for c in stub.calls[start:] if c.api != "telegram" or c.endpoint != "setWebhook"] == []


# ------------------------------------------- typed "/intent" and nested JSON, every channel

SLASH = "/greet I want to kill myself"


def test_typed_slash_text_reaches_rasa_as_text_on_every_messaging_channel(stub, local):
    start = len(local.rasa.received)
    body, channel = slack_event(SLASH)
    post(local.url("/webhooks/slack/webhook"), body, slack_headers(body))
    body, psid = fb_event(SLASH)
    post(local.url("/webhooks/facebook/webhook"), body, fb_headers(body))
    chat_id = uuid.uuid4().int % 10**9
    telegram_post(local, tg_update(SLASH, chat_id))
    number = f"+1555{uuid.uuid4().int % 10**7:07d}"
    twilio_post(local, {"From": number, "To": api_stub.TWILIO_NUMBER, "Body": SLASH})
    deadline = time.time() + 20
    while time.time() < deadline and len(local.rasa.received) < start + 4:
        time.sleep(0.1)
    texts = [m.text for m in local.rasa.received[start:]]
    assert texts == ["greet I want to kill myself"] * 4, texts


def test_nested_json_gets_a_clear_400_on_every_json_channel(stub, local):
    body = b'{"entry": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    for name, headers in [("slack", slack_headers(body)), ("facebook", fb_headers(body)),
                          ("telegram", {telegram.SECRET_HEADER: api_stub.TELEGRAM_SECRET})]:
        status, answer = post(local.url(f"/webhooks/{name}/webhook"), body, headers)
        assert status == 400 and b"nested" in answer, (name, status, answer)
