"""REST channel that checks its input first (replaces Rasa's `rest` in credentials.yml).

Same URL and JSON as Rasa's RestInput (/webhooks/rest/webhook), plus:

- Origin: a request whose Origin header is present and not allowed
  (bot.channels.origins) gets a 403 before anything is read or processed.
- Ownership: the body names its conversation with `sender` AND `token`, the
  token the server issued for it (bot.channels.ownership). Without a matching
  token the message goes to a fresh conversation, never into someone else's.
  Every answer carries the conversation's id and token in the headers
  `X-Conversation-Id` / `X-Conversation-Token` (and the id as each reply's
  `recipient_id`); send both back to continue.
- Bad input (not JSON, nested deeper than 32 levels, huge, wrong shape) gets
  a 400 with a clear error, or the crisis text when its readable part holds
  crisis language; over-long messages a polite reply; never a 5xx, and no
  patient text is ever written to the log.
"""
from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import failsafe, inbound, origins, ownership

logger = logging.getLogger(__name__)


def _reply(recipient: str, reply: Dict[str, Any]) -> Dict[str, Any]:
    return {"recipient_id": recipient, "text": reply["text"], "buttons": reply["buttons"]}


class SafeRestInput(RestInput):
    """Rasa's REST channel with origin, ownership and input checks."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        webhook = Blueprint("safe_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not origins.allowed(request.headers.get("origin")):
                return response.json({"error": "this web page's origin is not allowed "
                                               "(ALLOWED_ORIGINS)"}, status=403)
            body = request.body or b""
            try:
                message = inbound.parse_rest(body)
            except inbound.InboundError as error:
                crisis = failsafe.crisis_reply(inbound.readable_text(body))
                if crisis is not None:  # unusable, but a person in crisis wrote it
                    return response.json([_reply("", crisis)])
                return response.json({"error": str(error)}, status=400)
            token = message.token
            sender = message.sender
            if not ownership.verify(sender, token):
                sender, token = ownership.new_conversation()
            headers = {"X-Conversation-Id": sender, "X-Conversation-Token": token,
                       # a page in ALLOWED_ORIGINS must be able to read them
                       "Access-Control-Expose-Headers": "X-Conversation-Id, X-Conversation-Token"}
            if message.too_long:
                return response.json([{"recipient_id": sender,
                                       "text": inbound.too_long_reply()}], headers=headers)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(message.text, collector, sender,
                                                 input_channel=self.name(),
                                                 metadata=message.metadata))
            except (CancelledError, Exception) as error:  # noqa: BLE001 - never a 5xx
                logger.error("rest: message handling failed: %s", type(error).__name__)
                if not collector.messages:  # the crisis line still goes out (failsafe)
                    collector.messages.append(
                        _reply(sender, failsafe.failure_reply(message.text, message.metadata)))
            return response.json(collector.messages, headers=headers)

        return webhook

