"""Custom actions, in-process, with rasa-sdk's dispatcher and tracker and a loopback webhook."""
import asyncio
import json
import logging

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import actions
from tests.helpers import WebhookReceiver


def make_tracker(slots=None, latest_message=None, channel="rest", sender="conv-123"):
    events = [{"event": "user", "text": "hi", "input_channel": channel, "parse_data": {}}]
    return Tracker(sender, slots or {}, latest_message or {"text": "hi", "intent": {}},
                   events, False, None, None, "action_listen")


def run_action(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


@pytest.fixture
def receiver(monkeypatch):
    hook = WebhookReceiver()
    monkeypatch.setenv("STAFF_WEBHOOK_URL", hook.url)
    monkeypatch.delenv("CRISIS_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("CRISIS_ALERT_INCLUDE_TEXT", raising=False)
    yield hook
    hook.close()


def test_human_handoff_notifies_staff_and_says_so(receiver):
    messages, events = run_action(actions.ActionHumanHandoff(), make_tracker(channel="socketio"))
    assert [m["response"] for m in messages] == ["utter_handoff_staff_notified"]
    assert events == []
    [payload] = receiver.received
    assert payload["type"] == "human_handoff"
    assert payload["conversation_id"] == "conv-123"
    assert payload["channel"] == "socketio"
    assert "time" in payload


def test_human_handoff_without_webhook_logs_and_promises_nothing(monkeypatch, caplog):
    monkeypatch.delenv("STAFF_WEBHOOK_URL", raising=False)
    with caplog.at_level(logging.WARNING):
        messages, _ = run_action(actions.ActionHumanHandoff(), make_tracker())
    assert messages == []  # contact details were already sent by utter_handoff_contact
    assert "STAFF_WEBHOOK_URL is not set" in caplog.text


def test_human_handoff_with_unreachable_webhook_promises_nothing(monkeypatch):
    monkeypatch.setenv("STAFF_WEBHOOK_URL", "http://127.0.0.1:9/nothing-listens-here")
    messages, _ = run_action(actions.ActionHumanHandoff(), make_tracker())
    assert messages == []


def test_crisis_handoff_alerts_without_message_text_and_audits(receiver, caplog):
    tracker = make_tracker(
        slots={"crisis_category": "active_ideation", "crisis_severity": "crisis",
               "crisis_subject": "self"},
        latest_message={"text": "i want to end my life", "intent": {"name": "crisis"}},
    )
    with caplog.at_level(logging.WARNING, logger="tms.audit"):
        messages, events = run_action(actions.ActionCrisisHandoff(), tracker)
    assert events == [SlotSet("crisis_detected", True)]
    assert [m["response"] for m in messages] == ["utter_crisis_staff_alerted"]
    [alert] = receiver.received
    assert alert["type"] == "crisis_alert"
    assert alert["category"] == "active_ideation"
    assert alert["conversation_id"] == "conv-123"
    assert "message_text" not in alert
    assert "end my life" not in json.dumps(alert)
    audit = [json.loads(r.getMessage()) for r in caplog.records if r.name == "tms.audit"]
    assert audit and audit[0]["event"] == "crisis_detected" and audit[0]["staff_alerted"] is True
    assert "end my life" not in caplog.text


def test_crisis_alert_includes_text_only_when_clinic_opts_in(receiver, monkeypatch):
    monkeypatch.setenv("CRISIS_ALERT_INCLUDE_TEXT", "true")
    tracker = make_tracker(latest_message={"text": "i want to end my life", "intent": {}})
    run_action(actions.ActionCrisisHandoff(), tracker)
    assert receiver.received[0]["message_text"] == "i want to end my life"


def test_crisis_handoff_uses_its_own_webhook_when_set(receiver, monkeypatch):
    crisis_hook = WebhookReceiver()
    try:
        monkeypatch.setenv("CRISIS_WEBHOOK_URL", crisis_hook.url)
        run_action(actions.ActionCrisisHandoff(), make_tracker())
        assert len(crisis_hook.received) == 1 and receiver.received == []
    finally:
        crisis_hook.close()


def test_crisis_handoff_without_webhook_still_sets_slot_and_urges_the_numbers(monkeypatch):
    monkeypatch.delenv("STAFF_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("CRISIS_WEBHOOK_URL", raising=False)
    messages, events = run_action(actions.ActionCrisisHandoff(), make_tracker())
    assert events == [SlotSet("crisis_detected", True)]
    assert [m["response"] for m in messages] == ["utter_crisis_staff_not_alerted"]


def test_fallback_suggests_closest_topics_and_a_person():
    ranking = [
        {"intent_response_key": "faq/cost", "confidence": 0.4},
        {"intent_response_key": "faq/insurance", "confidence": 0.3},
        {"intent_response_key": "faq/cost", "confidence": 0.1},
        {"intent_response_key": "faq/schedule", "confidence": 0.1},
        {"intent_response_key": "faq/safety", "confidence": 0.05},
    ]
    tracker = make_tracker(latest_message={"text": "price??", "intent": {"name": "nlu_fallback"},
                                           "response_selector": {"faq": {"ranking": ranking}}})
    [message], _ = run_action(actions.ActionFallbackSuggestions(), tracker)
    assert message["response"] == "utter_fallback_intro"
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads == ["/faq/cost", "/faq/insurance", "/faq/schedule", "/human_handoff"]
    assert message["buttons"][0]["title"] == "Cost"


def test_fallback_without_ranking_asks_to_rephrase():
    [message], _ = run_action(actions.ActionFallbackSuggestions(), make_tracker())
    assert message["response"] == "utter_fallback_no_suggestions"


def test_fallback_ignores_unknown_and_weak_topics():
    ranking = [{"intent_response_key": "faq/not_a_topic", "confidence": 0.9},
               {"intent_response_key": "faq/cost", "confidence": 0.01}]
    tracker = make_tracker(latest_message={"response_selector": {"faq": {"ranking": ranking}}})
    [message], _ = run_action(actions.ActionFallbackSuggestions(), tracker)
    assert message["response"] == "utter_fallback_no_suggestions"
