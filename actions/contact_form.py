"""'Please contact me': how the clinic may reach the person, shown back, sent only with consent.

The form asks name, phone or email, and best time (one message may give several:
"call me after 5 on my cell 555 0134"), then says what will be sent and to whom
and asks for consent. Only a yes sends it, with the hand-off notice, to the
staff webhook (actions/staff_webhook.py); a completed PHQ-9 goes with it only
when the person asked to send it. Nothing of it is logged, and every contact
slot is cleared afterwards, whatever the outcome.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import contact_answers as contact
from actions import form_answers, phq9_scoring, staff_webhook
from actions.forms import SCREENING_SLOTS, faq_asked_instead
from actions.phq9_form import DIFFICULTY_SLOT, ITEM_SLOTS
from bot import config

HANDOFF_WEBHOOK_ENV = "STAFF_WEBHOOK_URL"
CONTACT_SLOTS = ("contact_name", "contact_reach", "contact_time", "contact_consent")
INCLUDE_PHQ9 = "contact_include_phq9"


def _latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def _intent(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def _others(tracker: Tracker, asked: str) -> Dict[Text, Any]:
    """Pieces for the other, still empty, slots found in the same message."""
    text = _latest_text(tracker)
    found: Dict[Text, Any] = {}
    if asked != "contact_name" and not tracker.get_slot("contact_name"):
        name = contact.name(text)
        if name:
            found["contact_name"] = name
    if asked != "contact_reach" and not tracker.get_slot("contact_reach"):
        reach = contact.reach(text)
        if reach and reach != contact.INVALID:
            found["contact_reach"] = reach
    if asked != "contact_time" and not tracker.get_slot("contact_time"):
        time = contact.best_time(text)
        if time:
            found["contact_time"] = time
    return found


def _asked_again(slot: str, response: Optional[str], dispatcher: CollectingDispatcher,
                 tracker: Tracker, others: Dict[Text, Any]) -> Dict[Text, Any]:
    if response:
        dispatcher.utter_message(response=response)
    return {slot: None, **others}


def _question_or_handoff(tracker: Tracker, dispatcher: CollectingDispatcher) -> bool:
    """An FAQ asked instead of an answer is answered; a bare 'talk to a person' gets the contacts."""
    faq = faq_asked_instead(tracker, None)
    if faq:
        dispatcher.utter_message(response=faq)
        return True
    if _intent(tracker) == "human_handoff" and _latest_text(tracker).startswith("/"):
        dispatcher.utter_message(response="utter_handoff_contact")
        return True
    return False


class ValidateContactForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_contact_form"

    def validate_contact_name(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value is None:
            return {"contact_name": None}
        others = _others(tracker, "contact_name")
        name = contact.name(value, asked=not others)
        if name:
            return {"contact_name": name, **others}
        if not others and _question_or_handoff(tracker, dispatcher):
            return {"contact_name": None}
        return _asked_again("contact_name", "utter_contact_unclear_name", dispatcher, tracker, others)

    def validate_contact_reach(self, value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value is None:
            return {"contact_reach": None}
        others = _others(tracker, "contact_reach")
        reach = contact.reach(value)
        if reach and reach != contact.INVALID:
            return {"contact_reach": reach, **others}
        if reach == contact.INVALID:
            response = ("utter_contact_invalid_email" if contact.email(value) == contact.INVALID
                        else "utter_contact_invalid_phone")
            return _asked_again("contact_reach", response, dispatcher, tracker, others)
        if not others and _question_or_handoff(tracker, dispatcher):
            return {"contact_reach": None}
        return _asked_again("contact_reach", "utter_contact_unclear_reach", dispatcher, tracker, others)

    def validate_contact_time(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value is None:
            return {"contact_time": None}
        others = _others(tracker, "contact_time")
        time = contact.best_time(value)
        if time:
            return {"contact_time": time, **others}
        if not others and _question_or_handoff(tracker, dispatcher):
            return {"contact_time": None}
        return _asked_again("contact_time", "utter_contact_unclear_time", dispatcher, tracker, others)

    def validate_contact_consent(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value is None:
            return {"contact_consent": None}
        answer = form_answers.yes_no(value)
        if answer in (form_answers.YES, form_answers.NO):
            return {"contact_consent": answer}
        if _question_or_handoff(tracker, dispatcher):
            return {"contact_consent": None}
        dispatcher.utter_message(response="utter_contact_unclear_consent")
        return {"contact_consent": None}


def phq9_payload(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The nine answers, score and difficulty, when a self-check was completed."""
    if not tracker.get_slot("phq9_total"):
        return None
    items = [tracker.get_slot(slot) for slot in ITEM_SLOTS]
    return phq9_scoring.summary(items, tracker.get_slot(DIFFICULTY_SLOT))


