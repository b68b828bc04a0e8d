"""A loopback stand-in for the Slack, Graph (Messenger), Twilio and Telegram APIs.

Records every request and answers with the JSON each client expects:

    /slack/<method>                       Slack Web API (slack_sdk)
    /graph/me/messages                    Messenger Send API
    /twilio/2010-04-01/Accounts/<sid>/Messages.json
    /telegram/bot<token>/<method>         Telegram Bot API (aiogram)

`channel_env()` starts one shared stub and returns the fake credentials and API
URLs for the Rasa server (tests/conftest.py passes them on); the tests sign
their webhooks with the same fake secrets.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import http.server
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

SLACK_TOKEN = "xoxb-test-token"
SLACK_SECRET = "slack-test-signing-secret"
FB_VERIFY = "fb-test-verify-token"
FB_SECRET = "fb-test-app-secret"
FB_TOKEN = "fb-test-page-token"
TELEGRAM_TOKEN = "123456:TEST-telegram-token"
TELEGRAM_BOT = "tms_test_bot"
TELEGRAM_SECRET = "telegram-test-secret"
TWILIO_SID = "ACtest0000000000000000000000000000"
TWILIO_TOKEN = "twilio-test-auth-token"
TWILIO_NUMBER = "+15005550006"


@dataclass
class Call:
    method: str
    path: str
    query: Dict[str, str]
    headers: Dict[str, str]
    body: bytes
    data: Any = None  # parsed JSON or form (dict of first values)

    @property
    def api(self) -> str:
        return self.path.strip("/").split("/")[0]

    @property
    def endpoint(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1]


@dataclass
class ApiStub:
    calls: List[Call] = field(default_factory=list)
    # (call) -> (status, json body) to answer with instead, e.g. to reject buttons
    override: Optional[Callable[[Call], Optional[Tuple[int, Any]]]] = None

    def __post_init__(self) -> None:
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length", 0) or 0)
                body = self.rfile.read(length)
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query))
                call = Call("POST", parts.path, query, dict(self.headers), body, parse(self.headers, body))
                stub.calls.append(call)
                status, answer = (stub.override(call) if stub.override else None) or stub.answer(call)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @staticmethod
    def answer(call: Call) -> Tuple[int, Any]:
        data = call.data if isinstance(call.data, dict) else {}
        if call.api == "slack":
            return 200, {"ok": True, "channel": data.get("channel"), "ts": f"{time.time():.6f}"}
        if call.api == "graph":
            return 200, {"recipient_id": (data.get("recipient") or {}).get("id"), "message_id": "m.1"}
        if call.api == "twilio":
            return 201, {"sid": "SM" + "0" * 32, "status": "queued", "to": data.get("To")}
        if call.api == "telegram":
            if call.endpoint == "sendMessage":
                return 200, {"ok": True, "result": {
                    "message_id": len(data) + 1, "date": int(time.time()), "text": data.get("text"),
                    "chat": {"id": int(data.get("chat_id", 0)), "type": "private"}}}
            if call.endpoint == "getMe":
                return 200, {"ok": True, "result": {"id": 123456, "is_bot": True,
                                                    "first_name": "TMS", "username": TELEGRAM_BOT}}
            return 200, {"ok": True, "result": True}
        return 404, {"error": "unknown API"}

    def since(self, start: int) -> List[Call]:
        return self.calls[start:]

    def wait(self, predicate: Callable[[Call], bool], start: int = 0,
             timeout: float = 60.0, settle: float = 0.0) -> List[Call]:
        """Calls after `start` matching `predicate`; waits for at least one."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [call for call in self.calls[start:] if predicate(call)]
            if found:
                if settle:
                    time.sleep(settle)
                    found = [call for call in self.calls[start:] if predicate(call)]
                return found
            time.sleep(0.2)
        return []

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def parse(headers: Any, body: bytes) -> Any:
    kind = (headers.get("Content-Type") or "").split(";")[0].strip()
    try:
        if kind == "application/json":
            return json.loads(body or b"null")
        if kind == "application/x-www-form-urlencoded":
            return dict(urllib.parse.parse_qsl(body.decode()))
    except ValueError:
        return None
    return None


@functools.lru_cache(maxsize=None)
def shared_stub() -> ApiStub:
    """The one stub the Rasa server of the test session talks to."""
    return ApiStub()


def channel_env(stub: Optional[ApiStub] = None) -> Dict[str, str]:
    """Fake credentials and API URLs pointing at the stub (all four channels on)."""
    url = (stub or shared_stub()).url
    return {
        "SLACK_BOT_TOKEN": SLACK_TOKEN, "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_API_URL": f"{url}/slack/",
        "FB_VERIFY_TOKEN": FB_VERIFY, "FB_APP_SECRET": FB_SECRET, "FB_PAGE_ACCESS_TOKEN": FB_TOKEN,
        "FB_GRAPH_URL": f"{url}/graph",
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_VERIFY": TELEGRAM_BOT,
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.invalid/webhooks/telegram/webhook",
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET, "TELEGRAM_API_URL": f"{url}/telegram",
        "TWILIO_ACCOUNT_SID": TWILIO_SID, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_NUMBER": TWILIO_NUMBER, "TWILIO_API_URL": f"{url}/twilio",
    }


# ---------------------------------------------------------------- signing like the platforms

def slack_headers(body: bytes, secret: str = SLACK_SECRET,
                  timestamp: Optional[int] = None) -> Dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def fb_headers(body: bytes, secret: str = FB_SECRET, legacy: bool = False) -> Dict[str, str]:
    if legacy:
        return {"X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()}
    return {"X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def twilio_signature(url: str, params: Dict[str, str], token: str = TWILIO_TOKEN) -> str:
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()
