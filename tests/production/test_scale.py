"""Scale test: two Rasa replicas + one action server sharing PostgreSQL and Redis.

All on 127.0.0.1 (scripts/prod/services.sh installs and starts PostgreSQL and
Redis in a directory of their own under .run/). Replicas are started with the
production launcher, exactly as the image does.

1. Double sends: a patient's two messages sent at the same moment to both
   replicas are handled one after the other (the Redis lock store), both
   recorded once, their replies not interleaved.
2. 50 conversations x 20 turns at once, each turn to a random replica, a
   crisis message every 7th turn; replica B is killed (SIGKILL) when 40% of the
   turns are done. A turn cut in flight is checked in PostgreSQL once B is
   dead: if B committed it, its reply was lost (not sent again, counted); if
   not, it is sent to A (counted as a retry). Then, from PostgreSQL: every
   conversation holds every user turn exactly once and in order, each followed
   by exactly the bot messages the client received, and every crisis turn got
   the crisis reply.
3. B comes back with SANIC_WORKERS=2: 20 conversations x 10 turns plus double
   sends, all to B, same checks.

Sizes: SCALE_CONVERSATIONS (50), SCALE_TURNS (20). Results: reports/scale.json.
"""
from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from typing import Any, Dict, List, Optional, Sequence

import aiohttp
import pytest

from bot import config
from tests.helpers import REPORTS, ROOT, WebhookReceiver, free_port
from tests.production.cluster import (conversation_events, kill_hard, start_actions,
                                      start_replica, wait_for)
from tests.production.driver import CRISIS_TEXT, Driver, TurnResult, scripted_text

CONVERSATIONS = int(os.environ.get("SCALE_CONVERSATIONS", "50"))
TURNS = int(os.environ.get("SCALE_TURNS", "20"))
CRISIS_EVERY = 7
KILL_AT = 0.4
LOCK_LIFETIME = "20"  # seconds; a killed replica's locks lapse after this
SESSION_MAX_TURNS = "8"  # 20-turn conversations cross session rollovers under load
CRISIS_REPLY = config.resources_for(None)["self"]
RUN = uuid.uuid4().hex[:8]
SUMMARY: Dict[str, Any] = {}


class Cluster:
    def __init__(self, services, model, logs):  # noqa: ANN001
        self.services = services
        self.model = model
        self.logs = logs
        self.hook = WebhookReceiver()
        self.action_port = free_port()
        self.actions = start_actions(self.action_port, logs, STAFF_WEBHOOK_URL=self.hook.url)
        self.ports = {"a": free_port(), "b": free_port()}
        self.replicas = {name: self.replica(name) for name in self.ports}
        for name, server in self.replicas.items():
            wait_for(server, self.ports[name])

    def replica(self, name: str, **extra: str):  # noqa: ANN201
        return start_replica(f"rasa-{name}", self.ports[name], self.action_port, self.logs,
                             self.model, self.services, wait=False,
                             TICKET_LOCK_LIFETIME=LOCK_LIFETIME,
                             SESSION_MAX_TURNS=SESSION_MAX_TURNS, **extra)

    def urls(self, *names: str) -> Dict[str, str]:
        return {n: f"http://127.0.0.1:{self.ports[n]}" for n in names or self.ports}

    def close(self) -> None:
        for server in self.replicas.values():
            server.stop()
        self.actions.stop()
        self.hook.close()


@pytest.fixture(scope="module")
def cluster(services, model, tmp_path_factory):
    started = time.time()
    running = Cluster(services, model, tmp_path_factory.mktemp("scale"))
    SUMMARY["startup_s"] = round(time.time() - started, 1)
    yield running
    running.close()
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "scale.json").write_text(json.dumps(SUMMARY, indent=2))
    print("\nscale summary:", json.dumps(SUMMARY, indent=2))


def user_turn(event: Dict[str, Any]) -> Optional[Any]:
    return ((event["data"].get("metadata") or {}).get("tms_test") or {}).get("turn")


