"""Bounded conversation sessions, so long conversations stay fast.

Rasa loads the whole current session of a conversation on every turn (the SQL
tracker store reads every event since the last `session_started`), replays it
and featurizes all of it for each policy: a turn's cost grows with the length
of the session (about 45 ms at turn 1, over 1 s at turn 200 on our test
machine). Sessions normally end only after `session_expiration_time` minutes
of silence, so a long, lively conversation is one ever-growing session.

With SESSION_MAX_TURNS=N (default 20; 0 turns this off) a session that
already holds N user turns is closed when the next message arrives, exactly
as if it had expired: Rasa runs `action_session_start`, which records
`session_started`, carries the slots over (so `crisis_detected` and the
country survive) and goes on. Nothing is deleted: every event stays in the
tracker store under the same conversation id; only the working set is bounded.

A rollover never cuts through context the dialogue still needs. It waits
(one more turn, and so on) while

* a form is active, or
* the last bot action is one a rule or story continues from after the next
  user message (e.g. `action_crisis_handoff` followed by "are you safe right
  now?" yes / no). Those actions are read from the training data (RULES_DATA,
  default data/).

It is also off when the domain does not carry slots over to new sessions
(the crisis state would be lost), when sessions are disabled, or when the
domain defines its own `action_session_start` (it could greet mid-conversation).

`ActionSessionStart` is also changed to carry over one `slot` event per slot
(the latest) instead of every `slot` event of the old session: the same slot
values, without the old session's slot history snowballing into each new one.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Optional

import yaml

logger = logging.getLogger(__name__)
DEFAULT_MAX_TURNS = 20
_state: Dict[str, Any] = {"installed": False, "max_turns": 0, "context": frozenset()}


def _steps(document: Any) -> Iterable[List[Dict[str, Any]]]:
    if not isinstance(document, dict):
        return
    for key in ("rules", "stories"):
        for block in document.get(key) or []:
            steps = block.get("steps") if isinstance(block, dict) else None
            if isinstance(steps, list):
                yield [s for s in steps if isinstance(s, dict)]


def _is_user_step(step: Dict[str, Any]) -> bool:
    return "intent" in step or "user" in step or "or" in step


def context_actions(data_dir: Path) -> FrozenSet[str]:
    """Actions after which a rule or story expects a particular next user turn."""
    found = set()
    for path in sorted(Path(data_dir).rglob("*.yml")) + sorted(Path(data_dir).rglob("*.yaml")):
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        for steps in _steps(document):
            for step, following in zip(steps, steps[1:]):
                if "action" in step and _is_user_step(following):
                    found.add(str(step["action"]))
    return frozenset(found)


def _session_events(tracker: Any) -> List[Any]:
    from rasa.shared.core.events import SessionStarted

    events = list(tracker.events)
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], SessionStarted):
            return events[index:]
    return events


def should_roll_over(processor: Any, tracker: Any, max_turns: int,
                     context: FrozenSet[str]) -> bool:
    from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
    from rasa.shared.core.events import ActionExecuted, UserUttered

    domain = processor.domain
    if max_turns <= 0 or not domain.session_config.are_sessions_enabled():
        return False
    if not domain.session_config.carry_over_slots:
        return False
    if ACTION_SESSION_START_NAME in domain.user_actions:
        return False
    if tracker.active_loop_name:
        return False
    events = _session_events(tracker)
    turns = sum(1 for e in events if isinstance(e, UserUttered))
    if turns < max_turns:
        return False
    last_action: Optional[str] = None
    for event in reversed(events):
        if isinstance(event, ActionExecuted) and event.action_name not in (ACTION_LISTEN_NAME, None):
            last_action = event.action_name
            break
    if last_action in context:
        return False
    logger.info("starting a new session after %d turns (conversation continues)", turns)
    return True


def _latest_slot_events(tracker: Any) -> List[Any]:
    from rasa.shared.core.events import SlotSet

    latest: Dict[str, Any] = {}
    for event in tracker.applied_events():
        if isinstance(event, SlotSet):
            latest.pop(event.key, None)  # keep the order of the last setting
            latest[event.key] = event
    return [SlotSet(key=e.key, value=e.value, metadata=e.metadata) for e in latest.values()]


def install(max_turns: Optional[int] = None, data_dir: Optional[Path] = None) -> None:
    """Patch Rasa's processor (idempotent). Reads SESSION_MAX_TURNS and RULES_DATA."""
    from rasa.core.actions.action import ActionSessionStart
    from rasa.core.processor import MessageProcessor

    if max_turns is None:
        raw = os.environ.get("SESSION_MAX_TURNS", "").strip()
        max_turns = int(raw) if raw.isdigit() else DEFAULT_MAX_TURNS
    root = Path(__file__).resolve().parents[2]
    data = Path(data_dir or os.environ.get("RULES_DATA") or root / "data")
    _state["max_turns"] = max_turns
    _state["context"] = context_actions(data) if max_turns > 0 else frozenset()
    if _state["installed"]:
        return
    original = MessageProcessor._has_session_expired

    def _has_session_expired(self: Any, tracker: Any) -> bool:
        if original(self, tracker):
            return True
        return should_roll_over(self, tracker, _state["max_turns"], _state["context"])

    MessageProcessor._has_session_expired = _has_session_expired
    ActionSessionStart._slot_set_events_from_tracker = staticmethod(_latest_slot_events)
    _state["installed"] = True
    if max_turns > 0:
        logger.info("sessions roll over after %d turns; never right after: %s",
                    max_turns, ", ".join(sorted(_state["context"])) or "-")
