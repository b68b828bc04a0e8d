"""What the messaging channels (Slack, Messenger, Telegram, Twilio SMS) share.

* Settings from the environment: a channel whose variables are missing is
  OFF (one INFO log line says which to set; its webhook answers 503 with a
  short JSON error). Secrets are never read from credentials.yml.
* Reply rendering: every bot message becomes a `Reply`: its text FIRST, then
  its link buttons (tel:, sms:, http(s):) as plain text lines
  ("Call 988: tel:988"), then its postback buttons ("/human_handoff"), which
  a platform may show as buttons. A tel:/sms: button is never sent as a
  postback (its payload would come back as a user message) and a crisis
  reply never depends on buttons: the numbers are in the text.
* Delivery: input goes through bot.channels.inbound (sender/text checks,
  over-long messages get a polite reply); when Rasa fails on a message and
  nothing was sent, the user still gets an answer: the crisis text and lines
  when the message holds crisis language, otherwise an apology with the
  clinic's phone number and the crisis line. Patient text is never logged.
"""
from __future__ import annotations

import asyncio
import collections
import json
import logging
import os
import re
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from rasa.core.channels.channel import (CollectingOutputChannel, InputChannel, OutputChannel,
                                        UserMessage)
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import failsafe, inbound

logger = logging.getLogger(__name__)

LINK_SCHEMES = ("tel:", "sms:", "http://", "https://", "mailto:")
PHONE_SCHEMES = ("tel:", "sms:")
_NUMBER = re.compile(r"\+?\d[\d \-().]*\d")


# --------------------------------------------------------------------------- settings

def env_settings(channel: str, required: Sequence[str],
                 optional: Optional[Dict[str, str]] = None) -> Optional[Dict[str, str]]:
    """The channel's variables from the environment, or None (channel off, one INFO line)."""
    values = {name: os.environ.get(name, "").strip() for name in required}
    missing = [name for name, value in values.items() if not value]
    if missing:
        names = " and ".join(required) if len(required) < 3 else (
            ", ".join(required[:-1]) + " and " + required[-1])
        detail = "" if len(missing) == len(required) else f" (missing: {', '.join(missing)})"
        logger.info("%s channel off: set %s to enable%s", channel, names, detail)
        return None
    for name, default in (optional or {}).items():
        values[name] = os.environ.get(name, "").strip() or default
    return values


def ignore_file_secrets(channel: str, credentials: Optional[Dict[str, Any]],
                        secret_keys: Iterable[str]) -> Dict[str, Any]:
    """credentials.yml options without secrets (those come from the environment only)."""
    options = dict(credentials or {})
    found = sorted(key for key in secret_keys if options.pop(key, None) not in (None, ""))
    if found:
        logger.warning("%s channel: ignoring %s in credentials.yml; secrets come from "
                       "environment variables only", channel, ", ".join(found))
    return options


def api_base(env_name: str, default: str) -> str:
    return (os.environ.get(env_name, "").strip() or default).rstrip("/")


class DisabledChannel(InputChannel):
    """Stands in for a channel whose settings are missing: its webhook answers 503."""

    def __init__(self, channel: str, hint: str) -> None:
        self.channel = channel
        self.hint = hint

    def name(self) -> str:  # type: ignore[override] - an instance, not a class, knows its name
        return self.channel

    def url_prefix(self) -> str:
        return self.channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"tms_{self.channel}_off", __name__)
        error = {"error": f"the {self.channel} channel is off", "hint": self.hint}

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "off", "hint": self.hint})

        @webhook.route("/webhook", methods=["GET", "POST"])
        async def off(_: Request) -> HTTPResponse:
            return response.json(error, status=503)

        return webhook

    def get_output_channel(self) -> OutputChannel:
        return CollectingOutputChannel()


def off_hint(required: Sequence[str]) -> str:
    return "set " + ", ".join(required) + " to enable"


# --------------------------------------------------------------------------- rendering

