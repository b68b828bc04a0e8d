"""Facebook Messenger, configured from the environment.

credentials.yml::

    bot.channels.facebook.FacebookInput:

Environment: FB_VERIFY_TOKEN (you choose it; Meta sends it back when you add
the webhook), FB_APP_SECRET (signs every webhook), FB_PAGE_ACCESS_TOKEN (sends
replies); optional FB_GRAPH_URL (default https://graph.facebook.com/v21.0; the
tests point it at a stub). Webhook: GET+POST /webhooks/facebook/webhook.

Compared with Rasa's FacebookInput: a POST must carry a valid
X-Hub-Signature-256 (or legacy X-Hub-Signature) or it gets a 403 (Rasa
answers 200 "not validated"); a wrong verify token gets a 403; every messaging
event of a batch is handled, not only the first; handling runs after the 200
(Meta retries slow webhooks); replies go through an async send API client with
a configurable base URL (fbmessenger's blocks the event loop with requests).
Replies: the text (with tel:/sms: buttons as lines) is one text message;
postback buttons ride on it as quick replies, and when Meta rejects those the
text is sent again on its own.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput as RasaFacebookInput
from rasa.core.channels.facebook import MessengerBot
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import inbound, messaging
from bot.channels.messaging import PlatformOutput, Reply

logger = logging.getLogger(__name__)

REQUIRED = ("FB_VERIFY_TOKEN", "FB_APP_SECRET", "FB_PAGE_ACCESS_TOKEN")
DEFAULT_GRAPH_URL = "https://graph.facebook.com/v21.0"
TEXT_LIMIT = 2000         # characters in one Messenger text message
MAX_QUICK_REPLIES = 13
QUICK_REPLY_TITLE = 20    # characters
SECRET_KEYS = ("verify", "secret", "page-access-token")


class SendError(RuntimeError):
    """The send API answered with an error."""


class GraphClient:
    """The few Send API calls we need, async, against a configurable Graph base URL."""

    def __init__(self, page_access_token: str, graph_url: str = DEFAULT_GRAPH_URL,
                 timeout: float = 15.0) -> None:
        self.page_access_token = page_access_token
        self.graph_url = graph_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def post(self, body: Dict[str, Any]) -> Dict[str, Any]:
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            async with session.post(f"{self.graph_url}/me/messages",
                                    params={"access_token": self.page_access_token},
                                    json=body) as answer:
                try:
                    data = await answer.json(content_type=None)
                except ValueError:
                    data = {}
                if answer.status >= 300:
                    error = data.get("error", {}) if isinstance(data, dict) else {}
                    raise SendError(f"send API {answer.status}: "
                                    f"{error.get('code', '')} {error.get('type', '')}".strip())
                return data if isinstance(data, dict) else {}

    async def send_message(self, recipient_id: str, message: Dict[str, Any]) -> Dict[str, Any]:
        return await self.post({"recipient": {"id": recipient_id}, "message": message,
                                "messaging_type": "RESPONSE"})

    async def send_action(self, recipient_id: str, action: str) -> None:
        try:
            await self.post({"recipient": {"id": recipient_id}, "sender_action": action})
        except Exception as error:  # noqa: BLE001 - typing indicators are best-effort
            logger.debug("facebook: sender action failed: %s", type(error).__name__)


class MessengerOutput(PlatformOutput, MessengerBot):
    """Messenger replies: text first, postbacks as quick replies on it."""

    def __init__(self, client: GraphClient) -> None:
        super().__init__(client)  # MessengerBot keeps it as messenger_client
        self.client = client

    @staticmethod
    def quick_replies(reply: Reply) -> List[Dict[str, Any]]:
        return [{"content_type": "text", "title": title[:QUICK_REPLY_TITLE],
                 "payload": payload[:1000]}
                for title, payload in reply.choices[:MAX_QUICK_REPLIES]]

    async def send_reply(self, recipient_id: str, reply: Reply) -> None:
        parts = messaging.chunks(reply.full_text(), TEXT_LIMIT) or ["Please choose:"]
        for part in parts[:-1]:
            await self.client.send_message(recipient_id, {"text": part})
            self.mark_sent(recipient_id)
        last = {"text": parts[-1]}
        if reply.choices:
            try:
                await self.client.send_message(
                    recipient_id, {**last, "quick_replies": self.quick_replies(reply)})
                self.mark_sent(recipient_id)
                return
            except SendError as error:
                logger.warning("facebook: quick replies rejected (%s); sending the text alone",
                               error)
        await self.client.send_message(recipient_id, last)
        self.mark_sent(recipient_id)

    async def send_custom(self, recipient_id: str, custom: Any) -> None:
        if isinstance(custom, dict):
            await self.client.send_message(recipient_id, custom)
            self.mark_sent(recipient_id)

    async def send_action(self, recipient_id: str, sender_action: str) -> None:
        await self.client.send_action(recipient_id, sender_action)


def valid_signature(app_secret: str, body: bytes, headers: Any) -> bool:
    """X-Hub-Signature-256 (sha256=...) or, failing that, X-Hub-Signature (sha1=...)."""
    for header, algorithm in (("X-Hub-Signature-256", hashlib.sha256),
                              ("X-Hub-Signature", hashlib.sha1)):
        value = headers.get(header)
        if not value:
            continue
        method, _, signature = value.partition("=")
        expected = "sha256" if algorithm is hashlib.sha256 else "sha1"
        if method.strip().lower() != expected or not signature:
            return False
        digest = hmac.new(app_secret.encode("utf-8"), body, algorithm).hexdigest()
        return hmac.compare_digest(digest, signature.strip().lower())
    return False


def user_text(event: Dict[str, Any]) -> Optional[str]:
    """The text of a messaging event from a person: a quick reply's payload, a
    message's text or a postback's payload; None for echoes, reads, deliveries,
    attachments and anything else."""
    message = event.get("message")
    if isinstance(message, dict):
        if message.get("is_echo"):
            return None
        quick = message.get("quick_reply")
        if isinstance(quick, dict) and isinstance(quick.get("payload"), str):
            return quick["payload"]
        return message.get("text") if isinstance(message.get("text"), str) else None
    postback = event.get("postback")
    if isinstance(postback, dict) and isinstance(postback.get("payload"), str):
        return postback["payload"]
    return None


class FacebookInput(RasaFacebookInput):
    """Rasa's Messenger channel, secrets from the environment, strict webhook."""

    graph_url = DEFAULT_GRAPH_URL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        messaging.ignore_file_secrets("facebook", credentials, SECRET_KEYS)
        env = messaging.env_settings("facebook", REQUIRED, {"FB_GRAPH_URL": DEFAULT_GRAPH_URL})
        if env is None:
            return messaging.DisabledChannel("facebook", messaging.off_hint(REQUIRED))
        channel = cls(env["FB_VERIFY_TOKEN"], env["FB_APP_SECRET"], env["FB_PAGE_ACCESS_TOKEN"])
        channel.graph_url = env["FB_GRAPH_URL"]
        return channel

    def get_output_channel(self) -> MessengerOutput:
        return MessengerOutput(GraphClient(self.fb_access_token, self.graph_url))

    async def handle_event(self, event: Dict[str, Any],
                           on_new_message: Callable[[UserMessage], Awaitable[Any]],
                           metadata: Optional[Dict[str, Any]]) -> None:
        text = user_text(event)
        sender = (event.get("sender") or {}).get("id") if isinstance(event.get("sender"), dict) else None
        if text is None or sender is None:
            return
        output = self.get_output_channel()
        await output.send_action(str(sender), "mark_seen")
        await output.send_action(str(sender), "typing_on")
        try:
            await messaging.deliver(on_new_message, output, self.name(), sender, text, metadata)
        finally:
            await output.send_action(str(sender), "typing_off")

    async def handle_events(self, events: List[Dict[str, Any]],
                            on_new_message: Callable[[UserMessage], Awaitable[Any]],
                            metadata: Optional[Dict[str, Any]]) -> None:
        for event in events:
            try:
                await self.handle_event(event, on_new_message, metadata)
            except Exception as error:  # noqa: BLE001 - the next event still gets its turn
                logger.error("facebook: event failed: %s", type(error).__name__)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("tms_facebook_webhook", __name__)
        background = messaging.Background("facebook")

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        @messaging.never_5xx("facebook")
        async def verify(request: Request) -> HTTPResponse:
            token = request.args.get("hub.verify_token") or ""
            if request.args.get("hub.mode") in (None, "subscribe") and token and \
                    hmac.compare_digest(token.encode(), self.fb_verify.encode()):
                return response.text(request.args.get("hub.challenge") or "")
            logger.warning("facebook: webhook verification with a wrong verify token")
            return messaging.error("invalid verify token", 403)

        @webhook.route("/webhook", methods=["POST"])
        @messaging.never_5xx("facebook")
        async def receive(request: Request) -> HTTPResponse:
            if not valid_signature(self.fb_secret, request.body or b"", request.headers):
                logger.warning("facebook: webhook with a missing or wrong signature rejected")
                return messaging.error("missing or invalid X-Hub-Signature-256", 403)
            payload = messaging.json_body(request)
            if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
                raise inbound.InboundError("expected a JSON object with an 'entry' list")
            metadata = self.get_metadata(request)
            events = [event for entry in payload["entry"] if isinstance(entry, dict)
                      and isinstance(entry.get("messaging"), list)
                      for event in entry["messaging"]
                      if isinstance(event, dict) and user_text(event) is not None]
            if events:  # in order, after the 200 (Meta retries slow webhooks)
                background.run(self.handle_events(events, on_new_message, metadata))
            return response.json({"status": "ok", "messages": len(events)})

        return webhook
