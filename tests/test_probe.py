"""The security and reliability probe (issue 13, issue 11 "no way around the detector"),
repeatable, against the real servers: Rasa through the launcher (bot.production.serve,
exactly as `make run` and production start it) and the action server through
bot.production.actions, on free loopback ports (the `servers` fixture).

Each finding of the probe has its case here: patient text in the log, joining
someone else's conversation (socket.io and REST), foreign origins, the tracker
file's mode, forged action-server calls, unbounded sessions, nested / huge /
malformed input on REST and socket.io, the version on GET /; plus the slash
bypasses of the crisis detector and injection strings. socket.io is spoken raw
(engine.io long-polling) so that packets no client library would send (a
5,000-level nested list, broken JSON) can be sent.
"""
from __future__ import annotations

import json
import sqlite3
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

from bot import config
from tests.helpers import ACTION_SERVER_TOKEN, ROOT, conversation_token, load_yaml, rest_say

FAQ = load_yaml(ROOT / "data" / "responses" / "faq.yml")["responses"]
US = config.resources_for("US")
PROBE_TEXT = ("/greet@1 I am Maria Quintavalle, maria.quintavalle@example.com, 415-555-0123, "
              "I was diagnosed with bipolar disorder")
PROBE_SECRETS = ("Quintavalle", "quintavalle", "555-0123", "bipolar")
SLASH_BYPASSES = [
    "/greet I want to kill myself",
    "/affirm@0.9 i'm going to kill myself tonight",
    '/greet{"country":"US"} I want to kill myself',
    "/faq/cost i want to die",
    "//human_handoff I want to kill myself",
    "/ /greet i want to end my life",
    "/deny@1.0{} i am going to kill myself",
]


# ------------------------------------------------------------------ helpers ---

