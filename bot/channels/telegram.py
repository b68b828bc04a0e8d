"""Telegram, configured from the environment.

credentials.yml::

    bot.channels.telegram.TelegramInput:

Environment: TELEGRAM_BOT_TOKEN (from @BotFather), TELEGRAM_VERIFY (the bot's
username, without @), TELEGRAM_WEBHOOK_URL (the public
https://.../webhooks/telegram/webhook); optional TELEGRAM_API_URL (default
https://api.telegram.org) and TELEGRAM_SECRET_TOKEN (default: derived from the
bot token).

Compared with Rasa's TelegramInput:
- Off (variables missing): no Telegram object is made, no API call at startup.
- On: the webhook is registered after the server has started (in the
  background; a failure is logged, startup never fails), with a secret token;
  Telegram sends it back in X-Telegram-Bot-Api-Secret-Token on every update
  and updates without it get a 403. (Rasa calls getMe on every update, which
  checks our own token, not the sender, and calls setWebhook while building
  the blueprint, which fails at startup when Telegram is unreachable.)
- Bad updates get a 400/200, never a 5xx; "/start" is a greeting; input is
  checked like REST.
- Replies: the text with tel:/sms: buttons as lines (Telegram URL buttons only
  take http(s) and tg:// links); postback buttons as an inline keyboard, and
  when Telegram rejects that the text is sent again on its own.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer, check_token
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput as RasaTelegramInput
from rasa.core.channels.telegram import TelegramOutput as RasaTelegramOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import inbound, messaging
from bot.channels.messaging import PlatformOutput, Reply

logger = logging.getLogger(__name__)

REQUIRED = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_VERIFY", "TELEGRAM_WEBHOOK_URL")
DEFAULT_API_URL = "https://api.telegram.org"
TEXT_LIMIT = 4096          # characters in one message
CALLBACK_DATA_LIMIT = 64   # bytes of callback_data
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_KEYS = ("access_token",)
ALLOWED_UPDATES = '["message","edited_message","callback_query"]'


def derived_secret(bot_token: str) -> str:
    """A webhook secret token (A-Z, a-z, 0-9, _ and -, up to 256) from the bot token."""
    return hmac.new(bot_token.encode(), b"tms-telegram-webhook", hashlib.sha256).hexdigest()


def valid_token(token: str) -> bool:
    try:
        return bool(check_token(token))
    except Exception:  # noqa: BLE001 - aiogram raises ValidationError
        return False


class TelegramBotOutput(PlatformOutput, RasaTelegramOutput):
    """Telegram replies: text (with link lines) first, postbacks as an inline keyboard."""

    def __init__(self, access_token: str, api_url: str = DEFAULT_API_URL) -> None:
        Bot.__init__(self, access_token, server=TelegramAPIServer.from_base(api_url))

    @staticmethod
    def keyboard(reply: Reply) -> Optional[InlineKeyboardMarkup]:
        buttons = [InlineKeyboardButton(title[:64], callback_data=payload)
                   for title, payload in reply.choices
                   if len(payload.encode("utf-8")) <= CALLBACK_DATA_LIMIT]
        if not buttons:
            return None
        markup = InlineKeyboardMarkup()
        for button in buttons:
            markup.row(button)
        return markup

    @staticmethod
    def text_of(reply: Reply) -> str:
        """Full text, plus a reply hint for postbacks too long for a Telegram button."""
        long = [title for title, payload in reply.choices
                if len(payload.encode("utf-8")) > CALLBACK_DATA_LIMIT]
        text = reply.full_text()
        if long:
            text = "\n".join(part for part in [text, "You can reply: " + " / ".join(long)] if part)
        return text

    async def send_reply(self, recipient_id: str, reply: Reply) -> None:
        parts = messaging.chunks(self.text_of(reply), TEXT_LIMIT) or ["Please choose:"]
        for part in parts[:-1]:
            await self.send_message(recipient_id, part)
            self.mark_sent(recipient_id)
        markup = self.keyboard(reply)
        if markup is not None:
            try:
                await self.send_message(recipient_id, parts[-1], reply_markup=markup)
                self.mark_sent(recipient_id)
                return
            except TelegramAPIError as error:
                logger.warning("telegram: keyboard rejected (%s); sending the text alone",
                               type(error).__name__)
        await self.send_message(recipient_id, parts[-1])
        self.mark_sent(recipient_id)

    async def send_custom(self, recipient_id: str, custom: Any) -> None:
        if isinstance(custom, dict):
            await RasaTelegramOutput.send_custom_json(self, recipient_id, custom)
            self.mark_sent(recipient_id)


def update_text(update: Dict[str, Any], bot_name: str) -> Optional[tuple]:
    """(chat id, text, callback query id) of an update from a person, else None."""
    callback = update.get("callback_query")
    if isinstance(callback, dict):
        message = callback.get("message") if isinstance(callback.get("message"), dict) else {}
        chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
        if isinstance(callback.get("data"), str) and chat.get("id") is not None:
            return chat["id"], callback["data"], callback.get("id")
        return None
    message = update.get("message") or update.get("edited_message")
    if not isinstance(message, dict) or not isinstance(message.get("text"), str):
        return None
    author = message.get("from") if isinstance(message.get("from"), dict) else {}
    if author.get("is_bot"):
        return None
    chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
    if chat.get("id") is None:
        return None
    text = message["text"]
    if bot_name:  # "/start@tms_bot", "@tms_bot hello" in groups
        text = re.sub(rf"@{re.escape(bot_name)}\b", "", text, flags=re.IGNORECASE).strip()
    if text.split(" ", 1)[0] == "/start":
        text = "/greet"
    return chat["id"], text, None


class TelegramInput(RasaTelegramInput):
    """Rasa's Telegram channel, secrets from the environment, no API call when off."""

    api_url = DEFAULT_API_URL
    secret_token = ""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        messaging.ignore_file_secrets("telegram", credentials, SECRET_KEYS)
        env = messaging.env_settings("telegram", REQUIRED, {"TELEGRAM_API_URL": DEFAULT_API_URL,
                                                            "TELEGRAM_SECRET_TOKEN": ""})
        if env is not None and not valid_token(env["TELEGRAM_BOT_TOKEN"]):
            logger.info("telegram channel off: TELEGRAM_BOT_TOKEN is not a bot token "
                        "(<digits>:<letters>, from @BotFather)")
            env = None
        if env is None:
            return messaging.DisabledChannel("telegram", messaging.off_hint(REQUIRED))
        channel = cls(env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_VERIFY"].lstrip("@"),
                      env["TELEGRAM_WEBHOOK_URL"], debug_mode=False)
        channel.api_url = env["TELEGRAM_API_URL"]
        channel.secret_token = env["TELEGRAM_SECRET_TOKEN"] or derived_secret(channel.access_token)
        return channel

    def get_output_channel(self) -> TelegramBotOutput:
        """An output channel; unlike Rasa's, it does not call setWebhook."""
        return TelegramBotOutput(self.access_token, self.api_url)

    async def register_webhook(self, bot: TelegramBotOutput) -> bool:
        """setWebhook with our secret token (aiogram 2.15 has no parameter for it)."""
        try:
            await bot.request("setWebhook", {"url": self.webhook_url,
                                             "secret_token": self.secret_token,
                                             "allowed_updates": ALLOWED_UPDATES})
            logger.info("telegram: webhook registered")
            return True
        except Exception as error:  # noqa: BLE001 - never fails startup
            logger.warning("telegram: could not register the webhook (%s); "
                           "POST /webhooks/telegram/set_webhook to retry", type(error).__name__)
            return False

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("tms_telegram_webhook", __name__)
        background = messaging.Background("telegram")
        outputs: List[TelegramBotOutput] = []

        def output() -> TelegramBotOutput:
            if not outputs:  # made inside the running loop (aiogram binds its session)
                outputs.append(self.get_output_channel())
            return outputs[0]

        @webhook.listener("after_server_start")
        async def register(*_: Any) -> None:
            background.run(self.register_webhook(output()))

        @webhook.listener("before_server_stop")
        async def close(*_: Any) -> None:
            session = getattr(outputs[0], "_session", None) if outputs else None
            if session is not None and not session.closed:  # aiogram's HTTP session
                await session.close()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/set_webhook", methods=["POST"])
        @messaging.never_5xx("telegram")
        async def set_webhook(request: Request) -> HTTPResponse:
            if not hmac.compare_digest((request.headers.get(SECRET_HEADER) or "").encode(),
                                       self.secret_token.encode()):
                return messaging.error("missing or invalid " + SECRET_HEADER, 403)
            ok = await self.register_webhook(output())
            return response.json({"webhook": "set" if ok else "failed, see the server log"})

        @webhook.route("/webhook", methods=["POST"])
        @messaging.never_5xx("telegram")
        async def receive(request: Request) -> HTTPResponse:
            if not hmac.compare_digest((request.headers.get(SECRET_HEADER) or "").encode(),
                                       self.secret_token.encode()):
                logger.warning("telegram: update without the webhook secret token rejected")
                return messaging.error("missing or invalid " + SECRET_HEADER, 403)
            update = messaging.json_body(request)
            if not isinstance(update, dict):
                raise inbound.InboundError("body must be a JSON object")
            found = update_text(update, self.verify or "")
            if found is None:
                return response.json({"status": "ignored"})
            chat_id, text, callback_id = found
            bot = output()
            if callback_id:
                background.run(bot.answer_callback_query(callback_id))
            background.run(messaging.deliver(on_new_message, bot, self.name(), chat_id, text,
                                             self.get_metadata(request)))
            return response.json({"status": "ok"})

        return webhook
