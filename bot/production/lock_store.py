"""Rasa's Redis lock store with atomic ticket updates.

Rasa's `RedisLockStore` updates a conversation's ticket lock with a plain
GET, change, SET. Two processes (replicas, or Sanic workers of one replica)
that take a ticket for the same conversation at the same moment can both read
the same lock, both get ticket 0 and both go ahead: the two turns then run at
once and the SQL tracker store, which appends "the events after the ones
already stored", can drop one turn's events. Cleaning up has the same race: a
process that deletes the lock "because nobody waits" can delete a ticket
another process has just taken, whose turn then fails with a LockError.

A third problem: a ticket's lifetime runs from the moment it is issued, also
while its owner is still waiting. When a replica dies holding a conversation's
lock, the next message for that conversation waits for the dead ticket to
expire; its own ticket, issued a moment later with the same lifetime, expires
almost at the same time, and the turn fails with a LockError ("Could not
acquire lock") although nobody holds the lock any more.

This subclass does every read-change-write of a lock inside a Redis
WATCH/MULTI transaction (retried on conflict), deletes the key atomically when
the last ticket is gone, and gives each lock key a TTL a little longer than
its newest ticket, so a replica killed while holding a lock leaves nothing
behind for longer than the lock's lifetime. A waiting process renews its own
ticket on every poll: only the tickets of dead or stuck holders run out, and
a holder gets the full lifetime for its turn from the moment it is served.
The stored format and key names are Rasa's, so it can run next to stock
`RedisLockStore` processes.

Used by the launcher as
`lock_store: {type: bot.production.lock_store.AtomicRedisLockStore, url: …}`;
Rasa counts a custom lock store as safe for several Sanic workers.
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from typing import Any, Callable, Dict, Optional, Text, Tuple, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

logger = logging.getLogger(__name__)
T = TypeVar("T")
TTL_MARGIN_SECONDS = 30


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose ticket operations are atomic across processes."""

    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            options = dict(endpoint_config.kwargs)
            options.setdefault("host", endpoint_config.url or "localhost")
            options.update(kwargs)
            kwargs = options
        kwargs.pop("type", None)
        super().__init__(**kwargs)
        self._lifetimes: Dict[Tuple[Text, int], float] = {}
        self._served_at_once: Dict[Tuple[Text, int], TicketLock] = {}

    def _key(self, conversation_id: Text) -> Text:
        return self.key_prefix + conversation_id

    def _change(self, conversation_id: Text, change: Callable[[TicketLock], T]) -> T:
        """Apply `change` to the stored lock atomically; delete it once empty."""
        key = self._key(conversation_id)

        def transaction(pipe: Any) -> T:
            raw = pipe.get(key)
            lock = (TicketLock.from_dict(json.loads(raw)) if raw
                    else TicketLock(conversation_id))
            result = change(lock)
            lock.remove_expired_tickets()
            pipe.multi()
            if lock.tickets:
                newest = max(ticket.expires for ticket in lock.tickets)
                ttl = max(1, math.ceil(newest - time.time()) + TTL_MARGIN_SECONDS)
                pipe.set(key, lock.dumps(), ex=ttl)
            else:
                pipe.delete(key)
            return result

        return self.red.transaction(transaction, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: TicketLock) -> Tuple[int, Optional[TicketLock]]:
            number = lock.issue_ticket(lock_lifetime)
            return number, (None if lock.is_locked(number) else lock)

        try:
            ticket, served = self._change(conversation_id, issue)
        except Exception as error:  # noqa: BLE001 - Rasa's contract: LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        self._lifetimes[(conversation_id, ticket)] = lock_lifetime
        if served is not None:  # nobody ahead: the lock is ours, no need to poll
            self._served_at_once[(conversation_id, ticket)] = served
        return ticket

    async def _acquire_lock(self, conversation_id: Text, ticket: int,
                            wait_time_in_seconds: float) -> TicketLock:
        served = self._served_at_once.pop((conversation_id, ticket), None)
        if served is not None:
            return served
        lifetime = self._lifetimes.get((conversation_id, ticket), LOCK_LIFETIME)

        def poll(lock: TicketLock) -> Optional[TicketLock]:
            lock.remove_expired_tickets()
            own = next((t for t in lock.tickets if t.number == ticket), None)
            if own is None:
                return None
            own.expires = time.time() + lifetime  # still here: renew our ticket
            return lock

        while True:
            lock = self._change(conversation_id, poll)
            if lock is None:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)

    def update_lock(self, conversation_id: Text) -> None:
        self._change(conversation_id, lambda lock: None)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # finish_serving already deletes the key when no ticket is left, in the
        # same transaction: no window in which a new ticket could be deleted.
        self._lifetimes.pop((conversation_id, ticket_number), None)
        self._served_at_once.pop((conversation_id, ticket_number), None)
        try:
            self.finish_serving(conversation_id, ticket_number)
        except Exception:  # noqa: BLE001 - the TTL removes the ticket eventually
            logger.exception("could not release the lock of a conversation")

    def save_lock(self, lock: TicketLock) -> None:
        # Only reached through code paths we did not override; keep a TTL.
        newest: Optional[float] = max((t.expires for t in lock.tickets), default=None)
        ttl = None if newest is None else max(1, math.ceil(newest - time.time()) + TTL_MARGIN_SECONDS)
        self.red.set(self._key(lock.conversation_id), lock.dumps(), ex=ttl)
