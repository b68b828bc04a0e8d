"""Take over, staff messages, hand back, "nobody is there": the conversation's side.

Everything a person at the clinic does is written into the conversation's
tracker, under the conversation's lock (the lock store serialises it with the
patient's turns, on every replica):

* take over   ConversationPaused + BotUttered("Sam from <clinic> joined")
* a message   BotUttered(text), metadata {"staff": {"kind": "message", "name": ...}}
* hand back   BotUttered("Sam has left ...") + ConversationResumed + action_listen

so the transcript is whole, the widget's resync (webchat_sync) counts and
replays these lines like any bot message, and Rasa's own pause stops the bot
(bot.staff.observer lets crisis language through). The queue row in
staff_conversations is claimed atomically (one staff member per conversation).
"""
from __future__ import annotations

import functools
import logging
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from bot import config
from bot.staff import auth, hours, live, review, settings, store

logger = logging.getLogger(__name__)
MAX_STAFF_MESSAGE_CHARS = 2000


class HandoverError(Exception):
    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status


@functools.lru_cache(maxsize=None)
def messages() -> Dict[str, str]:
    import yaml
    with open(config.CONFIG_DIR / "staff_messages.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def patient_line(kind: str, crisis: bool = False, country: Optional[str] = None,
                 name: str = "") -> Dict[str, Any]:
    """{"text", "buttons"} for the widget; crisis conversations keep the crisis line in view."""
    clinic = config.clinic()
    text = messages()[kind].format(
        name=name, clinic=clinic.get("short_name") or clinic["name"],
        hours=clinic.get("hours", ""), phone=clinic.get("phone_display") or clinic["phone"],
        email=clinic.get("email", ""))
    buttons: List[Dict[str, Any]] = []
    if crisis:
        resources = config.resources_for(country)
        text = f"{text}\n\n{resources['short_line']}."
        buttons = [dict(button) for button in resources.get("buttons", [])]
    return {"text": text, "buttons": buttons}


def public_row(row: Dict[str, Any]) -> Dict[str, Any]:
    """A queue row as the console gets it (no message text in it)."""
    keys = ("conversation_id", "channel", "country", "last_message_at", "state", "crisis",
            "crisis_at", "requested_at", "no_answer_sent", "taken_by", "taken_by_name", "taken_at")
    item = {key: row.get(key) for key in keys}
    item["live"] = live.live_channel(row.get("channel"))
    return item


# ------------------------------------------------------- patient turns ---

async def patient_turn(tracker: Any, output_channel: Any, turn: Any) -> None:
    """Called by the observer after each turn (inside the lock, before the save)."""
    from rasa.shared.core.events import BotUttered

    eng = store.engine()
    conversation_id = tracker.sender_id
    row = store.get_conversation(eng, conversation_id) or {}
    at = store.now()
    values: Dict[str, Any] = {"last_message_at": at, "last_user_event_at": turn.timestamp}
    if turn.channel:
        values["channel"] = turn.channel
    if turn.country:
        values["country"] = turn.country
    new_crisis = turn.crisis and not row.get("crisis")
    if turn.crisis:
        values.update(crisis=True, crisis_at=at)
    state = row.get("state") or "bot"
    if state == "taken" and not row.get("patient_waiting_since"):
        values["patient_waiting_since"] = at  # cleared by the staff member's next message
    line = None
    if turn.handoff and state != "taken":
        if not live.live_channel(turn.channel):
            values["requested_at"] = at  # listed; the reply goes by phone or e-mail
        elif hours.open_now():
            if state == "bot":
                values.update(state="waiting", requested_at=at, no_answer_sent=False)
            line = "waiting"
        else:
            line = "closed"
    crisis = bool(turn.crisis or row.get("crisis"))
    if line:
        reply = patient_line(line, crisis, turn.country or row.get("country"))
        tracker.update(BotUttered(reply["text"], {"buttons": reply["buttons"]} if reply["buttons"]
                                  else {}, {"staff": {"kind": "status"}}))
        if reply["buttons"]:
            await output_channel.send_text_with_buttons(conversation_id, reply["text"],
                                                        reply["buttons"])
        else:
            await output_channel.send_text_message(conversation_id, reply["text"])
        turn.replies.append({"text": reply["text"], "staff": {"kind": "status"}})
    row = store.upsert_conversation(eng, conversation_id, **values)
    review.record(eng, conversation_id, turn)
    item = public_row(row)
    item["alert"] = "crisis" if new_crisis else ("handoff" if line == "waiting" and state == "bot"
                                                 else None)
    await live.to_staff("queue_item", item)
    await live.to_watchers(conversation_id, {
        "kind": "turn", "paused": turn.paused, "user": {"text": turn.text, "intent": turn.intent,
                                                         "confidence": turn.confidence},
        "replies": [{"text": r["text"], "staff": r.get("staff")} for r in turn.replies]})


