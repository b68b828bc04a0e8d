"""Slack (Events API), configured from the environment.

credentials.yml::

    bot.channels.slack.SlackInput:
      # optional, not secret: slack_channel, use_threads, conversation_granularity

Environment: SLACK_BOT_TOKEN (xoxb-...), SLACK_SIGNING_SECRET; optional
SLACK_API_URL (default https://slack.com/api/, the tests point it at a stub).
Webhook: POST /webhooks/slack/webhook (Event Subscriptions and Interactivity).

Compared with Rasa's SlackInput: every request's X-Slack-Signature is checked
(HMAC-SHA256, timestamp within 5 minutes; 401 otherwise), bad bodies get a 400,
events that are not user messages a 200, never a 5xx; input is checked like
REST; replies put the text first with tel:/sms: buttons as text lines, and only
postback buttons as Slack buttons.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.slack import SlackBot
from rasa.core.channels.slack import SlackInput as RasaSlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels import inbound, messaging
from bot.channels.messaging import PlatformOutput, Reply

logger = logging.getLogger(__name__)

REQUIRED = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
DEFAULT_API_URL = "https://slack.com/api/"
SECTION_LIMIT = 3000  # characters in one section block
MAX_BUTTONS = 25      # elements in one actions block
SECRET_KEYS = ("slack_token", "slack_signing_secret")
# message subtypes that are a person writing (others: joins, edits, deletions, bots)
USER_SUBTYPES = (None, "file_share", "thread_broadcast")


def escape(text: str) -> str:
    """Slack's three control characters in message text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SlackOutput(PlatformOutput, SlackBot):
    """Slack replies: one chat.postMessage per bot message, text first."""

    def __init__(self, token: str, slack_channel: Optional[str] = None,
                 thread_id: Optional[str] = None, proxy: Optional[str] = None,
                 api_url: Optional[str] = None) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(token, base_url=(api_url or DEFAULT_API_URL).rstrip("/") + "/",
                                     proxy=proxy)

    @staticmethod
    def blocks(reply: Reply) -> List[Dict[str, Any]]:
        text = escape(reply.full_text())
        blocks: List[Dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": part}}
            for part in messaging.chunks(text, SECTION_LIMIT)]
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": title[:75]},
             "value": payload[:2000]}
            for title, payload in reply.choices[:MAX_BUTTONS]]})
        return blocks

    async def send_reply(self, recipient_id: str, reply: Reply) -> None:
        channel = self.slack_channel or recipient_id
        text = escape(reply.full_text()) or "Please choose:"
        if reply.choices:
            try:
                await self._post_message(channel=channel, text=text, blocks=self.blocks(reply))
                self.mark_sent(recipient_id)
                return
            except SlackApiError as error:
                logger.warning("slack: buttons rejected (%s); sending the text alone",
                               error.response.get("error") if error.response else "error")
        await self._post_message(channel=channel, text=text)
        self.mark_sent(recipient_id)

    async def send_custom(self, recipient_id: str, custom: Any) -> None:
        if isinstance(custom, dict):
            await SlackBot.send_custom_json(self, recipient_id, dict(custom))
            self.mark_sent(recipient_id)


