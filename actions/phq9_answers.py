"""Reading free-text answers to the PHQ-9 self-check (no Rasa import).

People answer with the buttons ("Several days") or in their own words ("most
days", "every single day", "a couple of times", "never", "skip"). We read the
standard 0-3 answer, SKIP, or EXPLAIN ("what does that mean?"); anything else
is None and the question is asked again. The same for the tenth (difficulty)
question. Scoring and bands live in actions.phq9_scoring.
"""
from __future__ import annotations

import re
from typing import Optional, Union

SKIP, EXPLAIN = "skip", "explain"
# The standard answers, in the form's wording, by score.
ANSWERS = ("Not at all", "Several days", "More than half the days", "Nearly every day")
DIFFICULTY = ("Not difficult at all", "Somewhat difficult", "Very difficult", "Extremely difficult")

_EXPLAIN = re.compile(
    r"\b(what does (?:that|this|it|the question) mean|what do you mean|what'?s that mean|"
    r"what is (?:that|this) (?:asking|mean)|means what|meaning|explain|clarify|"
    r"(?:i )?don'?t (?:understand|get)(?: (?:it|that|the question|this))?|do not understand|"
    r"not sure what (?:that|this|you) mean|confus\w*|huh|rephrase|say (?:that|it) (?:differently|another way)|"
    r"what counts|like what|for example\?|example)\b")
_SKIP = re.compile(
    r"^(?:skip|pass|next|move on|no comment|prefer not|rather not|i'?d rather not|i would rather not|"
    r"i don'?t want to (?:answer|say)|don'?t want to answer|not answering|can i skip)\b|"
    r"\b(skip (?:this|that|it|the question|this one|that one)|pass on (?:this|that)|"
    r"rather not (?:say|answer)|prefer not to (?:say|answer)|next question)\b")

# Frequency phrases -> a score 0-3, or AMBIGUOUS (asked again). The longest
# phrase found wins, so "not often" beats "often" and "not every day" beats
# "every day". A bare "no" counts only when the message says nothing else:
# "no energy at all" is not "not at all".
AMBIGUOUS = "ambiguous"
_FREQUENCY = [
    (3, r"nearly every ?day|almost every ?day|every ?day|every single day|each day|daily|all the time|"
        r"constantly|always|non ?stop|24/7|all day(?: long)?|every night|nightly|every morning|"
        r"pretty much every ?day|most every day|(?:12|13|14|twelve|thirteen|fourteen) days|"
        r"the whole (?:two|2) weeks|the whole time|every waking \w+|without a break|all day every day"),
    (2, r"more than half(?: the| of the)? (?:days|time)|more than half|over half|half the time|"
        r"most days|most of the (?:days|time|week|weeks)|the majority(?: of (?:the )?(?:days|time))?|"
        r"a lot|often|frequently|usually|most nights|more often than not|mostly|quite often|lots|"
        r"(?:8|9|10|11|eight|nine|ten|eleven) days|every other day|not always|loads|most mornings|"
        r"(?:4|5|four|five) (?:or (?:5|6|five|six) )?(?:days|times) a week|a good (?:chunk|amount)|plenty"),
    (1, r"several days|several times|several|occasional\w*|some days|a few days|few days|a couple(?: of)?(?: days| times)?|"
        r"couple (?:of )?(?:days|times)|sometimes|occasionally|once or twice|now and then|"
        r"every now and (?:then|again)|here and there|on and off|off and on|a bit|a little(?: bit)?|"
        r"a few times|rarely|not often|not very often|not that often|not much|not a lot|once in a while|"
        r"some of the time|(?:2|3|4|5|6|7|two|three|four|five|six|seven) days|one or two days|a day or two|"
        r"once a week|twice(?: a week)?|once|a handful(?: of (?:days|times))?|hardly ever|hardly|barely|"
        r"almost never|seldom|from time to time|a few nights|some nights|on occasion|(?:1|one) day"),
    (0, r"not at all|never|no days|zero(?: days)?|0 days|not once|not even once|at no point|"
        r"none(?: at all)?|none of the days|not a single day|not an issue|no problem|not a problem|"
        r"not (?:really )?(?:an? )?(?:issue|problem) for me|doesn'?t apply|does not apply|"
        r"that'?s not me|not me|i'?m fine with that|all good there|no not really"),
    (AMBIGUOUS, r"not every ?day|not daily|not sure|unsure|i don'?t know|don'?t know|dunno|idk|no idea|"
                r"can'?t (?:say|tell|remember)|hard to say|depends|it varies|varies|maybe|yes|yeah|yep"),
]
_FREQUENCY_RE = [(score, re.compile(rf"\b(?:{pattern})(?!\w)")) for score, pattern in _FREQUENCY]
_BARE_NO = re.compile(
    r"^(?:no|nope|nah|not really|no no)(?: (?:thanks|thank you|thankfully|thank god|not really|"
    r"not at all|never|i haven'?t|i don'?t|i didn'?t|i'?m ok(?:ay)?|i'?m fine|that'?s fine|"
    r"all good|not me|none))*$")

