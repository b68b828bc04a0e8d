"""The console's tables on PostgreSQL (production's tracker database), not only SQLite.

A throwaway PostgreSQL from scripts/prod/services.sh (tests/production/cluster.py).
"""
from __future__ import annotations

import pytest

from bot.staff import auth, counts, review, store
from tests.production.cluster import Services
from tests.staff.test_review import turn

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def pg():
    services = Services.start("staff-pg")
    yield services.env
    services.stop()


@pytest.fixture
def eng(pg, monkeypatch):
    monkeypatch.setenv("TRACKER_DB_URL", pg["TRACKER_DB_URL"])
    engine = store.engine()
    with engine.begin() as conn:
        for table in reversed(store.metadata.sorted_tables):
            conn.execute(table.delete())
    return engine


def test_accounts_sessions_and_rate_limit_on_postgresql(eng):
    store.put_user(eng, "sam", "Sam", "staff", auth.hash_password(PASSWORD))
    token, staff = auth.login(eng, "sam", PASSWORD, "10.0.0.1")
    assert auth.session(eng, token).username == "sam"
    for _ in range(auth.LOGIN_MAX_FAILURES):
        with pytest.raises(auth.AuthError):
            auth.login(eng, "sam", "wrong password!", "10.0.0.1")
    with pytest.raises(auth.RateLimited):
        auth.login(eng, "sam", PASSWORD, "10.0.0.1")
    auth.logout(eng, staff)
    assert auth.session(eng, token) is None


def test_queue_claims_review_and_counts_on_postgresql(eng):
    store.upsert_conversation(eng, "c1", channel="socketio", state="waiting", requested_at=1.0,
                              last_message_at=store.now())
    store.upsert_conversation(eng, "c2", channel="socketio", crisis=True, last_message_at=store.now())
    assert [row["conversation_id"] for row in store.queue(eng, 600)] == ["c2", "c1"]
    taken = store.conversations.c.state != "taken"
    assert store.claim(eng, "c1", taken, state="taken", taken_by="sam")
    assert not store.claim(eng, "c1", taken, state="taken", taken_by="kim")  # one taker
    review.record(eng, "c1", turn("blorp", "nlu_fallback", 0.1))
    needs = review.needs_review(eng)
    assert len(needs) == 1 and review.label(eng, needs[0]["id"], "faq/cost", "sam")
    assert review.search(eng, flags=["fallback"])[0]["conversation_id"] == "c1"
    today = counts.counts(eng, "day", 1)["series"][0]
    assert today["questions"] == 1 and today["fallbacks"] == 1
