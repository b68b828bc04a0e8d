"""Staff authentication: argon2id hashes, server-side sessions, CSRF, login rate limit.

- Passwords: argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile);
  hashes are re-computed on login when the parameters changed.
- Sessions: the cookie holds 32 random bytes; the database holds only their
  SHA-256 (a stolen table opens no session). Each session has its own CSRF
  token, which every state-changing request must send back
  (X-CSRF-Token header or csrf_token form field), compared in constant time.
- Login: at most LOGIN_MAX_FAILURES failed attempts per username (and
  LOGIN_MAX_FAILURES_PER_ADDRESS per client address) within LOGIN_WINDOW seconds (counted in the database, so
  across replicas); then 429 until the window has passed.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from typing import Any, Mapping, Optional

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bot.staff import store

MIN_PASSWORD_CHARS = 12
LOGIN_MAX_FAILURES = 5          # per username
LOGIN_MAX_FAILURES_PER_ADDRESS = 20  # per client address (a clinic may share one)
LOGIN_WINDOW = 15 * 60
SESSION_HOURS_DEFAULT = 12
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_hasher = PasswordHasher()
# Verified against when the username does not exist, so both cases cost the same.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AuthError(ValueError):
    """A message safe to show to the person logging in."""


@dataclass(frozen=True)
class Staff:
    username: str
    display_name: str
    role: str
    csrf_token: str
    token_hash: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def hash_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_CHARS:
        raise AuthError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_username(username: str) -> str:
    username = (username or "").strip().lower()
    if not USERNAME.match(username):
        raise AuthError("a username is 2-64 characters: a-z, 0-9, dot, dash, underscore")
    return username


def session_seconds(env: Mapping[str, str] = os.environ) -> float:
    try:
        hours = float(env.get("STAFF_SESSION_HOURS", SESSION_HOURS_DEFAULT))
    except ValueError:
        hours = SESSION_HOURS_DEFAULT
    return max(0.1, min(hours, 24 * 7)) * 3600


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# ---------------------------------------------------------- rate limit ---

def _failure_keys(username: str, client: str) -> list:
    return [(f"user:{username[:100]}", LOGIN_MAX_FAILURES),
            (f"addr:{client[:100]}", LOGIN_MAX_FAILURES_PER_ADDRESS)]


def rate_limited(eng: sa.engine.Engine, username: str, client: str) -> bool:
    since = store.now() - LOGIN_WINDOW
    with eng.connect() as conn:
        for key, limit in _failure_keys(username, client):
            count = conn.execute(sa.select(sa.func.count()).select_from(store.login_failures)
                                 .where(sa.and_(store.login_failures.c.key == key,
                                                store.login_failures.c.at >= since))).scalar_one()
            if count >= limit:
                return True
    return False


def _record_failure(eng: sa.engine.Engine, username: str, client: str) -> None:
    at = store.now()
    with eng.begin() as conn:
        conn.execute(store.login_failures.delete().where(
            store.login_failures.c.at < at - LOGIN_WINDOW))
        for key, _ in _failure_keys(username, client):
            conn.execute(store.login_failures.insert().values(key=key, at=at))


class RateLimited(AuthError):
    pass


def login(eng: sa.engine.Engine, username: Any, password: Any, client: str) -> tuple:
    """(cookie token, Staff) for a right password; AuthError / RateLimited otherwise."""
    username = str(username or "").strip().lower()[:64]
    password = str(password or "")
    if rate_limited(eng, username, client):
        raise RateLimited("too many failed attempts: wait 15 minutes, or ask an admin")
    user = store.get_user(eng, username) if USERNAME.match(username) else None
    ok = verify_password(user["password_hash"] if user else _DUMMY_HASH, password[:1024])
    if not user or user["disabled"] or not ok:
        _record_failure(eng, username, client)
        raise AuthError("wrong username or password")
    if _hasher.check_needs_rehash(user["password_hash"]):
        store.set_password_hash(eng, username, _hasher.hash(password))
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    at = store.now()
    with eng.begin() as conn:
        conn.execute(store.sessions.delete().where(store.sessions.c.expires_at < at))
        conn.execute(store.sessions.insert().values(
            token_hash=token_hash(token), username=username, csrf_token=csrf,
            created_at=at, expires_at=at + session_seconds()))
    store.write_audit(eng, username, "login")
    return token, Staff(username, user["display_name"], user["role"], csrf, token_hash(token))


def session(eng: sa.engine.Engine, token: Optional[str]) -> Optional[Staff]:
    """The logged-in staff member for a cookie token, or None (missing, expired, disabled)."""
    if not token or len(token) > 128:
        return None
    return session_by_hash(eng, token_hash(token))


def session_by_hash(eng: sa.engine.Engine, digest: str) -> Optional[Staff]:
    """The same, from the stored hash (a live socket re-checks its session with it)."""
    with eng.connect() as conn:
        row = conn.execute(
            sa.select(store.sessions.c.csrf_token, store.sessions.c.expires_at,
                      store.users.c.username, store.users.c.display_name, store.users.c.role,
                      store.users.c.disabled)
            .select_from(store.sessions.join(
                store.users, store.users.c.username == store.sessions.c.username))
            .where(store.sessions.c.token_hash == digest)).mappings().first()
    if not row or row["disabled"] or row["expires_at"] < store.now():
        return None
    return Staff(row["username"], row["display_name"], row["role"], row["csrf_token"], digest)


def logout(eng: sa.engine.Engine, staff: Staff) -> None:
    with eng.begin() as conn:
        conn.execute(store.sessions.delete().where(store.sessions.c.token_hash == staff.token_hash))
    store.write_audit(eng, staff.username, "logout")


def csrf_ok(expected: Optional[str], given: Any) -> bool:
    return bool(expected) and isinstance(given, str) and hmac.compare_digest(
        expected.encode("utf-8"), given.encode("utf-8"))
