"""Every patient turn, on every channel, as the console needs it.

Installed into Rasa's MessageProcessor when the console is on (two small
wrappers, like bot/production's patches):

* after the prediction loop of each turn (still under the conversation's
  lock, before the tracker is saved): the queue row is updated (channel,
  country, last message time, crisis flag, "asked for a person"), the
  console is told (queue item; the patient's message and the bot's replies to
  the staff watching that conversation), and, when the person asked for a
  person, the widget is told whether someone will join (or that nobody is
  there now). Those lines are stored in the tracker like every bot message.
* while a staff member has the conversation (ConversationPaused) the bot stays
  silent, EXCEPT for crisis language: a crisis message always gets the
  crisis reply at once (the rules run as usual), and the console shows the
  alert.
* a new session (idle expiry, or bot.production.sessions' SESSION_MAX_TURNS)
  resets Rasa's pause: when the queue says a person has the conversation, the
  pause is recorded again at the start of the new session.

Nothing here may break a patient's turn: errors are logged (no text) and
swallowed.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

logger = logging.getLogger(__name__)

CRISIS_INTENT = "crisis"
CRISIS_ACTIONS = frozenset({"action_crisis_handoff"})
CRISIS_RESPONSES = frozenset({"utter_crisis", "utter_crisis_unsafe"})
HANDOFF_ACTIONS = frozenset({"action_human_handoff"})
FALLBACK_ACTIONS = frozenset({"action_fallback_suggestions", "action_default_fallback"})
_state: Dict[str, Any] = {"installed": False}


@dataclass
class Turn:
    """What one patient turn means for the console (no Rasa types)."""
    text: str
    timestamp: float
    channel: Optional[str]
    country: Optional[str]
    intent: Optional[str]
    confidence: Optional[float]
    crisis: bool
    handoff: bool
    paused: bool
    replies: List[Dict[str, Any]] = field(default_factory=list)
    topic: Optional[str] = None          # faq/<topic> when the FAQ selector answered
    fallback_reply: bool = False         # the assistant fell back (suggestions / default)


def analyse(events: List[Any], paused: bool = False) -> Optional[Turn]:
    """The last user message and what followed it; None if there is none."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    start = None
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            start = index
            break
    if start is None:
        return None
    user = events[start]
    intent = (user.intent or {}).get("name")
    metadata = user.metadata or {}
    turn = Turn(text=user.text or "", timestamp=float(user.timestamp or 0),
                channel=user.input_channel, country=_country(metadata),
                intent=intent, confidence=(user.intent or {}).get("confidence"),
                crisis=intent == CRISIS_INTENT, handoff=False, paused=paused,
                topic=_topic(user.parse_data))
    for event in events[start + 1:]:
        if isinstance(event, ActionExecuted):
            turn.crisis |= event.action_name in CRISIS_ACTIONS
            turn.handoff |= event.action_name in HANDOFF_ACTIONS
            turn.fallback_reply |= event.action_name in FALLBACK_ACTIONS
        elif isinstance(event, BotUttered):
            utter = (event.metadata or {}).get("utter_action")
            turn.crisis |= utter in CRISIS_RESPONSES
            turn.replies.append({"text": event.text or "", "timestamp": event.timestamp,
                                 "staff": (event.metadata or {}).get("staff")})
    return turn


def _topic(parse_data: Any) -> Optional[str]:
    selector = ((parse_data or {}).get("response_selector") or {}).get("faq") or {}
    key = (selector.get("response") or {}).get("intent_response_key")
    return key if isinstance(key, str) and key.startswith("faq/") else None


def _country(metadata: Dict[str, Any]) -> Optional[str]:
    from bot import config
    return config.normalise_country(metadata.get("country"))


async def _after_turn(processor: Any, output_channel: Any, tracker: Any) -> None:
    from bot.staff import handover  # imported late: Rasa is loaded by then

    try:
        turn = analyse(list(tracker.events), tracker.is_paused())
        if turn is not None:
            await handover.patient_turn(tracker, output_channel, turn)
    except Exception as error:  # noqa: BLE001 - never break the patient's turn
        logger.error("staff console: turn not recorded: %s", type(error).__name__)


def keep_paused(tracker: Any, events_before: int) -> bool:
    """After a session start: pause again if a person still has the conversation."""
    from rasa.shared.core.events import ConversationPaused
    from bot.staff import store

    if len(tracker.events) == events_before or tracker.is_paused():
        return False
    row = store.get_conversation(store.engine(), tracker.sender_id)
    if not row or row.get("state") != "taken":
        return False
    tracker.update(ConversationPaused())
    return True


def install() -> None:
    """Wrap the processor (idempotent)."""
    if _state["installed"]:
        return
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.constants import USER_INTENT_RESTART
    from rasa.shared.nlu.constants import INTENT_NAME_KEY

    original_loop = MessageProcessor._run_prediction_loop
    original_session = MessageProcessor._update_tracker_session

    async def _update_tracker_session(self: Any, tracker: Any, output_channel: Any,
                                      metadata: Any = None) -> None:
        before = len(tracker.events)
        await original_session(self, tracker, output_channel, metadata)
        try:
            keep_paused(tracker, before)
        except Exception as error:  # noqa: BLE001 - never break the patient's turn
            logger.error("staff console: pause not carried over: %s", type(error).__name__)

    async def _run_prediction_loop(self: Any, output_channel: Any, tracker: Any) -> None:
        await original_loop(self, output_channel, tracker)
        await _after_turn(self, output_channel, tracker)

    def _should_handle_message(tracker: Any) -> bool:
        if not tracker.is_paused():
            return True
        if tracker.latest_message is None:
            return False
        # Paused (a person has the conversation): only a restart or crisis
        # language makes the bot speak.
        return tracker.latest_message.intent.get(INTENT_NAME_KEY) in (
            USER_INTENT_RESTART, CRISIS_INTENT)

    MessageProcessor._run_prediction_loop = _run_prediction_loop
    MessageProcessor._update_tracker_session = _update_tracker_session
    MessageProcessor._should_handle_message = staticmethod(_should_handle_message)
    _state["installed"] = True
