"""Pre-screening and insurance helper: slot validation and outcomes.

Answers are read by actions.form_answers (plain Python, unit-tested). The
outcome never diagnoses: it lists the reasons a doctor should review, or says
TMS may be worth discussing, and always offers the clinic.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import clinic_answers
from actions import form_answers as answers
from bot import config

SCREENING_SLOTS = ("screen_metal", "screen_seizures", "screen_meds_tried", "screen_therapy",
                   "screen_bipolar_psychosis", "screen_pregnancy")
# Answers that need a doctor's review before TMS (yes or not sure), and why.
REVIEW_REASONS = (
    ("screen_metal", "utter_screening_reason_metal"),
    ("screen_seizures", "utter_screening_reason_seizures"),
    ("screen_bipolar_psychosis", "utter_screening_reason_bipolar"),
    ("screen_pregnancy", "utter_screening_reason_pregnancy"),
)


QUESTION_START = ("what", "how", "why", "when", "where", "who", "which", "is ", "are ", "can ",
                  "could ", "does ", "do ", "will ", "would ", "should ")


def faq_asked_instead(tracker: Tracker, parsed: Any) -> Optional[str]:
    """The FAQ response to send when the person asked a question instead of answering.

    A message the classifier took for an FAQ counts as a question when it reads
    like one (a question mark, or a question word first) or when it gives no
    usable answer; "I had a seizure at 12" stays an answer.
    """
    message = tracker.latest_message or {}
    if (message.get("intent") or {}).get("name") != "faq":
        return None
    text = (message.get("text") or "").strip().lower()
    if parsed is not None and not (text.endswith("?") or text.startswith(QUESTION_START)):
        return None
    selector = (message.get("response_selector") or {}).get("faq") or {}
    key = (selector.get("response") or {}).get("intent_response_key")
    return f"utter_{key}" if key else None


def _volunteered(slot: str, value: Any, tracker: Tracker) -> tuple:
    """(text left for this question, other screening answers given in it).

    A volunteered answer fills a question not yet answered, or turns an earlier
    "no" into yes / not sure (the safer reading); it never clears one."""
    if slot not in SCREENING_SLOTS:
        return value, {}
    rest, found = answers.volunteered(value, slot)
    keep = {}
    for other, answer in found.items():
        before = tracker.get_slot(other)
        if before is None or (before == answers.NO and answer != answers.NO):
            keep[other] = answer
    return (rest if found else value), keep


def _validated(slot: str, value: Any, parse: Callable[[Any], Any], unclear: str,
               dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
    if value is None:  # a reset (SlotSet None) is validated too: nothing to say
        return {slot: None}
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    text, extra = _volunteered(slot, value, tracker)
    parsed = parse(text)
    if parsed is None and intent == "start_screening" and slot in SCREENING_SLOTS:
        # "start over": clear every answer; the form asks question 1 again.
        dispatcher.utter_message(response="utter_screening_intro")
        return {name: None for name in SCREENING_SLOTS}
    faq = None if extra else faq_asked_instead(tracker, parsed)
    if faq:
        dispatcher.utter_message(response=faq)
        return {slot: None}  # the form asks its question again
    if parsed is None and not extra and intent in clinic_answers.intents():
        # "what are your hours?" instead of an answer: answered, then asked again.
        text = (tracker.latest_message or {}).get("text") or str(value)
        for response, values in clinic_answers.replies(intent, text, config.clinic()):
            dispatcher.utter_message(response=response, **values)
        return {slot: None}
    if extra:
        # "I had a seizure at 12" at another question: noted, not asked again.
        dispatcher.utter_message(response="utter_screening_noted")
    elif parsed is None:
        dispatcher.utter_message(response=unclear)
    return {**extra, slot: parsed}


def _yes_no_slot(slot: str, value: Any, dispatcher: CollectingDispatcher,
                 tracker: Tracker) -> Dict[Text, Any]:
    return _validated(slot, value, answers.yes_no, "utter_screening_unclear",
                      dispatcher, tracker)


def _count_answer(value: Any) -> Optional[str]:
    parsed = answers.count(value)
    return None if parsed is None else str(parsed)


class ValidateScreeningForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_screening_form"

    def validate_screen_metal(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return _yes_no_slot("screen_metal", value, dispatcher, tracker)

    def validate_screen_seizures(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return _yes_no_slot("screen_seizures", value, dispatcher, tracker)

    def validate_screen_meds_tried(self, value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return _validated("screen_meds_tried", value, _count_answer,
                          "utter_screening_unclear_count", dispatcher, tracker)

    def validate_screen_therapy(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return _yes_no_slot("screen_therapy", value, dispatcher, tracker)

    def validate_screen_bipolar_psychosis(self, value: Any, dispatcher: CollectingDispatcher,
                                          tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return _yes_no_slot("screen_bipolar_psychosis", value, dispatcher, tracker)

    def validate_screen_pregnancy(self, value: Any, dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return _yes_no_slot("screen_pregnancy", value, dispatcher, tracker)


class ActionResetScreening(Action):
    """Clears earlier answers so a restart really starts from question 1."""

    def name(self) -> Text:
        return "action_reset_screening"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_screening_intro")
        return [SlotSet(slot, None) for slot in SCREENING_SLOTS]


def screening_outcome(slots: Dict[str, Optional[str]]) -> Dict[str, List[str]]:
    """Which review reasons and which notes apply to these answers."""
    reasons = [response for slot, response in REVIEW_REASONS
               if slots.get(slot) in (answers.YES, answers.NOT_SURE)]
    notes = []
    meds = slots.get("screen_meds_tried")
    if meds == "0":
        notes.append("utter_screening_note_no_meds")
    elif meds == answers.NOT_SURE:
        notes.append("utter_screening_note_meds_unknown")
    if slots.get("screen_therapy") in (answers.NO, answers.NOT_SURE):
        notes.append("utter_screening_note_no_therapy")
    return {"reasons": reasons, "notes": notes}


def _text(domain: DomainDict, response: str) -> str:
    return domain["responses"][response][0]["text"]


class ActionScreeningResult(Action):
    def name(self) -> Text:
        return "action_screening_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        outcome = screening_outcome({slot: tracker.get_slot(slot) for slot in SCREENING_SLOTS})
        if outcome["reasons"]:
            lines = [_text(domain, "utter_screening_result_review")]
            lines += [_text(domain, r) for r in outcome["reasons"]]
        else:
            lines = [_text(domain, "utter_screening_result_discuss")]
        if outcome["notes"]:
            lines.append(_text(domain, "utter_screening_notes_intro"))
            lines += [_text(domain, n) for n in outcome["notes"]]
        dispatcher.utter_message(text="\n".join(lines))
        dispatcher.utter_message(response="utter_screening_contact")
        return []


class ValidateInsuranceForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_insurance_form"

    def validate_coverage_type(self, value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return _validated("coverage_type", value, answers.coverage,
                          "utter_coverage_unclear", dispatcher, tracker)


class ActionInsuranceResult(Action):
    def name(self) -> Text:
        return "action_insurance_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        country = config.normalise_country(tracker.get_slot("country")) or config.clinic()["country"]
        kind = answers.coverage_for_country(
            tracker.get_slot("coverage_type") or answers.COMMERCIAL, country)
        dispatcher.utter_message(response=f"utter_insurance_{kind}")
        if kind != answers.OUTSIDE_US:
            dispatcher.utter_message(response="utter_insurance_papers")
        dispatcher.utter_message(response="utter_billing_contact")
        return [SlotSet("coverage_type", None)]
