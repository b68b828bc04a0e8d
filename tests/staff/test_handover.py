"""The console's view of a turn and the patient-facing lines (bot/staff): no server."""
from __future__ import annotations

import asyncio

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from bot import config
from bot.channels import webchat
from bot.staff import handover, live, observer, store


def user(text, intent, confidence=0.9, **metadata):
    return UserUttered(text, {"name": intent, "confidence": confidence}, input_channel="socketio",
                       metadata=metadata or None)


def test_analyse_reads_the_last_turn():
    events = [user("hi", "greet"), BotUttered("hello"),
              user("can I talk to someone", "human_handoff", country="uk"),
              ActionExecuted("utter_handoff_contact"), BotUttered("call us", {}, {"utter_action": "x"}),
              ActionExecuted("action_human_handoff")]
    turn = observer.analyse(events)
    assert turn.text == "can I talk to someone" and turn.intent == "human_handoff"
    assert turn.handoff and not turn.crisis and turn.country == "GB" and turn.channel == "socketio"
    assert [r["text"] for r in turn.replies] == ["call us"]
    crisis = observer.analyse([user("...", "faq", 0.3), ActionExecuted("utter_crisis"),
                               BotUttered("lines", {}, {"utter_action": "utter_crisis"})])
    assert crisis.crisis and not crisis.handoff
    assert observer.analyse([user("x", "crisis", 1.0)]).crisis  # paused: no action ran, still flagged
    assert observer.analyse([BotUttered("hello")]) is None


class FakeTracker:
    def __init__(self, sender):
        self.sender_id = sender
        self.events = []

    def update(self, event):
        self.events.append(event)


class FakeOutput:
    def __init__(self):
        self.sent = []

    async def send_text_message(self, recipient, text, **kwargs):
        self.sent.append((text, []))

    async def send_text_with_buttons(self, recipient, text, buttons, **kwargs):
        self.sent.append((text, buttons))


class FakeSio:
    def __init__(self):
        self.emitted = []

    async def emit(self, event, data, room=None, namespace=None):
        self.emitted.append((event, data, room, namespace))


@pytest.fixture
def console(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "tracker.db"))
    monkeypatch.delenv("TRACKER_DB_URL", raising=False)
    sio = FakeSio()
    monkeypatch.setitem(live._state, "sio", sio)
    return sio


def run_turn(sender, events, hours):
    import os
    os.environ["STAFF_HOURS_OVERRIDE"] = hours
    try:
        tracker, output = FakeTracker(sender), FakeOutput()
        asyncio.run(handover.patient_turn(tracker, output, observer.analyse(events)))
        return tracker, output
    finally:
        del os.environ["STAFF_HOURS_OVERRIDE"]


HANDOFF = [user("/human_handoff", "human_handoff"), ActionExecuted("action_human_handoff")]


def test_handoff_in_hours_waits_and_alerts_the_console(console):
    tracker, output = run_turn("conv-open", HANDOFF, "open")
    assert output.sent == [(handover.messages()["waiting"], [])]
    assert tracker.events[0].text == handover.messages()["waiting"]  # stored in the tracker
    row = store.get_conversation(store.engine(), "conv-open")
    assert row["state"] == "waiting" and row["requested_at"] and not row["crisis"]
    queue = [data for event, data, room, ns in console.emitted if event == "queue_item"]
    assert queue[0]["alert"] == "handoff" and queue[0]["conversation_id"] == "conv-open"
    watchers = [(data, room) for event, data, room, ns in console.emitted
                if event == "conversation_event"]
    assert watchers[0][1] == "conv:conv-open" and watchers[0][0]["user"]["text"] == "/human_handoff"
    # queue items carry no message text
    assert "/human_handoff" not in str(queue)


def test_handoff_outside_hours_says_nobody_is_there(console):
    tracker, output = run_turn("conv-closed", HANDOFF, "closed")
    text, buttons = output.sent[0]
    clinic = config.clinic()
    assert text.startswith("No one from the clinic team is here right now")
    assert clinic["hours"] in text and clinic["phone_display"] in text and not buttons
    assert store.get_conversation(store.engine(), "conv-closed")["state"] == "bot"


def test_crisis_conversation_keeps_the_crisis_line_in_every_staff_line(console):
    run_turn("conv-crisis", [user("...", "crisis", 1.0), ActionExecuted("action_crisis_handoff")],
             "open")
    tracker, output = run_turn("conv-crisis", HANDOFF, "closed")
    text, buttons = output.sent[0]
    us = config.resources_for("US")
    assert us["short_line"] in text and buttons == us["buttons"]
    assert webchat.crisis_kind(buttons, None) == "support"  # the widget shows it as a card
    row = store.get_conversation(store.engine(), "conv-crisis")
    assert row["crisis"] and store.priority(row) < store.priority({"state": "waiting"})


