"""Twilio SMS, configured from the environment.

credentials.yml::

    bot.channels.twilio.TwilioInput:

Environment: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_NUMBER (the
sending number, E.164); optional TWILIO_API_URL (default
https://api.twilio.com; the tests point it at a stub) and TWILIO_WEBHOOK_URL
(the exact public URL set in the Twilio console, needed for the signature
check when a proxy or TLS terminator sits in front of Rasa).
Webhook: POST /webhooks/twilio/webhook ("A message comes in", HTTP POST).

Compared with Rasa's TwilioInput: X-Twilio-Signature is checked with the auth
token (403 otherwise); a message without From/Body gets a 200, never a 5xx
(Rasa re-raises errors in debug mode); Twilio's FromCountry goes into the
metadata as `country`, so a UK number gets the UK crisis lines; the reply
is sent after the webhook answers (empty TwiML), through an async call to the
Messages API with a configurable base URL (Rasa's blocks the event loop).
Replies are plain text: a phone button becomes a line only when its number is
not already in the text, postback buttons become "You can reply: ...", and a
message longer than 1600 characters (Twilio's limit) is split.
"""
from __future__ import annotations

import logging
import urllib.parse
from typing import Any, Awaitable, Callable, Dict, List, Optional

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput as RasaTwilioInput
from rasa.core.channels.twilio import TwilioOutput as RasaTwilioOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from bot.channels import messaging
from bot.channels.messaging import PlatformOutput, Reply

logger = logging.getLogger(__name__)

REQUIRED = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_NUMBER")
DEFAULT_API_URL = "https://api.twilio.com"
BODY_LIMIT = 1600  # characters in one Twilio message
SECRET_KEYS = ("account_sid", "auth_token")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class Form(dict):
    """A form body with blank values kept: Twilio signs every parameter, empty ones
    too (Sanic's request.form drops them, which would fail genuine requests)."""

    @classmethod
    def parse(cls, body: bytes) -> "Form":
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return cls()
        return cls(urllib.parse.parse_qs(text, keep_blank_values=True))

    def getlist(self, name: str) -> List[str]:  # what twilio's RequestValidator reads
        return self.get(name, [])

    def first(self, name: str) -> Optional[str]:
        values = self.get(name)
        return values[0] if values else None


class SmsOutput(PlatformOutput, RasaTwilioOutput):
    """Plain-text SMS replies through the Messages API."""

    def __init__(self, account_sid: str, auth_token: str, twilio_number: str,
                 api_url: str = DEFAULT_API_URL, timeout: float = 15.0) -> None:
        super().__init__(account_sid, auth_token, twilio_number)
        self.api_url = api_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def _send_message(self, message_data: Dict[str, Any]) -> Dict[str, Any]:
        url = f"{self.api_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        form = {"To": message_data["to"], "From": message_data.get("from_") or self.twilio_number,
                "Body": message_data.get("body", "")}
        auth = aiohttp.BasicAuth(self.account_sid, self.password)
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            async with session.post(url, data=form, auth=auth) as answer:
                if answer.status >= 300:
                    raise RuntimeError(f"Twilio Messages API answered {answer.status}")
                data = await answer.json(content_type=None)
        return data if isinstance(data, dict) else {}

    async def send_reply(self, recipient_id: str, reply: Reply) -> None:
        for part in messaging.chunks(reply.sms_text(), BODY_LIMIT):
            await self._send_message({"to": recipient_id, "from_": self.twilio_number,
                                      "body": part})
            self.mark_sent(recipient_id)

    async def send_custom(self, recipient_id: str, custom: Any) -> None:
        if isinstance(custom, dict) and isinstance(custom.get("body"), str):
            await self.send_reply(recipient_id, Reply(text=custom["body"]))


class TwilioInput(RasaTwilioInput):
    """Rasa's Twilio channel, secrets from the environment, signed webhooks only."""

    api_url = DEFAULT_API_URL
    webhook_url = ""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        messaging.ignore_file_secrets("twilio", credentials, SECRET_KEYS)
        env = messaging.env_settings("twilio", REQUIRED, {"TWILIO_API_URL": DEFAULT_API_URL,
                                                          "TWILIO_WEBHOOK_URL": ""})
        if env is None:
            return messaging.DisabledChannel("twilio", messaging.off_hint(REQUIRED))
        channel = cls(env["TWILIO_ACCOUNT_SID"], env["TWILIO_AUTH_TOKEN"], env["TWILIO_NUMBER"],
                      debug_mode=False)
        channel.api_url = env["TWILIO_API_URL"]
        channel.webhook_url = env["TWILIO_WEBHOOK_URL"]
        return channel

    def get_output_channel(self) -> SmsOutput:
        return SmsOutput(self.account_sid, self.auth_token, self.twilio_number, self.api_url)

    def signed(self, request: Request, form: "Form") -> bool:
        signature = request.headers.get("X-Twilio-Signature") or ""
        if not signature:
            return False
        url = self.webhook_url or request.url
        return RequestValidator(self.auth_token).validate(url, form, signature)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("tms_twilio_webhook", __name__)
        background = messaging.Background("twilio")

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        @messaging.never_5xx("twilio")
        async def receive(request: Request) -> HTTPResponse:
            form = Form.parse(request.body or b"")
            if not self.signed(request, form):
                logger.warning("twilio: webhook with a missing or wrong signature rejected%s",
                               "" if self.webhook_url else
                               " (behind a proxy? set TWILIO_WEBHOOK_URL to the console's URL)")
                return messaging.error("missing or invalid X-Twilio-Signature", 403)
            sender, text = form.first("From"), form.first("Body")
            if isinstance(sender, str) and isinstance(text, str):
                metadata = {"country": form.first("FromCountry")} if form.first("FromCountry") else None
                text = text.replace("¡", "@")  # some carriers corrupt @ in SMS
                background.run(messaging.deliver(on_new_message, self.get_output_channel(),
                                                 self.name(), sender, text, metadata))
            return response.text(EMPTY_TWIML, content_type="text/xml")

        return webhook
