"""The website chat widget's channel: Rasa's socket.io connector plus the widget's files.

Use it in credentials.yml instead of `socketio:` (same settings)::

    bot.channels.webchat.WebchatInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true

The channel keeps the name "socketio" (responses, the tracker and the actions
see the same channel as before) and the socket.io endpoint stays /socket.io.
Its blueprint lives under /webhooks/webchat/ and also serves:

- GET /webhooks/webchat/            demo page: a fictional clinic page with the widget
- GET /webhooks/webchat/widget.js   the widget (one <script> tag embeds it)
- GET /webhooks/webchat/widget.css  its styles
- GET /webhooks/webchat/vendor/socket.io.min.js  socket.io-client, from node_modules (npm ci)
- GET /webhooks/webchat/config.json?country=US   clinic name/phone and crisis lines
- GET /webhooks/webchat/health

What it changes compared with Rasa's SocketIOInput:

- Origins: socket.io accepts the server's own origin (the demo page) and those
  in ALLOWED_ORIGINS (comma-separated, e.g. "https://clinic.example,https://www.clinic.example"),
  compared whole (scheme, host, port) by bot.channels.origins; the Host header
  is never trusted. Rasa's own allows every origin.
- Ownership: `session_request` must present the conversation's id AND the token
  the server issued with it (`session_token`); otherwise the socket gets a fresh
  conversation (random id). `session_confirm` carries (id, token). Messages and
  `webchat_sync` use the socket's confirmed conversation only, never an id the
  message names (bot.channels.ownership).
- Bad events: a packet that is not JSON, nested deeper than 32 levels or too
  large, an event with missing or malformed data, an unknown event: the crisis
  text when its readable part holds crisis language, otherwise a `webchat_error`
  event (and an error acknowledgement): never silence.
- Input is checked like the REST channel (bot.channels.inbound): empty, junk or
  over-long messages never reach Rasa; patient text is never logged.
- Metadata: `metadata` (Rasa's key, or `metadata_key`) or `customData` (rasa-webchat's).
- Each bot utterance is sent as ONE message (Rasa splits texts on blank lines),
  with an `id`, and `crisis: "alert"` on a crisis reply (utter_crisis,
  utter_crisis_unsafe) or `crisis: "support"` on other replies that carry a
  crisis line's tel:/sms: link, so the widget can show them as a card.
- Messages carry a client `id`: a message re-sent after a network drop is
  processed once. The acknowledgement comes when the bot's turn is over.
- `webchat_sync` (after `session_request`): the bot messages the client missed
  while it was away (counted from the tracker) are sent again.
"""
from __future__ import annotations

import asyncio
import collections
import functools
import hashlib
import html
import inspect
import json
import logging
import os
import re
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

import engineio
import socketio
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from rasa.shared.core.events import BotUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

try:
    from sanic_cors.core import SANIC_CORS_EVALUATED
except ImportError:  # pragma: no cover - Rasa 3.6 ships sanic-cors
    SANIC_CORS_EVALUATED = "_sanic_cors_e"

from bot import config
from bot.channels import failsafe, inbound, origins, ownership

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
WEB_DIR = ROOT / "bot" / "web"
NODE_MODULES = Path(os.environ.get("WEBCHAT_NODE_MODULES", ROOT / "node_modules"))
SOCKET_IO_CLIENT = NODE_MODULES / "socket.io-client" / "dist" / "socket.io.min.js"
ERROR_EVENT = "webchat_error"
URL_PREFIX = "webchat"

CRISIS_ALERT_RESPONSES = frozenset({"utter_crisis", "utter_crisis_unsafe"})
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_REPLAY = 20
SEEN_PER_SESSION = 64
MAX_SESSIONS_TRACKED = 5000

STATIC_FILES = {
    "widget.js": ("widget.js", "application/javascript; charset=utf-8"),
    "widget.css": ("widget.css", "text/css; charset=utf-8"),
    "demo.css": ("demo.css", "text/css; charset=utf-8"),
}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# The demo page loads nothing but this server: scripts, styles, socket.io.
DEMO_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'")


