"""REST channel that checks its input first (replaces Rasa's `rest` in credentials.yml).

Same URL and JSON as Rasa's RestInput (/webhooks/rest/webhook), but malformed
requests get a 400 with a clear error, over-long messages a polite reply, and
no patient text is ever written to the log.
"""
from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import failsafe, inbound

logger = logging.getLogger(__name__)


class SafeRestInput(RestInput):
    """Rasa's REST channel with input validation."""

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
            try:
                message = inbound.parse_rest(request.body or b"")
            except inbound.InboundError as error:
                return response.json({"error": str(error)}, status=400)
            if message.too_long:
                return response.json([{"recipient_id": message.sender,
                                       "text": inbound.too_long_reply()}])
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(message.text, collector, message.sender,
                                                 input_channel=self.name(),
                                                 metadata=message.metadata))
            except (CancelledError, Exception) as error:  # noqa: BLE001 - never a 5xx
                logger.error("rest: message handling failed: %s", type(error).__name__)
                if not collector.messages:  # the crisis line still goes out (failsafe)
                    reply = failsafe.failure_reply(message.text, message.metadata)
                    collector.messages.append({"recipient_id": message.sender,
                                               "text": reply["text"], "buttons": reply["buttons"]})
            return response.json(collector.messages)

        return webhook