class SlackInput(RasaSlackInput):
    """Rasa's Slack channel, secrets from the environment, strict webhook."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        options = messaging.ignore_file_secrets("slack", credentials, SECRET_KEYS)
        env = messaging.env_settings("slack", REQUIRED, {"SLACK_API_URL": DEFAULT_API_URL})
        if env is None:
            return messaging.DisabledChannel("slack", messaging.off_hint(REQUIRED))
        channel = cls(
            env["SLACK_BOT_TOKEN"],
            options.get("slack_channel"),
            options.get("proxy"),
            options.get("slack_retry_reason_header", "x-slack-retry-reason"),
            options.get("slack_retry_number_header", "x-slack-retry-num"),
            options.get("errors_ignore_retry"),
            bool(options.get("use_threads", False)),
            env["SLACK_SIGNING_SECRET"],
            options.get("conversation_granularity", "sender"),
        )
        channel.api_url = env["SLACK_API_URL"]
        return channel

    api_url = DEFAULT_API_URL

    def get_output_channel(self, channel: Optional[str] = None,
                           thread_id: Optional[str] = None) -> SlackOutput:
        return SlackOutput(self.slack_token, channel or self.slack_channel, thread_id,
                           self.proxy, self.api_url)

    def _output(self, metadata: Dict[str, Any]) -> SlackOutput:
        thread_id = metadata.get("thread_id") if self.use_threads else None
        return self.get_output_channel(metadata.get("out_channel"), thread_id)

    def _is_retry_to_ignore(self, request: Request) -> bool:
        reason = request.headers.get(self.retry_reason_header)
        return bool(request.headers.get(self.retry_num_header)) and reason in self.errors_ignore_retry

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("tms_slack_webhook", __name__)
        background = messaging.Background("slack")

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET", "POST"])
        @messaging.never_5xx("slack")
        async def receive(request: Request) -> HTTPResponse:
            if not self.is_request_from_slack_authentic(request):
                logger.warning("slack: request with a missing, wrong or stale signature rejected")
                return messaging.error("not signed with a valid X-Slack-Signature", 401)
            if self._is_retry_to_ignore(request):
                return response.text("", status=200, headers={"X-Slack-No-Retry": "1"})
            content_type = (request.headers.get("content-type") or "").split(";")[0].strip()
            if content_type == "application/x-www-form-urlencoded":
                return await interactive(request)
            payload = messaging.json_body(request)
            if not isinstance(payload, dict):
                raise inbound.InboundError("body must be a JSON object")
            if payload.get("type") == "url_verification":
                return response.json({"challenge": str(payload.get("challenge", ""))})
            event = payload.get("event")
            if not isinstance(event, dict) or event.get("type") not in ("message", "app_mention") \
                    or event.get("bot_id") or event.get("subtype") not in USER_SUBTYPES \
                    or not isinstance(event.get("text"), str):
                return response.json({"status": "ignored"})
            metadata = event_metadata(payload, event)
            if not self._is_supported_channel(payload, metadata):
                return response.json({"status": "ignored", "reason": "channel not supported"})
            sender = self._get_conversation_id(event.get("user"), metadata.get("out_channel"),
                                               metadata.get("thread_id"))
            text = self._sanitize_user_message(event["text"], metadata["users"])
            background.run(messaging.deliver(on_new_message, self._output(metadata),
                                             self.name(), sender, text, metadata))
            return response.json({"status": "ok"})

        async def interactive(request: Request) -> HTTPResponse:
            raw = request.form.get("payload") if request.form else None
            if not isinstance(raw, str):
                raise inbound.InboundError("form field 'payload' is not JSON")
            payload = inbound.loads(raw)
            if not isinstance(payload, dict) or not self._is_interactive_message(payload):
                return response.json({"status": "ignored"})
            action = payload["actions"][0]
            text = self._get_interactive_response(action) if isinstance(action, dict) else None
            user = (payload.get("user") or {}).get("id") if isinstance(payload.get("user"), dict) else None
            if not isinstance(text, str) or not user:
                return response.json({"status": "ignored"})  # link buttons have no value
            message = payload.get("message") if isinstance(payload.get("message"), dict) else {}
            channel = payload.get("channel") if isinstance(payload.get("channel"), dict) else {}
            metadata = {"out_channel": channel.get("id"),
                        "thread_id": message.get("thread_ts", message.get("ts")),
                        "users": [user]}
            sender = self._get_conversation_id(user, metadata["out_channel"], metadata["thread_id"])
            background.run(messaging.deliver(on_new_message, self._output(metadata),
                                             self.name(), sender, text, metadata))
            return response.json({"status": "ok"})

        return webhook


def event_metadata(payload: Dict[str, Any], event: Dict[str, Any]) -> Dict[str, Any]:
    """Like Rasa's get_metadata, from the parsed body."""
    users: List[str] = []
    if isinstance(payload.get("authed_users"), list):
        users = [user for user in payload["authed_users"] if isinstance(user, str)]
    elif isinstance(payload.get("authorizations"), list) and payload["authorizations"]:
        first = payload["authorizations"][0]
        if isinstance(first, dict) and isinstance(first.get("user_id"), str):
            users.append(first["user_id"])
    return {"out_channel": event.get("channel"),
            "thread_id": event.get("thread_ts", event.get("ts")),
            "users": users}