def screening_payload(tracker: Tracker) -> Dict[str, Any]:
    return {slot: tracker.get_slot(slot) for slot in SCREENING_SLOTS
            if tracker.get_slot(slot) is not None}


class ActionContactStart(Action):
    """Clears any earlier details, notes whether the PHQ-9 result should go too, says what follows."""

    def name(self) -> Text:
        return "action_contact_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        include = _intent(tracker) == "send_phq9"
        dispatcher.utter_message(response="utter_contact_intro")
        if include and not tracker.get_slot("phq9_total"):
            dispatcher.utter_message(response="utter_contact_no_phq9")
            include = False
        events = [SlotSet(slot, None) for slot in CONTACT_SLOTS] + [SlotSet(INCLUDE_PHQ9, include)]
        # "please call me after 5 on 555 0134": what the opening message already says is kept.
        text = _latest_text(tracker)
        prefill = {"contact_name": contact.name(text), "contact_reach": contact.reach(text),
                   "contact_time": contact.best_time(text)}
        events += [SlotSet(slot, value) for slot, value in prefill.items()
                   if value and value != contact.INVALID]
        return events


def _reach_parts(reach: str) -> Dict[str, str]:
    if "@" in reach:
        return {"contact_kind": "email", "contact_reach_display": reach}
    return {"contact_kind": "phone number", "contact_reach_display": contact.display_phone(reach)}


def consent_values(tracker: Tracker) -> Dict[str, Any]:
    """Template values for the consent question: exactly what would be sent, and to whom."""
    clinic = config.clinic()
    extras = []
    phq9 = phq9_payload(tracker) if tracker.get_slot(INCLUDE_PHQ9) else None
    if phq9:
        extras.append(f"your 9 PHQ-9 answers and your score ({phq9['score']} out of 27)")
    if screening_payload(tracker):
        extras.append("your answers to the TMS pre-screening questions")
    return {
        "clinic_team": clinic.get("short_name", clinic["name"]),
        "contact_name": tracker.get_slot("contact_name") or "",
        "contact_time": tracker.get_slot("contact_time") or "",
        "extras": "".join(f", {extra}" for extra in extras),
        **_reach_parts(tracker.get_slot("contact_reach") or ""),
    }


class ActionAskContactConsent(Action):
    def name(self) -> Text:
        return "action_ask_contact_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_ask_contact_consent_details",
                                 **consent_values(tracker))
        return []


def handoff_payload(tracker: Tracker, now: str) -> Dict[str, Any]:
    """The hand-off notice with the contact request (and what the person agreed to send)."""
    reach = tracker.get_slot("contact_reach") or ""
    payload: Dict[str, Any] = {
        "type": "human_handoff",
        "conversation_id": tracker.sender_id,
        "channel": tracker.get_latest_input_channel() or "unknown",
        "time": now,
        "clinic": config.clinic()["name"],
        "contact_request": {
            "name": tracker.get_slot("contact_name"),
            "email" if "@" in reach else "phone": reach,
            "best_time": tracker.get_slot("contact_time"),
        },
    }
    screening = screening_payload(tracker)
    if screening:
        payload["screening_answers"] = screening
    phq9 = phq9_payload(tracker) if tracker.get_slot(INCLUDE_PHQ9) else None
    if phq9:
        payload["phq9"] = phq9
    return payload


def _cleared() -> List[Dict[Text, Any]]:
    return [SlotSet(slot, None) for slot in CONTACT_SLOTS] + [SlotSet(INCLUDE_PHQ9, False)]


class ActionContactSend(Action):
    """Sends only on a yes; either way the details are cleared from the slots."""

    def name(self) -> Text:
        return "action_contact_send"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        if tracker.get_slot("contact_consent") != form_answers.YES:
            dispatcher.utter_message(response="utter_contact_declined")
            return _cleared()
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        if staff_webhook.post(HANDOFF_WEBHOOK_ENV, handoff_payload(tracker, now)):
            dispatcher.utter_message(response="utter_contact_sent",
                                     contact_time=tracker.get_slot("contact_time") or "")
        else:
            dispatcher.utter_message(response="utter_contact_not_sent_error")
            dispatcher.utter_message(response="utter_handoff_contact")
        return _cleared()


class ActionContactDropped(Action):
    """'stop' (or goodbye) inside the contact form: nothing sent, details cleared."""

    def name(self) -> Text:
        return "action_contact_dropped"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_contact_dropped")
        return _cleared()
