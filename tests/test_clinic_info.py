"""Questions about the clinic itself: which details, which day, and the action's replies."""
import asyncio
from datetime import datetime, timezone

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import clinic, clinic_answers
from bot import config
from tests.helpers import ROOT, load_yaml, nlu_examples

GENERATED = load_yaml(ROOT / "data" / "responses" / "generated.yml")["responses"]
CLINIC = {"timezone": "America/New_York", "opening_hours": {
    "monday": "8am to 6pm", "tuesday": "8am to 6pm", "wednesday": "8am to 6pm",
    "thursday": "8am to 6pm", "friday": "8am to 6pm", "saturday": "9am to 1pm", "sunday": "closed"}}
# Friday 4 Dec 2026, 15:00 UTC = 10:00 in New York.
FRIDAY = lambda: datetime(2026, 12, 4, 15, 0, tzinfo=timezone.utc)  # noqa: E731


@pytest.mark.parametrize("intent, text, expected", [
    ("clinic_contact", "what's your phone number and when are you open?",
     [("utter_clinic_contact", {}), ("utter_clinic_hours", {})]),
    ("clinic_hours", "what's your phone number and when are you open?",
     [("utter_clinic_hours", {}), ("utter_clinic_contact", {})]),
    ("clinic_location", "where is the clinic located",
     [("utter_clinic_location", {})]),
    ("clinic_hours", "are you open on Saturday?",
     [("utter_clinic_hours_day_open", {"day": "Saturday", "day_hours": "9am to 1pm"})]),
    ("clinic_hours", "can I come on a sunday",
     [("utter_clinic_hours_day_closed", {"day": "Sunday"})]),
    ("clinic_hours", "open this weekend?",
     [("utter_clinic_hours_day_open", {"day": "Saturday", "day_hours": "9am to 1pm"}),
      ("utter_clinic_hours_day_closed", {"day": "Sunday"})]),
    ("clinic_hours", "are you open today", [("utter_clinic_hours_day_open",
                                             {"day": "Friday", "day_hours": "8am to 6pm"})]),
    ("clinic_hours", "open tomorrow?", [("utter_clinic_hours_day_open",
                                         {"day": "Saturday", "day_hours": "9am to 1pm"})]),
    ("clinic_insurers", "do you take aetna, and is there parking?",
     [("utter_clinic_insurers", {}), ("utter_clinic_location", {})]),
    ("clinic_referral", "/clinic_referral", [("utter_clinic_referral", {})]),
])
def test_replies(intent, text, expected):
    assert clinic_answers.replies(intent, text, CLINIC, now=FRIDAY) == expected


def test_a_day_the_clinic_did_not_give_asks_to_call():
    partial = {"opening_hours": {"monday": "9am to 5pm"}}
    assert clinic_answers.replies("clinic_hours", "open on tuesday?", partial) == \
        [("utter_clinic_hours_day_unknown", {"day": "Tuesday"})]


def test_today_without_a_time_zone_is_not_guessed():
    assert clinic_answers.replies("clinic_hours", "are you open today", {"opening_hours": {}},
                                  now=FRIDAY) == [("utter_clinic_hours", {})]
    bad_zone = {**CLINIC, "timezone": "Mars/Olympus"}
    assert clinic_answers.days_asked("open today?", bad_zone, now=FRIDAY) == []


def test_every_reply_is_a_rendered_response_with_its_values():
    for detail in clinic_answers.questions():
        if detail != "hours":
            assert f"utter_clinic_{detail}" in GENERATED, detail
    for name, values in (("utter_clinic_hours_day_open", {"day", "day_hours"}),
                         ("utter_clinic_hours_day_closed", {"day"}),
                         ("utter_clinic_hours_day_unknown", {"day"})):
        text = GENERATED[name][0]["text"]
        assert {v for v in values if "{" + v + "}" in text} == values, (name, text)


def test_every_clinic_intent_is_in_the_spec_the_domain_and_trained():
    spec = load_yaml(ROOT / "docs" / "spec" / "topics.yml")["intents"]
    assert sorted(i for i in spec if i.startswith("clinic_")) == sorted(clinic_answers.intents())
    domain = load_yaml(ROOT / "domain.yml")
    train = nlu_examples(ROOT / "data" / "nlu" / "clinic.yml")
    for intent in clinic_answers.intents():
        assert intent in domain["intents"], intent
        assert len(train.get(intent, [])) >= 25, intent


def _run(text, intent):
    tracker = Tracker("c1", {}, {"text": text, "intent": {"name": intent}}, [], False, None, None,
                      "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(clinic.ActionClinicInfo().run(dispatcher, tracker, {}))
    return dispatcher.messages


def test_action_sends_the_responses_with_the_day_filled_in():
    messages = _run("are you open on sunday?", "clinic_hours")
    expected = config.day_hours(config.clinic().get("opening_hours"), "sunday")
    name = "utter_clinic_hours_day_closed" if expected == config.CLOSED else \
        "utter_clinic_hours_day_open"
    assert messages[0]["response"] == name and messages[0]["day"] == "Sunday"
    messages = _run("what's your phone number and when are you open?", "clinic_contact")
    assert [m["response"] for m in messages] == ["utter_clinic_contact", "utter_clinic_hours"]