# ------------------------------------------------------------ staff side ---

async def _append(agent: Any, conversation_id: str, events: List[Any]) -> Dict[str, Any]:
    """Add events under the conversation's lock; the patient's last message metadata."""
    async with agent.lock_store.lock(conversation_id):
        tracker = await agent.processor.get_tracker(conversation_id)
        for event in events:
            tracker.update(event)
        await agent.processor.save_tracker(tracker)
    latest = tracker.latest_message
    return dict((latest.metadata if latest is not None else None) or {})


def _row(conversation_id: str) -> Dict[str, Any]:
    row = store.get_conversation(store.engine(), conversation_id)
    if row is None:
        raise HandoverError("no such conversation", 404)
    return row


def _staff_marker(kind: str, staff: "auth.Staff") -> Dict[str, Any]:
    return {"kind": kind, "name": staff.display_name, "user": staff.username}


def _widget_marker(kind: str, staff: "auth.Staff") -> Dict[str, Any]:
    clinic = config.clinic()
    return {"kind": kind, "name": staff.display_name,
            "clinic": clinic.get("short_name") or clinic["name"]}


async def take_over(agent: Any, conversation_id: str, staff: "auth.Staff") -> Dict[str, Any]:
    from rasa.shared.core.events import BotUttered, ConversationPaused

    eng = store.engine()
    row = _row(conversation_id)
    if not live.live_channel(row.get("channel")):
        raise HandoverError("this channel can't get live replies: call or e-mail the patient")
    if not store.claim(eng, conversation_id, store.conversations.c.state != "taken",
                       state="taken", taken_by=staff.username, taken_by_name=staff.display_name,
                       taken_at=store.now(), patient_waiting_since=None):
        taker = (store.get_conversation(eng, conversation_id) or {}).get("taken_by_name")
        raise HandoverError(f"already taken by {taker or 'someone else'}")
    line = patient_line("joined", name=staff.display_name)["text"]
    metadata = await _append(agent, conversation_id, [
        ConversationPaused(), BotUttered(line, {}, {"staff": _staff_marker("join", staff)})])
    waited = store.now() - row["requested_at"] if row.get("requested_at") else None
    store.write_audit(eng, staff.username, "take_over", conversation_id, waited)
    delivered = await live.to_patient(conversation_id, row.get("channel"),
                                      live.widget_message(line, _widget_marker("join", staff)),
                                      metadata)
    return await _announce(conversation_id, {"kind": "staff", "staff": _staff_marker("join", staff),
                                             "text": line}, delivered=delivered)


async def send(agent: Any, conversation_id: str, staff: "auth.Staff", text: Any) -> Dict[str, Any]:
    from rasa.shared.core.events import BotUttered
    from bot.channels import inbound

    if not isinstance(text, str) or not inbound.clean_text(text):
        raise HandoverError("the message is empty", 400)
    text = inbound.clean_text(text)
    if len(text) > MAX_STAFF_MESSAGE_CHARS:
        raise HandoverError(f"a message holds at most {MAX_STAFF_MESSAGE_CHARS} characters", 400)
    row = _row(conversation_id)
    if row.get("state") != "taken" or row.get("taken_by") != staff.username:
        raise HandoverError("take over this conversation first")
    metadata = await _append(agent, conversation_id, [
        BotUttered(text, {}, {"staff": _staff_marker("message", staff)})])
    store.claim(store.engine(), conversation_id, store.conversations.c.taken_by == staff.username,
                patient_waiting_since=None)
    delivered = await live.to_patient(conversation_id, row.get("channel"),
                                      live.widget_message(text, _widget_marker("message", staff)),
                                      metadata)
    return await _announce(conversation_id, {"kind": "staff", "text": text,
                                             "staff": _staff_marker("message", staff)},
                           queue=False, delivered=delivered)


