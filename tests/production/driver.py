"""An asyncio + aiohttp load driver for the REST channel (loopback only).

Each conversation is sequential (a patient waits for the answer); many run at
once. Every turn goes to a replica picked at random among the live ones.

When a request fails the driver tells apart:

* never sent (connection refused): sent again to another replica ("rerouted");
* cut in flight (connection reset / closed / timed out after sending): the
  turn may or may not have been committed by the replica. The driver asks
  `committed(sender, turn, replica)`, which must only answer once the replica
  is known dead; True -> the turn is in the store, its reply was lost
  ("committed", not sent again); False -> sent again to another replica
  ("retried"); None -> the replica is not known dead: a real failure.
* an HTTP error status: a failure.
"""
from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence

import aiohttp

from tests.helpers import conversation_token

WEBHOOK = "/webhooks/rest/webhook"
Committed = Callable[[str, int, str], Awaitable[Optional[bool]]]

FAQ_QUESTIONS = [
    "what is tms", "does tms hurt?", "how long is a session", "is tms covered by insurance",
    "how many weeks is the whole treatment", "will i lose my memory like with ECT",
    "what are the side effects", "can i drive after a session", "how much does it cost",
    "is it safe", "hi there", "thanks", "can i keep taking my medication during tms",
    "how does tms work",
]
CRISIS_TEXT = "i want to kill myself"


def scripted_text(conversation: int, turn: int, crisis_every: int = 7) -> str:
    if crisis_every and turn % crisis_every == crisis_every - 1:
        return CRISIS_TEXT
    return FAQ_QUESTIONS[(conversation * 5 + turn * 3) % len(FAQ_QUESTIONS)]


@dataclass
class TurnResult:
    sender: str
    turn: int
    text: str
    outcome: str  # ok | rerouted | retried | committed | failed
    replica: Optional[str]
    replies: Optional[List[Dict[str, Any]]]
    latency: float
    attempts: int
    error: Optional[str] = None
    status: Optional[int] = None


@dataclass
class Driver:
    replicas: Dict[str, str]  # name -> base URL (http://127.0.0.1:port)
    committed: Optional[Committed] = None
    timeout: float = 120.0
    seed: int = 7
    dead: set = field(default_factory=set)
    results: List[TurnResult] = field(default_factory=list)
    on_turn: Optional[Callable[[TurnResult], None]] = None
    pick: str = "random"  # or "least": fewest requests in flight, like nginx least_conn

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)
        self.in_flight: Dict[str, int] = {name: 0 for name in self.replicas}

    def mark_dead(self, name: str) -> None:
        self.dead.add(name)

    def _pick(self, excluded: set) -> Optional[str]:
        live = [n for n in self.replicas if n not in self.dead and n not in excluded]
        if not live:
            live = [n for n in self.replicas if n not in self.dead]
        if not live:
            return None
        if self.pick == "least":
            fewest = min(self.in_flight[n] for n in live)
            live = [n for n in live if self.in_flight[n] == fewest]
        return self.random.choice(live)

    async def say(self, session: aiohttp.ClientSession, sender: str, turn: int, text: str,
                  metadata: Optional[Dict[str, Any]] = None,
                  replica: Optional[str] = None) -> TurnResult:
        start = time.perf_counter()
        excluded: set = set()
        outcome, attempts = "ok", 0
        body = {"sender": sender, "message": text, "token": conversation_token(sender),
                "metadata": {"tms_test": {"turn": turn}, **(metadata or {})}}
        while True:
            name = replica if (replica and attempts == 0) else self._pick(excluded)
            if name is None:
                return self._done(TurnResult(sender, turn, text, "failed", None, None,
                                             time.perf_counter() - start, attempts,
                                             "no live replica"))
            attempts += 1
            url = self.replicas[name] + WEBHOOK
            self.in_flight[name] += 1
            try:
                async with session.post(url, json=body,
                                        timeout=aiohttp.ClientTimeout(total=self.timeout)) as resp:
                    data = await resp.json(content_type=None)
                    if resp.status != 200:
                        return self._done(TurnResult(sender, turn, text, "failed", name, None,
                                                     time.perf_counter() - start, attempts,
                                                     f"HTTP {resp.status}", resp.status))
                    return self._done(TurnResult(sender, turn, text, outcome, name, data,
                                                 time.perf_counter() - start, attempts,
                                                 status=resp.status))
            except aiohttp.ClientConnectorError as error:  # never reached the replica
                excluded.add(name)
                if outcome == "ok":
                    outcome = "rerouted"
                if attempts >= 6:
                    return self._done(TurnResult(sender, turn, text, "failed", name, None,
                                                 time.perf_counter() - start, attempts,
                                                 type(error).__name__))
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError,
                    aiohttp.ClientPayloadError, asyncio.TimeoutError) as error:
                verdict = await self.committed(sender, turn, name) if self.committed else None
                if verdict is None:
                    return self._done(TurnResult(sender, turn, text, "failed", name, None,
                                                 time.perf_counter() - start, attempts,
                                                 type(error).__name__))
                if verdict:
                    return self._done(TurnResult(sender, turn, text, "committed", name, None,
                                                 time.perf_counter() - start, attempts))
                excluded.add(name)
                outcome = "retried"
                if attempts >= 6:
                    return self._done(TurnResult(sender, turn, text, "failed", name, None,
                                                 time.perf_counter() - start, attempts,
                                                 "too many retries"))
            finally:
                self.in_flight[name] -= 1

    def _done(self, result: TurnResult) -> TurnResult:
        self.results.append(result)
        if self.on_turn:
            self.on_turn(result)
        return result

    async def conversation(self, session: aiohttp.ClientSession, sender: str,
                           texts: Sequence[str], replica: Optional[str] = None) -> List[TurnResult]:
        out = []
        for turn, text in enumerate(texts):
            result = await self.say(session, sender, turn, text, replica=replica)
            out.append(result)
            if result.outcome == "failed":
                break
        return out

    async def run(self, conversations: Dict[str, Sequence[str]],
                  replica: Optional[str] = None) -> Dict[str, List[TurnResult]]:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            results = await asyncio.gather(*(self.conversation(session, sender, texts, replica)
                                             for sender, texts in conversations.items()))
        return dict(zip(conversations, results))


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


