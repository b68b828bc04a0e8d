"""action_clinic_info: answers questions about the clinic itself from clinic.yml.

Texts are rendered responses (utter_clinic_<detail>, from
bot/config/response_templates.yml); actions.clinic_answers decides which to
send, so one message can get the phone and the hours, or the hours of the day
it asked about.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import clinic_answers
from bot import config


class ActionClinicInfo(Action):
    def name(self) -> Text:
        return "action_clinic_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        replies = clinic_answers.replies(intent, message.get("text") or "", config.clinic())
        for response, values in replies or [("utter_clinic_contact", {})]:
            dispatcher.utter_message(response=response, **values)
        return []
