"""Start-up checks: the conversation store, the lock store and the broker answer.

Each check retries for `settings.check_timeout` seconds (a database container
may still be starting), then raises ConfigError with the reason. There is no
fallback: a launcher that cannot reach its tracker store does not start.
"""
from __future__ import annotations

import socket
import os
import sqlite3
import time
from pathlib import Path
from typing import Callable, List, Optional, TypeVar

from bot.production.settings import ConfigError, Redis, Settings, Tracker

T = TypeVar("T")
CONNECT_TIMEOUT = 5


class Retry(Exception):
    """A transient failure: try again until the deadline."""


def _retrying(what: str, timeout: float, attempt: Callable[[], T]) -> T:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return attempt()
        except Retry as error:
            if time.monotonic() >= deadline:
                raise ConfigError(f"{what}: {error}") from None
            time.sleep(1.0)


def check_sqlite(tracker: Tracker) -> str:
    """Writable, and private: the file (every message in plain text) is 0600."""
    path = Path(tracker.db)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(path, 0o600)
        with sqlite3.connect(str(path), timeout=CONNECT_TIMEOUT) as connection:
            connection.execute("CREATE TABLE IF NOT EXISTS _tms_startup_check (x INTEGER)")
            connection.execute("DROP TABLE _tms_startup_check")
    except (OSError, sqlite3.Error) as error:
        raise ConfigError(f"tracker store {tracker.describe()} is not writable: {error}") from None
    return f"{tracker.describe()}: writable"


def check_postgres(tracker: Tracker, timeout: float) -> str:
    import psycopg2

    def attempt() -> str:
        try:
            connection = psycopg2.connect(
                host=tracker.host, port=tracker.port, dbname=tracker.db, user=tracker.username,
                password=tracker.password, connect_timeout=CONNECT_TIMEOUT,
                application_name="tms-startup-check", **dict(tracker.query))
        except psycopg2.OperationalError as error:
            text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            if any(s in text for s in ("password authentication failed", "does not exist",
                                       "no pg_hba.conf entry", "role")):
                raise ConfigError(f"tracker store {tracker.describe()}: {text}") from None
            raise Retry(f"cannot connect to {tracker.describe()}: {text}") from None
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.execute("SELECT to_regclass('public.events') IS NOT NULL")
                has_events = cursor.fetchone()[0]
                if has_events:
                    cursor.execute("SELECT has_table_privilege('public.events', 'SELECT') "
                                   "AND has_table_privilege('public.events', 'INSERT')")
                    if not cursor.fetchone()[0]:
                        raise ConfigError(f"tracker store {tracker.describe()}: the database user "
                                          "may not read and insert into table 'events'")
                else:
                    cursor.execute("SELECT has_schema_privilege('public', 'CREATE')")
                    if not cursor.fetchone()[0]:
                        raise ConfigError(f"tracker store {tracker.describe()}: table 'events' is "
                                          "missing and the database user may not create it")
        finally:
            connection.close()
        return f"{tracker.describe()}: reachable"

    return _retrying("tracker store", timeout, attempt)


def redis_client(lock: Redis):  # noqa: ANN201 - redis.Redis
    import redis

    return redis.Redis(host=lock.host, port=lock.port, db=lock.db, username=lock.username,
                       password=lock.password, ssl=lock.ssl,
                       socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT)


def foreign_keys(client, prefix: str, limit: int = 1000) -> List[str]:  # noqa: ANN001
    """Up to a few keys in the lock database that are not lock keys."""
    out: List[str] = []
    for index, key in enumerate(client.scan_iter(count=200)):
        name = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)
        if not name.startswith(prefix):
            out.append(name)
            if len(out) >= 3:
                break
        if index >= limit:
            break
    return out


def check_redis(lock: Redis, timeout: float) -> str:
    import redis

    def attempt() -> str:
        client = redis_client(lock)
        try:
            client.ping()
            # The lock store needs a database of its own (see settings.parse_lock).
            others = foreign_keys(client, lock.lock_prefix)
        except redis.AuthenticationError as error:
            raise ConfigError(f"lock store {lock.describe()}: {error}") from None
        except redis.ResponseError as error:
            raise ConfigError(f"lock store {lock.describe()}: {error}") from None
        except (redis.ConnectionError, redis.TimeoutError, OSError) as error:
            raise Retry(f"cannot connect to {lock.describe()}: {error}") from None
        finally:
            client.close()
        if others:
            raise ConfigError(
                f"lock store {lock.describe()} holds keys that are not conversation locks "
                f"(e.g. {others[0]!r}): give the lock store a Redis database of its own")
        return f"{lock.describe()}: reachable, dedicated"

    return _retrying("lock store", timeout, attempt)


def check_tcp(what: str, host: str, port: int, timeout: float) -> str:
    def attempt() -> str:
        try:
            with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT):
                return f"{what} {host}:{port}: reachable"
        except OSError as error:
            raise Retry(f"cannot connect to {host}:{port}: {error}") from None

    return _retrying(what, timeout, attempt)


def check_files(settings: Settings) -> List[str]:
    if not settings.model.is_file():
        raise ConfigError(f"model {settings.model} not found (train it: make train, or set MODEL_PATH)")
    if not settings.credentials.is_file():
        raise ConfigError(f"credentials file {settings.credentials} not found (set CREDENTIALS)")
    return [f"model {settings.model.name}: present"]


def run_all(settings: Settings, timeout: Optional[float] = None) -> List[str]:
    """All checks in order; a list of what passed, or ConfigError."""
    wait = settings.check_timeout if timeout is None else timeout
    done = check_files(settings)
    if settings.tracker.dialect == "sqlite":
        done.append(check_sqlite(settings.tracker))
    else:
        done.append(check_postgres(settings.tracker, wait))
    if settings.lock:
        done.append(check_redis(settings.lock, wait))
    if settings.broker:
        host, port = settings.broker.hosts[0]
        done.append(check_tcp("event broker", host, port, wait))
    return done
