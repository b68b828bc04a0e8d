"""US or British spelling for rendered responses, from one word list (no Rasa import).

The clinic decides: `spelling: US` or `spelling: GB` in clinic.yml, else its
country (a US clinic writes "anesthesia", any other "anaesthesia").
"""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Dict, Mapping

import yaml

WORDS_FILE = Path(__file__).resolve().parent / "spelling.yml"
US, GB = "US", "GB"


@functools.lru_cache(maxsize=None)
def us_to_gb() -> Dict[str, str]:
    """US spelling -> British spelling, lower case."""
    return {str(k).lower(): str(v).lower()
            for k, v in (yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8")) or {}).items()}


def variant_for(clinic: Mapping) -> str:
    """US or GB: the clinic's `spelling` setting, else US for a US clinic."""
    chosen = str(clinic.get("spelling") or "").strip().upper()
    if chosen in (US, GB):
        return chosen
    return US if str(clinic.get("country", "")).upper() == US else GB


def _pairs(variant: str) -> Dict[str, str]:
    table = us_to_gb()
    return table if variant == GB else {gb: us for us, gb in table.items()}


def convert(text: str, variant: str) -> str:
    """The text with each listed word (and its plural/-s/-ed/-ing forms) in the variant's spelling."""
    pairs = _pairs(variant)
    if not pairs:
        return text
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, pairs), key=len, reverse=True))
                         + r")(s|ed|ing)?\b", re.I)

    def swap(match: "re.Match[str]") -> str:
        word, suffix = match.group(1), match.group(2) or ""
        new = pairs[word.lower()]
        if word.isupper():
            new = new.upper()
        elif word[0].isupper():
            new = new[0].upper() + new[1:]
        return new + suffix

    return pattern.sub(swap, text)


def words_in(text: str) -> list:
    """Listed words (either spelling) found in a text: static answers must have none."""
    table = us_to_gb()
    both = set(table) | set(table.values())
    return [w for w in re.findall(r"[a-z]+", text.lower())
            if w in both or w.rstrip("s") in both or re.sub(r"(ed|ing)$", "", w) in both]
