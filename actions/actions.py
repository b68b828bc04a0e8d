"""Custom actions. Texts are domain responses; these decide which to send.

- action_human_handoff: tells staff someone asked for a person (the contact
  details were already sent by utter_handoff_contact, so they arrive even with
  this server down).
- action_crisis_handoff: sets `crisis_detected`, alerts staff, writes an
  audit line. utter_crisis already went out before it.
- action_fallback_suggestions: low-confidence turn -> the 2-3 closest FAQ
  topics as buttons, plus a person.
"""
from __future__ import annotations

import json
import logging
import os
import re
from datetime import datetime, timezone
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import staff_webhook
from actions.forms import SCREENING_SLOTS
from bot import config

logger = logging.getLogger(__name__)
audit_log = logging.getLogger("tms.audit")

HANDOFF_WEBHOOK_ENV = "STAFF_WEBHOOK_URL"
CRISIS_WEBHOOK_ENV = "CRISIS_WEBHOOK_URL"  # falls back to STAFF_WEBHOOK_URL
INCLUDE_TEXT_ENV = "CRISIS_ALERT_INCLUDE_TEXT"  # clinic opt-in: "true"
MAX_SUGGESTIONS = 3
MIN_SUGGESTION_CONFIDENCE = 0.05


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _channel(tracker: Tracker) -> str:
    return (tracker.get_latest_input_channel() or "unknown")


def _label(value: Any, default: str) -> str:
    """A slot value as a short plain label (a-z, 0-9, _ and -): nothing else reaches the
    staff alert or the audit log, whatever a caller put in the slot."""
    label = re.sub(r"[^a-z0-9_-]", "", str(value or "").lower())[:40]
    return label or default


def audit_line(record: Dict[str, Any]) -> str:
    """One JSON audit line, escaped: ASCII only, and <, >, & as \\u escapes (no markup
    survives into a log viewer), newlines impossible."""
    text = json.dumps(record, ensure_ascii=True, sort_keys=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _crisis_webhook_env() -> str:
    return CRISIS_WEBHOOK_ENV if os.environ.get(CRISIS_WEBHOOK_ENV) else HANDOFF_WEBHOOK_ENV


class ActionHumanHandoff(Action):
    def name(self) -> Text:
        return "action_human_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        payload = {
            "type": "human_handoff",
            "conversation_id": tracker.sender_id,
            "channel": _channel(tracker),
            "time": _now(),
            "clinic": config.clinic()["name"],
        }
        # The person asked to be contacted: this is the one place screening
        # answers may leave the conversation, to the clinic.
        screening = {slot: tracker.get_slot(slot) for slot in SCREENING_SLOTS
                     if tracker.get_slot(slot) is not None}
        if screening:
            payload["screening_answers"] = screening
        if staff_webhook.post(HANDOFF_WEBHOOK_ENV, payload):
            dispatcher.utter_message(response="utter_handoff_staff_notified")
        return []


class ActionCrisisHandoff(Action):
    def name(self) -> Text:
        return "action_crisis_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        category = _label(tracker.get_slot("crisis_category"), "unknown")
        severity = _label(tracker.get_slot("crisis_severity"), "crisis")
        subject = _label(tracker.get_slot("crisis_subject"), "self")
        alert: Dict[str, Any] = {
            "type": "crisis_alert",
            "conversation_id": tracker.sender_id,
            "category": category,
            "severity": severity,
            "subject": subject,
            "channel": _channel(tracker),
            "time": _now(),
            "clinic": config.clinic()["name"],
        }
        if os.environ.get(INCLUDE_TEXT_ENV, "").lower() == "true":
            alert["message_text"] = tracker.latest_message.get("text")
        alerted = staff_webhook.post(_crisis_webhook_env(), alert)
        audit_log.warning(audit_line({
            "event": "crisis_detected",
            "conversation_id": tracker.sender_id,
            "category": category,
            "severity": severity,
            "subject": subject,
            "channel": alert["channel"],
            "time": alert["time"],
            "staff_alerted": alerted,
        }))
        # Staff console (bot/staff): paused means a person at the clinic has this
        # chat open; the console shows them the alert.
        with_staff = tracker.is_paused()
        dispatcher.utter_message(
            response="utter_crisis_staff_alerted" if alerted or with_staff
            else "utter_crisis_staff_not_alerted"
        )
        return [SlotSet("crisis_detected", True)]


def closest_topics(tracker: Tracker, limit: int = MAX_SUGGESTIONS) -> List[str]:
    """FAQ topic ids the response selector ranked highest for the last message."""
    selector = (tracker.latest_message.get("response_selector") or {}).get("faq") or {}
    ranking = selector.get("ranking") or []
    titles = config.topic_titles()
    topics: List[str] = []
    for candidate in ranking:
        key = candidate.get("intent_response_key") or ""
        topic = key.split("/", 1)[-1]
        if topic in titles and topic not in topics and \
                (candidate.get("confidence") or 0.0) >= MIN_SUGGESTION_CONFIDENCE:
            topics.append(topic)
        if len(topics) == limit:
            break
    return topics


class ActionFallbackSuggestions(Action):
    def name(self) -> Text:
        return "action_fallback_suggestions"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        topics = closest_topics(tracker)
        if not topics:
            dispatcher.utter_message(response="utter_fallback_no_suggestions")
            return []
        titles = config.topic_titles()
        buttons = [{"title": titles[t], "payload": f"/faq/{t}"} for t in topics]
        buttons.append({"title": "Talk to a person", "payload": "/human_handoff"})
        dispatcher.utter_message(response="utter_fallback_intro", buttons=buttons)
        return []