_DIFFICULTY = [
    (3, r"extremely(?: difficult| hard)?|extreme|impossible|can'?t (?:do anything|function|cope|manage|work)|"
        r"cannot (?:function|cope|manage|work)|unbearabl\w*|incredibly (?:hard|difficult)|super hard|"
        r"totally|completely|a nightmare|couldn'?t (?:function|cope|work|do anything)"),
    (2, r"very(?: difficult| hard)?|really (?:hard|difficult|tough)|quite (?:hard|difficult|tough)|"
        r"a lot(?: harder)?|seriously|pretty (?:hard|bad|difficult|tough)|very much|hard|tough|"
        r"struggl\w*|difficult"),
    (1, r"somewhat(?: difficult| hard)?|a (?:bit|little)(?: bit)?(?: harder| hard| difficult)?|kind of|kinda|"
        r"sort of|slightly|mildly|manageable|moderately|a touch|not too bad|a little tricky|bit harder"),
    (0, r"not (?:difficult|hard)(?: at all)?|not at all(?: difficult| hard)?|no (?:problem|difficulty|"
        r"trouble|impact|effect)|none|not really|never|fine|easy|no different|it'?s fine|doesn'?t affect"
        r"(?: me| anything)?|haven'?t affected (?:me|anything)|not affected"),
    (AMBIGUOUS, r"not sure|unsure|i don'?t know|don'?t know|dunno|idk|no idea|depends|varies|yes|yeah"),
]
_DIFFICULTY_RE = [(score, re.compile(rf"\b(?:{pattern})(?!\w)")) for score, pattern in _DIFFICULTY]


def _longest(t: str, patterns: list) -> Optional[Union[int, str]]:
    """The score of the longest phrase found (ties: the earlier, higher level)."""
    best, best_len = None, 0
    for score, pattern in patterns:
        for match in pattern.finditer(t):
            if len(match.group(0)) > best_len:
                best, best_len = score, len(match.group(0))
    return None if best == AMBIGUOUS else best


def _normalise(text: object) -> str:
    if not isinstance(text, str):
        return ""
    text = text.lower().replace("’", "'").strip()
    text = re.sub(r"[!.,;:]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _special(t: str) -> Optional[str]:
    if _SKIP.search(t):
        return SKIP
    if _EXPLAIN.search(t) or t in ("?", "??", "what?", "what"):
        return EXPLAIN
    return None


def _exact(t: str, labels: tuple) -> Optional[int]:
    for score, label in enumerate(labels):
        if t == label.lower():
            return score
    # A bare "0" is zero either way; "2" could mean a score or two days: asked again.
    return 0 if t == "0" else None


def frequency(text: object) -> Optional[Union[int, str]]:
    """0-3 for questions 1-9, SKIP, EXPLAIN, or None when unclear."""
    t = _normalise(text)
    if not t or len(t) > 300:
        return None
    exact = _exact(t, ANSWERS)
    if exact is not None:
        return exact
    special = _special(t)
    if special:
        return special
    if _BARE_NO.match(t):
        return 0
    return _longest(t, _FREQUENCY_RE)


def difficulty(text: object) -> Optional[Union[int, str]]:
    """0-3 for the tenth (difficulty) question, SKIP, EXPLAIN, or None."""
    t = _normalise(text)
    if not t or len(t) > 300:
        return None
    exact = _exact(t, DIFFICULTY)
    if exact is not None:
        return exact
    special = _special(t)
    if special:
        return special
    if _BARE_NO.match(t):
        return 0
    return _longest(t, _DIFFICULTY_RE)