async def timed_load(replicas: Dict[str, str], concurrency: int, duration: float,
                     turns_per_conversation: int = 10, warmup: float = 2.0,
                     prefix: str = "load", seed: int = 1, pick: str = "least") -> Dict[str, Any]:
    """`concurrency` conversations at once for `duration` s (after `warmup` s).

    Each worker runs conversations of `turns_per_conversation` turns back to
    back (new sender ids). Turns finishing inside the measured window count.
    Replicas are picked like a least-connections load balancer (pick="least").
    """
    driver = Driver(replicas, seed=seed, pick=pick)
    stop_at = time.perf_counter() + warmup + duration
    window_start = time.perf_counter() + warmup
    latencies: List[float] = []
    failures: List[str] = []
    counter = {"n": 0, "all": 0}

    async def worker(index: int, session: aiohttp.ClientSession) -> None:
        conversation = 0
        while time.perf_counter() < stop_at:
            sender = f"{prefix}-{seed}-{index}-{conversation}"
            for turn in range(turns_per_conversation):
                if time.perf_counter() >= stop_at:
                    return
                result = await driver.say(session, sender, turn,
                                          scripted_text(index + conversation, turn))
                finished = time.perf_counter()
                counter["all"] += 1
                if result.outcome == "failed":
                    failures.append(result.error or "failed")
                    break
                if window_start <= finished <= stop_at:
                    latencies.append(result.latency)
                    counter["n"] += 1
            conversation += 1

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(i, session) for i in range(concurrency)))
    return {
        "concurrency": concurrency, "duration_s": duration, "turns": counter["n"],
        "throughput_tps": counter["n"] / duration if duration else float("nan"),
        "p50_ms": percentile(latencies, 0.50) * 1000, "p95_ms": percentile(latencies, 0.95) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "mean_ms": (sum(latencies) / len(latencies) * 1000) if latencies else float("nan"),
        "failures": len(failures), "failure_kinds": sorted(set(failures)),
        "all_turns": counter["all"], "latencies_ms": [x * 1000 for x in latencies],
    }