def test_channels_without_live_replies_are_listed_not_promised(console):
    events = [UserUttered("/human_handoff", {"name": "human_handoff"}, input_channel="rest"),
              ActionExecuted("action_human_handoff")]
    tracker, output = run_turn("conv-rest", events, "open")
    assert output.sent == [] and tracker.events == []
    row = store.get_conversation(store.engine(), "conv-rest")
    assert row["state"] == "bot" and row["requested_at"]
    assert handover.public_row(row)["live"] is False


def test_widget_replays_staff_lines_with_their_marker():
    events = [BotUttered("Sam joined", {}, {"staff": {"kind": "join", "name": "Sam", "user": "sam"}}),
              BotUttered("hello", {}, {"staff": {"kind": "message", "name": "Sam"}}),
              BotUttered("waiting", {}, {"staff": {"kind": "status"}})]
    replay = webchat.replay_messages(events, 0)
    assert replay[0]["staff"] == {"kind": "join", "name": "Sam"}  # no username to the patient
    assert replay[1]["staff"]["kind"] == "message" and "staff" not in replay[2]


def test_cookie_and_origin_helpers():
    assert live.cookie_token("a=1; tms_staff=tok; b=2") == "tok"
    assert live.cookie_token("__Host-tms_staff=sec") == "sec"
    assert live.cookie_token(None) is None and live.cookie_token("tms_staff_login=x") is None
    assert live.same_origin("http://127.0.0.1:5005", "127.0.0.1:5005")
    assert not live.same_origin("http://evil.example", "127.0.0.1:5005")
    assert not live.same_origin("null", "127.0.0.1:5005")
    assert live.same_origin(None, "127.0.0.1:5005")  # not a browser


def test_a_new_session_keeps_the_pause_while_a_person_has_the_chat(console):
    from rasa.shared.core.events import ConversationPaused, SessionStarted
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker("conv-long", [])
    tracker.update(ConversationPaused())
    before = len(tracker.events)
    tracker.update(SessionStarted())  # what Rasa does on expiry / SESSION_MAX_TURNS
    assert not tracker.is_paused()
    assert observer.keep_paused(tracker, before) is False  # nobody has it in the queue
    store.upsert_conversation(store.engine(), "conv-long", state="taken", taken_by="sam")
    assert observer.keep_paused(tracker, before) is True and tracker.is_paused()
    assert observer.keep_paused(tracker, len(tracker.events)) is False  # no new session: no-op


class FakeAgent:
    """What handover needs of Rasa's Agent: a lock store and a processor's tracker access."""

    def __init__(self):
        from rasa.core.lock_store import InMemoryLockStore
        from rasa.shared.core.trackers import DialogueStateTracker

        self.lock_store = InMemoryLockStore()
        self.trackers = {}
        agent = self

        class Processor:
            async def get_tracker(self, conversation_id):
                return agent.trackers.setdefault(conversation_id,
                                                 DialogueStateTracker(conversation_id, []))

            async def save_tracker(self, tracker):
                agent.trackers[tracker.sender_id] = tracker

        self.processor = Processor()


def test_a_patient_left_without_a_reply_gets_the_assistant_back(console, monkeypatch):
    from bot.staff import auth

    monkeypatch.setenv("STAFF_REPLY_SECONDS", "5")
    agent, eng = FakeAgent(), store.engine()
    sam = auth.Staff("sam", "Sam", "staff", "csrf", "hash")
    store.upsert_conversation(eng, "conv-quiet", channel="socketio", crisis=True, state="waiting")
    asyncio.run(handover.take_over(agent, "conv-quiet", sam))
    assert agent.trackers["conv-quiet"].is_paused()
    run_turn("conv-quiet", [user("hello? anyone?", "greet")], "open")
    waiting = store.get_conversation(eng, "conv-quiet")["patient_waiting_since"]
    assert waiting
    assert asyncio.run(handover.unanswered_sweep(agent)) == 0  # not 5 s yet
    asyncio.run(handover.send(agent, "conv-quiet", sam, "Sorry, one moment"))
    assert store.get_conversation(eng, "conv-quiet")["patient_waiting_since"] is None  # answered
    run_turn("conv-quiet", [user("still there?", "greet")], "open")
    store.claim(eng, "conv-quiet", store.conversations.c.state == "taken",
                patient_waiting_since=store.now() - 6)
    assert asyncio.run(handover.unanswered_sweep(agent)) == 1
    tracker = agent.trackers["conv-quiet"]
    assert not tracker.is_paused()
    last = [e for e in tracker.events if e.type_name == "bot"][-1]
    assert last.text.startswith("Sorry, Sam can't reply right now")
    assert last.data["buttons"] == config.resources_for("US")["buttons"]  # a crisis conversation
    row = store.get_conversation(eng, "conv-quiet")
    assert row["state"] == "bot" and row["taken_by"] is None
    assert asyncio.run(handover.unanswered_sweep(agent)) == 0  # once
    widget = [data for event, data, room, ns in console.emitted if event == "bot_uttered"]
    assert widget[-1]["staff"]["kind"] == "leave" and widget[-1]["crisis"] == "support"
