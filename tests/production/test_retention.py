"""Retention: whole conversations whose last event is older than N days are deleted."""
from __future__ import annotations

import asyncio
import json
import subprocess
import time
import uuid
from typing import Dict, List

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.production import retention
from bot.production.settings import ConfigError, parse_tracker
from bot.production.tracker_store import ProductionSQLTrackerStore
from tests.helpers import PYTHON, ROOT, base_env

DAY = 86400.0
NOW = time.time()


def events_at(*ages_in_days: float) -> List:
    out = []
    for age in ages_in_days:
        stamp = NOW - age * DAY
        out += [SessionStarted(timestamp=stamp), ActionExecuted("action_listen", timestamp=stamp),
                UserUttered("does tms hurt?", {"name": "faq"}, timestamp=stamp),
                BotUttered("It feels like tapping.", timestamp=stamp)]
    return out


def store_for(url: str) -> ProductionSQLTrackerStore:
    tracker = parse_tracker({"TRACKER_DB_URL": url})
    kwargs = {"dialect": tracker.dialect, "db": tracker.db}
    if tracker.dialect == "postgresql":
        kwargs.update(host=tracker.host, port=tracker.port, username=tracker.username,
                      password=tracker.password)
    return ProductionSQLTrackerStore(domain=Domain.load(str(ROOT / "domain.yml")), **kwargs)


def fill(url: str, prefix: str) -> Dict[str, int]:
    """Four conversations; returns sender -> number of events."""
    store = store_for(url)
    conversations = {
        f"{prefix}-old": events_at(400, 390),           # last event 390 days ago: delete
        f"{prefix}-mixed": events_at(800, 2),           # old start, recent end: keep whole
        f"{prefix}-recent": events_at(1),               # keep
        f"{prefix}-edge": events_at(366),               # just past 365 days: delete
    }

    async def save_all() -> None:
        for sender, events in conversations.items():
            await store.save(DialogueStateTracker.from_events(sender, events))

    asyncio.run(save_all())
    store.engine.dispose()
    return {sender: len(events) for sender, events in conversations.items()}


def stored(url: str, prefix: str) -> Dict[str, int]:
    engine = sa.create_engine(retention.engine_url(parse_tracker({"TRACKER_DB_URL": url})))
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT sender_id, COUNT(*) FROM events WHERE sender_id LIKE :p GROUP BY sender_id"),
            {"p": f"{prefix}-%"}).fetchall()
    engine.dispose()
    return {sender: count for sender, count in rows}


def check_retention(url: str) -> None:
    prefix = f"ret-{uuid.uuid4().hex[:8]}"
    sizes = fill(url, prefix)
    assert stored(url, prefix) == sizes
    dry = retention.run(365, dry_run=True, db_url=url)
    assert dry["dry_run"] and dry["conversations"] == 2
    assert dry["events"] == sizes[f"{prefix}-old"] + sizes[f"{prefix}-edge"]
    assert stored(url, prefix) == sizes, "a dry run deleted something"
    done = retention.run(365, db_url=url)
    assert done["conversations"] == 2 and done["events"] == dry["events"]
    left = stored(url, prefix)
    assert left == {f"{prefix}-mixed": sizes[f"{prefix}-mixed"],
                    f"{prefix}-recent": sizes[f"{prefix}-recent"]}
    again = retention.run(365, db_url=url)
    assert again["conversations"] == 0 and again["events"] == 0


def test_retention_sqlite(tmp_path):
    check_retention(f"sqlite:///{tmp_path / 'tracker.db'}")


def test_retention_postgresql(services):
    check_retention(services["TRACKER_DB_URL"])


def test_a_conversation_active_during_retention_is_kept(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    prefix = "race"
    fill(url, prefix)
    tracker = parse_tracker({"TRACKER_DB_URL": url})
    engine = sa.create_engine(retention.engine_url(tracker))
    with engine.connect() as connection:
        stale = retention.stale_senders(connection, NOW - 365 * DAY)
    assert f"{prefix}-old" in stale
    # A new message arrives for the "old" conversation after it was selected ...
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO events (sender_id, type_name, timestamp, data) "
            "VALUES (:s, 'user', :t, '{}')"), {"s": f"{prefix}-old", "t": NOW})
    # ... so the delete, which re-checks inside the statement, keeps all of it.
    with engine.begin() as connection:
        removed = retention.delete_batch(connection, [f"{prefix}-old"], NOW - 365 * DAY)
    assert removed == 0
    engine.dispose()


def test_refuses_zero_days(tmp_path):
    with pytest.raises(ConfigError):
        retention.run(0, db_url=f"sqlite:///{tmp_path / 't.db'}")


def test_command_line(tmp_path):
    db = tmp_path / "tracker.db"
    fill(f"sqlite:///{db}", "cli")
    env = base_env(TRACKER_DB=str(db))
    env.pop("TRACKER_DB_URL", None)
    result = subprocess.run([PYTHON, "-m", "bot.production.retention", "--days", "365",
                             "--dry-run"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["conversations"] == 2 and summary["dry_run"] is True
    assert str(db) in summary["store"]
    empty = subprocess.run([PYTHON, "-m", "bot.production.retention", "--days", "30"], cwd=ROOT,
                           env=base_env(TRACKER_DB=str(tmp_path / "none.db")),
                           capture_output=True, text=True, timeout=120)
    assert empty.returncode == 0 and "no events table" in empty.stdout
