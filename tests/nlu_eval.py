"""Score the trained model on the hold-out file; used by the test and the benchmark."""
from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List

from tests.helpers import MODEL, REPORTS, ROOT, nlu_examples

HOLDOUT = ROOT / "tests" / "nlu" / "faq_holdout.yml"


def predicted_label(parse: Dict[str, Any]) -> str:
    """faq/<topic> for FAQ turns (from the response selector), else the intent."""
    intent = (parse.get("intent") or {}).get("name")
    if intent == "faq":
        selector = (parse.get("response_selector") or {}).get("faq") or {}
        return (selector.get("response") or {}).get("intent_response_key") or "faq"
    return intent or "none"


def score(model_path: Path = MODEL) -> Dict[str, Any]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path))
    examples = nlu_examples(HOLDOUT)

    async def parse_all() -> List[tuple]:
        out = []
        for label, texts in examples.items():
            for text in texts:
                out.append((label, text, predicted_label(await agent.parse_message(text))))
        return out

    results = asyncio.run(parse_all())
    per_label: Dict[str, Dict[str, Any]] = defaultdict(lambda: {"n": 0, "correct": 0, "errors": []})
    for label, text, predicted in results:
        entry = per_label[label]
        entry["n"] += 1
        if predicted == label:
            entry["correct"] += 1
        else:
            entry["errors"].append({"text": text, "predicted": predicted})
    faq = {k: v for k, v in per_label.items() if k.startswith("faq/")}
    faq_n = sum(v["n"] for v in faq.values())
    faq_correct = sum(v["correct"] for v in faq.values())
    report = {
        "faq_accuracy": faq_correct / faq_n,
        "faq_examples": faq_n,
        "all_accuracy": sum(v["correct"] for v in per_label.values()) / len(results),
        "per_label": {k: {**v, "accuracy": v["correct"] / v["n"]} for k, v in sorted(per_label.items())},
    }
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "nlu_holdout.json").write_text(json.dumps(report, indent=2))
    lines = ["| label | n | accuracy |", "|---|---:|---:|"]
    lines += [f"| {k} | {v['n']} | {v['accuracy']:.2f} |" for k, v in report["per_label"].items()]
    lines.append(f"| **FAQ overall** | {faq_n} | {report['faq_accuracy']:.3f} |")
    (REPORTS / "nlu_holdout.md").write_text("\n".join(lines) + "\n")
    return report
