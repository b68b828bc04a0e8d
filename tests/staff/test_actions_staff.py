"""action_crisis_handoff while a person from the clinic has the chat (the staff console)."""
from rasa_sdk import Tracker

from actions import actions
from tests.test_actions import run_action


def test_crisis_with_a_person_in_the_chat_does_not_say_nobody_can_be_reached(monkeypatch):
    monkeypatch.delenv("STAFF_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("CRISIS_WEBHOOK_URL", raising=False)
    events = [{"event": "user", "text": "x", "input_channel": "socketio", "parse_data": {}}]
    for paused, response in [(True, "utter_crisis_staff_alerted"),
                             (False, "utter_crisis_staff_not_alerted")]:
        tracker = Tracker("conv-1", {}, {"text": "x", "intent": {}}, events, paused, None, None,
                          "action_listen")
        messages, _ = run_action(actions.ActionCrisisHandoff(), tracker)
        assert [m["response"] for m in messages] == [response]
