"""Score two-turn follow-up exchanges through the real assistant; used by the tests and
benchmarks/followups.py.

Each pair is a fresh conversation (in-memory tracker, no action server): the first
message, then the second. What counts is the topic the assistant *answers* the second
message with, i.e. the `utter_faq/<topic>` its reply came from; any other reply (a
fallback, "out of scope", a crisis reply) is wrong. The first turn goes through the
assistant too, so a follow-up is read against what was really answered before, as in a
live chat.

First run of the blind set (tests/nlu/followups_blind.yml, 70 follow-ups + 20 controls),
with the model as it was before any follow-up handling: follow-ups 0.557 (39/70),
controls 1.000 (20/20).

Parts: `followups` (a follow-up that only makes sense after the first message),
`controls` (`control: true` or `kind: control`: the second message is a new
self-contained question) and, in our development set, `other` (`kind: other`: thanks,
gibberish, a crisis ... where the expected reply is an action such as `utter_crisis`).
"""
from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from tests.helpers import MODEL, REPORTS, ROOT, load_yaml

BLIND = ROOT / "tests" / "nlu" / "followups_blind.yml"      # never trained or tuned on
DEV = ROOT / "tests" / "nlu" / "followups_dev.yml"          # ours: tuned on (development set)


PARTS = {"followups": "followup", "controls": "control", "other": "other"}


def kind_of(pair: Dict[str, Any]) -> str:
    """followup, control (a new self-contained question) or other (not an FAQ question)."""
    return pair.get("kind") or ("control" if pair.get("control") else "followup")


def quiet() -> None:
    """Rasa's per-message debug lines off (they print every parse)."""
    import logging

    from rasa.utils.log_utils import configure_structlog

    logging.getLogger("rasa").setLevel(logging.WARNING)
    configure_structlog(logging.WARNING)


def load_pairs(path: Path) -> List[Dict[str, Any]]:
    return list(load_yaml(path)["followups"])


def answered_topic(events: List[Any]) -> Optional[str]:
    """The FAQ topic of the bot's reply to the last user message, else the action name."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    last_user = max(i for i, e in enumerate(events) if isinstance(e, UserUttered))
    first_action = None
    for event in events[last_user + 1:]:
        if isinstance(event, BotUttered):
            action = (event.metadata or {}).get("utter_action") or ""
            if action.startswith("utter_faq/"):
                return action.split("/", 1)[1]
        if isinstance(event, ActionExecuted) and event.action_name != "action_listen":
            first_action = first_action or event.action_name
    return first_action or "none"


async def converse(agent: Any, sender: str, texts: List[str]) -> List[Optional[str]]:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    answers = []
    for text in texts:
        await agent.handle_message(UserMessage(text, CollectingOutputChannel(), sender))
        tracker = await agent.tracker_store.retrieve(sender)
        answers.append(answered_topic(list(tracker.events)))
    return answers


def score_pairs(agent: Any, pairs: List[Dict[str, Any]], tag: str) -> Dict[str, Any]:
    async def run_all() -> List[Dict[str, Any]]:
        rows = []
        for index, pair in enumerate(pairs):
            first, second = await converse(agent, f"{tag}-{index}",
                                            [pair["first"], pair["followup"]])
            rows.append({"first": pair["first"], "followup": pair["followup"],
                         "expected": pair["followup_topic"], "answered": second,
                         "first_expected": pair["first_topic"], "first_answered": first,
                         "kind": kind_of(pair)})
        return rows

    rows = asyncio.run(run_all())
    report: Dict[str, Any] = {}
    for name, kind in PARTS.items():
        chosen = [r for r in rows if r["kind"] == kind]
        if not chosen:
            continue
        correct = sum(r["answered"] == r["expected"] for r in chosen)
        report[name] = {"n": len(chosen), "correct": correct,
                        "accuracy": correct / len(chosen) if chosen else None,
                        "first_turn_correct": sum(r["first_answered"] == r["first_expected"]
                                                  for r in chosen),
                        "errors": [r for r in chosen if r["answered"] != r["expected"]]}
    return report


def score(path: Path = BLIND, model_path: Path = MODEL) -> Dict[str, Any]:
    from rasa.core.agent import Agent

    quiet()

    agent = Agent.load(str(model_path))
    report = score_pairs(agent, load_pairs(path), path.stem)
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / f"{path.stem}.json").write_text(json.dumps(report, indent=2))
    return report


def summary(name: str, report: Dict[str, Any]) -> str:
    lines = []
    for part in report:
        r = report[part]
        lines.append(f"{name} {part}: {r['accuracy']:.3f} ({r['correct']}/{r['n']}; "
                     f"first turn right {r['first_turn_correct']}/{r['n']})")
    return "\n".join(lines)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else BLIND
    result = score(target)
    print(summary(target.stem, result))
    if "-v" in sys.argv:
        for part in result:
            for row in result[part]["errors"]:
                print(f"  [{part}] {row['first']!r} -> {row['followup']!r}: "
                      f"expected {row['expected']}, answered {row['answered']}"
                      f" (first answered {row['first_answered']})")
