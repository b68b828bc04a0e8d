"""Behaviour-preserving speed-ups for Rasa 3.6 hot paths.

* `Event.resolve_by_type` walks the whole Event class tree (all subclasses,
  recursively) for every event it deserialises: a tracker of 1,600 events
  cost ~200 ms per turn in that walk alone. The answer for a given type name
  never changes once found, so it is cached (misses still take the original
  path, so an unknown type raises exactly as before).
* `RemoteAction._validate_action_result` calls `jsonschema.validate`, which
  re-validates Rasa's (constant) response schema against the JSON-Schema
  meta-schema on every call: ~45 ms of CPU per custom-action call. The
  validator is built once; errors are the same `best_match` error with
  Rasa's message.
* Warm start: the first message a fresh process parses takes ~5 s (the crisis
  detector builds its pipeline on first use, ~4.4 s; TensorFlow's first
  inference adds a little), so the first patient after every start or restart
  waited that long. After the model is loaded, and before
  the server accepts connections (so readiness means "warm"), one throwaway
  message is parsed and one action predicted on an in-memory tracker that is
  never stored.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type
    cache: Dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Optional[Any] = None) -> Optional[Any]:
        found = cache.get(type_name)
        if found is not None:
            return found
        result = original(type_name, default)
        if result is not None and result is not default:
            cache[type_name] = result
        return result

    Event.resolve_by_type = staticmethod(resolve_by_type)
    _install_action_validation()
    _install_warm_start()
    _installed = True


async def warm_up(agent: Any) -> None:
    """Parse one message and predict once, touching no tracker store."""
    import logging

    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    logger = logging.getLogger(__name__)
    try:
        parsed = await agent.parse_message("hello")
        tracker = DialogueStateTracker.from_events(
            "__warm_up__", [ActionExecuted("action_listen"),
                            UserUttered("hello", parsed.get("intent"), parsed.get("entities"),
                                        parsed)], agent.domain.slots)
        agent.processor._predict_next_with_tracker(tracker)
        logger.info("model warmed up")
    except Exception:  # noqa: BLE001 - a cold first turn is slow, not wrong
        logger.exception("warm-up failed; the first message will be slow")


def _install_warm_start() -> None:
    import rasa.core.run as run

    original = run.load_agent_on_start

    async def load_agent_on_start(*args: Any, **kwargs: Any) -> Any:
        agent = await original(*args, **kwargs)
        if agent is not None and getattr(agent, "processor", None) is not None:
            await warm_up(agent)
        return agent

    run.load_agent_on_start = load_agent_on_start


def _install_action_validation() -> None:
    from jsonschema import exceptions
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def _validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
        error = exceptions.best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    RemoteAction._validate_action_result = _validate_action_result
