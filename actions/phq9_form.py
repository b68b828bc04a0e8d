"""PHQ-9 self-check: slot validation, question 9 as the safety question, the result.

Answers are read by actions.phq9_answers and scored by actions.phq9_scoring
(plain Python, unit-tested). Any answer but "Not at all" to question 9 stops the
form at once (requested_slot None) and sets the crisis slots the way
CrisisGuard does, with `phq9_safety_stop`; the rule in data/rules/phq9.yml
then sends utter_crisis and action_crisis_handoff, before any score.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import phq9_answers as answers
from actions import phq9_scoring as scoring
from actions.forms import faq_asked_instead

ITEM_SLOTS = tuple(f"phq9_q{n}" for n in range(1, 10))
DIFFICULTY_SLOT = "phq9_difficulty"
ALL_SLOTS = ITEM_SLOTS + (DIFFICULTY_SLOT,)
SAFETY_SLOT = "phq9_safety_stop"
# The detector's category for thoughts of being better off dead (bot/safety/patterns).
SAFETY_CATEGORY = "passive_ideation"


def safety_events(score: int) -> Dict[Text, Any]:
    """Slots for a positive question 9: concern for "several days", crisis for more often."""
    return {
        SAFETY_SLOT: True,
        "crisis_category": SAFETY_CATEGORY,
        "crisis_subject": "self",
        "crisis_severity": "concern" if score == 1 else "crisis",
        "requested_slot": None,  # stops the form now: no more questions, no score
    }


def _intent(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def _validate(slot: str, value: Any, dispatcher: CollectingDispatcher,
              tracker: Tracker) -> Dict[Text, Any]:
    if value is None:  # a reset is validated too: nothing to say
        return {slot: None}
    if _intent(tracker) == "start_phq9":  # "start over" inside the form
        dispatcher.utter_message(response="utter_phq9_intro")
        return {name: None for name in ALL_SLOTS}
    reader = answers.difficulty if slot == DIFFICULTY_SLOT else answers.frequency
    parsed = reader(value)
    if parsed == answers.EXPLAIN:
        dispatcher.utter_message(response=f"utter_phq9_explain_{slot}")
        dispatcher.utter_message(response="utter_phq9_answer_hint")
        return {slot: None}  # the form asks its question again
    faq = faq_asked_instead(tracker, None if parsed is None else parsed)
    if faq:
        dispatcher.utter_message(response=faq)
        return {slot: None}
    if parsed is None:
        dispatcher.utter_message(response="utter_phq9_unclear_difficulty" if slot == DIFFICULTY_SLOT
                                 else "utter_phq9_unclear")
        return {slot: None}
    stored = answers.SKIP if parsed == answers.SKIP else str(parsed)
    if slot == "phq9_q9" and isinstance(parsed, int) and parsed > 0:
        return {slot: stored, **safety_events(parsed)}
    return {slot: stored}


class ValidatePhq9Form(FormValidationAction):
    """Questions 1-9 and the difficulty question, all through _validate."""

    def name(self) -> Text:
        return "validate_phq9_form"


def _validator(slot: str):
    def validate_slot(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> Dict[Text, Any]:
        return _validate(slot, value, dispatcher, tracker)
    validate_slot.__name__ = f"validate_{slot}"
    return validate_slot


# validate_phq9_q1 ... validate_phq9_q9, validate_phq9_difficulty: one rule for all.
for _slot in ALL_SLOTS:
    setattr(ValidatePhq9Form, f"validate_{_slot}", _validator(_slot))


class ActionResetPhq9(Action):
    """The one-time intro, and a clean start (earlier answers and the safety flag cleared)."""

    def name(self) -> Text:
        return "action_reset_phq9"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_phq9_intro")
        return [SlotSet(slot, None) for slot in ALL_SLOTS] + [
            SlotSet(SAFETY_SLOT, False), SlotSet("phq9_total", None)]


def result_messages(slots: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The responses (name + template values) that make up the result, in order."""
    items = [slots.get(slot) for slot in ITEM_SLOTS]
    result = scoring.score(items)
    values = {"phq9_score": result.total, "phq9_band": result.band_words,
              "phq9_band_range": result.band_range, "phq9_skipped": result.skipped}
    out = [{"response": "utter_phq9_result" if result.complete else "utter_phq9_result_partial",
            **values}]
    level = scoring.parse_item(slots.get(DIFFICULTY_SLOT))
    if level is not None:
        out.append({"response": "utter_phq9_result_difficulty",
                    "phq9_difficulty_words": answers.DIFFICULTY[level].lower()})
    out.append({"response": "utter_phq9_result_use"})
    if scoring.parse_item(slots.get("phq9_q9")) is None:
        # Question 9 skipped: the crisis line stays one tap away, gently.
        out.append({"response": "utter_crisis_reminder"})
    out.append({"response": "utter_phq9_next_steps"})
    return out


class ActionPhq9Result(Action):
    def name(self) -> Text:
        return "action_phq9_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        slots = {slot: tracker.get_slot(slot) for slot in ALL_SLOTS}
        messages = result_messages(slots)
        for message in messages:
            dispatcher.utter_message(**message)
        return [SlotSet("phq9_total", str(messages[0]["phq9_score"]))]
