"""Bounded sessions: when a long session rolls over, and when it must wait."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (ActionExecuted, ActiveLoop, BotUttered, SessionStarted,
                                     SlotSet, UserUttered)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.production import sessions
from tests.helpers import ROOT


@pytest.fixture(scope="module")
def processor():
    return SimpleNamespace(domain=Domain.load(str(ROOT / "domain.yml")))


def conversation(turns: int, last_action: str = "utter_faq"):
    events = [ActionExecuted("action_session_start"), SessionStarted(),
              ActionExecuted("action_listen")]
    for turn in range(turns):
        events += [UserUttered("does tms hurt?", {"name": "faq"}),
                   ActionExecuted(last_action if turn == turns - 1 else "utter_faq"),
                   BotUttered("answer"), ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events("s", events)


def test_context_actions_come_from_rules_and_stories():
    context = sessions.context_actions(ROOT / "data")
    assert "action_crisis_handoff" in context  # "are you safe right now?" follows it
    assert "utter_faq" not in context


def test_rolls_over_a_long_session(processor):
    context = sessions.context_actions(ROOT / "data")
    assert not sessions.should_roll_over(processor, conversation(19), 20, context)
    assert sessions.should_roll_over(processor, conversation(20), 20, context)
    assert not sessions.should_roll_over(processor, conversation(50), 0, context)  # off


def test_waits_after_a_context_action_or_inside_a_form(processor):
    context = sessions.context_actions(ROOT / "data")
    crisis = conversation(25, last_action="action_crisis_handoff")
    assert not sessions.should_roll_over(processor, crisis, 20, context)
    form = conversation(25)
    form.update(ActiveLoop("screening_form"))
    assert not sessions.should_roll_over(processor, form, 20, context)


def test_counts_only_the_current_session(processor):
    tracker = conversation(15)
    for event in [ActionExecuted("action_session_start"), SessionStarted(),
                  ActionExecuted("action_listen")]:
        tracker.update(event)
    for _ in range(10):
        for event in [UserUttered("hi", {"name": "greet"}), ActionExecuted("utter_welcome"),
                      ActionExecuted("action_listen")]:
            tracker.update(event)
    assert not sessions.should_roll_over(processor, tracker, 20, frozenset())


def test_carried_slots_are_one_event_per_slot():
    tracker = DialogueStateTracker.from_events("s", [
        SlotSet("crisis_detected", True), SlotSet("country", "GB"),
        SlotSet("crisis_detected", True), SlotSet("country", "US")])
    carried = sessions._latest_slot_events(tracker)
    assert [(e.key, e.value) for e in carried] == [("crisis_detected", True), ("country", "US")]
