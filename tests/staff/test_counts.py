"""Counts per day and week (bot/staff/counts.py): no server."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.staff import counts, store


@pytest.fixture
def eng(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "tracker.db"))
    monkeypatch.delenv("TRACKER_DB_URL", raising=False)
    return store.engine()


def at(day: int, hour: int = 12) -> float:
    return datetime(2026, 11, day, hour, tzinfo=timezone.utc).timestamp()


def add(eng, when, conversation, topic=None, fallback=False, handoff=False, crisis=False,
        command=False):
    with eng.begin() as conn:
        conn.execute(store.turns.insert().values(
            conversation_id=conversation, at=when, event_time=when, topic=topic, fallback=fallback,
            low_confidence=False, handoff=handoff, crisis=crisis, command=command))


def test_counts_per_day_and_week(eng):
    add(eng, at(2), "a", topic="faq/cost")
    add(eng, at(2, 13), "a", fallback=True)
    add(eng, at(2, 14), "b", topic="faq/cost")
    add(eng, at(2, 14), "b", handoff=True, command=True)  # the "Talk to a person" button
    add(eng, at(3), "c", crisis=True)
    add(eng, at(9), "d", topic="faq/what_is_tms")
    with eng.begin() as conn:
        conn.execute(store.audit.insert().values(at=at(2, 15), username="sam",
                                                 action="take_over", seconds=None))  # a crisis
        for seconds in (30, 90, 60):
            conn.execute(store.audit.insert().values(at=at(2, 15), username="sam",
                                                     action="take_over", seconds=seconds))
    daily = counts.counts(eng, "day", 10, now=at(10))
    by_day = {row["period"]: row for row in daily["series"]}
    assert len(daily["series"]) == 10 and list(by_day)[0] == "2026-11-01"
    day2 = by_day["2026-11-02"]
    assert (day2["conversations"], day2["questions"], day2["fallbacks"], day2["handoffs"]) == (2, 3, 1, 1)
    assert day2["fallback_rate"] == 0.333 and day2["takeovers"] == 4
    assert day2["median_wait_seconds"] == 60
    assert by_day["2026-11-03"]["crisis"] == 1 and by_day["2026-11-04"]["fallback_rate"] is None
    assert daily["topics"] == [{"topic": "faq/cost", "questions": 2},
                               {"topic": "faq/what_is_tms", "questions": 1}]
    weekly = counts.counts(eng, "week", 14, now=at(10))
    by_week = {row["period"]: row for row in weekly["series"]}
    assert by_week["2026-W45"]["questions"] == 4 and by_week["2026-W46"]["questions"] == 1
    assert all(set(row) == {"topic", "questions"} for row in weekly["topics"])  # counts only
    assert counts.counts(eng, "day", 10_000)["days"] == counts.MAX_DAYS
