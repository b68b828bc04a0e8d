"""The console's tables, kept in the tracker database (SQLite or PostgreSQL).

Same database as the conversations (TRACKER_DB_URL, else the SQLite file
TRACKER_DB), so every replica sees the same accounts, sessions, queue and
audit log without another service. Tables are created when missing.

- staff_users          accounts: username, display name, role, argon2 hash
- staff_sessions       logged-in browsers: sha256 of the cookie token, CSRF token
- staff_login_failures failed logins (the rate limit counts them; all replicas)
- staff_audit          who opened / took over / handed back which conversation, when
- staff_conversations  the queue: channel, country, last message time, state
- staff_turns          one row per patient turn, without its text (review, counts)
"""
from __future__ import annotations

import functools
import os
import time
from typing import Any, Dict, List, Mapping, Optional

import sqlalchemy as sa

from bot.production.retention import engine_url
from bot.production.settings import parse_tracker

ROLES = ("staff", "admin")
STATES = ("bot", "waiting", "taken")

metadata = sa.MetaData()

users = sa.Table(
    "staff_users", metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("display_name", sa.String(64), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
)

sessions = sa.Table(
    "staff_sessions", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)

login_failures = sa.Table(
    "staff_login_failures", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(128), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False),
)

audit = sa.Table(
    "staff_audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("conversation_id", sa.String(255)),
    sa.Column("seconds", sa.Float),  # take_over: how long the person had waited
)

conversations = sa.Table(
    "staff_conversations", metadata,
    sa.Column("conversation_id", sa.String(255), primary_key=True),
    sa.Column("channel", sa.String(64)),
    sa.Column("country", sa.String(8)),
    sa.Column("last_message_at", sa.Float),
    sa.Column("last_user_event_at", sa.Float),  # the user event seen last (no double counting)
    sa.Column("state", sa.String(16), nullable=False, default="bot"),
    sa.Column("crisis", sa.Boolean, nullable=False, default=False),
    sa.Column("crisis_at", sa.Float),
    sa.Column("requested_at", sa.Float),
    sa.Column("no_answer_sent", sa.Boolean, nullable=False, default=False),
    sa.Column("taken_by", sa.String(64)),
    sa.Column("taken_by_name", sa.String(64)),
    sa.Column("taken_at", sa.Float),
    sa.Column("patient_waiting_since", sa.Float),  # first unanswered message while taken
    sa.Column("updated_at", sa.Float, nullable=False),
)


# One row per patient turn for the review pages (bot.staff.review); no text.
turns = sa.Table(
    "staff_turns", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("event_time", sa.Float, nullable=False),  # the UserUttered's timestamp
    sa.Column("channel", sa.String(64)),
    sa.Column("intent", sa.String(128)),
    sa.Column("topic", sa.String(128)),
    sa.Column("confidence", sa.Float),
    sa.Column("fallback", sa.Boolean, nullable=False, default=False),
    sa.Column("low_confidence", sa.Boolean, nullable=False, default=False),
    sa.Column("crisis", sa.Boolean, nullable=False, default=False),
    sa.Column("handoff", sa.Boolean, nullable=False, default=False),
    sa.Column("command", sa.Boolean, nullable=False, default=False),  # a button ("/intent")
    sa.Column("label", sa.String(128)),
    sa.Column("labelled_by", sa.String(64)),
    sa.Column("labelled_at", sa.Float),
)


@functools.lru_cache(maxsize=4)
def _engine(url: str) -> sa.engine.Engine:
    engine = sa.create_engine(url, pool_pre_ping=True, future=True)
    metadata.create_all(engine, checkfirst=True)
    return engine


def engine(env: Optional[Mapping[str, str]] = None) -> sa.engine.Engine:
    """The tracker database's engine (tables created on first use)."""
    tracker = parse_tracker(os.environ if env is None else env)
    if tracker.dialect == "sqlite":
        os.makedirs(os.path.dirname(tracker.db) or ".", exist_ok=True)
    return _engine(engine_url(tracker).render_as_string(hide_password=False))


def now() -> float:
    return time.time()


# ------------------------------------------------------------------ users ---

def count_users(eng: sa.engine.Engine) -> int:
    with eng.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(users)
                            .where(users.c.disabled == sa.false())).scalar_one()


def get_user(eng: sa.engine.Engine, username: str) -> Optional[Dict[str, Any]]:
    with eng.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username)).mappings().first()
    return dict(row) if row else None


def list_users(eng: sa.engine.Engine) -> List[Dict[str, Any]]:
    with eng.connect() as conn:
        rows = conn.execute(sa.select(users.c.username, users.c.display_name, users.c.role,
                                      users.c.disabled).order_by(users.c.username)).mappings()
        return [dict(row) for row in rows]


