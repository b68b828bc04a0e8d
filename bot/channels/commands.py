"""Which user texts may reach Rasa as an intent: only the assistant's own buttons.

Rasa reads any text that starts with "/" as an intent ("/greet I want to kill
myself" is a greeting, "/affirm@0.9 ..." is "yes") and skips NLU, so the crisis
detector never sees it. Every channel therefore passes its texts through
`neutralise`: a text that is EXACTLY one of the assistant's own button payloads
(read from the domain and response files, plus the FAQ suggestion buttons and
the widget's two intents, optionally with the widget's {"country":"XX"}) goes
to Rasa unchanged. Every other text starting with "/" loses its leading
slashes and is read as text, so NLU and the crisis detector see it. Why a list
and an exact match, not "any /intent without extra words": a payload from
the list is one of our own fixed strings, so no patient word can hide in it
(the test suite runs the detector over every payload in the list, so the
check happens once, not on each click); a typed "/affirm" is simply read as
the word "affirm". No Rasa import.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Iterable, Set

import yaml

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("domain.yml", "data")
# The widget sends these itself (greeting on open, the "Talk to a person" button).
WIDGET_INTENTS = ("/greet", "/human_handoff")
_COUNTRY = re.compile(r'^(?P<base>/[A-Za-z0-9_/]+)\{"country":\s?"[A-Za-z]{2}"\}$')


def _payloads(node: Any, found: Set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "payload" and isinstance(value, str) and value.startswith("/"):
                # Rasa fills {slot} in responses; a JSON payload is written with doubled
                # braces so that nothing is filled, and is sent with single ones.
                found.add(value.strip().replace("{{", "{").replace("}}", "}"))
            elif isinstance(key, str) and key.startswith("utter_faq/"):
                found.add("/faq/" + key.split("/", 1)[1])  # actions' FAQ suggestion buttons
                _payloads(value, found)
            else:
                _payloads(value, found)
    elif isinstance(node, list):
        for item in node:
            _payloads(item, found)


def _files(root: Path) -> Iterable[Path]:
    for name in SOURCES:
        path = root / name
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from sorted(path.rglob("*.yml"))


@functools.lru_cache(maxsize=None)
def button_payloads(root: Path = ROOT) -> frozenset:
    """Every "/..." button payload the assistant can offer (domain, data, widget)."""
    found: Set[str] = set(WIDGET_INTENTS)
    for path in _files(root):
        try:
            _payloads(yaml.safe_load(path.read_text(encoding="utf-8")), found)
        except (OSError, yaml.YAMLError):
            continue
    return frozenset(found)


def is_button_payload(text: str) -> bool:
    """True when `text` is exactly one of our payloads (or one with the widget's country)."""
    payloads = button_payloads()
    if text in payloads:
        return True
    match = _COUNTRY.match(text)
    return bool(match) and match.group("base") in payloads


def neutralise(text: str) -> str:
    """The text Rasa may see: a known payload as is, anything else without leading "/"."""
    if not text.startswith("/"):
        return text
    if is_button_payload(text):
        return text
    while text.startswith("/"):
        text = text[1:].lstrip()
    return text
