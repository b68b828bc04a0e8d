"""Print the reading-level table of the FAQ answers (Flesch-Kincaid grade, words).

    .venv/bin/python -m benchmarks.readability              # the answers in the work tree
    .venv/bin/python -m benchmarks.readability --rev REV    # the answers at a git revision
    /path/with/textstat/python -m benchmarks.readability --compare   # our count vs textstat

Counted without the "Source:" line (bot/readability.py). The issue's limits:
grade <= 8 for each answer, <= 7 on average, <= 70 words of body.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Dict

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import readability  # noqa: E402

FAQ = "data/responses/faq.yml"


def answers(rev: str | None = None) -> Dict[str, str]:
    """topic -> answer text, from the work tree or a git revision."""
    if rev:
        text = subprocess.run(["git", "show", f"{rev}:{FAQ}"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout
    else:
        text = (ROOT / FAQ).read_text(encoding="utf-8")
    responses = yaml.safe_load(text)["responses"]
    return {key.split("/", 1)[1]: value[0]["text"] for key, value in responses.items()
            if key.startswith("utter_faq/")}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rev", help="git revision to read the answers from")
    parser.add_argument("--compare", action="store_true", help="add textstat's grade")
    args = parser.parse_args(argv)
    table = answers(args.rev)
    textstat = None
    if args.compare:
        import textstat  # type: ignore  # noqa: F811 - only for the cross-check
    head = "| topic | words | sentences | FK grade |" + (" textstat |" if textstat else "")
    print(head)
    print("|---|---:|---:|---:|" + ("---:|" if textstat else ""))
    grades = []
    for topic, text in table.items():
        m = readability.measure(text)
        grades.append(m.grade)
        row = f"| {topic} | {m.words} | {m.sentences} | {m.grade:.1f} |"
        if textstat:
            row += f" {textstat.flesch_kincaid_grade(readability.body_text(text)):.1f} |"
        print(row)
    print(f"| **average** ({len(grades)} answers) | | | {sum(grades) / len(grades):.2f} |"
          + (" |" if textstat else ""))
    print(f"max grade {max(grades):.1f}; answers above 8: {sum(g > 8 for g in grades)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
