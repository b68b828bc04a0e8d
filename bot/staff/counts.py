"""Counts for the clinic, per day or ISO week (UTC): no text, no conversation ids.

From staff_turns (one row per patient turn) and staff_audit (take-overs):
conversations, questions (typed messages, not buttons), questions per FAQ
topic, fallback rate, hand-off requests, crisis messages, median time from "talk to a person" to a take-over.
"""
from __future__ import annotations

import statistics
from collections import Counter, OrderedDict
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from bot.staff import store

MAX_DAYS = 366


def bucket(at: float, period: str) -> str:
    day = datetime.fromtimestamp(at, timezone.utc)
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.strftime("%Y-%m-%d")


def buckets(end: datetime, days: int, period: str) -> List[str]:
    keys: "OrderedDict[str, None]" = OrderedDict()
    for offset in range(days - 1, -1, -1):
        keys[bucket((end - timedelta(days=offset)).timestamp(), period)] = None
    return list(keys)


def counts(eng: sa.engine.Engine, period: str = "day", days: int = 28,
           now: Optional[float] = None) -> Dict[str, Any]:
    period = "week" if period == "week" else "day"
    days = max(1, min(int(days), MAX_DAYS))
    end = datetime.fromtimestamp(now if now is not None else store.now(), timezone.utc)
    start = (end - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    keys = buckets(end, days, period)
    series = {key: {"conversations": set(), "questions": 0, "fallbacks": 0, "handoffs": 0,
                    "crisis": 0, "takeovers": 0, "waits": []} for key in keys}
    topics: Counter = Counter()
    t, a = store.turns.c, store.audit.c
    with eng.connect() as conn:
        rows = conn.execute(sa.select(t.at, t.conversation_id, t.topic, t.fallback, t.handoff,
                                      t.crisis, t.command).where(t.at >= start.timestamp()))
        for row in rows:
            entry = series.get(bucket(row.at, period))
            if entry is None:
                continue
            entry["conversations"].add(row.conversation_id)
            entry["questions"] += int(not row.command)  # buttons are not questions
            entry["fallbacks"] += int(bool(row.fallback))
            entry["handoffs"] += int(bool(row.handoff))
            entry["crisis"] += int(bool(row.crisis))
            if row.topic:
                topics[row.topic] += 1
        takeovers = conn.execute(sa.select(a.at, a.seconds).where(sa.and_(
            a.action == "take_over", a.at >= start.timestamp())))
        for row in takeovers:
            entry = series.get(bucket(row.at, period))
            if entry is not None:
                entry["takeovers"] += 1
                if row.seconds is not None:  # the person had asked for someone
                    entry["waits"].append(row.seconds)
    out = []
    for key in keys:
        entry = series[key]
        questions = entry["questions"]
        out.append({"period": key, "conversations": len(entry["conversations"]),
                    "questions": questions, "fallbacks": entry["fallbacks"],
                    "fallback_rate": round(entry["fallbacks"] / questions, 3) if questions else None,
                    "handoffs": entry["handoffs"], "crisis": entry["crisis"],
                    "takeovers": entry["takeovers"],
                    "median_wait_seconds": round(statistics.median(entry["waits"]), 1)
                    if entry["waits"] else None})
    return {"period": period, "days": days, "series": out,
            "topics": [{"topic": topic, "questions": n} for topic, n in topics.most_common()]}
