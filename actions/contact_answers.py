"""Reading "please contact me" answers: name, phone or email, best time (no Rasa import).

One message may carry several ("call me after 5 on my cell 555 0134", "I'm Sam,
sam@example.org, mornings"), so each reader looks for its own piece anywhere in
the text. Readers return None when their piece is absent; phone() and email()
return INVALID when something phone- or email-like is there but cannot be
right, so the form can say what is wrong. Nothing here logs.
"""
from __future__ import annotations

import re
from typing import Optional

INVALID = "invalid"
MIN_DIGITS, MAX_DIGITS = 7, 15

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_EMAIL_LIKE = re.compile(r"\S+@\S*|\S+ (?:at) \S+ (?:dot) \S+")
# Digits with the separators people type: "555 0134", "(555) 010-0134", "+1 555.010.0134".
_PHONE_LIKE = re.compile(r"\+?\(?\d[\d\s().\-]*\d|\b\d\b")
_TIME_WORDS = (
    r"(?:(?:after|before|around|about|from|between|until|till|by|at)\s+\d{1,2}(?::\d{2})?\s*"
    r"(?:am|pm|a\.m\.|p\.m\.|o'?clock)?(?:\s*(?:and|to|-)\s*\d{1,2}(?::\d{2})?\s*(?:am|pm)?)?"
    r"|\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)(?:\s*(?:to|-)\s*\d{1,2}(?::\d{2})?\s*(?:am|pm)?)?"
    r"|(?:early |late |in the |on )?(?:mornings?|afternoons?|evenings?|nights?|lunch ?time|midday|noon)"
    r"|(?:on )?(?:weekdays?|weekends?|mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?|sundays?)"
    r"|any ?time|whenever|all day|after work|before work|during the day|during work hours|"
    r"business hours|office hours|today|tomorrow|this week|next week)")
_TIME = re.compile(rf"\b{_TIME_WORDS}\b", re.IGNORECASE)
_NAME_INTRO = re.compile(
    r"\b(?:my name is|my name's|name is|name's|i am|i'm|im|this is|it's|its|call me)\s+"
    r"([A-Za-z][A-Za-z'\-]*(?:\s+[A-Za-z][A-Za-z'\-]*){0,2})", re.IGNORECASE)
# Words that are never (part of) a name: answers, fillers, contact words.
_NOT_NAME = set("""
yes no nope yeah yep ok okay sure thanks thank you please stop cancel not sure hi hello hey
on at my cell mobile phone email number the a an and or but call me text after before around
morning mornings afternoon afternoons evening evenings night any anytime time whenever best is
it its i im am this that fine good available free usually between weekday weekdays weekend
weekends today tomorrow work home landline reach contact only just can you prefer would like
to be in of from by for with about lunch noon midday pm am rather skip don't dont want
""".split())


def _clean(text: object) -> str:
    if not isinstance(text, str):
        return ""
    return re.sub(r"\s+", " ", text.replace("’", "'")).strip()[:500]


def email(text: object) -> Optional[str]:
    """The email address in the text (lower-cased), INVALID, or None."""
    t = _clean(text)
    found = _EMAIL.search(t)
    if found:
        return found.group(0).lower()
    return INVALID if _EMAIL_LIKE.search(t) and "@" in t else None


def phone(text: object) -> Optional[str]:
    """The phone number in the text (digits, with a leading + kept), INVALID, or None.

    Times ("after 5", "9am", "between 9 and 11") are not numbers; a run of digits
    with 7 to 15 digits is. A run of 3 to 6 digits, or more than 15, is INVALID.
    """
    t = _clean(text)
    t = _TIME.sub(" ", _EMAIL.sub(" ", t))
    best: Optional[str] = None
    invalid = False
    for match in _PHONE_LIKE.finditer(t):
        raw = match.group(0)
        digits = re.sub(r"\D", "", raw)
        if MIN_DIGITS <= len(digits) <= MAX_DIGITS:
            best = ("+" if raw.startswith("+") else "") + digits
            break
        if len(digits) >= 3:
            invalid = True
    if best:
        return best
    return INVALID if invalid else None


def best_time(text: object) -> Optional[str]:
    """The time phrases in the text joined ("weekdays after 5 pm"), or None."""
    t = _clean(text)
    t = _EMAIL.sub(" ", t)
    phrases = [m.group(0).strip() for m in _TIME.finditer(t)]
    if not phrases:
        return None
    joined = " ".join(phrases)
    return re.sub(r"\s+", " ", joined)[:80]


def name(text: object, asked: bool = False) -> Optional[str]:
    """The person's name: "my name is Sam Lee", "I'm Sam", or, when `asked`, a bare "Sam Lee"."""
    t = _clean(text)
    if not t:
        return None
    for match in _NAME_INTRO.finditer(t):
        words = []
        for word in match.group(1).split():
            if word.lower() in _NOT_NAME:
                break
            words.append(word)
        if words:
            return " ".join(w[:1].upper() + w[1:] for w in words)[:60]
    if asked:
        bare = re.sub(r"[.!,]+$", "", t).strip()
        words = bare.split()
        if 1 <= len(words) <= 4 and all(re.fullmatch(r"[A-Za-z][A-Za-z'\-.]*", w) for w in words) \
                and not any(w.lower() in _NOT_NAME for w in words):
            return " ".join(w[:1].upper() + w[1:] for w in words)[:60]
    return None


def reach(text: object) -> Optional[str]:
    """An email or a phone number from the text, INVALID, or None (email checked first)."""
    found = email(text)
    if found and found != INVALID:
        return found
    number = phone(text)
    if number and number != INVALID:
        return number
    if found == INVALID or number == INVALID:
        return INVALID
    return None


def display_phone(number: str) -> str:
    """A stored number as people read it: 5550134 -> 555 0134, 2125550134 -> 212 555 0134."""
    digits = number.lstrip("+")
    prefix = "+" if number.startswith("+") else ""
    if len(digits) == 7:
        return f"{digits[:3]} {digits[3:]}"
    if len(digits) == 10:
        return f"{prefix}{digits[:3]} {digits[3:6]} {digits[6:]}"
    return prefix + digits
