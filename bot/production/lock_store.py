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

This subclass does every read-change-write of a lock in one Redis Lua
script (Redis runs a script atomically: one round trip per change, where a
WATCH/GET/MULTI/SET/EXEC transaction took four and was retried on conflict),
deletes the key in the same step when the last ticket is gone, and gives each
lock key a TTL a little longer than its newest ticket, so a replica killed
while holding a lock leaves nothing behind for longer than the lock's
lifetime. A waiting process renews its own ticket on every poll: only the
tickets of dead or stuck holders run out, and a holder gets the full lifetime
for its turn from the moment it is served. A turn nobody is ahead of costs two
round trips (take the ticket, give it back). Times are the caller's clock, as
in Rasa. The stored format and key names are Rasa's (a JSON lock whose
tickets are JSON strings), so it can run next to stock `RedisLockStore`
processes.

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
from typing import Any, Dict, Optional, Text, Tuple

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

logger = logging.getLogger(__name__)
TTL_MARGIN_SECONDS = 30

# One lock operation, atomically. KEYS[1]: the lock key. ARGV: operation
# (issue | poll | finish | touch), conversation id, now, ticket number,
# lifetime, TTL margin. Expired tickets are dropped first (Rasa: a ticket has
# expired when now > expires). issue appends ticket last+1 (0 when empty);
# poll renews the caller's ticket (-1 when it is gone); finish removes it.
# Returns {ticket, the stored lock if that ticket is served first, else false}.
CHANGE_SCRIPT = """
local op, now, number = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4])
local lifetime, margin = tonumber(ARGV[5]), tonumber(ARGV[6])
local conversation = ARGV[2]
local tickets = {}
local raw = redis.call('GET', KEYS[1])
if raw then
  local stored = cjson.decode(raw)
  if type(stored.conversation_id) == 'string' then conversation = stored.conversation_id end
  if type(stored.tickets) == 'table' then
    for _, item in ipairs(stored.tickets) do
      local t = item
      if type(item) == 'string' then t = cjson.decode(item) end
      local n, e = tonumber(t.number), tonumber(t.expires)
      if n and e and e >= now then tickets[#tickets + 1] = {n, e} end
    end
  end
end
if op == 'issue' then
  number = 0
  if #tickets > 0 then number = tickets[#tickets][1] + 1 end
  tickets[#tickets + 1] = {number, now + lifetime}
elseif op == 'poll' or op == 'finish' then
  local found = nil
  for i, t in ipairs(tickets) do if t[1] == number then found = i end end
  if not found then
    number = -1
  elseif op == 'poll' then
    tickets[found][2] = now + lifetime
  else
    table.remove(tickets, found)
  end
end
if #tickets == 0 then
  redis.call('DEL', KEYS[1])
  return {number, false}
end
local parts, newest = {}, 0
for i, t in ipairs(tickets) do
  parts[i] = cjson.encode(string.format('{"number": %d, "expires": %.6f}', t[1], t[2]))
  if t[2] > newest then newest = t[2] end
end
local lock = '{"conversation_id": ' .. cjson.encode(conversation) .. ', "tickets": [' ..
  table.concat(parts, ', ') .. ']}'
redis.call('SET', KEYS[1], lock, 'EX', math.max(1, math.ceil(newest - now) + margin))
if (op == 'issue' or op == 'poll') and tickets[1][1] == number then return {number, lock} end
return {number, false}
"""


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
        self._script: Any = None  # registered on first use (EVALSHA, EVAL if flushed)

    def _key(self, conversation_id: Text) -> Text:
        return self.key_prefix + conversation_id

    def _change(self, operation: Text, conversation_id: Text, ticket: int = -1,
                lifetime: float = 0.0) -> Tuple[int, Optional[TicketLock]]:
        """Run one lock operation atomically in Redis.

        Returns the operation's ticket number (-1: the ticket is gone) and, when
        that ticket is now served, the lock as stored."""
        if self._script is None:
            self._script = self.red.register_script(CHANGE_SCRIPT)
        number, served = self._script(
            keys=[self._key(conversation_id)],
            args=[operation, conversation_id, repr(time.time()), ticket, repr(float(lifetime)),
                  TTL_MARGIN_SECONDS])
        if not served:
            return int(number), None
        if isinstance(served, bytes):
            served = served.decode("utf-8")
        return int(number), TicketLock.from_dict(json.loads(served))

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            ticket, served = self._change("issue", conversation_id, lifetime=lock_lifetime)
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
        while True:
            number, lock = self._change("poll", conversation_id, ticket, lifetime)
            if number < 0:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            if lock is not None:
                return lock
            await asyncio.sleep(wait_time_in_seconds)

    def update_lock(self, conversation_id: Text) -> None:
        self._change("touch", conversation_id)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._change("finish", conversation_id, ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # finish_serving already deletes the key when no ticket is left, in the
        # same step: no window in which a new ticket could be deleted.
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
