"""Time from a patient's message to the staff console (make bench; reports/bench_staff.json).

Starts the action server and one Rasa server (embedded profile, a fresh
tracker database with one staff account), connects a patient (socket.io, the
widget's protocol) and a logged-in staff member (namespace /staff, following
that conversation), and measures, for each patient message, the time from
sending it to the console receiving it: first while the assistant answers
(the push comes after the bot's turn), then after a take-over (bot paused).

    python benchmarks/staff_latency.py [--messages 30]
"""
from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import helpers  # noqa: E402

PASSWORD = "benchmark staff passphrase"
QUESTIONS = ["does tms hurt?", "how long is a session?", "is it covered by insurance?",
             "what are the side effects?", "how soon will I feel better?"]


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(values: List[float]) -> Dict[str, float]:
    return {"n": len(values), "p50_ms": round(statistics.median(values) * 1000, 1),
            "p95_ms": round(percentile(values, 0.95) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1)}


def login(origin: str) -> tuple:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(origin + "/staff/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "username": "bench",
                                   "password": PASSWORD}).encode()
    opener.open(urllib.request.Request(origin + "/staff/login", data=body), timeout=30).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar if c.name == "tms_staff")
    me = json.loads(opener.open(origin + "/staff/api/me", timeout=30).read())
    return opener, cookie, me["csrf_token"]


async def measure(origin: str, messages: int) -> Dict[str, Dict[str, float]]:
    import socketio

    opener, cookie, csrf = login(origin)
    patient, staff = socketio.AsyncClient(), socketio.AsyncClient()
    arrivals: Dict[str, float] = {}
    confirmed = asyncio.get_running_loop().create_future()

    @staff.on("conversation_event", namespace="/staff")
    async def on_event(event):  # noqa: ANN001
        user = event.get("user") or {}
        if user.get("text"):
            arrivals.setdefault(user["text"], time.monotonic())

    @patient.on("session_confirm")
    async def on_confirm(session_id):  # noqa: ANN001
        if not confirmed.done():
            confirmed.set_result(session_id)

    await patient.connect(origin, socketio_path="/socket.io", transports=["websocket"])
    await patient.emit("session_request", {"session_id": None})
    session_id = await asyncio.wait_for(confirmed, 30)
    await patient.call("user_uttered", {"message": "/human_handoff", "session_id": session_id,
                                        "id": "h0"}, timeout=60)
    await staff.connect(origin, namespaces=["/staff"], socketio_path="/socket.io",
                        transports=["websocket"], headers={"Cookie": cookie, "Origin": origin})
    await staff.call("watch", {"conversation_id": session_id}, namespace="/staff", timeout=30)

    async def run(label: str) -> List[float]:
        times = []
        for index in range(messages):
            text = f"{QUESTIONS[index % len(QUESTIONS)]} ({label} {index})"
            sent = time.monotonic()
            await patient.call("user_uttered", {"message": text, "session_id": session_id,
                                                "id": f"{label}{index}"}, timeout=60)
            while text not in arrivals and time.monotonic() - sent < 30:
                await asyncio.sleep(0.005)
            times.append(arrivals[text] - sent)
        return times

    with_bot = await run("bot")
    request = urllib.request.Request(f"{origin}/staff/api/conversations/{session_id}/take",
                                     data=b"{}", headers={"X-CSRF-Token": csrf,
                                                          "Content-Type": "application/json"})
    await asyncio.get_running_loop().run_in_executor(None, lambda: opener.open(request, timeout=30))
    paused = await run("paused")
    await patient.disconnect()
    await staff.disconnect()
    return {"assistant_answering": summary(with_bot), "taken_over": summary(paused)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=30)
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="bench_staff_"))
    action_port, rasa_port = helpers.free_port(), helpers.free_port()
    db = logs / f"tracker-{rasa_port}.db"
    subprocess.run([helpers.PYTHON, "-m", "bot.staff", "add-user", "bench", "--password-stdin"],
                   input=PASSWORD + "\n", cwd=ROOT, env=helpers.base_env(TRACKER_DB=str(db)),
                   check=True, capture_output=True, text=True)
    actions = helpers.start_action_server(action_port, logs)
    try:
        rasa = helpers.start_rasa_server(rasa_port, action_port, logs, STAFF_HOURS_OVERRIDE="open")
        try:
            result = asyncio.run(measure(f"http://127.0.0.1:{rasa_port}", args.messages))
        finally:
            rasa.stop()
    finally:
        actions.stop()
    out = ROOT / "reports" / "bench_staff.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    for label, numbers in result.items():
        print(f"patient message -> staff console ({label}): p50 {numbers['p50_ms']} ms, "
              f"p95 {numbers['p95_ms']} ms, max {numbers['max_ms']} ms (n={numbers['n']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
