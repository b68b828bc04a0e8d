"""Shared test helpers: paths, free ports, starting real servers, a webhook receiver."""
from __future__ import annotations

import http.server
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
MODEL = ROOT / "models" / "tms.tar.gz"
# The project's own spec and fact sheet (never the shared reference folder beside the repo: a fresh clone must pass alone).
TOPICS_FILE = ROOT / "docs" / "spec" / "topics.yml"
FACTS_FILE = ROOT / "docs" / "knowledge" / "tms-facts.md"
REPORTS = ROOT / "reports"


def load_yaml(path: Path) -> Any:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def topic_ids() -> List[str]:
    return list(load_yaml(TOPICS_FILE)["faq"].keys())


def nlu_examples(path: Path) -> Dict[str, List[str]]:
    """intent -> examples from a Rasa YAML NLU file."""
    out: Dict[str, List[str]] = {}
    for block in load_yaml(path).get("nlu", []):
        if "intent" not in block:
            continue
        lines = [line.strip()[2:].strip() for line in block["examples"].splitlines()
                 if line.strip().startswith("- ")]
        out.setdefault(block["intent"], []).extend(lines)
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The secrets of the test servers: tests sign their own conversation ids with it
# (bot.channels.ownership), as only the server's operator can.
SESSION_SECRET = "test-session-" + secrets.token_hex(16)
ACTION_SERVER_TOKEN = "test-actions-" + secrets.token_hex(16)


def conversation_token(sender: str) -> str:
    """The token the servers started here issue for `sender`."""
    from bot.channels import ownership

    return ownership.sign(sender, SESSION_SECRET.encode("utf-8"))


def base_env(**extra: str) -> Dict[str, str]:
    env = dict(os.environ)
    env.update({
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONPATH": str(ROOT),
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    })
    env.update(extra)
    return env


class Server:
    """A child process with its log in a file; stopped with SIGTERM then SIGKILL."""

    def __init__(self, name: str, args: List[str], env: Dict[str, str], log_dir: Path):
        log_dir.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


def wait_http(url: str, server: Server, timeout: float = 240.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not server.alive():
            raise RuntimeError(f"{server.name} exited early:\n{server.log()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise TimeoutError(f"{server.name} not ready at {url}:\n{server.log()[-3000:]}")


def start_action_server(port: int, log_dir: Path, **env: str) -> Server:
    """The action server exactly as `make run` and production start it (bot.production.actions)."""
    server = Server("actions", [PYTHON, "-m", "bot.production.actions"],
                    base_env(ACTION_PORT=str(port), ACTION_HOST="127.0.0.1",
                             ACTION_SERVER_TOKEN=ACTION_SERVER_TOKEN, RUN_DIR=str(log_dir / "run"),
                             **env), log_dir)
    wait_http(f"http://127.0.0.1:{port}/health", server, timeout=90)
    return server


def start_rasa_server(port: int, action_port: int, log_dir: Path, **env: str) -> Server:
    """Rasa exactly as `make run` and production start it (bot.production.serve), with the
    embedded defaults: SQLite in log_dir, in-memory lock, every patch, limit and redaction."""
    tracker_db = str(log_dir / f"tracker-{port}.db")
    base = base_env()
    for key in ("TRACKER_DB_URL", "REDIS_LOCK_URL", "EVENT_BROKER_URL", "SANIC_WORKERS",
                "ENABLE_API", "RASA_AUTH_TOKEN", "JWT_SECRET", "ALLOWED_ORIGINS"):
        base.pop(key, None)
    base.update({"MODEL_PATH": str(MODEL), "RASA_PORT": str(port), "RASA_INTERFACE": "127.0.0.1",
                 "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
                 "TRACKER_DB": tracker_db, "RUN_DIR": str(log_dir / "run"), "CHECK_TIMEOUT": "10",
                 "SESSION_SECRET": SESSION_SECRET, "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN})
    base.update(env)
    server = Server("rasa", [PYTHON, "-m", "bot.production.serve"], base, log_dir)
    wait_http(f"http://127.0.0.1:{port}/", server)
    return server


def post(url: str, body: bytes, content_type: str = "application/json",
         timeout: float = 30.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type},
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def rest_say(port: int, sender: str, message: str, **extra: Any) -> List[Dict[str, Any]]:
    """One REST turn in the conversation `sender` (signed with the test servers' secret)."""
    extra.setdefault("token", conversation_token(sender))
    body = json.dumps({"sender": sender, "message": message, **extra}).encode()
    status, data = post(f"http://127.0.0.1:{port}/webhooks/rest/webhook", body)
    assert status == 200, (status, data[:500])
    return json.loads(data)


class WebhookReceiver:
    """A loopback HTTP server that records JSON POSTs (the clinic's staff webhook)."""

    def __init__(self, status: int = 200):
        self.received: List[Dict[str, Any]] = []
        self.headers: List[Dict[str, str]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length", 0))
                receiver.received.append(json.loads(self.rfile.read(length) or b"{}"))
                receiver.headers.append(dict(self.headers))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def run(args: List[str], timeout: float = 900, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=base_env(**env), capture_output=True,
                          text=True, timeout=timeout)


PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
RASA = str(VENV_BIN / "rasa")
