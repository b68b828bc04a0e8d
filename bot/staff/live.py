"""Live pushes: the socket.io /staff namespace, and staff lines to the patient's widget.

The widget's socket.io server (bot/channels/webchat.py) calls
`attach_webchat(sio, ...)` once; the console then shares it:

* namespace /staff: a socket connects only with a valid staff session cookie
  and from the server's own origin (the widget may be embedded on a clinic's
  site that is allowed for patients, never for staff). Patients' sockets
  (namespace /) have no handler here and no cookie: they cannot join.
  Every staff socket is in room "staff" (queue items, alerts); "watch" puts it
  in the room of one conversation (its messages, live).
* to the patient: a message to the widget's room (the session id), as the
  channel sends bot messages, with a `staff` marker.
* messaging channels (Slack, Messenger, Telegram, Twilio SMS): the same lines
  go out through the channel's own connector (its output channel), prefixed
  with the staff member's name, when that channel is on.
* several replicas: with STAFF_REDIS_URL the server uses python-socketio's
  Redis manager, so an emit reaches sockets connected to another replica.
"""
from __future__ import annotations

import logging
from http.cookies import SimpleCookie
from typing import Any, Dict, List, Optional
from urllib.parse import urlsplit

from bot.staff import auth, settings, store

logger = logging.getLogger(__name__)

NAMESPACE = "/staff"
STAFF_ROOM = "staff"
LIVE_CHANNELS = frozenset({"socketio"})
MESSAGING_CHANNELS = frozenset({"slack", "facebook", "telegram", "twilio"})
COOKIE_NAMES = ("__Host-tms_staff", "tms_staff")
_state: Dict[str, Any] = {"sio": None, "event": "bot_uttered", "namespace": "/", "channels": {}}
_sockets: Dict[str, str] = {}  # this process's staff socket id -> session token hash


def conversation_room(conversation_id: str) -> str:
    return "conv:" + conversation_id


def cookie_token(header: Optional[str]) -> Optional[str]:
    if not header:
        return None
    jar = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # noqa: BLE001 - a malformed cookie header is "no session"
        return None
    for name in COOKIE_NAMES:
        if name in jar:
            return jar[name].value
    return None


def same_origin(origin: Optional[str], host: Optional[str]) -> bool:
    """Staff requests come from the console's own page (or carry no Origin: not a browser)."""
    if not origin:
        return True
    return bool(host) and urlsplit(origin.strip().lower()).netloc == host.strip().lower()


def register_channels(input_channels: Any) -> None:
    """Remember the messaging channels that are on (Rasa's app.ctx.input_channels)."""
    from bot.channels.messaging import DisabledChannel
    _state["channels"] = {channel.name(): channel for channel in input_channels or []
                          if channel.name() in MESSAGING_CHANNELS
                          and not isinstance(channel, DisabledChannel)}


def live_channel(channel: Optional[str]) -> bool:
    """Can a staff member reply live on this channel?"""
    if channel in LIVE_CHANNELS:
        return _state["sio"] is not None
    return channel in _state["channels"]


def attach_webchat(sio: Any, bot_message_evt: str, namespace: Optional[str]) -> None:
    """Share the widget's socket.io server (called by the webchat channel)."""
    if not settings.enabled():
        return
    _state.update(sio=sio, event=bot_message_evt, namespace=namespace or "/")
    url = settings.redis_url()
    if url:
        import socketio
        manager = socketio.AsyncRedisManager(url, channel="tms_socketio")
        sio.manager = manager
        manager.set_server(sio)
        logger.info("staff console: socket.io messages shared through Redis")

    @sio.on("connect", namespace=NAMESPACE)
    async def connect(sid: str, environ: Dict[str, Any], auth_data: Any = None) -> bool:
        if not same_origin(environ.get("HTTP_ORIGIN"), environ.get("HTTP_HOST")):
            return False
        staff = auth.session(store.engine(), cookie_token(environ.get("HTTP_COOKIE")))
        if staff is None:
            return False
        await sio.save_session(sid, {"username": staff.username, "token_hash": staff.token_hash},
                               namespace=NAMESPACE)
        _sockets[sid] = staff.token_hash
        await _enter(sid, STAFF_ROOM)
        return True

    @sio.on("disconnect", namespace=NAMESPACE)
    async def disconnect(sid: str) -> None:
        _sockets.pop(sid, None)

    @sio.on("watch", namespace=NAMESPACE)
    async def watch(sid: str, data: Any) -> Dict[str, Any]:
        """Follow one conversation live (the transcript was fetched, and audited, over HTTP)."""
        conversation_id = data.get("conversation_id") if isinstance(data, dict) else None
        if not isinstance(conversation_id, str) or not 0 < len(conversation_id) <= 255:
            return {"ok": False, "error": "conversation_id required"}
        session = await sio.get_session(sid, namespace=NAMESPACE)
        eng = store.engine()
        if auth.session_by_hash(eng, session.get("token_hash", "")) is None:
            await sio.disconnect(sid, namespace=NAMESPACE)  # logged out or expired meanwhile
            return {"ok": False, "error": "log in again"}
        for room in list(sio.rooms(sid, namespace=NAMESPACE)):
            if room.startswith("conv:"):
                await _leave(sid, room)
        if store.get_conversation(store.engine(), conversation_id) is None:
            return {"ok": False, "error": "no such conversation"}
        await _enter(sid, conversation_room(conversation_id))
        store.write_audit(eng, session.get("username", "-"), "watch", conversation_id)
        return {"ok": True}