@dataclass
class Reply:
    """One bot message, platform-neutral. `links`: (title, url); `choices`: (title, payload)."""

    text: str = ""
    links: List[Tuple[str, str]] = field(default_factory=list)
    choices: List[Tuple[str, str]] = field(default_factory=list)
    custom: Any = None

    def link_lines(self) -> List[str]:
        return [f"{title}: {url}" if title else url for title, url in self.links]

    def full_text(self) -> str:
        """The text, then one line per link button (what every platform shows first)."""
        lines = self.link_lines()
        return "\n".join(part for part in [self.text.strip(), *lines] if part)

    def sms_text(self) -> str:
        """Plain SMS: the text; a line for a phone number only when the text lacks it;
        postback buttons as words to reply with."""
        present = numbers_in(self.text)
        lines = []
        for title, url in self.links:
            if url.startswith(PHONE_SCHEMES):
                number = phone_number(url)
                if number and digits(number) in present:
                    continue
                lines.append(f"{title}: {number}" if title else number)
            else:
                lines.append(f"{title}: {url}" if title else url)
        if self.choices:
            lines.append("You can reply: " + " / ".join(title for title, _ in self.choices))
        return "\n".join(part for part in [self.text.strip(), *lines] if part)


def is_link(payload: str) -> bool:
    return payload.strip().lower().startswith(LINK_SCHEMES)


def phone_number(url: str) -> str:
    """'tel:+1202...' / 'sms:988?body=HI' -> the number as written."""
    return url.split(":", 1)[1].split("?", 1)[0].strip()


def digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def numbers_in(text: str) -> set:
    return {digits(match) for match in _NUMBER.findall(text or "")}


def _buttons(buttons: Any, reply: Reply) -> None:
    for button in buttons if isinstance(buttons, list) else []:
        if not isinstance(button, dict):
            continue
        title = str(button.get("title") or "").strip()
        url = button.get("url")
        payload = url if isinstance(url, str) and url else button.get("payload")
        if not isinstance(payload, str) or not payload.strip():
            continue
        payload = payload.strip()
        if is_link(payload):
            reply.links.append((title, payload))
        else:
            reply.choices.append((title or payload, payload))


def reply_from(message: Dict[str, Any]) -> Reply:
    """A Rasa bot message (text, buttons, quick_replies, elements, image, attachment,
    custom) as a Reply."""
    text = message.get("text")
    reply = Reply(text=text.strip() if isinstance(text, str) else "")
    _buttons(message.get("buttons"), reply)
    _buttons(message.get("quick_replies"), reply)
    extra: List[str] = []
    for element in message.get("elements") or []:
        if isinstance(element, dict):
            line = " : ".join(str(element[key]) for key in ("title", "subtitle") if element.get(key))
            if line:
                extra.append(line)
            _buttons(element.get("buttons"), reply)
    for key in ("image", "attachment"):
        value = message.get(key)
        if isinstance(value, str) and value:
            extra.append(value)
        elif value:
            extra.append(json.dumps(value, default=str))
    if extra:
        reply.text = "\n".join(part for part in [reply.text, *extra] if part)
    reply.custom = message.get("custom")
    return reply


def chunks(text: str, limit: int) -> List[str]:
    """Split text into parts of at most `limit` characters, at line or word breaks."""
    text = text.strip()
    parts: List[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit + 1)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit + 1)
        if cut < limit // 2:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