async def hand_back(agent: Any, conversation_id: str, staff: "auth.Staff") -> Dict[str, Any]:
    from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationResumed
    from rasa.shared.core.constants import ACTION_LISTEN_NAME

    eng = store.engine()
    row = _row(conversation_id)
    if row.get("state") != "taken" or (row.get("taken_by") != staff.username
                                       and not staff.is_admin):
        raise HandoverError("only the person who took this conversation (or an admin) can hand it back")
    name = row.get("taken_by_name") or staff.display_name
    line = patient_line("left", name=name)["text"]
    marker = {"kind": "leave", "name": name, "user": row.get("taken_by")}
    # action_listen: the next patient message starts a fresh turn for the policies.
    metadata = await _append(agent, conversation_id, [
        BotUttered(line, {}, {"staff": marker}), ConversationResumed(),
        ActionExecuted(ACTION_LISTEN_NAME)])
    store.claim(eng, conversation_id, store.conversations.c.state == "taken", state="bot",
                taken_by=None, taken_by_name=None, requested_at=None, no_answer_sent=False,
                patient_waiting_since=None)
    store.write_audit(eng, staff.username, "hand_back", conversation_id)
    clinic = config.clinic()
    delivered = await live.to_patient(conversation_id, row.get("channel"), live.widget_message(
        line, {"kind": "leave", "name": name, "clinic": clinic.get("short_name") or clinic["name"]}),
        metadata)
    return await _announce(conversation_id, {"kind": "staff", "staff": marker, "text": line},
                           delivered=delivered)


async def _announce(conversation_id: str, event: Dict[str, Any], queue: bool = True,
                    delivered: bool = True) -> Dict[str, Any]:
    await live.to_watchers(conversation_id, event)
    row = store.get_conversation(store.engine(), conversation_id) or {}
    item = public_row(row)
    if queue:
        await live.to_staff("queue_item", item)
    item["delivered"] = delivered  # False: stored, but the platform refused it
    return item


async def no_answer_sweep(agent: Any) -> int:
    """Tell patients nobody came within STAFF_WAIT_SECONDS (each once, across replicas)."""
    from rasa.shared.core.events import BotUttered

    eng = store.engine()
    told = 0
    for row in store.waiting_since(eng, store.now() - settings.wait_seconds()):
        conversation_id = row["conversation_id"]
        if not store.claim(eng, conversation_id, sa_and_waiting(), no_answer_sent=True):
            continue  # another replica, or taken meanwhile
        reply = patient_line("no_answer", bool(row.get("crisis")), row.get("country"))
        data = {"buttons": reply["buttons"]} if reply["buttons"] else {}
        metadata = await _append(agent, conversation_id, [
            BotUttered(reply["text"], data, {"staff": {"kind": "status"}})])
        await live.to_patient(conversation_id, row.get("channel"),
                              live.widget_message(reply["text"], None, reply["buttons"]), metadata)
        await _announce(conversation_id, {"kind": "turn", "user": None,
                                          "replies": [{"text": reply["text"],
                                                       "staff": {"kind": "status"}}]})
        told += 1
    return told


async def unanswered_sweep(agent: Any) -> int:
    """A taken conversation nobody answers for STAFF_REPLY_SECONDS goes back to the assistant.

    The bot never leaves a person talking to nobody: the patient is told, with
    the clinic's contact (and the crisis line in a crisis conversation).
    """
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationResumed

    eng = store.engine()
    done = 0
    for row in store.unanswered_since(eng, store.now() - settings.reply_seconds()):
        conversation_id = row["conversation_id"]
        c = store.conversations.c
        if not store.claim(eng, conversation_id, sa.and_(
                c.state == "taken", c.patient_waiting_since == row["patient_waiting_since"]),
                state="bot", taken_by=None, taken_by_name=None, requested_at=None,
                no_answer_sent=False, patient_waiting_since=None):
            continue  # answered meanwhile, or another replica did it
        name = row.get("taken_by_name") or "The clinic team"
        reply = patient_line("stepped_away", bool(row.get("crisis")), row.get("country"), name=name)
        marker = {"kind": "leave", "name": name, "user": row.get("taken_by"), "auto": True}
        data = {"buttons": reply["buttons"]} if reply["buttons"] else {}
        metadata = await _append(agent, conversation_id, [
            BotUttered(reply["text"], data, {"staff": marker}), ConversationResumed(),
            ActionExecuted(ACTION_LISTEN_NAME)])
        store.write_audit(eng, row.get("taken_by") or "-", "auto_hand_back", conversation_id)
        clinic = config.clinic()
        await live.to_patient(conversation_id, row.get("channel"), live.widget_message(
            reply["text"], {"kind": "leave", "name": name,
                            "clinic": clinic.get("short_name") or clinic["name"]},
            reply["buttons"]), metadata)
        await _announce(conversation_id, {"kind": "staff", "staff": marker, "text": reply["text"]})
        done += 1
    return done


def sa_and_waiting() -> Any:
    import sqlalchemy as sa
    c = store.conversations.c
    return sa.and_(c.state == "waiting", c.no_answer_sent == sa.false())
