"""Follow-up questions in context: the figures, and how FollowUpContext's settings were chosen.

    .venv/bin/python -m benchmarks.followups            # figures (make bench calls this)
    .venv/bin/python -m benchmarks.followups --tune     # the settings search (dev set only)

Figures: every pair played as a two-turn conversation through the trained assistant
(tests/followup_eval.py): the blind set (tests/nlu/followups_blind.yml, never tuned on)
and our development set (tests/nlu/followups_dev.yml, tuned on). Written to
reports/followups.md.

--tune: each development pair's second message is parsed once on its own (the intent
model's reading, before the fallback and the crisis guard); then, for every setting on a
small grid, the follow-up component, the FallbackClassifier's rule and CrisisGuard's
verdict are replayed on that reading. The score is the number of development pairs
answered right (follow-ups, controls and the "other" pairs count alike); ties go to the
smallest bonuses. The blind set is never read here.
"""
from __future__ import annotations

import argparse
import asyncio
import copy
import itertools
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from tests import followup_eval
from tests.helpers import MODEL, REPORTS, ROOT, nlu_examples

# What the rules answer for the intents in the development set's "other" pairs.
REPLY = {"thanks": "utter_thanks", "goodbye": "utter_goodbye", "greet": "utter_welcome",
         "nlu_fallback": "action_fallback_suggestions", "human_handoff": "utter_handoff_contact",
         "crisis": "utter_crisis", "out_of_scope": "utter_out_of_scope",
         "bot_challenge": "utter_bot_challenge", "medication_advice": "utter_medication_advice",
         "affirm": "utter_anything_else", "deny": "utter_anything_else",
         "screening_answer": "utter_offer_screening"}
FALLBACK_THRESHOLD, AMBIGUITY_THRESHOLD = 0.3, 0.05  # config.yml's FallbackClassifier

GRID = {"base_bonus": [1.0, 2.0, 3.0, 4.0],
        "cue_bonus": [2.0, 3.0, 4.0, 5.0, 6.0],
        "fragment_bonus": [0.0, 2.0, 3.0, 4.0, 5.0],
        "named_previous": [0.0, 2.0, 4.0, 6.0]}


def _trained_parts() -> tuple:
    """The vocabulary and topic words FollowUpContext.train keeps, from data/nlu."""
    from bot.followup import context

    cues = context.load_cues()
    examples = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for label, texts in nlu_examples(path).items():
            if label.startswith("faq/"):
                examples += [(text, label.split("/", 1)[1]) for text in texts]
    words = set()
    for text, _ in examples:
        words.update(context.words(text))
    return (frozenset(words - cues.function_words),
            context.topic_words(examples, cues.function_words))


def _classifier_view(parse: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The intent model's own output from a parse (fallback and guard taken out), or None
    when the guard decided (the detector fired, or the model said crisis)."""
    guard = parse.get("crisis_guard") or {}
    if guard.get("is_crisis") or ((guard.get("classifier_intent") or {}).get("name")
                                  == "crisis"):
        return None
    ranking = [r for r in parse.get("intent_ranking") or [] if r["name"] != "nlu_fallback"]
    return {"text": parse["text"], "intent": dict(ranking[0]) if ranking else None,
            "intent_ranking": ranking, "response_selector": parse.get("response_selector")}


def _final_reply(parse: Dict[str, Any], view: Optional[Dict[str, Any]], component: Any,
                 previous: Optional[str]) -> str:
    from rasa.shared.nlu.training_data.message import Message

    if view is None:  # the guard's verdict stands
        name = parse["intent"]["name"]
        return REPLY.get(name, name) if name != "faq" else _topic(parse)
    message = Message(data={k: copy.deepcopy(v) for k, v in view.items() if v is not None})
    if previous:
        component._reread(message, previous)
    ranking = message.get("intent_ranking") or []
    top = ranking[0]["confidence"] if ranking else 0.0
    second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
    if top < FALLBACK_THRESHOLD or top - second < AMBIGUITY_THRESHOLD:
        return REPLY["nlu_fallback"]
    name = message.get("intent")["name"]
    if name == "faq":
        return _topic({"response_selector": message.get("response_selector")})
    return REPLY.get(name, name)


def _topic(parse: Dict[str, Any]) -> str:
    key = parse["response_selector"]["faq"]["response"]["intent_response_key"]
    return key.split("/", 1)[1]


def tune(path: Path = followup_eval.DEV) -> Tuple[Dict[str, float], int, int]:
    from rasa.core.agent import Agent

    from bot.components.followup_context import FollowUpContext

    followup_eval.quiet()
    agent = Agent.load(str(MODEL))
    pairs = followup_eval.load_pairs(path)

    async def read_all() -> List[tuple]:
        rows = []
        for pair in pairs:
            first = await agent.parse_message(pair["first"])
            second = await agent.parse_message(pair["followup"])
            previous = (f"faq/{_topic(first)}" if first["intent"]["name"] == "faq" else None)
            rows.append((pair, previous, second, _classifier_view(second)))
        return rows

    rows = asyncio.run(read_all())
    vocabulary, table = _trained_parts()
    results = []
    for values in itertools.product(*GRID.values()):
        settings = dict(zip(GRID, values))
        component = FollowUpContext(settings, None, None, vocabulary, {}, table)
        right = sum(_final_reply(second, view, component, previous) == pair["followup_topic"]
                    for pair, previous, second, view in rows)
        results.append((right, -sum(values), settings))
    results.sort(key=lambda r: (r[0], r[1]), reverse=True)
    without = FollowUpContext({}, None, None, frozenset(), {})
    baseline = sum(_final_reply(second, view, without, None) == pair["followup_topic"]
                   for pair, previous, second, view in rows)
    for right, _, settings in results[:8]:
        print(f"{right}/{len(rows)}  {settings}")
    best = FollowUpContext(results[0][2], None, None, vocabulary, {}, table)
    for pair, previous, second, view in rows:
        reply = _final_reply(second, view, best, previous)
        if reply != pair["followup_topic"]:
            print(f"  miss: {pair['first']!r} -> {pair['followup']!r}: {reply}, "
                  f"expected {pair['followup_topic']}")
    print(f"read on its own (no context): {baseline}/{len(rows)}")
    return results[0][2], results[0][0], len(rows)


def figures() -> Dict[str, Dict[str, Any]]:
    out = {}
    lines = ["| set | part | n | answered right | first turn right |", "|---|---|---:|---:|---:|"]
    for path in (followup_eval.BLIND, followup_eval.DEV):
        report = followup_eval.score(path)
        out[path.stem] = report
        print(followup_eval.summary(path.stem, report))
        for part, r in report.items():
            lines.append(f"| {path.stem} | {part} | {r['n']} | {r['accuracy']:.3f} | "
                         f"{r['first_turn_correct']}/{r['n']} |")
    lines.append("")
    lines.append("Blind set first run, before follow-up handling: follow-ups 0.557 (39/70), "
                 "controls 1.000 (20/20).")
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "followups.md").write_text("\n".join(lines) + "\n")
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tune", action="store_true", help="search the settings on the dev set")
    if parser.parse_args().tune:
        tune()
    else:
        figures()