class PlatformOutput(OutputChannel):
    """Routes every Rasa send method through `send_reply` (text first, links as lines).

    Subclasses implement `send_reply(recipient_id, reply)`; put this class FIRST in
    the bases so it overrides the platform's own send methods.
    """

    def mark_sent(self, recipient_id: str) -> None:
        """Count a message delivered to the platform (per recipient: Telegram shares
        one output channel between conversations)."""
        self.__dict__.setdefault("_sent", collections.Counter())[str(recipient_id)] += 1

    def sent_to(self, recipient_id: str) -> int:
        return self.__dict__.get("_sent", {}).get(str(recipient_id), 0)

    async def send_reply(self, recipient_id: str, reply: Reply) -> None:
        raise NotImplementedError

    async def send_custom(self, recipient_id: str, custom: Any) -> None:
        logger.info("%s: custom payload not supported, skipped", self.name())

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        reply = reply_from(dict(message))
        if reply.text or reply.links or reply.choices:
            await self.send_reply(recipient_id, reply)
        if reply.custom:
            try:
                await self.send_custom(recipient_id, reply.custom)
            except Exception as error:  # noqa: BLE001 - a custom payload never breaks a turn
                logger.error("%s: custom payload failed: %s", self.name(), type(error).__name__)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_reply(recipient_id, Reply(text=text or ""))

    async def send_text_with_buttons(self, recipient_id: str, text: str,
                                     buttons: List[Dict[str, Any]], **kwargs: Any) -> None:
        await self.send_reply(recipient_id, reply_from({"text": text, "buttons": buttons}))

    async def send_quick_replies(self, recipient_id: str, text: str,
                                 quick_replies: List[Dict[str, Any]], **kwargs: Any) -> None:
        await self.send_reply(recipient_id, reply_from({"text": text, "buttons": quick_replies}))

    async def send_elements(self, recipient_id: str, elements: Iterable[Dict[str, Any]],
                            **kwargs: Any) -> None:
        await self.send_reply(recipient_id, reply_from({"elements": list(elements)}))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.send_reply(recipient_id, Reply(text=image))

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        await self.send_reply(recipient_id, reply_from({"attachment": attachment}))

    async def send_custom_json(self, recipient_id: str, json_message: Any, **kwargs: Any) -> None:
        await self.send_custom(recipient_id, json_message)


# --------------------------------------------------------------------------- delivery

def fallback_reply(text: str, metadata: Optional[Dict[str, Any]]) -> Reply:
    """What to send when Rasa failed and said nothing (bot.channels.failsafe)."""
    reply = failsafe.failure_reply(text, metadata)
    return reply_from({"text": reply["text"], "buttons": reply["buttons"]})


async def deliver(on_new_message: Callable[[UserMessage], Awaitable[Any]],
                  output: PlatformOutput, channel: str, sender: Any, text: Any,
                  metadata: Optional[Dict[str, Any]] = None) -> bool:
    """Check one user message and hand it to Rasa; False when it was unusable."""
    try:
        message = inbound.check_message(sender, text, metadata)
    except inbound.InboundError as error:
        logger.info("%s: message ignored: %s", channel, error)
        return False
    if message.too_long:
        await output.send_reply(message.sender, Reply(text=inbound.too_long_reply()))
        return True
    before = output.sent_to(message.sender)
    try:
        await on_new_message(UserMessage(message.text, output, message.sender,
                                         input_channel=channel, metadata=message.metadata))
    except (asyncio.CancelledError, Exception) as error:  # noqa: BLE001 - still answer
        logger.error("%s: message handling failed: %s", channel, type(error).__name__)
        if output.sent_to(message.sender) == before:
            await output.send_reply(message.sender, fallback_reply(message.text, message.metadata))
    return True


class Background:
    """Keeps references to fire-and-forget tasks and logs their failures (no text)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.tasks: set = set()

    def run(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(self._guard(coroutine))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _guard(self, coroutine: Awaitable[Any]) -> None:
        try:
            await coroutine
        except Exception as error:  # noqa: BLE001 - logged, never raised into Sanic
            logger.error("%s: background delivery failed: %s", self.channel, type(error).__name__)


def json_body(request: Request) -> Any:
    """The request body as JSON, or raise inbound.InboundError (empty, huge, nested
    deeper than inbound.MAX_JSON_DEPTH, not UTF-8, not JSON)."""
    body = request.body or b""
    if not body:
        raise inbound.InboundError("empty body")
    if len(body) > inbound.MAX_BODY_BYTES:
        raise inbound.InboundError("body too large")
    try:
        return inbound.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise inbound.InboundError("body is not valid JSON") from None


def error(message: str, status: int) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def never_5xx(channel: str) -> Callable:
    """Decorator for webhook handlers: an unexpected error answers 200 (logged, no text)."""

    def wrap(handler: Callable[..., Awaitable[HTTPResponse]]) -> Callable:
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            try:
                return await handler(request, *args, **kwargs)
            except inbound.InboundError as problem:
                return error(str(problem), 400)
            except Exception as problem:  # noqa: BLE001 - never a 5xx to a platform
                logger.error("%s: webhook failed: %s", channel, type(problem).__name__)
                return response.json({"status": "ignored"}, status=200)

        guarded.__name__ = handler.__name__
        return guarded

    return wrap