def http(method: str, url: str, body: Optional[bytes] = None,
         headers: Optional[Dict[str, str]] = None, timeout: float = 60.0
         ) -> Tuple[int, Dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def rest(servers, body: Any, headers: Optional[Dict[str, str]] = None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return http("POST", f"http://127.0.0.1:{servers.port}/webhooks/rest/webhook", raw, headers)


def events_of(servers, sender: str) -> List[Tuple[str, Dict[str, Any]]]:
    path = servers.log_dir / f"tracker-{servers.port}.db"
    with sqlite3.connect(str(path)) as connection:
        rows = connection.execute("SELECT type_name, data FROM events WHERE sender_id = ? "
                                  "ORDER BY id", (sender,)).fetchall()
    return [(kind, json.loads(data)) for kind, data in rows]


def user_texts(servers, sender: str) -> List[str]:
    return [data.get("text") for kind, data in events_of(servers, sender) if kind == "user"]


def is_crisis_text(text: str) -> bool:
    return "988" in (text or "")


def assert_crisis_reply(replies: List[Dict[str, Any]]) -> None:
    assert replies, "no reply at all"
    assert is_crisis_text(replies[0].get("text")), replies


def assert_no_crisis_without_text(replies: List[Dict[str, Any]]) -> None:
    """Never a crisis message (crisis card / crisis buttons) without the crisis text."""
    for reply in replies:
        buttons = reply.get("buttons") or reply.get("quick_replies") or []
        crisis_buttons = any(str(b.get("payload", "")).startswith(("tel:988", "sms:988"))
                             for b in buttons)
        if reply.get("crisis") == "alert" or (crisis_buttons and reply.get("crisis") != "support"):
            assert is_crisis_text(reply.get("text")), reply


class RawSocket:
    """A socket.io client speaking engine.io v4 long-polling by hand."""

    def __init__(self, servers, origin: Optional[str] = None, host: Optional[str] = None):
        self.base = f"http://127.0.0.1:{servers.port}/socket.io/?EIO=4&transport=polling"
        self.headers = {"Content-Type": "text/plain;charset=UTF-8"}
        if origin:
            self.headers["Origin"] = origin
        if host:
            self.headers["Host"] = host
        status, _, body = http("GET", self.base, headers=self.headers)
        self.status = status
        self.events: List[Tuple[str, List[Any]]] = []
        self.acks: Dict[int, List[Any]] = {}
        self._ack = 0
        if status != 200:
            return
        self.sid = json.loads(body.decode()[1:])["sid"]
        self.send("0")  # socket.io CONNECT (engine.io message "4" + "0")
        self.wait(lambda: self.connected, 20)

    connected = False

    def send(self, *packets: str) -> int:
        status, _, _ = http("POST", f"{self.base}&sid={self.sid}",
                            "\x1e".join("4" + p if p[0] != "3" else p for p in packets).encode(),
                            headers=self.headers)
        return status

    def emit(self, event: str, *args: Any, ack: bool = True) -> Optional[int]:
        self._ack += 1
        ident = str(self._ack) if ack else ""
        self.send("2" + ident + json.dumps([event, *args]))
        return self._ack if ack else None

    def emit_raw(self, payload: str, ack: bool = True) -> Optional[int]:
        self._ack += 1
        self.send("2" + (str(self._ack) if ack else "") + payload)
        return self._ack if ack else None

    def _poll(self) -> None:
        status, _, body = http("GET", f"{self.base}&sid={self.sid}", headers=self.headers,
                               timeout=40)
        assert status == 200, (status, body[:200])
        for packet in body.decode().split("\x1e"):
            if packet == "2":  # engine.io ping
                self.send("3")
            elif packet.startswith("40"):
                self.connected = True
            elif packet.startswith("42"):
                data = json.loads(packet[2:])
                self.events.append((data[0], data[1:]))
            elif packet.startswith("43"):
                digits = ""
                rest = packet[2:]
                while rest and rest[0].isdigit():
                    digits, rest = digits + rest[0], rest[1:]
                self.acks[int(digits)] = json.loads(rest)

    def wait(self, done, timeout: float = 60.0) -> None:
        deadline = time.time() + timeout
        while not done():
            assert time.time() < deadline, f"timed out; events: {self.events}"
            self._poll()

    def named(self, event: str) -> List[List[Any]]:
        return [args for name, args in self.events if name == event]

    def bot(self) -> List[Dict[str, Any]]:
        return [args[0] for args in self.named("bot_uttered")]

    def session(self, session_id: Optional[str] = None, token: Optional[str] = None):
        before = len(self.named("session_confirm"))
        self.emit("session_request", {"session_id": session_id, "session_token": token}, ack=False)
        self.wait(lambda: len(self.named("session_confirm")) > before, 30)
        confirm = self.named("session_confirm")[-1]
        return confirm[0], (confirm[1] if len(confirm) > 1 else None)

    def say(self, text: Any, **extra: Any) -> Dict[str, Any]:
        ident = self.emit("user_uttered", {"message": text, **extra})
        self.wait(lambda: ident in self.acks, 90)
        return self.acks[ident][0]

    def close(self) -> None:
        try:
            self.send("1")
        except Exception:  # noqa: BLE001 - best effort
            pass


@pytest.fixture
def sock(servers):
    opened: List[RawSocket] = []

    def open_socket(**kwargs: Any) -> RawSocket:
        socket = RawSocket(servers, **kwargs)
        opened.append(socket)
        return socket

    yield open_socket
    for socket in opened:
        if socket.status == 200:
            socket.close()


def nested(depth: int, inner: Any = 1) -> str:
    return "[" * depth + json.dumps(inner) + "]" * depth


# --------------------------------------------------------------- 1 launcher ---

def test_make_run_and_the_tests_use_the_one_launcher(servers):
    run_sh = (ROOT / "scripts" / "run.sh").read_text()
    assert "-m bot.production.serve" in run_sh and "-m bot.production.actions" in run_sh
    assert "rasa run" not in run_sh and "-m rasa_sdk" not in run_sh
    log = servers.rasa.log()
    assert "profile: embedded" in log  # the launcher's summary: this server came through it


def test_sessions_are_bounded_under_the_launcher(servers):
    sender = f"long-{uuid.uuid4().hex}"
    for turn in range(23):
        rest_say(servers.port, sender, "how long is a session" if turn % 2 else "ok thanks")
    starts = [kind for kind, _ in events_of(servers, sender) if kind == "session_started"]
    assert len(starts) >= 2, "SESSION_MAX_TURNS (20) did not start a new session"


# ---------------------------------------------------------------- 2 logs -----

def test_patient_text_never_reaches_the_log(servers, sock):
    rest_say(servers.port, f"log-{uuid.uuid4().hex}", PROBE_TEXT)
    rest_say(servers.port, f"log-{uuid.uuid4().hex}", PROBE_TEXT[1:])  # plain text too
    socket = sock()
    socket.session()
    assert socket.say(PROBE_TEXT)["ok"] is True
    time.sleep(1.0)
    for log in (servers.rasa.log(), servers.actions.log()):
        for secret in PROBE_SECRETS:
            assert secret not in log, f"{secret!r} in the log"


# ---------------------------------------------------------- 3 ownership ------

def test_rest_without_the_token_never_writes_into_a_conversation(servers):
    victim = f"victim-{uuid.uuid4().hex}"
    rest_say(servers.port, victim, "i want to kill myself")
    before = user_texts(servers, victim)
    for token in (None, "", "x" * 43, conversation_token(victim + "x")):
        status, headers, body = rest(servers, {"sender": victim, "message": "hello from elsewhere",
                                               **({"token": token} if token is not None else {})})
        assert status == 200
        assert headers["x-conversation-id"] != victim
        assert all(reply["recipient_id"] == headers["x-conversation-id"]
                   for reply in json.loads(body))
    assert user_texts(servers, victim) == before


def test_rest_issues_a_random_conversation_and_its_token_continues_it(servers):
    status, headers, _ = rest(servers, {"sender": "aaaaaaaa", "message": "hi"})
    assert status == 200
    new_id, token = headers["x-conversation-id"], headers["x-conversation-token"]
    assert new_id != "aaaaaaaa" and len(new_id) >= 22  # >= 128 random bits
    assert not events_of(servers, "aaaaaaaa")
    status, again, _ = rest(servers, {"sender": new_id, "token": token, "message": "what is tms"})
    assert status == 200 and again["x-conversation-id"] == new_id
    assert user_texts(servers, new_id)[-1] == "what is tms"


def test_socket_cannot_join_someone_elses_conversation(servers, sock):
    owner = sock()
    owner_id, owner_token = owner.session()
    assert owner_token and len(owner_id) >= 22
    assert owner.say("i want to kill myself")["ok"] is True
    owner.wait(lambda: any(is_crisis_text(m["text"]) for m in owner.bot()))
    seen_by_owner = len(owner.bot())

    intruder = sock()
    for claim in [(owner_id, None), (owner_id, "forged"), (owner_id, owner_token + "x")]:
        got_id, _ = intruder.session(*claim)
        assert got_id != owner_id
    sync = intruder.emit("webchat_sync", {"bot_count": 0})
    intruder.wait(lambda: sync in intruder.acks)
    assert intruder.acks[sync][0]["replayed"] == 0
    assert not any(is_crisis_text(m["text"]) for m in intruder.bot())
    # naming the owner's id in a message does not write into it
    answer = intruder.say("hello", session_id=owner_id)
    assert answer["ok"] is False and "session_id" in answer["error"]
    assert intruder.named("webchat_error")
    time.sleep(1.0)
    assert "hello" not in user_texts(servers, owner_id)
    assert len(owner.bot()) == seen_by_owner

    # a client-chosen id is not accepted either
    chosen, _ = sock().session("aaaaaaaa")
    assert chosen != "aaaaaaaa"

    # the owner, reconnecting with the token, gets the conversation and its history back
    back = sock()
    assert back.session(owner_id, owner_token)[0] == owner_id
    sync = back.emit("webchat_sync", {"bot_count": 0})
    back.wait(lambda: sync in back.acks)
    assert back.acks[sync][0]["replayed"] >= 1
    assert any(is_crisis_text(m["text"]) for m in back.bot())


def test_old_widget_session_without_a_token_gets_a_fresh_conversation(servers, sock):
    legacy = uuid.uuid4().hex  # what the widget stored before tokens
    got, token = sock().session(legacy)
    assert got != legacy and token


# ------------------------------------------------------------ 4 origins ------

def test_rest_refuses_a_foreign_origin_before_processing(servers):
    sender = f"origin-{uuid.uuid4().hex}"
    for origin in ("http://evil.example", f"https://127.0.0.1:{servers.port}",
                   f"http://127.0.0.1:{servers.port + 1}", "null"):
        status, _, body = rest(servers, {"sender": sender, "token": conversation_token(sender),
                                         "message": "hello"}, {"Origin": origin})
        assert status == 403 and b"origin" in body
    assert not events_of(servers, sender)
    status, _, _ = rest(servers, {"sender": sender, "token": conversation_token(sender),
                                  "message": "hello"}, {"Origin": f"http://127.0.0.1:{servers.port}"})
    assert status == 200


def test_socketio_compares_the_whole_origin_never_the_host_header(servers, sock):
    assert sock(origin="http://evil.example", host="evil.example").status == 400
    assert sock(origin=f"https://127.0.0.1:{servers.port}").status == 400
    assert sock(origin=f"http://127.0.0.1:{servers.port}").status == 200


# --------------------------------------------------------- 5 data at rest ----

def test_tracker_database_and_run_directory_are_private(servers):
    tracker = servers.log_dir / f"tracker-{servers.port}.db"
    assert tracker.stat().st_mode & 0o777 == 0o600
    run_dir = servers.log_dir / "run"
    assert run_dir.stat().st_mode & 0o777 == 0o700
    for path in run_dir.iterdir():
        assert path.stat().st_mode & 0o077 == 0, path


# -------------------------------------------------------- 6 action server ----

def forged_call(category: str) -> bytes:
    return json.dumps({
        "next_action": "action_crisis_handoff", "sender_id": "forged", "version": "3.6.21",
        "domain": {}, "tracker": {"sender_id": "forged", "slots": {
            "crisis_category": category, "crisis_severity": "crisis", "crisis_subject": "self"},
            "latest_message": {"text": "x"}, "events": [], "latest_input_channel": "rest"}}).encode()


def test_forged_action_call_is_refused_without_side_effect(servers):
    url = f"http://127.0.0.1:{servers.action_port}/webhook"
    alerts = len(servers.hook.received)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": ACTION_SERVER_TOKEN}):
        status, _, _ = http("POST", url, forged_call("<script>alert(1)</script>"), headers)
        assert status == 401
    status, _, _ = http("GET", f"http://127.0.0.1:{servers.action_port}/actions")
    assert status == 401
    time.sleep(0.5)
    assert len(servers.hook.received) == alerts, "a forged call sent a staff alert"
    assert "forged" not in servers.actions.log()
    status, _, _ = http("GET", f"http://127.0.0.1:{servers.action_port}/health")
    assert status == 200


def test_audit_log_escapes_what_it_writes(servers):
    status, _, body = http("POST", f"http://127.0.0.1:{servers.action_port}/webhook",
                           forged_call("<script>alert(1)</script>\nfake line"),
                           {"Authorization": f"Bearer {ACTION_SERVER_TOKEN}"})
    assert status == 200, body[:300]
    time.sleep(0.5)
    log = servers.actions.log()
    audit = [line for line in log.splitlines() if "crisis_detected" in line and "forged" in line]
    assert audit and "<script" not in log and "fake line" not in log


# ----------------------------------------------------------- 7 bad input -----

@pytest.mark.parametrize("text", SLASH_BYPASSES)
def test_slash_text_goes_through_the_detector_over_rest(servers, text):
    replies = rest_say(servers.port, f"slash-{uuid.uuid4().hex}", text)
    assert_crisis_reply(replies)
    assert_no_crisis_without_text(replies)


@pytest.mark.parametrize("text", SLASH_BYPASSES[:3])
def test_slash_text_goes_through_the_detector_over_socketio(servers, sock, text):
    socket = sock()
    socket.session()
    assert socket.say(text)["ok"] is True
    socket.wait(lambda: any(m.get("crisis") == "alert" for m in socket.bot()))
    assert_no_crisis_without_text(socket.bot())


def test_the_widgets_own_button_payloads_still_work(servers):
    sender = f"buttons-{uuid.uuid4().hex}"
    assert rest_say(servers.port, sender, "/faq/cost")[0]["text"] == FAQ["utter_faq/cost"][0]["text"]
    greeting = rest_say(servers.port, sender, '/greet{"country":"GB"}')
    assert greeting and not is_crisis_text(greeting[0]["text"])
    assert user_texts(servers, sender)[0] == "/faq/cost"  # reached Rasa as the payload
    typed = f"typed-{uuid.uuid4().hex}"
    rest_say(servers.port, typed, "/greet how are you")
    assert user_texts(servers, typed) == ["greet how are you"]  # read as text


CRISIS = "I want to kill myself"
BAD_REST = [
    # (body, crisis language readable in it?)
    (b'{"sender": "x", "message": "hi", "metadata": ' + nested(5000).encode() + b"}", False),
    (b'{"sender": "x", "message": "' + CRISIS.encode() + b'", "metadata": '
     + nested(5000).encode() + b"}", True),
    (nested(5000, CRISIS).encode(), True),
    (b"[" * 100000, False),
    (json.dumps({"text": CRISIS}).encode(), True),                    # unknown shape
    (json.dumps({"foo": "bar"}).encode(), False),
    (json.dumps({"sender": {"a": 1}, "message": CRISIS}).encode(), True),
    (json.dumps({"sender": "x", "message": [CRISIS]}).encode(), True),
    (json.dumps({"sender": "x", "message": 42}).encode(), False),
    (b'{"sender": "x", "message": "' + CRISIS.encode() + b'"', True),  # cut short
    (b"\xff\xfe\x00binary", False),
    (json.dumps({"sender": "x", "message": "insurance " * 30000}).encode(), False),  # huge
    (json.dumps({"sender": "x", "message": "insurance " * 30000 + CRISIS}).encode(), True),
]


@pytest.mark.parametrize("body, crisis", BAD_REST, ids=[f"rest-bad-{i}" for i in range(len(BAD_REST))])
def test_bad_rest_input_gets_a_clear_4xx_or_the_crisis_text(servers, body, crisis):
    status, _, raw = rest(servers, body)
    assert status < 500
    data = json.loads(raw)
    if crisis:
        assert status == 200, data
        assert_crisis_reply(data)
        assert_no_crisis_without_text(data)
    else:
        assert 400 <= status < 500 and isinstance(data, dict) and data["error"], data
    status, _, _ = http("GET", f"http://127.0.0.1:{servers.port}/")
    assert status == 200  # still up


def test_over_long_message_gets_a_polite_reply(servers):
    replies = rest_say(servers.port, f"long-{uuid.uuid4().hex}", "insurance question " * 200)
    assert "too long" in replies[0]["text"]
    assert_no_crisis_without_text(replies)


BAD_SOCKET = [
    # (raw event payload, crisis language readable in it?)
    ('["user_uttered"]', False),                                       # no data
    ('["user_uttered", "just a string"]', False),
    ('["user_uttered", {"message": 42}]', False),
    ('["user_uttered", {"message": "' + CRISIS + '", "metadata": ' + nested(5000) + "}]", True),
    ('["user_uttered", {"message": "hi", "metadata": ' + nested(5000) + "}]", False),
    ('["user_uttered", {"message": "' + CRISIS + '"', True),              # broken JSON
    ('["user_uttered", {"message": "hi"', False),
    ('["user_uttered", {"text": "' + CRISIS + '"}]', True),               # unknown shape
    ('["webchat_sync"]', False),
    ('["webchat_sync", {"bot_count": "x"}]', False),
    ('["no_such_event", {"message": "hello"}]', False),
    ('["no_such_event", {"message": "' + CRISIS + '"}]', True),
]


@pytest.mark.parametrize("payload, crisis", BAD_SOCKET,
                         ids=[f"socket-bad-{i}" for i in range(len(BAD_SOCKET))])
def test_bad_socketio_input_gets_an_error_event_or_the_crisis_text(servers, sock, payload, crisis):
    socket = sock()
    socket.session()
    ident = socket.emit_raw(payload)
    socket.wait(lambda: ident in socket.acks, 60)
    assert socket.acks[ident][0]["ok"] is False and socket.acks[ident][0]["error"]
    if crisis:
        socket.wait(lambda: socket.bot(), 30)
        assert is_crisis_text(socket.bot()[0]["text"]) and socket.bot()[0]["crisis"] == "alert"
    else:
        socket.wait(lambda: socket.named("webchat_error"), 30)
        assert not socket.bot()
    assert_no_crisis_without_text(socket.bot())
    assert socket.say("does tms hurt?")["ok"] is True  # the connection still works


def test_message_before_session_request_is_never_silent(servers, sock):
    socket = sock()
    answer = socket.say(CRISIS)
    assert answer["ok"] is False
    socket.wait(lambda: socket.bot(), 30)
    assert is_crisis_text(socket.bot()[0]["text"])


def test_root_names_no_version(servers):
    status, _, body = http("GET", f"http://127.0.0.1:{servers.port}/")
    assert status == 200 and b"Rasa" not in body and b"3.6" not in body


@pytest.mark.parametrize("text", ["<script>alert(1)</script> does tms hurt?",
                                  "'; DROP TABLE events; --", "{{7*7}} ${jndi:ldap://x}",
                                  "\u202eflesym llik ot tnaw i", "%00%0d%0a what is tms"])
def test_injection_strings_are_just_text(servers, text):
    sender = f"inject-{uuid.uuid4().hex}"
    replies = rest_say(servers.port, sender, text)
    assert replies and all("<script" not in (r.get("text") or "") for r in replies)
    assert_no_crisis_without_text(replies)
    assert rest_say(servers.port, sender, "what is tms")  # the store is intact