def segments(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """One entry per user event: its turn, text and the bot texts that follow it."""
    out = []
    for event in events:
        if event["type"] == "user":
            out.append({"turn": user_turn(event), "text": event["data"].get("text"), "bots": []})
        elif event["type"] == "bot" and out:
            out[-1]["bots"].append(event["data"].get("text"))
    return out


def joined(texts) -> str:  # noqa: ANN001
    return "\n\n".join(t.strip() for t in texts if t)


def verify(db_url: str, scripts: Dict[str, Sequence[str]],
           results: Dict[str, List[TurnResult]], ordered: bool = True) -> Dict[str, int]:
    """Check PostgreSQL against what the clients sent and received; raise on any loss."""
    stored = conversation_events(db_url, list(scripts))
    problems: List[str] = []
    counts = {"conversations": len(scripts), "user_events": 0, "bot_events": 0,
              "crisis_turns": 0, "sessions_started": 0}
    for sender, texts in scripts.items():
        segs = segments(stored[sender])
        counts["sessions_started"] += sum(1 for e in stored[sender] if e["type"] == "session_started")
        turns = [s["turn"] for s in segs]
        expected = list(range(len(texts)))
        if (turns if ordered else sorted(turns)) != expected:
            problems.append(f"{sender}: user turns in the store {turns}, expected {expected}")
            continue
        by_turn = {s["turn"]: s for s in segs}
        counts["user_events"] += len(segs)
        counts["bot_events"] += sum(len(s["bots"]) for s in segs)
        for result in results[sender]:
            seg = by_turn[result.turn]
            if seg["text"] != texts[result.turn]:
                problems.append(f"{sender} turn {result.turn}: stored text differs")
            if result.outcome == "committed":
                if not seg["bots"]:
                    problems.append(f"{sender} turn {result.turn}: committed without a reply")
            else:
                # The REST channel sends a text with blank lines as several messages.
                received = joined(m.get("text") for m in result.replies or [])
                if joined(seg["bots"]) != received:
                    problems.append(f"{sender} turn {result.turn}: stored bot messages "
                                    f"{seg['bots']!r} != received {received!r}")
            if texts[result.turn] == CRISIS_TEXT:
                counts["crisis_turns"] += 1
                if not seg["bots"] or seg["bots"][0] != CRISIS_REPLY:
                    problems.append(f"{sender} turn {result.turn}: crisis turn without the "
                                    f"crisis reply: {seg['bots'][:1]!r}")
    assert not problems, f"{len(problems)} problems, e.g.:\n" + "\n".join(problems[:15])
    return counts


def outcome_counts(results: Dict[str, List[TurnResult]]) -> Dict[str, int]:
    out: Dict[str, int] = {}
    for turns in results.values():
        for result in turns:
            out[result.outcome] = out.get(result.outcome, 0) + 1
    return out


def assert_no_failures(results: Dict[str, List[TurnResult]]) -> None:
    failed = [r for turns in results.values() for r in turns if r.outcome == "failed"]
    assert not failed, [(r.sender, r.turn, r.replica, r.error) for r in failed[:10]]
    sorry = [r for turns in results.values() for r in turns
             if r.replies and any("something went wrong" in (m.get("text") or "")
                                  for m in r.replies)]
    assert not sorry, [(r.sender, r.turn, r.replica) for r in sorry[:10]]


async def double_sends(urls: Dict[str, str], senders: List[str]) -> Dict[str, List[TurnResult]]:
    """Turn 0, then turns 1 and 2 sent at the same moment (to both replicas), then turn 3."""
    names = list(urls)
    driver = Driver(urls)
    out: Dict[str, List[TurnResult]] = {s: [] for s in senders}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        async def one(sender: str, index: int) -> None:
            out[sender].append(await driver.say(session, sender, 0, scripted_text(index, 0)))
            pair = await asyncio.gather(
                driver.say(session, sender, 1, scripted_text(index, 1), replica=names[0]),
                driver.say(session, sender, 2, scripted_text(index, 2),
                           replica=names[-1]))
            out[sender].extend(pair)
            out[sender].append(await driver.say(session, sender, 3, scripted_text(index, 3)))
        await asyncio.gather(*(one(s, i) for i, s in enumerate(senders)))
    return out


def listening_addresses(port: int) -> List[str]:
    """Local addresses with a listening TCP socket on `port` (IPv4, from /proc)."""
    out = []
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:
            out.append(".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)))
    return out


def test_locked_down_by_default(cluster):
    """API off, no CORS, loopback only, no secret in the endpoints file or on a command line."""
    import urllib.error
    import urllib.request

    base = cluster.urls("a")["a"]
    for path in ("/status", "/conversations/x/tracker", "/model/parse", "/version/x"):
        try:
            urllib.request.urlopen(base + path, timeout=10)
            status = 200
        except urllib.error.HTTPError as error:
            status = error.code
        assert status in (404, 405), (path, status)
    request = urllib.request.Request(base + "/webhooks/rest/webhook", method="OPTIONS",
                                     headers={"Origin": "https://evil.example",
                                              "Access-Control-Request-Method": "POST"})
    try:
        headers = urllib.request.urlopen(request, timeout=10).headers
    except urllib.error.HTTPError as error:
        headers = error.headers
    assert "https://evil.example" not in str(headers.get("Access-Control-Allow-Origin"))
    assert listening_addresses(cluster.action_port) == ["127.0.0.1"]
    for port in cluster.ports.values():
        assert listening_addresses(port) == ["127.0.0.1"]
    password = cluster.services["TRACKER_DB_URL"].split(":")[2].split("@")[0]
    redis_password = cluster.services["REDIS_PASSWORD"]
    for server in cluster.replicas.values():
        pid = server.process.pid
        files = list((ROOT / ".run").glob(f"endpoints.{pid}.yml"))
        assert files, "the launcher wrote no endpoints file"
        text = files[0].read_text()
        assert password not in text and redis_password not in text
        assert oct(files[0].stat().st_mode)[-3:] == "600"
        cmdline = open(f"/proc/{pid}/cmdline", "rb").read().decode()
        assert "bot.production.rasa_main" in cmdline  # the launcher exec'd Rasa, same pid
        assert password not in cmdline and redis_password not in cmdline


def test_double_sends_are_serialised_across_replicas(cluster):
    senders = [f"burst-{RUN}-{i}" for i in range(12)]
    results = asyncio.run(double_sends(cluster.urls("a", "b"), senders))
    assert_no_failures(results)
    scripts = {s: [scripted_text(i, t) for t in range(4)] for i, s in enumerate(senders)}
    counts = verify(cluster.services["TRACKER_DB_URL"], scripts, results, ordered=False)
    SUMMARY["double_sends_two_replicas"] = {**counts, **outcome_counts(results)}


def test_fifty_conversations_two_replicas_one_killed(cluster):
    scripts = {f"scale-{RUN}-{c}": [scripted_text(c, t, CRISIS_EVERY) for t in range(TURNS)]
               for c in range(CONVERSATIONS)}
    total = CONVERSATIONS * TURNS
    killed = {"event": None, "at_turn": None, "done": False}
    db_url = cluster.services["TRACKER_DB_URL"]

    async def committed(sender: str, turn: int, replica: str) -> Optional[bool]:
        if replica != "b" or killed["event"] is None:
            return None  # not the killed replica: a real failure
        await killed["event"].wait()

        def stored() -> bool:
            events = conversation_events(db_url, [sender])[sender]
            return any(e["type"] == "user" and user_turn(e) == turn for e in events)

        return await asyncio.get_running_loop().run_in_executor(None, stored)

    async def main() -> Dict[str, List[TurnResult]]:
        loop = asyncio.get_running_loop()
        killed["event"] = asyncio.Event()
        driver = Driver(cluster.urls("a", "b"), committed=committed)

        async def kill() -> None:
            await loop.run_in_executor(None, kill_hard, cluster.replicas["b"])
            driver.mark_dead("b")
            killed["event"].set()

        def on_turn(result: TurnResult) -> None:
            if not killed["done"] and len(driver.results) >= KILL_AT * total:
                killed["done"] = True
                killed["at_turn"] = len(driver.results)
                loop.create_task(kill())

        driver.on_turn = on_turn
        started = time.time()
        results = await driver.run(scripts)
        SUMMARY["fifty_elapsed_s"] = round(time.time() - started, 1)
        return results

    results = asyncio.run(main())
    assert killed["done"], "replica B was never killed"
    assert not cluster.replicas["b"].alive()
    assert_no_failures(results)
    counts = verify(db_url, scripts, results)
    outcomes = outcome_counts(results)
    per_replica: Dict[str, int] = {}
    for turns in results.values():
        for r in turns:
            per_replica[r.replica] = per_replica.get(r.replica, 0) + 1
    crisis_senders = {s for s, texts in scripts.items() if CRISIS_TEXT in texts}
    alerted = {a.get("conversation_id") for a in cluster.hook.received
               if a.get("type") == "crisis_alert"}
    SUMMARY["fifty_conversations"] = {
        **counts, "turns": total, "killed_replica_b_after_turns": killed["at_turn"],
        "outcomes": outcomes, "answered_by": per_replica,
        "crisis_conversations_with_staff_alert": len(crisis_senders & alerted),
    }
    assert counts["user_events"] == total
    if TURNS > int(SESSION_MAX_TURNS) + 2:  # every conversation went through a rollover
        assert counts["sessions_started"] >= 2 * CONVERSATIONS, counts
    assert counts["crisis_turns"] == sum(texts.count(CRISIS_TEXT) for texts in scripts.values())
    assert crisis_senders <= alerted, "a crisis conversation without a staff alert"
    assert per_replica.get("a", 0) > per_replica.get("b", 0), per_replica


SORRY = "Sorry, something went wrong on my side"


def test_database_outage_fails_turns_loudly_and_loses_nothing(cluster, running_services):
    """PostgreSQL down: turns get the apology (not an answer from an empty, in-memory
    conversation, which is what stock Rasa does) and a crisis message the crisis
    text; back up: the conversation goes on."""
    from tests.helpers import rest_say

    port = cluster.ports["a"]
    sender = f"outage-{RUN}"
    before = [rest_say(port, sender, scripted_text(1, t)) for t in range(3)]
    assert all(before)
    running_services.pg_stop()
    try:
        during = rest_say(port, sender, "how long is a session")
        assert len(during) == 1 and during[0]["text"].startswith(SORRY), during
        crisis = rest_say(port, sender, CRISIS_TEXT)
        assert crisis, crisis
    finally:
        running_services.pg_start()
    after = rest_say(port, sender, "does tms hurt?")
    assert after and not after[0]["text"].startswith(SORRY), after
    segs = segments(conversation_events(cluster.services["TRACKER_DB_URL"], [sender])[sender])
    assert [s["text"] for s in segs] == [scripted_text(1, t) for t in range(3)] + ["does tms hurt?"]
    # A crisis message during the outage still gets the crisis text and line
    # (bot.channels.failsafe: the detector needs no database).
    crisis_text = " ".join(m.get("text") or "" for m in crisis)
    assert "988" in crisis_text and not crisis_text.startswith(SORRY), crisis
    SUMMARY["database_outage"] = {
        "turns_during_outage": 2, "answered_with_apology": 2,
        "stored_after_recovery": len(segs),
        "crisis_turn_during_outage_got_crisis_line": "988" in crisis_text}


def test_replica_with_two_sanic_workers(cluster):
    dead = cluster.replicas["b"]
    assert not dead.alive()
    dead.stop()
    cluster.ports["b"] = free_port()
    cluster.replicas["b"] = cluster.replica("b", SANIC_WORKERS="2")
    wait_for(cluster.replicas["b"], cluster.ports["b"])
    log = cluster.replicas["b"].log()
    assert "sanic workers: 2" in log
    conversations, turns = 20, 10
    scripts = {f"workers-{RUN}-{c}": [scripted_text(c, t, CRISIS_EVERY) for t in range(turns)]
               for c in range(conversations)}
    started = time.time()
    results = asyncio.run(Driver(cluster.urls("b")).run(scripts))
    elapsed = time.time() - started
    assert_no_failures(results)
    counts = verify(cluster.services["TRACKER_DB_URL"], scripts, results)
    assert counts["user_events"] == conversations * turns
    senders = [f"workers-burst-{RUN}-{i}" for i in range(8)]
    burst = asyncio.run(double_sends({"b1": cluster.urls("b")["b"], "b2": cluster.urls("b")["b"]},
                                     senders))
    assert_no_failures(burst)
    burst_scripts = {s: [scripted_text(i, t) for t in range(4)] for i, s in enumerate(senders)}
    burst_counts = verify(cluster.services["TRACKER_DB_URL"], burst_scripts, burst, ordered=False)
    SUMMARY["two_sanic_workers"] = {**counts, "turns": conversations * turns,
                                    "elapsed_s": round(elapsed, 1),
                                    "double_sends": burst_counts["user_events"]}
