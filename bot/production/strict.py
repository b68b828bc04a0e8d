"""Rasa patches for production: fail loudly instead of forgetting conversations.

Installed by bot.production.rasa_main before Rasa starts (inherited by forked
Sanic workers):

* No in-memory fallback for the tracker store. Stock Rasa wraps the tracker
  store in `FailSafeTrackerStore`: when the database fails, a retrieve
  returns "no conversation" (the patient silently starts over, crisis state
  forgotten) and a save goes to process memory (gone at the next restart,
  invisible to the other replicas). Here a tracker-store error fails the turn
  instead: the REST channel answers with its apology and the clinic's
  contact details, the error is logged, nothing is silently lost. Rasa also
  refuses to start without a persistent tracker store.
* socket.io checks the browser's Origin: Rasa's socket.io channel turns the
  origin check off (`cors_allowed_origins=[]`, any web page may connect);
  here it accepts only the server's own origin and ALLOWED_ORIGINS.
"""
from __future__ import annotations

import logging
from typing import Any, List, Optional

logger = logging.getLogger(__name__)
_installed = False


class TrackerStoreUnavailable(RuntimeError):
    """The conversation store failed; the turn is refused rather than forgotten."""


def _refuse(error: Exception) -> None:
    logger.error("tracker store error, failing this turn (no in-memory fallback): %s",
                 type(error).__name__)
    raise TrackerStoreUnavailable(f"tracker store failed: {type(error).__name__}") from error


def _strict_tracker_store(store: Any, domain: Any) -> Any:
    from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore

    if store is None or isinstance(store, InMemoryTrackerStore) or (
            isinstance(store, FailSafeTrackerStore)):
        raise TrackerStoreUnavailable(
            "no persistent tracker store configured (refusing the in-memory store)")
    inner = getattr(store, "_tracker_store", store)  # AwaitableTrackerStore wraps sync stores
    if isinstance(inner, InMemoryTrackerStore):
        raise TrackerStoreUnavailable(
            "no persistent tracker store configured (refusing the in-memory store)")
    store.domain = domain
    return FailSafeTrackerStore(store, on_tracker_store_error=_refuse)


def allowed_origins() -> Optional[List[str]]:
    """The server's own origin plus ALLOWED_ORIGINS (bot.channels.origins, one parser)."""
    from bot.channels import origins

    return list(origins.configured())


def install() -> None:
    """Apply the patches (idempotent)."""
    global _installed
    if _installed:
        return
    from rasa.core import agent
    import rasa.core.channels.socketio as socketio_channel

    agent.Agent._create_tracker_store = staticmethod(_strict_tracker_store)

    base = socketio_channel.AsyncServer

    class OriginCheckingAsyncServer(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["cors_allowed_origins"] = allowed_origins()
            super().__init__(*args, **kwargs)

    socketio_channel.AsyncServer = OriginCheckingAsyncServer
    _installed = True
