"""ProductionSQLTrackerStore: the same rows as Rasa's SQLTrackerStore, fewer queries."""
from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered

from bot.production.settings import parse_tracker
from bot.production.tracker_store import STORED, ProductionSQLTrackerStore
from tests.helpers import ROOT

DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def turn(text: str):
    return [UserUttered(text, {"name": "faq"}), ActionExecuted("utter_faq"), BotUttered(text.upper()),
            ActionExecuted("action_listen")]


def stores(url: str):
    tracker = parse_tracker({"TRACKER_DB_URL": url})
    kwargs = {"dialect": tracker.dialect, "db": tracker.db}
    if tracker.dialect == "postgresql":
        kwargs.update(host=tracker.host, port=tracker.port, username=tracker.username,
                      password=tracker.password)
    return (ProductionSQLTrackerStore(domain=DOMAIN, **kwargs),
            SQLTrackerStore(domain=DOMAIN, **kwargs))


def rows(store, sender):  # noqa: ANN001
    with store.engine.connect() as connection:
        return [r[0] for r in connection.execute(sa.text(
            "SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender})]


def exercise(url: str) -> None:
    ours, stock = stores(url)
    sender = f"ts-{uuid.uuid4().hex}"

    async def main() -> None:
        tracker = await ours.get_or_create_tracker(sender, append_action_listen=False)  # new
        tracker.update_with_events([SessionStarted(), ActionExecuted("action_listen")], DOMAIN)
        for text in ("one", "two"):
            tracker.update_with_events(turn(text), DOMAIN)
        await ours.save(tracker)
        await ours.save(tracker)  # saving twice adds nothing
        assert getattr(tracker, STORED) == len(tracker.events)
        loaded = await ours.retrieve(sender)
        assert getattr(loaded, STORED) == len(loaded.events) == len(tracker.events)
        loaded.update_with_events(turn("three"), DOMAIN)
        await ours.save(loaded)
        # Rasa's own store reads exactly what ours wrote, and agrees on the session.
        again = await stock.retrieve(sender)
        assert [e.as_dict()["event"] for e in again.events] == \
            [e.as_dict()["event"] for e in loaded.events]
        # A new session: only its events are loaded; saving appends after them.
        loaded.update_with_events([SessionStarted(), ActionExecuted("action_listen")] +
                                  turn("four"), DOMAIN)
        await ours.save(loaded)
        latest = await ours.retrieve(sender)
        assert [e.text for e in latest.events if isinstance(e, UserUttered)] == ["four"]
        latest.update_with_events(turn("five"), DOMAIN)
        await ours.save(latest)
        # A copy (no stored count) takes Rasa's path and adds nothing twice.
        copied = latest.copy()
        await ours.save(copied)
        full = await ours.retrieve_full_tracker(sender)
        texts = [e.text for e in full.events if isinstance(e, UserUttered)]
        assert texts == ["one", "two", "three", "four", "five"]
        full.update_with_events(turn("six"), DOMAIN)  # saving a full tracker appends only "six"
        await ours.save(full)

    asyncio.run(main())
    stored = rows(ours, sender)
    users = [r for r in stored if '"event": "user"' in r]
    assert len(users) == 6 and len(stored) == len(set(stored)), "an event was stored twice"
    ours.engine.dispose()
    stock.engine.dispose()


def test_sqlite(tmp_path):
    exercise(f"sqlite:///{tmp_path / 'tracker.db'}")


def test_postgresql(services):
    exercise(services["TRACKER_DB_URL"])


def test_indexes_are_created(tmp_path):
    store, _ = stores(f"sqlite:///{tmp_path / 'tracker.db'}")
    names = {index["name"] for index in sa.inspect(store.engine).get_indexes("events")}
    assert {"ix_events_sender_type_ts", "ix_events_sender_ts"} <= names


@pytest.mark.parametrize("bad", [-1, 10**6, "3", None])
def test_a_wrong_stored_count_falls_back_to_rasa(bad, tmp_path):
    store, _ = stores(f"sqlite:///{tmp_path / 'tracker.db'}")

    async def main():
        tracker = await store.get_or_create_tracker("s")
        tracker.update_with_events(turn("x"), DOMAIN)
        setattr(tracker, STORED, bad)
        assert store._stored_count(tracker) is None
        await store.save(tracker)

    asyncio.run(main())
    assert len(rows(store, "s")) == 5  # action_listen + one turn, once


def test_connections_killed_by_a_database_restart_cost_no_turn(services, caplog):
    """The server ends every pooled connection (what a restart or fail-over does):
    the next read and the next write still succeed, and nothing is stored twice."""
    ours, _ = stores(services["TRACKER_DB_URL"])
    sender = f"kill-{uuid.uuid4().hex}"

    async def main():
        tracker = await ours.get_or_create_tracker(sender)
        tracker.update_with_events(turn("one"), DOMAIN)
        await ours.save(tracker)
        kill_other_backends(services["TRACKER_DB_URL"])
        loaded = await ours.retrieve(sender)  # a dead pooled connection: read again
        assert [e.text for e in loaded.events if isinstance(e, UserUttered)] == ["one"]
        loaded.update_with_events(turn("two"), DOMAIN)
        kill_other_backends(services["TRACKER_DB_URL"])
        await ours.save(loaded)  # a dead pooled connection: write again

    with caplog.at_level("WARNING", logger="bot.production.tracker_store"):
        asyncio.run(main())
    retried = [r.getMessage() for r in caplog.records if "connection lost" in r.getMessage()]
    assert len(retried) == 2, retried  # both the read and the write met a dead connection
    stored = rows(ours, sender)
    assert sum('"event": "user"' in r for r in stored) == 2
    assert len(stored) == len(set(stored)), "an event was stored twice"
    ours.engine.dispose()


def kill_other_backends(url: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        killed = connection.execute(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    engine.dispose()
    assert killed >= 1


def test_latest_session_is_one_statement_and_its_start_is_found_once(services):
    """PostgreSQL computes the session start once (not once per event), in the same
    statement that reads the session's events."""
    store, stock = stores(services["TRACKER_DB_URL"])
    sender = f"long-{uuid.uuid4().hex}"
    events = []
    for session in range(5):
        events += [SessionStarted(), ActionExecuted("action_listen")]
        for index in range(60):
            events += turn(f"s{session} t{index}")
    tracker = stock.init_tracker(sender)
    tracker.update_with_events(events, DOMAIN)
    asyncio.run(stock.save(tracker))
    statements = []
    sa.event.listen(store.engine, "before_cursor_execute",
                    lambda *args: statements.append(args[2]))
    loaded = asyncio.run(store.retrieve(sender))
    assert len(statements) == 1
    assert [e.text for e in loaded.events if isinstance(e, UserUttered)] == \
        [f"s4 t{index}" for index in range(60)]
    with store.session_scope() as session:
        query = store._event_query(session, sender, False)
        sql = str(query.statement.compile(store.engine, compile_kwargs={"literal_binds": True}))
        plan = session.execute(sa.text(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")).scalar()

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    aggregates = [n for n in nodes(plan[0]["Plan"]) if n["Node Type"] == "Aggregate"]
    assert aggregates and all(n["Actual Loops"] == 1 for n in aggregates), aggregates
    store.engine.dispose()
    stock.engine.dispose()
