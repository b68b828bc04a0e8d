"""Delete conversations nobody has touched for N days from the SQL tracker store.

    python -m bot.production.retention --days 365 --dry-run   # count only
    python -m bot.production.retention --days 365             # delete

A conversation (every event of one sender id) is deleted when its newest
event is older than N days; a conversation with any recent event is kept
whole, however old its first events are. The store is the one the launcher
would use: TRACKER_DB_URL (PostgreSQL or sqlite:///path), else the embedded
SQLite file TRACKER_DB (default .run/tracker.db). `--db-url` overrides both.

Each batch of senders is deleted in one transaction by a statement that
re-checks the age inside the database, so a conversation that receives a new
message while retention runs is not deleted (neither partly nor whole).
Prints a JSON summary: conversations and events deleted (or that would be).
The database user needs DELETE on table `events`.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any, Dict, List, Mapping, Optional, Sequence

import sqlalchemy as sa

from bot.production.settings import ConfigError, Tracker, parse_tracker

SECONDS_PER_DAY = 86400
BATCH = 500


def engine_url(tracker: Tracker) -> "sa.engine.URL":
    if tracker.dialect == "sqlite":
        return sa.engine.URL.create("sqlite", database=tracker.db)
    return sa.engine.URL.create("postgresql", username=tracker.username,
                                password=tracker.password, host=tracker.host,
                                port=tracker.port, database=tracker.db,
                                query=dict(tracker.query))


def _tracker(env: Mapping[str, str], db_url: Optional[str]) -> Tracker:
    if db_url:
        env = {**env, "TRACKER_DB_URL": db_url}
    return parse_tracker(env)


def stale_senders(connection: "sa.engine.Connection", cutoff: float) -> List[str]:
    rows = connection.execute(sa.text(
        "SELECT sender_id FROM events GROUP BY sender_id "
        "HAVING MAX(COALESCE(timestamp, 0)) < :cutoff ORDER BY sender_id"), {"cutoff": cutoff})
    return [row[0] for row in rows]


def _in(names: Sequence[str]) -> tuple:
    params = {f"s{i}": name for i, name in enumerate(names)}
    return ", ".join(f":s{i}" for i in range(len(names))), params


def count_events(connection: "sa.engine.Connection", senders: Sequence[str]) -> int:
    total = 0
    for start in range(0, len(senders), BATCH):
        placeholders, params = _in(senders[start:start + BATCH])
        total += connection.execute(sa.text(
            f"SELECT COUNT(*) FROM events WHERE sender_id IN ({placeholders})"), params).scalar()
    return int(total)


def present(connection: "sa.engine.Connection", senders: Sequence[str]) -> List[str]:
    placeholders, params = _in(senders)
    rows = connection.execute(sa.text(
        f"SELECT DISTINCT sender_id FROM events WHERE sender_id IN ({placeholders})"), params)
    return [row[0] for row in rows]


def delete_batch(connection: "sa.engine.Connection", senders: Sequence[str], cutoff: float) -> int:
    """Delete the senders' events if (checked again, in the same statement) still stale."""
    placeholders, params = _in(senders)
    params["cutoff"] = cutoff
    result = connection.execute(sa.text(
        f"DELETE FROM events WHERE sender_id IN ({placeholders}) AND sender_id NOT IN ("
        f"SELECT sender_id FROM events WHERE sender_id IN ({placeholders}) "
        f"AND COALESCE(timestamp, 0) >= :cutoff)"), params)
    return int(result.rowcount or 0)


def run(days: float, dry_run: bool = False, env: Optional[Mapping[str, str]] = None,
        db_url: Optional[str] = None, now: Optional[float] = None) -> Dict[str, Any]:
    if days <= 0:
        raise ConfigError("--days must be more than 0")
    tracker = _tracker(os.environ if env is None else env, db_url)
    cutoff = (time.time() if now is None else now) - days * SECONDS_PER_DAY
    engine = sa.create_engine(engine_url(tracker))
    summary: Dict[str, Any] = {"store": tracker.describe(), "days": days, "cutoff": cutoff,
                               "dry_run": dry_run, "conversations": 0, "events": 0}
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("events"):
                summary["note"] = "no events table (nothing stored yet)"
                return summary
            senders = stale_senders(connection, cutoff)
            summary["conversations"] = len(senders)
            if dry_run:
                summary["events"] = count_events(connection, senders)
                return summary
        deleted_senders = deleted_events = 0
        for start in range(0, len(senders), BATCH):
            batch = senders[start:start + BATCH]
            with engine.begin() as connection:  # one transaction per batch
                removed = delete_batch(connection, batch, cutoff)
                if removed:
                    deleted_senders += len(set(batch) - set(present(connection, batch)))
                deleted_events += removed
        summary["conversations"] = deleted_senders
        summary["events"] = deleted_events
        return summary
    finally:
        engine.dispose()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.production.retention",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=float, required=True,
                        help="delete conversations whose last event is older than this")
    parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    parser.add_argument("--db-url", help="override TRACKER_DB_URL / TRACKER_DB")
    args = parser.parse_args(argv)
    try:
        summary = run(args.days, args.dry_run, db_url=args.db_url)
    except ConfigError as error:
        print(f"retention: {error}", file=sys.stderr)
        return 2
    except sa.exc.SQLAlchemyError as error:
        print(f"retention: database error: {type(error).__name__}: {str(error).splitlines()[0]}",
              file=sys.stderr)
        return 1
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
