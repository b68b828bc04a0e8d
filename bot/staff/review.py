"""Review: what patients asked, which lines the assistant was unsure of, and their export.

Each patient turn leaves one row in staff_turns: when, which conversation,
the intent and FAQ topic the assistant chose and its confidence, and flags
(fallback, low confidence, crisis, asked for a person). The TEXT stays in the
tracker only (found again by the event's timestamp), so deleting a
conversation (bot.production.retention) deletes its words; the rows left are
counts. A staff member picks the right intent for a "needs review" line; an
admin exports the picked lines as Rasa NLU YAML for data/nlu.
"""
from __future__ import annotations

import os
from collections import OrderedDict
from typing import Any, Dict, Iterable, List, Mapping, Optional

import sqlalchemy as sa
import yaml

from bot import config
from bot.staff import store

FALLBACK_INTENTS = frozenset({"nlu_fallback"})

turns = store.turns


def low_confidence_threshold(env: Mapping[str, str] = os.environ) -> float:
    try:
        return float(env.get("STAFF_REVIEW_CONFIDENCE", "0.6"))
    except ValueError:
        return 0.6


def record(eng: sa.engine.Engine, conversation_id: str, turn: Any) -> None:
    """One row per patient turn (no text). Buttons ("/intent") are counted, never reviewed."""
    command = turn.text.startswith("/")
    confidence = turn.confidence if isinstance(turn.confidence, (int, float)) else None
    fallback = not command and (turn.intent in FALLBACK_INTENTS or turn.fallback_reply)
    low = (not command and confidence is not None and confidence < low_confidence_threshold()
           and not turn.crisis)
    with eng.begin() as conn:
        conn.execute(turns.insert().values(
            conversation_id=conversation_id, at=store.now(), event_time=turn.timestamp,
            channel=turn.channel, intent=turn.intent, topic=turn.topic, confidence=confidence,
            fallback=bool(fallback), low_confidence=bool(low), crisis=bool(turn.crisis),
            handoff=bool(turn.handoff), command=command))


def search(eng: sa.engine.Engine, since: Optional[float] = None, until: Optional[float] = None,
           topic: Optional[str] = None, flags: Iterable[str] = (), limit: int = 200
           ) -> List[Dict[str, Any]]:
    """Conversations with turns matching every filter, newest first, with counts."""
    c = turns.c
    where = []
    if since is not None:
        where.append(c.at >= since)
    if until is not None:
        where.append(c.at < until)
    if topic:
        where.append(sa.or_(c.topic == topic, c.intent == topic))
    for flag in flags:
        if flag in ("fallback", "low_confidence", "crisis", "handoff"):
            where.append(getattr(c, flag) == sa.true())
    query = (sa.select(c.conversation_id, sa.func.min(c.at).label("first_at"),
                       sa.func.max(c.at).label("last_at"), sa.func.count().label("turns"),
                       sa.func.max(c.channel).label("channel"))
             .where(sa.and_(*where) if where else sa.true())
             .group_by(c.conversation_id).order_by(sa.desc("last_at")).limit(limit))
    with eng.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def needs_review(eng: sa.engine.Engine, limit: int = 50) -> List[Dict[str, Any]]:
    c = turns.c
    with eng.connect() as conn:
        rows = conn.execute(sa.select(turns).where(sa.and_(
            sa.or_(c.fallback == sa.true(), c.low_confidence == sa.true()),
            c.crisis == sa.false(), c.label.is_(None))).order_by(c.at.desc()).limit(limit))
        return [dict(row) for row in rows.mappings()]


def label(eng: sa.engine.Engine, turn_id: int, intent: str, username: str) -> bool:
    with eng.begin() as conn:
        return conn.execute(turns.update().where(turns.c.id == turn_id).values(
            label=intent, labelled_by=username, labelled_at=store.now())).rowcount == 1


def labelled(eng: sa.engine.Engine) -> List[Dict[str, Any]]:
    with eng.connect() as conn:
        rows = conn.execute(sa.select(turns).where(turns.c.label.isnot(None))
                            .order_by(turns.c.label, turns.c.at))
        return [dict(row) for row in rows.mappings()]


def intent_choices(domain_intents: Iterable[str]) -> List[str]:
    """What a line can be labelled: the domain's intents (not faq itself) and every faq/<topic>."""
    skip = {"faq", "nlu_fallback", "restart", "back", "session_start", "out_of_scope"}
    plain = sorted(i for i in domain_intents if i not in skip and not i.startswith("/"))
    return plain + [f"faq/{topic}" for topic in sorted(config.topic_titles())]


def text_of(events: Iterable[Any], event_time: float) -> Optional[str]:
    """The user's words at that timestamp in a tracker's events (None once deleted)."""
    for event in events:
        if getattr(event, "type_name", "") == "user" and abs((event.timestamp or 0) - event_time) < 1e-6:
            return event.text
    return None


def nlu_yaml(lines: Iterable[tuple]) -> str:
    """(intent, text) pairs as a Rasa NLU YAML file, one block per intent, duplicates dropped."""
    grouped: "OrderedDict[str, List[str]]" = OrderedDict()
    for intent, text in lines:
        text = " ".join(str(text).split())
        if text and text not in grouped.setdefault(intent, []):
            grouped[intent].append(text)

    class Block(str):
        pass

    yaml.SafeDumper.add_representer(
        Block, lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|"))
    nlu = [{"intent": intent, "examples": Block("".join(f"- {text}\n" for text in texts))}
           for intent, texts in grouped.items()]
    return "version: \"3.1\"\n" + yaml.safe_dump({"nlu": nlu}, sort_keys=False, allow_unicode=True,
                                                 width=1000)
