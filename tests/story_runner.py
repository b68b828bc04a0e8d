"""`rasa <args>` where `rasa test core --e2e` reads each user message with the conversation
so far, as a live turn does.

    python -m tests.story_runner test core --e2e --stories tests/test_followup_stories.yml ...

Why: in a live turn `MessageProcessor.parse_message(message, tracker)` hands NLU the
tracker (FollowUpContext reads the topic just answered from it), but Rasa 3.6's story test
(`rasa.core.test._predict_tracker_actions`) parses each story message with
`parse_message(UserMessage(text))`, no tracker, so a follow-up would be read on its own
and the test would not show what a patient gets. Here the story's tracker so far (the
`partial_tracker` that the test builds turn by turn) is passed instead: the same graph,
the same inputs as live. Without `--e2e` Rasa does not run NLU on story text at all.
Test-only: nothing in the assistant imports this.
"""
from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional


def install() -> None:
    import rasa.core.test as core_test
    from rasa.core.channels.channel import UserMessage

    state: Dict[str, Any] = {}
    predict = core_test._predict_tracker_actions
    collect = core_test._collect_user_uttered_predictions

    async def _predict_tracker_actions(tracker: Any, agent: Any, *args: Any,
                                       **kwargs: Any) -> Any:
        state["processor"] = agent.processor
        return await predict(tracker, agent, *args, **kwargs)

    def _collect_user_uttered_predictions(event: Any, predicted: Dict[str, Any],
                                          partial_tracker: Any,
                                          fail_on_prediction_errors: bool) -> Any:
        processor = state.get("processor")
        if processor is not None and event.text:
            predicted = processor._parse_message_with_graph(
                UserMessage(event.text, sender_id=partial_tracker.sender_id), partial_tracker)
            processor._update_full_retrieval_intent(predicted)
        return collect(event, predicted, partial_tracker, fail_on_prediction_errors)

    core_test._predict_tracker_actions = _predict_tracker_actions
    core_test._collect_user_uttered_predictions = _collect_user_uttered_predictions


def main(argv: Optional[List[str]] = None) -> None:
    install()
    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    from rasa.__main__ import main as rasa_cli

    rasa_cli()


if __name__ == "__main__":
    main()
