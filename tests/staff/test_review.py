"""Review data (bot/staff/review.py): rows without text, search, labels, NLU export. No server."""
from __future__ import annotations

import yaml
from rasa.shared.core.events import ActionExecuted, UserUttered

import pytest

from bot.staff import observer, review, store


@pytest.fixture
def eng(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "tracker.db"))
    monkeypatch.delenv("TRACKER_DB_URL", raising=False)
    return store.engine()


def turn(text, intent, confidence, *after, topic=None, timestamp=None):
    parse = {"intent": {"name": intent, "confidence": confidence}}
    if topic:
        parse["response_selector"] = {"faq": {"response": {"intent_response_key": topic}}}
    user = UserUttered(text, parse["intent"], [], parse, input_channel="socketio",
                       timestamp=timestamp)
    return observer.analyse([user, *after])


def test_turns_are_recorded_without_text_and_flagged(eng):
    review.record(eng, "c1", turn("how much is it", "faq", 0.95, topic="faq/cost"))
    review.record(eng, "c1", turn("blorp zzz", "nlu_fallback", 0.2))
    review.record(eng, "c2", turn("is it like shock therapy", "faq", 0.41, topic="faq/vs_ect",
                                  timestamp=1000.0))
    review.record(eng, "c2", turn("/human_handoff", "human_handoff", 0.1))  # a button: not reviewed
    review.record(eng, "c3", turn("what does it cost", "faq", 0.5,
                                  ActionExecuted("action_fallback_suggestions"), topic="faq/cost"))
    with eng.connect() as conn:
        rows = conn.execute(review.turns.select()).mappings().all()
    assert len(rows) == 5 and sum(row["command"] for row in rows) == 1
    assert not any("blorp" in str(value) or "shock" in str(value)
                   for row in rows for value in row.values())  # no text stored
    needs = review.needs_review(eng)
    assert {(r["conversation_id"], r["intent"]) for r in needs} == {
        ("c1", "nlu_fallback"), ("c2", "faq"), ("c3", "faq")}
    assert [c["conversation_id"] for c in review.search(eng, topic="faq/cost")] in (
        ["c3", "c1"], ["c1", "c3"])
    assert [c["conversation_id"] for c in review.search(eng, flags=["fallback"])] in (
        ["c3", "c1"], ["c1", "c3"])
    assert review.search(eng, since=store.now() + 60) == []
    low = next(r for r in needs if r["conversation_id"] == "c2")
    assert review.label(eng, low["id"], "faq/vs_ect", "sam")
    assert "c2" not in {r["conversation_id"] for r in review.needs_review(eng)}
    assert [(r["label"], r["labelled_by"], r["event_time"]) for r in review.labelled(eng)] == [
        ("faq/vs_ect", "sam", 1000.0)]


def test_text_is_found_again_in_the_tracker():
    events = [UserUttered("first", timestamp=10.0), UserUttered("second", timestamp=11.5)]
    assert review.text_of(events, 11.5) == "second"
    assert review.text_of(events, 12.0) is None


def test_export_is_rasa_nlu_yaml():
    text = review.nlu_yaml([("faq/cost", "how much  is it?"), ("faq/cost", "how much is it?"),
                            ("faq/vs_ect", "is it like ECT: shock therapy?"),
                            ("greet", "- hi there")])
    data = yaml.safe_load(text)
    assert data["version"] == "3.1"
    assert [block["intent"] for block in data["nlu"]] == ["faq/cost", "faq/vs_ect", "greet"]
    assert data["nlu"][0]["examples"] == "- how much is it?\n"  # one line, spaces tidied
    assert data["nlu"][1]["examples"] == "- is it like ECT: shock therapy?\n"
    assert data["nlu"][2]["examples"] == "- - hi there\n"


def test_intent_choices_include_every_faq_topic():
    from bot import config
    choices = review.intent_choices(["greet", "faq", "nlu_fallback", "restart", "human_handoff"])
    assert "greet" in choices and "human_handoff" in choices
    assert "faq" not in choices and "nlu_fallback" not in choices and "restart" not in choices
    assert all(f"faq/{topic}" in choices for topic in config.topic_titles())
