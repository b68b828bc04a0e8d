"""Which clinic details a message asks about, and the replies (no Rasa import).

The intent gives the first detail; the words in bot/config/clinic_questions.yml
add any other detail the same message asks about. Hours are answered for the
day asked ("are you open on Saturday?"), from clinic.yml's opening_hours;
"today" and "tomorrow" use the clinic's time zone.
"""
from __future__ import annotations

import functools
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import yaml

from bot import config

QUESTIONS_FILE = config.CONFIG_DIR / "clinic_questions.yml"
Reply = Tuple[str, Dict[str, str]]  # (response name, values Rasa fills in)

_DAY_WORDS = {
    "monday": ["monday", "mon"], "tuesday": ["tuesday", "tues", "tue"],
    "wednesday": ["wednesday", "weds", "wed"], "thursday": ["thursday", "thurs", "thu"],
    "friday": ["friday", "fri"], "saturday": ["saturday", "sat"], "sunday": ["sunday"],
}


@functools.lru_cache(maxsize=None)
def questions() -> Dict[str, Dict[str, Any]]:
    """detail -> {intent, words (compiled)}, in file order."""
    data = yaml.safe_load(Path(QUESTIONS_FILE).read_text(encoding="utf-8")) or {}
    return {detail: {"intent": spec["intent"], "words": re.compile(spec["words"], re.I)}
            for detail, spec in data.items()}


def intents() -> List[str]:
    return [spec["intent"] for spec in questions().values()]


def details_asked(intent: Optional[str], text: str) -> List[str]:
    """The details to answer: the intent's first, then others named in the text, in order."""
    found: List[Tuple[int, str]] = []
    for detail, spec in questions().items():
        match = spec["words"].search(text or "")
        if match:
            found.append((match.start(), detail))
    ordered = [detail for _, detail in sorted(found)]
    primary = next((d for d, spec in questions().items() if spec["intent"] == intent), None)
    if primary is None:
        return ordered
    return [primary] + [d for d in ordered if d != primary]


def _today(clinic: Mapping[str, Any], now: Callable[[], datetime]) -> Optional[int]:
    zone = clinic.get("timezone")
    if not zone:
        return None  # we do not guess the clinic's day
    try:
        from zoneinfo import ZoneInfo
        return now().astimezone(ZoneInfo(str(zone))).weekday()
    except Exception:  # noqa: BLE001 - an unknown zone name: no day rather than a wrong one
        return None


def days_asked(text: str, clinic: Mapping[str, Any],
               now: Callable[[], datetime] = lambda: datetime.now().astimezone()) -> List[str]:
    """Weekdays the text asks about ("saturday", "the weekend", "today"), in week order."""
    t = (text or "").lower()
    days = set()
    for day, words in _DAY_WORDS.items():
        if re.search(r"\b(" + "|".join(words) + r")s?\b", t):
            days.add(day)
    if re.search(r"\bweekends?\b", t):
        days.update({"saturday", "sunday"})
    for word, offset in (("today", 0), ("tonight", 0), ("tomorrow", 1)):
        if re.search(rf"\b{word}\b", t):
            index = _today(clinic, now)
            if index is not None:
                days.add(config.WEEKDAYS[(index + offset) % 7])
    return [day for day in config.WEEKDAYS if day in days]


def hours_replies(text: str, clinic: Mapping[str, Any],
                  now: Callable[[], datetime] = lambda: datetime.now().astimezone()) -> List[Reply]:
    """The hours for each day asked, or the whole week."""
    days = days_asked(text, clinic, now)
    if not days:
        return [("utter_clinic_hours", {})]
    replies: List[Reply] = []
    for day in days:
        hours = config.day_hours(clinic.get("opening_hours"), day)
        if hours is None:
            replies.append(("utter_clinic_hours_day_unknown", {"day": day.title()}))
        elif hours == config.CLOSED:
            replies.append(("utter_clinic_hours_day_closed", {"day": day.title()}))
        else:
            replies.append(("utter_clinic_hours_day_open", {"day": day.title(), "day_hours": hours}))
    return replies


def replies(intent: Optional[str], text: str, clinic: Mapping[str, Any],
            now: Callable[[], datetime] = lambda: datetime.now().astimezone()) -> List[Reply]:
    """Every reply for a clinic question, in the order asked."""
    out: List[Reply] = []
    for detail in details_asked(intent, text):
        if detail == "hours":
            out.extend(hours_replies(text, clinic, now))
        else:
            out.append((f"utter_clinic_{detail}", {}))
    return out


