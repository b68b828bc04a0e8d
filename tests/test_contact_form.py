"""'Please contact me': reading name / phone or email / best time, consent, what is sent."""
import asyncio
import json
import logging

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import contact_answers as contact
from actions import contact_form
from tests.helpers import WebhookReceiver


@pytest.mark.parametrize("text,name,reach,time", [
    ("call me after 5 on my cell 555 0134", None, "5550134", "after 5"),
    ("I'm Sam, sam@example.org, mornings", "Sam", "sam@example.org", "mornings"),
    ("my name is Ana Ruiz and my number is (555) 010-0134", "Ana Ruiz", "5550100134", None),
    ("text me on +1 555 010 0188 weekdays between 9 and 11am", None, "+15550100188",
     "weekdays between 9 and 11am"),
    ("Email is JO.DOE@Example.NET, any time", None, "jo.doe@example.net", "any time"),
    ("this is Priya, tomorrow afternoon works", "Priya", None, "tomorrow afternoon"),
    ("12345", None, contact.INVALID, None),
    ("sam@gmail", None, contact.INVALID, None),
    ("at 9am please", None, None, "at 9am"),
    ("whenever", None, None, "whenever"),
])
def test_readers_find_each_piece_anywhere(text, name, reach, time):
    assert contact.name(text) == name
    assert contact.reach(text) == reach
    assert contact.best_time(text) == time


@pytest.mark.parametrize("text,expect", [("Sam Lee", "Sam Lee"), ("jo", "Jo"), ("yes", None),
                                         ("tomorrow morning", None), ("555 0134", None),
                                         ("what is tms?", None)])
def test_a_bare_name_counts_only_when_asked(text, expect):
    assert contact.name(text, asked=True) == expect
    assert contact.name(text) is None


@pytest.mark.parametrize("junk", [None, 7, ["555 0134"], "", "\x00" * 10, "9" * 40])
def test_readers_never_crash(junk):
    for reader in (contact.name, contact.reach, contact.best_time, contact.email, contact.phone):
        reader(junk)
    assert contact.reach("9" * 40) == contact.INVALID


def tracker(slots, text="", intent="request_contact"):
    return Tracker("conv-7", slots, {"text": text, "intent": {"name": intent}}, [], False, None,
                   None, "action_listen")


def validate(slot, text, slots=None, intent="request_contact"):
    dispatcher = CollectingDispatcher()
    method = getattr(contact_form.ValidateContactForm(), f"validate_{slot}")
    out = method(text, dispatcher, tracker(slots or {}, text, intent), {})
    return out, [m.get("response") for m in dispatcher.messages]


def test_one_message_fills_the_other_pieces_too():
    out, said = validate("contact_name", "call me after 5 on my cell 555 0134")
    assert out == {"contact_name": None, "contact_reach": "5550134", "contact_time": "after 5"}
    assert said == ["utter_contact_unclear_name"]


def test_invalid_phone_and_email_say_what_is_wrong():
    assert validate("contact_reach", "12345") == ({"contact_reach": None},
                                                  ["utter_contact_invalid_phone"])
    assert validate("contact_reach", "me@home") == ({"contact_reach": None},
                                                    ["utter_contact_invalid_email"])


def test_consent_is_a_clear_yes_or_no():
    assert validate("contact_consent", "yes, send it")[0] == {"contact_consent": "yes"}
    assert validate("contact_consent", "no, don't send it")[0] == {"contact_consent": "no"}
    assert validate("contact_consent", "hmm")[0] == {"contact_consent": None}


SLOTS = {"contact_name": "Sam", "contact_reach": "5550134", "contact_time": "after 5",
         "phq9_total": "12", "contact_include_phq9": True,
         **{f"phq9_q{n}": v for n, v in enumerate(["2", "2", "1", "3", "1", "2", "1", "0", "0"], 1)},
         "phq9_difficulty": "1"}


