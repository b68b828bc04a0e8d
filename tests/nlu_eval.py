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


HOLDOUTS = {
    "nlu_holdout": HOLDOUT,
    # Written later by a colleague who saw neither the training data nor hold-out 1.
    "nlu_holdout2": ROOT / "tests" / "nlu" / "faq_holdout2.yml",
    # Short replies (yes / no / stop / screening answers ...), written blind.
    "short_replies": ROOT / "tests" / "nlu" / "short_replies_holdout.yml",
    # Questions about the clinic itself (clinic_* intents): written by the author of
    # data/nlu/clinic.yml without copying lines, so a development set, not a blind one.
    "clinic_holdout": ROOT / "tests" / "nlu" / "clinic_holdout.yml",
    # FAQ topics added after hold-outs 1 and 2 (faq/phq9 so far), written blind.
    "new_topics": ROOT / "tests" / "nlu" / "faq_holdout_new_topics.yml",
}


def _report(results: List[tuple]) -> Dict[str, Any]:
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
    return {
        "faq_accuracy": faq_correct / faq_n if faq_n else None,
        "faq_examples": faq_n,
        "all_accuracy": sum(v["correct"] for v in per_label.values()) / len(results),
        "per_label": {k: {**v, "accuracy": v["correct"] / v["n"]} for k, v in sorted(per_label.items())},
    }


def _write(name: str, report: Dict[str, Any]) -> None:
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / f"{name}.json").write_text(json.dumps(report, indent=2))
    lines = ["| label | n | accuracy |", "|---|---:|---:|"]
    lines += [f"| {k} | {v['n']} | {v['accuracy']:.2f} |" for k, v in report["per_label"].items()]
    if report["faq_examples"]:
        lines.append(f"| **FAQ overall** | {report['faq_examples']} | {report['faq_accuracy']:.3f} |")
    total = sum(v["n"] for v in report["per_label"].values())
    lines.append(f"| **all labels** | {total} | {report['all_accuracy']:.3f} |")
    (REPORTS / f"{name}.md").write_text("\n".join(lines) + "\n")


def score_all(model_path: Path = MODEL) -> Dict[str, Dict[str, Any]]:
    """Every hold-out file with one model load; one report per file in reports/."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path))

    async def parse_all(path: Path) -> List[tuple]:
        out = []
        for label, texts in nlu_examples(path).items():
            for text in texts:
                out.append((label, text, predicted_label(await agent.parse_message(text))))
        return out

    reports = {}
    for name, path in HOLDOUTS.items():
        if path.exists():
            reports[name] = _report(asyncio.run(parse_all(path)))
            _write(name, reports[name])
    return reports


def score(model_path: Path = MODEL) -> Dict[str, Any]:
    """Hold-out 1 (the issue's figure); hold-out 2 is scored and written alongside."""
    return score_all(model_path)["nlu_holdout"]