# ---------------------------------------------------------------- origins ---

def _cors_handled(request: Any) -> None:
    """Tell Rasa's Sanic-CORS (--cors) to leave this response alone (no duplicate headers)."""
    try:
        setattr(request.ctx, SANIC_CORS_EVALUATED, "1")
    except AttributeError:
        pass


def with_cors(request: Request, resp: HTTPResponse) -> HTTPResponse:
    """CORS for the widget's own routes: the same origins as socket.io (ALLOWED_ORIGINS)."""
    _cors_handled(request)
    origin = request.headers.get("origin")
    resp.headers["Vary"] = "Origin"
    if origin and origins.allowed(origin):
        resp.headers["Access-Control-Allow-Origin"] = origin
    return resp


class _OriginCheckingEngineIO(engineio.AsyncServer):
    """engine.io server allowing the server's own origin plus ALLOWED_ORIGINS, compared
    whole (bot.channels.origins), never with the Host header.

    (engine.io's same-origin default needs a WSGI scheme that the Sanic driver
    does not provide, and Rasa turns the check off altogether.)
    """

    async def handle_request(self, *args: Any, **kwargs: Any) -> Any:
        if args:
            _cors_handled(args[0])  # engine.io sets its own CORS headers (see above)
            # python-engineio 4.8.0 answers a polling POST without a session id
            # with a 500 (TypeError): it is a client error, say so.
            if getattr(args[0], "method", "") == "POST" and not args[0].args.get("sid"):
                return response.json({"error": "socket.io POST needs a session id (sid)"},
                                     status=400)
        result = await super().handle_request(*args, **kwargs)
        # A finished websocket returns None, which Sanic logs as a server error
        # on every disconnect: answer with an empty response instead.
        return response.empty() if result is None else result

    def _cors_allowed_origins(self, environ: Dict[str, Any]) -> Optional[List[str]]:
        origin = environ.get("HTTP_ORIGIN")
        if origin and origins.allowed(origin):
            return [origin]
        return []


class _WebchatSocketServer(socketio.AsyncServer):
    def _engineio_server_class(self):  # noqa: ANN202 - python-socketio hook
        return _OriginCheckingEngineIO


BAD_INPUT = "_tms_bad_input"  # key of the stand-in data for a packet we could not read