def test_consent_question_says_what_and_to_whom():
    values = contact_form.consent_values(tracker(SLOTS))
    assert values["contact_kind"] == "phone number" and values["contact_reach_display"] == "555 0134"
    assert "PHQ-9" in values["extras"] and "12 out of 27" in values["extras"]
    assert "Example" in values["clinic_team"]
    without = contact_form.consent_values(tracker({**SLOTS, "contact_include_phq9": False}))
    assert "PHQ-9" not in without["extras"]


def run_send(slots, monkeypatch, caplog, url):
    if url:
        monkeypatch.setenv("STAFF_WEBHOOK_URL", url)
    else:
        monkeypatch.delenv("STAFF_WEBHOOK_URL", raising=False)
    dispatcher = CollectingDispatcher()
    with caplog.at_level(logging.DEBUG):
        events = asyncio.run(contact_form.ActionContactSend().run(dispatcher, tracker(slots), {}))
    return [m["response"] for m in dispatcher.messages], events


def test_send_with_consent_posts_contact_and_phq9_and_logs_none_of_it(monkeypatch, caplog):
    hook = WebhookReceiver()
    try:
        said, events = run_send({**SLOTS, "contact_consent": "yes"}, monkeypatch, caplog, hook.url)
    finally:
        hook.close()
    assert said == ["utter_contact_sent"]
    (payload,) = hook.received
    assert payload["type"] == "human_handoff"
    assert payload["contact_request"] == {"name": "Sam", "phone": "5550134", "best_time": "after 5"}
    assert payload["phq9"]["score"] == 12 and len(payload["phq9"]["answers"]) == 9
    assert payload["phq9"]["difficulty"] == "Somewhat difficult"
    for secret in ("Sam", "5550134", "after 5", "Several days"):
        assert secret not in caplog.text
    assert {e["name"] for e in events} >= set(contact_form.CONTACT_SLOTS)
    assert all(e["value"] in (None, False) for e in events)


def test_phq9_stays_out_unless_asked(monkeypatch, caplog):
    hook = WebhookReceiver()
    try:
        run_send({**SLOTS, "contact_consent": "yes", "contact_include_phq9": False},
                 monkeypatch, caplog, hook.url)
    finally:
        hook.close()
    assert "phq9" not in hook.received[0]
    assert json.dumps(hook.received[0]).count("Nearly every day") == 0


def test_no_consent_sends_nothing(monkeypatch, caplog):
    hook = WebhookReceiver()
    try:
        said, events = run_send({**SLOTS, "contact_consent": "no"}, monkeypatch, caplog, hook.url)
    finally:
        hook.close()
    assert said == ["utter_contact_declined"] and hook.received == []
    assert all(e["value"] in (None, False) for e in events)


def test_webhook_down_says_so_and_gives_the_clinic_contacts(monkeypatch, caplog):
    said, _ = run_send({**SLOTS, "contact_consent": "yes"}, monkeypatch, caplog, None)
    assert said == ["utter_contact_not_sent_error", "utter_handoff_contact"]
    assert "Sam" not in caplog.text and "5550134" not in caplog.text


def test_start_prefills_what_the_first_message_said_and_notes_the_phq9_request():
    dispatcher = CollectingDispatcher()
    events = asyncio.run(contact_form.ActionContactStart().run(
        dispatcher, tracker({}, "call me after 5 on my cell 555 0134"), {}))
    values = {e["name"]: e["value"] for e in events}
    assert values["contact_reach"] == "5550134" and values["contact_time"] == "after 5"
    assert values["contact_include_phq9"] is False
    dispatcher = CollectingDispatcher()
    events = asyncio.run(contact_form.ActionContactStart().run(
        dispatcher, tracker({"phq9_total": "12"}, "/send_phq9", intent="send_phq9"), {}))
    assert {e["name"]: e["value"] for e in events}["contact_include_phq9"] is True
    dispatcher = CollectingDispatcher()
    events = asyncio.run(contact_form.ActionContactStart().run(
        dispatcher, tracker({}, "/send_phq9", intent="send_phq9"), {}))
    assert {e["name"]: e["value"] for e in events}["contact_include_phq9"] is False
    assert "utter_contact_no_phq9" in [m["response"] for m in dispatcher.messages]