def start_manager() -> None:
    """Start listening to the other replicas now (python-socketio waits for a first connection)."""
    sio = _state["sio"]
    if sio is not None and settings.redis_url() and not getattr(sio, "manager_initialized", True):
        sio.manager_initialized = True
        sio.manager.initialize()


async def end_session(token_hash: str) -> None:
    """Disconnect this process's sockets of a session that logged out.

    (Another replica's sockets of that session stop at their next "watch" and
    can no longer reconnect: the session is gone from the database.)
    """
    for sid, digest in list(_sockets.items()):
        if digest == token_hash and _state["sio"] is not None:
            await _state["sio"].disconnect(sid, namespace=NAMESPACE)
            _sockets.pop(sid, None)


async def _enter(sid: str, room: str) -> None:
    result = _state["sio"].enter_room(sid, room, namespace=NAMESPACE)
    if hasattr(result, "__await__"):
        await result


async def _leave(sid: str, room: str) -> None:
    result = _state["sio"].leave_room(sid, room, namespace=NAMESPACE)
    if hasattr(result, "__await__"):
        await result


async def to_staff(event: str, data: Dict[str, Any]) -> None:
    if _state["sio"] is not None:
        await _state["sio"].emit(event, data, room=STAFF_ROOM, namespace=NAMESPACE)


async def to_watchers(conversation_id: str, data: Dict[str, Any]) -> None:
    if _state["sio"] is not None:
        await _state["sio"].emit("conversation_event", {"conversation_id": conversation_id, **data},
                                 room=conversation_room(conversation_id), namespace=NAMESPACE)


def widget_message(text: str, staff: Optional[Dict[str, Any]] = None,
                   buttons: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    from bot.channels import webchat
    message = webchat.bot_message(text, buttons)
    if staff:
        message["staff"] = staff
    return message


def platform_text(message: Dict[str, Any]) -> str:
    """A staff message on a messaging platform: the name first, as a person signs a text."""
    staff = message.get("staff") or {}
    if staff.get("kind") == "message":
        clinic = f" ({staff['clinic']})" if staff.get("clinic") else ""
        return f"{staff.get('name', 'Staff')}{clinic}: {message['text']}"
    return message["text"]


async def to_patient(conversation_id: str, channel: Optional[str], message: Dict[str, Any],
                     metadata: Optional[Dict[str, Any]] = None) -> bool:
    """Deliver to the patient: the widget's room, or the messaging channel's connector."""
    if not live_channel(channel):
        return False
    if channel in LIVE_CHANNELS:
        await _state["sio"].emit(_state["event"], message, room=conversation_id,
                                 namespace=_state["namespace"])
        return True
    input_channel = _state["channels"][channel]
    try:
        if channel == "slack":  # replies go to the Slack channel the person wrote in
            output = input_channel.get_output_channel((metadata or {}).get("out_channel"))
        else:
            output = input_channel.get_output_channel()
        buttons = [{"title": reply["title"], "payload": reply["payload"]}
                   for reply in message.get("quick_replies") or []]
        if buttons:
            await output.send_text_with_buttons(conversation_id, platform_text(message), buttons)
        else:
            await output.send_text_message(conversation_id, platform_text(message))
    except Exception as error:  # noqa: BLE001 - stored in the tracker; the console says so
        logger.error("staff console: %s delivery failed: %s", channel, type(error).__name__)
        return False
    return True
