"""The atomic Redis lock store, against a real Redis (scripts/prod/services.sh)."""
from __future__ import annotations

import asyncio
import threading
import time
import uuid

import pytest
import redis as redis_lib
from rasa.core.lock_store import LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.production.lock_store import AtomicRedisLockStore
from bot.production.settings import resolve


def store_kwargs(services):  # noqa: ANN001, ANN201
    lock = resolve({"REDIS_LOCK_URL": services["REDIS_LOCK_URL"]}).lock
    return {"host": lock.host, "port": lock.port, "db": lock.db, "password": lock.password}


def race(store_class, services, threads: int = 16):  # noqa: ANN001, ANN201
    """Many processes' worth of stores take a ticket for one conversation at once."""
    conversation = f"race-{uuid.uuid4().hex}"
    stores = [store_class(**store_kwargs(services)) for _ in range(threads)]
    barrier = threading.Barrier(threads)
    tickets = []

    def take(store):  # noqa: ANN001
        barrier.wait()
        tickets.append(store.issue_ticket(conversation, 30))

    workers = [threading.Thread(target=take, args=(s,)) for s in stores]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    lock = stores[0].get_lock(conversation)
    stores[0].red.delete(stores[0].key_prefix + conversation)
    return tickets, lock


def test_endpoint_config_creates_the_atomic_store(services):
    settings = resolve({"REDIS_LOCK_URL": services["REDIS_LOCK_URL"]})
    config = settings.endpoints()["lock_store"]
    endpoint = EndpointConfig.from_dict({**config, "password": settings.lock.password})
    store = LockStore.create(endpoint)
    assert isinstance(store, AtomicRedisLockStore) and isinstance(store, RedisLockStore)
    assert store.red.ping()


def test_concurrent_tickets_are_all_distinct(services):
    for _ in range(5):
        tickets, lock = race(AtomicRedisLockStore, services)
        assert sorted(tickets) == list(range(16))
        assert len(lock.tickets) == 16


def test_stock_redis_lock_store_race_is_real(services):
    """Documents why the atomic store exists (not asserted: it is timing-dependent)."""
    duplicates = 0
    for _ in range(5):
        tickets, _ = race(RedisLockStore, services)
        duplicates += len(tickets) - len(set(tickets))
    print(f"\nstock RedisLockStore: {duplicates} duplicate tickets in 5 races of 16")


def test_cleanup_is_atomic_and_keys_expire(services):
    store = AtomicRedisLockStore(**store_kwargs(services))
    conversation = f"c-{uuid.uuid4().hex}"
    key = store.key_prefix + conversation
    first = store.issue_ticket(conversation, 20)
    second = store.issue_ticket(conversation, 20)
    assert (first, second) == (0, 1)
    assert 20 < store.red.ttl(key) <= 20 + 31
    store.cleanup(conversation, first)
    assert store.get_lock(conversation).now_serving == second
    store.cleanup(conversation, second)
    assert store.red.exists(key) == 0


def test_lock_serialises_two_holders(services):
    store_a = AtomicRedisLockStore(**store_kwargs(services))
    store_b = AtomicRedisLockStore(**store_kwargs(services))
    conversation = f"c-{uuid.uuid4().hex}"
    order = []

    async def hold(store, name):  # noqa: ANN001
        async with store.lock(conversation, lock_lifetime=10, wait_time_in_seconds=0.05):
            order.append(f"{name}-in")
            await asyncio.sleep(0.3)
            order.append(f"{name}-out")

    async def main():
        await asyncio.gather(hold(store_a, "a"), hold(store_b, "b"))

    asyncio.run(main())
    assert order in (["a-in", "a-out", "b-in", "b-out"], ["b-in", "b-out", "a-in", "a-out"])
    assert store_a.red.exists(store_a.key_prefix + conversation) == 0


def test_a_crashed_holder_blocks_only_until_its_ticket_expires(services):
    store = AtomicRedisLockStore(**store_kwargs(services))
    conversation = f"c-{uuid.uuid4().hex}"
    store.issue_ticket(conversation, 1)  # taken by a replica that then died

    async def main():
        async with store.lock(conversation, lock_lifetime=10, wait_time_in_seconds=0.1) as lock:
            return lock

    loop = asyncio.new_event_loop()
    try:
        started = loop.time()
        loop.run_until_complete(main())
        waited = loop.time() - started
    finally:
        loop.close()
    assert 0.5 < waited < 5


def test_wrong_password_is_an_error_not_a_fallback(services):
    kwargs = {**store_kwargs(services), "password": "wrong"}
    store = AtomicRedisLockStore(**kwargs)
    with pytest.raises(Exception):
        store.issue_ticket("x", 10)
    with pytest.raises(redis_lib.AuthenticationError):
        store.red.ping()


def test_format_is_rasas_both_ways(services):
    """Locks written by the script read back in stock Rasa, and the other way round."""
    ours = AtomicRedisLockStore(**store_kwargs(services))
    stock = RedisLockStore(**store_kwargs(services))
    conversation = f"c-{uuid.uuid4().hex}/x"
    before = time.time()
    assert ours.issue_ticket(conversation, 20) == 0
    assert stock.issue_ticket(conversation, 20) == 1  # stock reads ours, appends
    assert ours.issue_ticket(conversation, 40) == 2  # ours reads stock's
    lock = stock.get_lock(conversation)
    assert lock.conversation_id == conversation
    assert [t.number for t in lock.tickets] == [0, 1, 2]
    assert before + 40 <= lock.tickets[2].expires <= time.time() + 40
    assert lock.now_serving == 0
    ours.cleanup(conversation, 0)
    assert stock.get_lock(conversation).now_serving == 1
    ours.red.delete(ours.key_prefix + conversation)


def test_a_waiting_ticket_is_renewed_and_a_lost_one_is_an_error(services):
    store = AtomicRedisLockStore(**store_kwargs(services))
    conversation = f"c-{uuid.uuid4().hex}"
    store.issue_ticket(conversation, 20)  # the holder
    mine = store.issue_ticket(conversation, 1)

    async def wait_briefly():
        try:
            await asyncio.wait_for(store._acquire_lock(conversation, mine, 0.05), 1.5)
        except asyncio.TimeoutError:
            pass

    asyncio.run(wait_briefly())  # 1.5 s of polling: longer than the 1 s lifetime
    renewed = store.get_lock(conversation).tickets[-1]
    assert renewed.number == mine and renewed.expires > time.time()
    store.red.delete(store.key_prefix + conversation)
    with pytest.raises(LockError):
        asyncio.run(store._acquire_lock(conversation, mine, 0.05))
