"""Two Rasa replicas on PostgreSQL + Redis: the widget on replica A, the console on B.

PostgreSQL and Redis come from scripts/prod/services.sh (tests/production/
cluster.py). Redis holds the conversation locks (Rasa's RedisLockStore,
database 1) and, in database 2, python-socketio's messages between the
replicas (STAFF_REDIS_URL). Every push crosses replicas: the request and the
patient's reply (A -> console on B), the take-over, the staff message and
the hand-back (B -> widget on A). At the end the tracker holds each line
exactly once.
"""
from __future__ import annotations

import json
import re
import time

import pytest
import sqlalchemy as sa

from tests import helpers
from tests.browser.test_widget import faq_start, open_widget
from tests.production import cluster
from tests.production.cluster import Services
from tests.staff.conftest import PASSWORD
from tests.staff.test_console_live import SHORT, TIMEOUT, expect, queue_item, session_id, snap


@pytest.fixture(scope="module")
def replicas(tmp_path_factory, web_ready):
    from tests.browser.conftest import _model

    logs = tmp_path_factory.mktemp("replicas")
    services = Services.start("staff-replicas")
    db_url = services.env["TRACKER_DB_URL"]
    redis_port, redis_password = services.env["REDIS_PORT"], services.env["REDIS_PASSWORD"]
    action_port = helpers.free_port()
    ports = [helpers.free_port(), helpers.free_port()]
    subprocess_env = {"TRACKER_DB_URL": db_url}
    add_user_pg(subprocess_env)
    servers = []
    try:
        # Both replicas and the action server exactly as production starts them.
        servers.append(cluster.start_actions(action_port, logs))
        rasas = [cluster.start_replica(
                     f"rasa-{name}", port, action_port, logs, _model(), services=services.env,
                     wait=False,
                     STAFF_REDIS_URL=f"redis://:{redis_password}@127.0.0.1:{redis_port}/2",
                     STAFF_HOURS_OVERRIDE="open", STAFF_WAIT_SECONDS="600")
                 for name, port in zip("ab", ports)]
        servers += rasas
        for server, port in zip(rasas, ports):
            cluster.wait_for(server, port)
        yield {"a": f"http://127.0.0.1:{ports[0]}", "b": f"http://127.0.0.1:{ports[1]}",
               "db_url": db_url, "logs": rasas}
    finally:
        for server in servers:
            server.stop()
        services.stop()


def add_user_pg(env):
    import subprocess
    result = subprocess.run([helpers.PYTHON, "-m", "bot.staff", "add-user", "sam", "--name", "Sam",
                             "--password-stdin"], input=PASSWORD + "\n", cwd=helpers.ROOT,
                            env=helpers.base_env(**env), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def events(db_url, sender):
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT type_name, data FROM events WHERE sender_id = :s "
                                    "ORDER BY id"), {"s": sender}).fetchall()
    engine.dispose()
    return [(kind, json.loads(data)) for kind, data in rows]


def test_take_over_across_replicas(replicas, new_context, artifacts):
    from tests.staff.test_console_live import staff_login

    staff = staff_login(new_context(), replicas["b"])
    patient = new_context().new_page()
    open_widget(patient, replicas["a"] + "/webhooks/webchat/")
    sid = session_id(patient)
    patient.locator(".handoff").click()

    # A's turn reaches the console on B
    expect(staff.locator(f".alert-handoff[data-conversation='{sid}']")).to_be_visible(timeout=5000)
    queue_item(staff, sid).click()
    staff.locator("#take").click()
    staff.locator("#reply").fill("Hello across replicas")
    staff.keyboard.press("Enter")
    # B's lines reach the widget on A
    expect(patient.locator(".msg.system", has_text=f"Sam from {SHORT} joined")).to_be_visible(
        timeout=TIMEOUT)
    expect(patient.locator(".msg.staff", has_text="Hello across replicas")).to_be_visible(
        timeout=TIMEOUT)
    started = time.monotonic()
    patient.locator("#tms-input").fill("my reply from replica A")
    patient.keyboard.press("Enter")
    expect(staff.locator(".entry-user", has_text="my reply from replica A")).to_be_visible(
        timeout=TIMEOUT)
    print(f"patient message on A to console on B: {time.monotonic() - started:.2f} s")
    snap(staff, artifacts, "10-replica-b-console.png")
    staff.locator("#handback").click()
    expect(patient.locator(".msg.system", has_text="The assistant is back")).to_be_visible(
        timeout=TIMEOUT)
    patient.locator("#tms-input").fill("does tms hurt?")
    patient.keyboard.press("Enter")
    expect(patient.locator(".msg.bot", has_text=faq_start("is_it_painful"))).to_be_visible(
        timeout=TIMEOUT)

    stored = events(replicas["db_url"], sid)
    texts = [(kind, data.get("text")) for kind, data in stored if kind in ("user", "bot")]
    for line in [("bot", "Hello across replicas"), ("user", "my reply from replica A"),
                 ("user", "does tms hurt?")]:
        assert texts.count(line) == 1, (line, texts)
    joined = [t for k, t in texts if k == "bot" and t and re.match(r"Sam from .* joined", t)]
    left = [t for k, t in texts if k == "bot" and t and "The assistant is back" in t]
    assert len(joined) == 1 and len(left) == 1
    kinds = [kind for kind, _ in stored]
    assert kinds.count("pause") == 1 and kinds.count("resume") == 1
    # the widget saw every bot line once (no duplicate from the other replica)
    shown = patient.evaluate("() => window.__tmsWebchat.state().messages.map(m => m.text)")
    assert shown.count("Hello across replicas") == 1
    for server in replicas["logs"]:
        assert "across replicas" not in server.log()