def put_user(eng: sa.engine.Engine, username: str, display_name: str, role: str,
             password_hash: str) -> bool:
    """Create or replace an account; True if it was new."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    with eng.begin() as conn:
        exists = conn.execute(sa.select(users.c.username)
                              .where(users.c.username == username)).first()
        values = dict(display_name=display_name, role=role, password_hash=password_hash,
                      disabled=False)
        if exists:
            conn.execute(users.update().where(users.c.username == username).values(**values))
            conn.execute(sessions.delete().where(sessions.c.username == username))
        else:
            conn.execute(users.insert().values(username=username, created_at=now(), **values))
    return not exists


def set_password_hash(eng: sa.engine.Engine, username: str, password_hash: str) -> None:
    with eng.begin() as conn:
        conn.execute(users.update().where(users.c.username == username)
                     .values(password_hash=password_hash))


def disable_user(eng: sa.engine.Engine, username: str) -> bool:
    with eng.begin() as conn:
        done = conn.execute(users.update().where(users.c.username == username)
                            .values(disabled=True)).rowcount
        conn.execute(sessions.delete().where(sessions.c.username == username))
    return bool(done)


# ---------------------------------------------------------------- audit ---

def write_audit(eng: sa.engine.Engine, username: str, action: str,
                conversation_id: Optional[str] = None, seconds: Optional[float] = None) -> None:
    with eng.begin() as conn:
        conn.execute(audit.insert().values(at=now(), username=username, action=action,
                                           conversation_id=conversation_id, seconds=seconds))


def read_audit(eng: sa.engine.Engine, limit: int = 200) -> List[Dict[str, Any]]:
    with eng.connect() as conn:
        rows = conn.execute(sa.select(audit).order_by(audit.c.id.desc()).limit(limit)).mappings()
        return [dict(row) for row in rows]


# ---------------------------------------------------------- conversations ---

def get_conversation(eng: sa.engine.Engine, conversation_id: str) -> Optional[Dict[str, Any]]:
    with eng.connect() as conn:
        row = conn.execute(sa.select(conversations).where(
            conversations.c.conversation_id == conversation_id)).mappings().first()
    return dict(row) if row else None


def upsert_conversation(eng: sa.engine.Engine, conversation_id: str,
                        **values: Any) -> Dict[str, Any]:
    """Insert or update one queue row; returns the row as stored."""
    values["updated_at"] = now()
    with eng.begin() as conn:
        done = conn.execute(conversations.update().where(
            conversations.c.conversation_id == conversation_id).values(**values)).rowcount
        if not done:
            defaults = dict(state="bot", crisis=False, no_answer_sent=False)
            try:
                with conn.begin_nested():
                    conn.execute(conversations.insert().values(
                        conversation_id=conversation_id, **{**defaults, **values}))
            except sa.exc.IntegrityError:  # another replica inserted it meanwhile
                conn.execute(conversations.update().where(
                    conversations.c.conversation_id == conversation_id).values(**values))
        row = conn.execute(sa.select(conversations).where(
            conversations.c.conversation_id == conversation_id)).mappings().first()
    return dict(row)


def claim(eng: sa.engine.Engine, conversation_id: str, where: Any, **values: Any) -> bool:
    """Update the row only if `where` holds (an atomic claim across replicas)."""
    values["updated_at"] = now()
    with eng.begin() as conn:
        return conn.execute(conversations.update().where(
            sa.and_(conversations.c.conversation_id == conversation_id, where))
            .values(**values)).rowcount == 1


def queue(eng: sa.engine.Engine, open_seconds: float, limit: int = 200) -> List[Dict[str, Any]]:
    """Crisis first, then asked for a person, then taken, then recently active ones."""
    since = now() - open_seconds
    with eng.connect() as conn:
        rows = conn.execute(sa.select(conversations).where(sa.or_(
            conversations.c.state != "bot",
            conversations.c.crisis == sa.true(),
            conversations.c.last_message_at >= since,
        )).order_by(conversations.c.last_message_at.desc()).limit(limit)).mappings()
        items = [dict(row) for row in rows]
    items.sort(key=priority)
    return items


def priority(row: Mapping[str, Any]) -> tuple:
    state_rank = {"waiting": 0, "taken": 1, "bot": 2}.get(row.get("state"), 3)
    crisis_rank = 0 if row.get("crisis") and row.get("state") != "taken" else 1
    return (crisis_rank, state_rank, -(row.get("last_message_at") or 0))


def unanswered_since(eng: sa.engine.Engine, before: float) -> List[Dict[str, Any]]:
    """Taken conversations whose patient has waited for a reply since before `before`."""
    with eng.connect() as conn:
        rows = conn.execute(sa.select(conversations).where(sa.and_(
            conversations.c.state == "taken",
            conversations.c.patient_waiting_since <= before))).mappings()
        return [dict(row) for row in rows]


def waiting_since(eng: sa.engine.Engine, before: float) -> List[Dict[str, Any]]:
    with eng.connect() as conn:
        rows = conn.execute(sa.select(conversations).where(sa.and_(
            conversations.c.state == "waiting",
            conversations.c.no_answer_sent == sa.false(),
            conversations.c.requested_at <= before))).mappings()
        return [dict(row) for row in rows]