class SafeJson:
    """The json module python-socketio decodes its packets with: a packet that is not
    JSON, too large or nested too deeply becomes [event, {BAD_INPUT: error,
    "readable": its strings}] instead of an exception (which socket.io would
    swallow: the sender would hear nothing)."""

    dumps = staticmethod(json.dumps)

    @staticmethod
    def loads(text: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode("utf-8", errors="replace")
        try:
            return inbound.loads(text)
        except inbound.InboundError as error:
            readable = inbound.readable_text(text)
            match = re.match(r'\s*\[\s*"([A-Za-z0-9_]{1,64})"', text)
            return [match.group(1) if match else "message",
                    {BAD_INPUT: str(error), "readable": readable}]


class SafePacket(socketio.packet.Packet):
    """socket.io packets decoded with SafeJson (engine.io keeps the plain json module:
    it relies on ValueError to tell JSON from socket.io text)."""

    json = SafeJson


# ---------------------------------------------------------------- messages ---

@functools.lru_cache(maxsize=None)
def crisis_link_payloads() -> frozenset:
    """Every crisis line's tel:/sms: payload, all countries (digits only)."""
    payloads = set()
    for resources in config.crisis_resources().values():
        for button in resources.get("buttons") or []:
            payload = str(button.get("payload", ""))
            if payload.startswith(("tel:", "sms:")):
                payloads.add(_link_key(payload))
    return frozenset(payloads)


def _link_key(payload: str) -> str:
    scheme, _, number = payload.partition(":")
    return scheme.lower() + ":" + re.sub(r"[^0-9+]", "", number)


def crisis_kind(buttons: Iterable[Dict[str, Any]], utter_action: Optional[str]) -> Optional[str]:
    """'alert' for a crisis reply, 'support' for one offering a crisis line, else None."""
    if utter_action in CRISIS_ALERT_RESPONSES:
        return "alert"
    for button in buttons:
        payload = str(button.get("payload", ""))
        if payload.startswith(("tel:", "sms:")) and _link_key(payload) in crisis_link_payloads():
            return "support"
    return None


def bot_message(text: Optional[str], buttons: Optional[List[Dict[str, Any]]] = None,
                utter_action: Optional[str] = None, message_id: Optional[str] = None,
                tracked: bool = True) -> Dict[str, Any]:
    """One bot utterance as the widget receives it."""
    message: Dict[str, Any] = {"id": message_id or uuid.uuid4().hex, "text": (text or "").strip()}
    buttons = [b for b in (buttons or []) if isinstance(b, dict)]
    if buttons:
        message["quick_replies"] = [
            {"content_type": "text", "title": str(b.get("title", "")),
             "payload": str(b.get("payload", ""))}
            for b in buttons
        ]
    kind = crisis_kind(buttons, utter_action)
    if kind:
        message["crisis"] = kind
    if not tracked:
        message["untracked"] = True  # not in the tracker: not counted by webchat_sync
    return message


class WebchatOutput(SocketIOOutput):
    """socket.io output: one message per utterance, with an id and a crisis marker."""

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send_message(recipient_id, bot_message(text, None, kwargs.get("utter_action")))

    async def send_text_with_buttons(self, recipient_id: Text, text: Text,
                                     buttons: List[Dict[Text, Any]], **kwargs: Any) -> None:
        await self._send_message(recipient_id,
                                 bot_message(text, buttons, kwargs.get("utter_action")))

    async def send_untracked(self, recipient_id: Text, text: Text,
                             buttons: Optional[List[Dict[str, Any]]] = None,
                             utter_action: Optional[str] = None) -> None:
        await self._send_message(recipient_id, bot_message(text, buttons, utter_action,
                                                           tracked=False))


def replay_messages(events: Iterable[Any], known: int) -> List[Dict[str, Any]]:
    """The bot messages after the first `known` ones (at most MAX_REPLAY), for webchat_sync."""
    uttered = [event for event in events if isinstance(event, BotUttered)]
    start = max(known, len(uttered) - MAX_REPLAY)
    out = []
    for index in range(start, len(uttered)):
        event = uttered[index]
        data = event.data or {}
        buttons = data.get("buttons") or data.get("quick_replies") or []
        utter_action = (event.metadata or {}).get("utter_action")
        message = bot_message(event.text, buttons, utter_action, message_id=f"t{index}")
        message["replay"] = True
        staff = (event.metadata or {}).get("staff")  # a line from the staff console (bot/staff)
        if isinstance(staff, dict) and staff.get("kind") in ("join", "message", "leave"):
            message["staff"] = {"kind": staff["kind"], "name": str(staff.get("name", ""))}
        out.append(message)
    return out


# ---------------------------------------------------------------- config ---

def _digits_href(scheme: str, number: Any) -> Optional[str]:
    digits = re.sub(r"[^0-9+]", "", str(number or ""))
    return f"{scheme}:{digits}" if digits else None


def widget_config(country: Any = None) -> Dict[str, Any]:
    """What the widget shows besides the conversation (no number is hard-coded in it)."""
    clinic = config.clinic()
    code = config.normalise_country(country) or clinic["country"]
    resources = config.resources_for(code)
    buttons = resources.get("buttons") or []
    call = next((b for b in buttons if str(b.get("payload", "")).startswith("tel:")), None)
    text = next((b for b in buttons if str(b.get("payload", "")).startswith("sms:")), None)
    crisis = {
        "country": code,
        "short_line": resources.get("short_line") or f"In crisis? {resources.get('reach', '')}",
        "call_href": call["payload"] if call else _digits_href("tel", resources.get("call")),
        "call_label": call["title"] if call else f"Call {resources.get('call', '')}".strip(),
        "text_href": text["payload"] if text else _digits_href("sms", resources.get("text_number")),
        "text_label": text["title"] if text else (
            f"Text {resources['text_number']}" if resources.get("text_number") else None),
        "emergency": resources.get("emergency"),
    }
    return {
        "clinic": {
            "name": clinic["name"],
            "short_name": clinic.get("short_name") or clinic["name"],
            "phone_display": clinic.get("phone_display") or clinic["phone"],
            "phone_href": _digits_href("tel", clinic["phone"]),
            "hours": clinic.get("hours"),
        },
        "crisis": crisis,
    }


# ---------------------------------------------------------------- static ---

def _static(name: str, content_type: str, body: bytes, request: Request,
            extra: Optional[Dict[str, str]] = None) -> HTTPResponse:
    etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-cache", "ETag": etag, **(extra or {})}
    if request.headers.get("if-none-match") == etag:
        return with_cors(request, response.raw(b"", status=304, headers=headers))
    return with_cors(request, response.raw(body, content_type=content_type, headers=headers))


def demo_page() -> str:
    """The demo page: a fictional clinic's TMS page with the widget on it."""
    clinic = config.clinic()
    template = (WEB_DIR / "demo.html").read_text(encoding="utf-8")
    values = {
        "CLINIC_NAME": clinic["name"],
        "CLINIC_SHORT_NAME": clinic.get("short_name") or clinic["name"],
        "CLINIC_PHONE": clinic.get("phone_display") or clinic["phone"],
        "CLINIC_PHONE_HREF": _digits_href("tel", clinic["phone"]) or "#",
        "CLINIC_HOURS": clinic.get("hours") or "",
        "CLINIC_EMAIL": clinic.get("email") or "",
        "COUNTRY": clinic["country"],
        "CRISIS_LINE": config.resources_for(clinic["country"]).get("short_line", ""),
        "PRIMARY_COLOR": os.environ.get("WEBCHAT_PRIMARY_COLOR", "#1d5c63"),
        "PREFIX": f"/webhooks/{URL_PREFIX}",
    }
    for key, value in values.items():
        template = template.replace("{{" + key + "}}", html.escape(str(value), quote=True))
    return template


# ---------------------------------------------------------------- channel ---

class WebchatInput(SocketIOInput):
    """Rasa's socket.io channel with origin checks, input checks and the widget's routes."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def url_prefix(self) -> Text:
        return URL_PREFIX

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # session id -> {client message id -> done event}: a message re-sent after
        # a network drop is handled once.
        self._seen: "collections.OrderedDict[str, collections.OrderedDict[str, asyncio.Event]]" = \
            collections.OrderedDict()

    def get_output_channel(self) -> Optional[OutputChannel]:
        channel = super().get_output_channel()
        return WebchatOutput(self.sio, self.bot_message_evt) if channel else None

    def _seen_for(self, sender: str) -> "collections.OrderedDict[str, asyncio.Event]":
        seen = self._seen.pop(sender, None) or collections.OrderedDict()
        self._seen[sender] = seen
        while len(self._seen) > MAX_SESSIONS_TRACKED:
            self._seen.popitem(last=False)
        return seen

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Packets up to twice the body limit reach SafeJson, which answers those over
        # the limit with a clear error; engine.io itself closes bigger ones.
        sio = _WebchatSocketServer(async_mode="sanic", cors_allowed_origins=None,
                                   max_http_buffer_size=2 * inbound.MAX_BODY_BYTES,
                                   serializer=SafePacket)
        webhook = SocketBlueprint(sio, self.socketio_path, "webchat_webhook", __name__)
        self.sio = sio
        namespace = self.namespace
        # Staff console (bot/staff): shares this server for its /staff namespace
        # and to deliver staff messages to the widget. No-op without staff accounts.
        from bot.staff import live as staff_live
        staff_live.attach_webchat(sio, self.bot_message_evt, namespace)

        # ---- socket.io -------------------------------------------------------
        @sio.on("connect", namespace=namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict]) -> bool:
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            payload = None
            if token:
                from rasa.core.channels.channel import decode_bearer_token
                payload = decode_bearer_token(token, self.jwt_key, self.jwt_algorithm)
            return bool(payload)

        async def refuse(sid: Text, event: str, error: str, readable: Any,
                         metadata: Any = None) -> Dict[str, Any]:
            """Input we cannot use: the crisis text if a person in crisis wrote it,
            else an error event; the acknowledgement says what was wrong."""
            crisis = failsafe.crisis_reply(readable if isinstance(readable, str) else
                                           inbound.readable_text(json.dumps(readable, default=str)),
                                           metadata if isinstance(metadata, dict) else None)
            if crisis is not None:
                await sio.emit(self.bot_message_evt,
                               bot_message(crisis["text"], crisis["buttons"], "utter_crisis",
                                           tracked=False), room=sid, namespace=namespace)
            else:
                await sio.emit(ERROR_EVENT, {"event": event, "error": error},
                               room=sid, namespace=namespace)
            return {"ok": False, "error": error}

        def bad_packet(data: Any) -> Optional[Dict[str, Any]]:
            return data if isinstance(data, dict) and BAD_INPUT in data else None

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: Text, *args: Any) -> None:
            data = args[0] if args and isinstance(args[0], dict) else {}
            session_id = data.get("session_id")
            token = data.get("session_token")
            if not self.session_persistence:
                session_id, token = sid, None
            elif not ownership.verify(session_id, token):
                # no token (a new or pre-token widget), a wrong one, or someone else's
                # id: a fresh conversation, never theirs
                session_id, token = ownership.new_conversation()
            if self.session_persistence:
                entered = sio.enter_room(sid, session_id, namespace=namespace)
                if inspect.isawaitable(entered):  # a coroutine in later python-socketio
                    await entered
            await sio.save_session(sid, {"session_id": session_id}, namespace=namespace)
            await sio.emit("session_confirm", (session_id, token) if token else session_id,
                           room=sid, namespace=namespace)

        async def confirmed_sender(sid: Text) -> Optional[str]:
            if not self.session_persistence:
                return sid
            session = await sio.get_session(sid, namespace=namespace)
            return session.get("session_id")

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: Text, *args: Any) -> Dict[str, Any]:
            event = self.user_message_evt
            data = args[0] if args else None
            bad = bad_packet(data)
            if bad is not None:
                return await refuse(sid, event, bad[BAD_INPUT], bad.get("readable", ""))
            if not isinstance(data, dict):
                return await refuse(sid, event, "send an object with 'message'", data)
            sender = await confirmed_sender(sid)
            if sender is None:
                return await refuse(sid, event, "no conversation: send session_request first",
                                    data.get("message", data))
            named = data.get("session_id")
            if self.session_persistence and named not in (None, sender):
                return await refuse(sid, event, "session_id is not this connection's "
                                    "conversation", data.get("message", data))
            output = WebchatOutput(sio, self.bot_message_evt)

            message_id = data.get("id")
            done: Optional[asyncio.Event] = None
            if isinstance(message_id, str) and _MESSAGE_ID.match(message_id):
                seen = self._seen_for(sender)
                if message_id in seen:
                    try:  # answer once the first copy's turn is over
                        await asyncio.wait_for(seen[message_id].wait(), timeout=60)
                    except asyncio.TimeoutError:
                        pass
                    return {"ok": True, "duplicate": True}
                done = seen[message_id] = asyncio.Event()
                while len(seen) > SEEN_PER_SESSION:
                    seen.popitem(last=False)
            try:
                metadata = data.get(self.metadata_key)
                if metadata is None:
                    metadata = data.get("customData")
                if isinstance(metadata, str):
                    try:
                        metadata = inbound.loads(metadata)
                    except inbound.InboundError:
                        metadata = None
                try:
                    message = inbound.check_message(sender, data.get("message"), metadata)
                except inbound.InboundError as error:
                    return await refuse(sid, event, str(error), data.get("message", data),
                                        metadata)
                if message.too_long:
                    await output.send_untracked(sender, inbound.too_long_reply())
                    return {"ok": True}
                try:
                    await on_new_message(UserMessage(message.text, output, message.sender,
                                                     input_channel=self.name(),
                                                     metadata=message.metadata))
                except (asyncio.CancelledError, Exception) as error:  # noqa: BLE001
                    logger.error("webchat: message handling failed: %s", type(error).__name__)
                    reply = failsafe.failure_reply(message.text, message.metadata)
                    await output.send_untracked(sender, reply["text"], reply["buttons"],
                                                "utter_crisis" if reply["crisis"] else None)
                    return {"ok": False, "error": "the assistant could not answer"}
                return {"ok": True}
            finally:
                if done is not None:
                    done.set()

        @sio.on("webchat_sync", namespace=namespace)
        async def sync(sid: Text, *args: Any) -> Dict[str, Any]:
            """Send again the bot messages this client has not seen (counted)."""
            data = args[0] if args else None
            bad = bad_packet(data)
            if bad is not None:
                return await refuse(sid, "webchat_sync", bad[BAD_INPUT], bad.get("readable", ""))
            known = data.get("bot_count") if isinstance(data, dict) else None
            if not isinstance(known, int) or isinstance(known, bool) or known < 0:
                return await refuse(sid, "webchat_sync",
                                    "bot_count must be a non-negative integer", "")
            sender = await confirmed_sender(sid)
            if not sender:
                return await refuse(sid, "webchat_sync", "send session_request first", "")
            try:
                agent = sio.get_environ(sid, namespace=namespace)["sanic.request"].app.ctx.agent
                tracker = await agent.tracker_store.retrieve_full_tracker(sender)
            except Exception as error:  # noqa: BLE001 - a sync is best effort
                logger.warning("webchat: sync failed: %s", type(error).__name__)
                return {"ok": False, "error": "history unavailable"}
            events = list(tracker.events) if tracker else []
            total = sum(1 for event in events if isinstance(event, BotUttered))
            replay = replay_messages(events, known)
            for message in replay:
                await sio.emit(self.bot_message_evt, message, room=sid, namespace=namespace)
            return {"ok": True, "bot_count": total, "replayed": len(replay)}

        @sio.on("*", namespace=namespace)
        async def unknown(event: Text, sid: Text, *args: Any) -> Dict[str, Any]:
            bad = bad_packet(args[0]) if args else None
            readable = bad.get("readable", "") if bad else list(args)
            return await refuse(sid, str(event)[:64], bad[BAD_INPUT] if bad else
                                f"unknown event {str(event)[:64]!r}", readable)

        # ---- HTTP ------------------------------------------------------------
        @webhook.route("/", methods=["GET"])
        async def demo(request: Request) -> HTTPResponse:
            body = demo_page().encode("utf-8")
            return _static("demo.html", "text/html; charset=utf-8", body, request,
                           {"Content-Security-Policy": DEMO_CSP})

        @webhook.route("/health", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return with_cors(request, response.json({"status": "ok"}))

        @webhook.route("/config.json", methods=["GET"])
        async def widget_settings(request: Request) -> HTTPResponse:
            return with_cors(request, response.json(
                widget_config(request.args.get("country")),
                headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"}))

        @webhook.route("/<name:(widget\\.js|widget\\.css|demo\\.css)>", methods=["GET"])
        async def static(request: Request, name: str) -> HTTPResponse:
            filename, content_type = STATIC_FILES[name]
            return _static(filename, content_type, (WEB_DIR / filename).read_bytes(), request)

        @webhook.route("/vendor/socket.io.min.js", methods=["GET"])
        async def socket_io_client(request: Request) -> HTTPResponse:
            if not SOCKET_IO_CLIENT.is_file():
                logger.error("webchat: %s missing: run scripts/setup_web.sh (npm ci)",
                             SOCKET_IO_CLIENT)
                return response.text("socket.io client not installed (run npm ci)", status=503)
            return _static("socket.io.min.js", "application/javascript; charset=utf-8",
                           SOCKET_IO_CLIENT.read_bytes(), request)

        return webhook
