"""Starting the production pieces for tests and benchmarks, all on 127.0.0.1.

* Services: PostgreSQL + Redis from scripts/prod/services.sh, in a directory
  of their own under .run/, stopped (and removed) afterwards.
* start_replica: a Rasa replica through the production launcher
  (`python -m bot.production.serve`, exactly the image's CMD).
* start_actions: the action server through `python -m bot.production.actions`.
* conversation_events: a conversation's events, read back from PostgreSQL.
"""
from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.production.serve import LAUNCH_COMMAND
from tests.helpers import (ACTION_SERVER_TOKEN, MODEL, PYTHON, ROOT, SESSION_SECRET, Server,
                           base_env, wait_http)

SERVICES_SH = ROOT / "scripts" / "prod" / "services.sh"
RUN_DIR = ROOT / ".run"
_counter = itertools.count()


def model_path() -> Path:
    """MODEL_PATH if set (relative to the repo), else models/tms.tar.gz."""
    raw = os.environ.get("MODEL_PATH")
    if not raw:
        return MODEL
    path = Path(raw)
    return path if path.is_absolute() else ROOT / path


def launch_args() -> List[str]:
    """The image's CMD with this venv's interpreter in place of `python`."""
    return [PYTHON, *LAUNCH_COMMAND[1:]]


class Services:
    """PostgreSQL + Redis on free loopback ports (scripts/prod/services.sh)."""

    def __init__(self, directory: Path, env: Dict[str, str]):
        self.directory = directory
        self.env = env

    @classmethod
    def start(cls, name: str = "services") -> "Services":
        directory = RUN_DIR / f"{name}-{os.getpid()}-{next(_counter)}"
        if directory.exists():
            shutil.rmtree(directory, ignore_errors=True)
        result = subprocess.run(["bash", str(SERVICES_SH), "start", str(directory)],
                                cwd=ROOT, capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise RuntimeError(f"services.sh start failed:\n{result.stdout}\n{result.stderr}")
        env: Dict[str, str] = {}
        for line in (directory / "services.env").read_text().splitlines():
            key, _, value = line.partition("=")
            if key:
                env[key] = value.strip('"')
        return cls(directory, env)

    def _run(self, command: str) -> None:
        result = subprocess.run(["bash", str(SERVICES_SH), command, str(self.directory)], cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"services.sh {command} failed:\n{result.stderr}")

    def pids(self) -> Dict[str, int]:
        """PostgreSQL's postmaster and Redis' pids (for CPU accounting)."""
        out = {}
        try:
            out["postgres"] = int((Path(self.env["PG_DATA"]) / "postmaster.pid")
                                  .read_text().splitlines()[0])
        except (OSError, KeyError, ValueError, IndexError):
            pass
        try:
            out["redis"] = int((self.directory / "redis" / "redis.pid").read_text().strip())
        except (OSError, ValueError):
            pass
        return out

    def pg_stop(self) -> None:
        self._run("pg-stop")

    def pg_start(self) -> None:
        self._run("pg-start")

    def stop(self, remove: bool = True) -> None:
        subprocess.run(["bash", str(SERVICES_SH), "stop", str(self.directory)], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
        if remove:
            shutil.rmtree(self.directory, ignore_errors=True)


def replica_env(services: Optional[Dict[str, str]], port: int, action_port: int,
                model: Path, **extra: str) -> Dict[str, str]:
    env = {
        "MODEL_PATH": str(model),
        "RASA_PORT": str(port),
        "RASA_INTERFACE": "127.0.0.1",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "RUN_DIR": str(RUN_DIR),
        "CHECK_TIMEOUT": "10",
        # shared by every replica and the action server (required with PostgreSQL)
        "SESSION_SECRET": SESSION_SECRET,
        "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN,
    }
    if services:
        env["TRACKER_DB_URL"] = services["TRACKER_DB_URL"]
        env["REDIS_LOCK_URL"] = services["REDIS_LOCK_URL"]
    env.update(extra)
    return env


def start_replica(name: str, port: int, action_port: int, log_dir: Path, model: Path,
                  services: Optional[Dict[str, str]] = None, wait: bool = True,
                  **extra: str) -> Server:
    # Production variables from the caller's shell must not leak in.
    base = base_env()
    for key in ("TRACKER_DB_URL", "REDIS_LOCK_URL", "EVENT_BROKER_URL", "SANIC_WORKERS",
                "ENABLE_API", "RASA_AUTH_TOKEN", "JWT_SECRET", "ALLOWED_ORIGINS", "TRACKER_DB"):
        base.pop(key, None)
    env = {**base, **replica_env(services, port, action_port, model, **extra)}
    server = Server(name, launch_args(), env, log_dir)
    if wait:
        wait_for(server, port)
    return server


def wait_for(server: Server, port: int, timeout: float = 300.0) -> None:
    wait_http(f"http://127.0.0.1:{port}/", server, timeout=timeout)


def start_actions(port: int, log_dir: Path, **extra: str) -> Server:
    env = base_env(ACTION_PORT=str(port), ACTION_SERVER_TOKEN=ACTION_SERVER_TOKEN, **extra)
    env.pop("ACTION_HOST", None)
    server = Server("actions", [PYTHON, "-m", "bot.production.actions"], env, log_dir)
    wait_http(f"http://127.0.0.1:{port}/health", server, timeout=120)
    return server


def kill_hard(server: Server) -> None:
    """SIGKILL the whole process group (a crash, not a shutdown) and reap it."""
    if server.alive():
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=30)
    server.stop()


def _process_tree(pid: int) -> List[int]:
    children: Dict[int, List[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, stack = [], [pid]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(children.get(current, []))
    return out


def rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants."""
    total = 0
    for current in _process_tree(pid):
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def machine_cpu() -> tuple:
    """(busy, total) CPU seconds of the whole machine since boot, all CPUs."""
    values = [int(v) for v in open("/proc/stat").readline().split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]
    return (sum(values) - idle) / ticks, sum(values) / ticks


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for current in _process_tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / ticks


def pg_connect(db_url: str):  # noqa: ANN201 - psycopg2 connection
    import psycopg2

    return psycopg2.connect(db_url)


def conversation_events(db_url: str, senders: List[str]) -> Dict[str, List[Dict[str, Any]]]:
    """sender -> its events in id order: {"id", "type", "data"}."""
    out: Dict[str, List[Dict[str, Any]]] = {s: [] for s in senders}
    with pg_connect(db_url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT id, sender_id, type_name, data FROM events "
                       "WHERE sender_id = ANY(%s) ORDER BY id", (list(senders),))
        for event_id, sender, type_name, data in cursor.fetchall():
            out[sender].append({"id": event_id, "type": type_name, "data": json.loads(data)})
    connection.close()
    return out


def wait_until(predicate, timeout: float, step: float = 0.2) -> bool:  # noqa: ANN001
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
