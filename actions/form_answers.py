"""Understanding free-text answers to the pre-screening and insurance questions (no Rasa import).

Patients answer "yes", "nope", "not sure", "I had one at 12", "three I think",
"n/a". We read yes / no / not_sure, or a count for the medication question.
Unclear answers return None so the form asks again. "Not sure" is always a
valid answer: the outcome then asks a doctor to review it.
"""
from __future__ import annotations

import re
from typing import Dict, Optional, Tuple, Union

YES, NO, NOT_SURE = "yes", "no", "not_sure"

_NOT_SURE = re.compile(
    r"\b(not sure|unsure|dunno|idk|i don'?t know|do not know|don'?t remember|can'?t remember|"
    r"cannot remember|no idea|not certain|maybe|possibly|might (?:have|be)|perhaps|"
    r"hard to say|i think so|not that i remember|i forget|forgot|no clue|might of)\b")
_NO = re.compile(
    r"^(no|nope|nah|na|never|none|nothing|negative|not really|no way|not at all|n)\b|"
    r"\b(i don'?t|i do not|i haven'?t|i have not|i'?ve never|i never|haven'?t|hasn'?t|"
    r"never had|never been|not pregnant|no metal|no implants?|nothing like that|"
    r"not that i know of|don'?t think so|doesn'?t apply|does not apply|not applicable|n/?a|"
    r"i'?m (?:a )?(?:man|male|guy)|i'?m not|i am not|not me|neither|none of (?:those|them|that))\b")
_YES = re.compile(
    r"^(yes|yeah|yea|yep|yup|ya|y|sure|correct|right|affirmative|i do|i have|i did|i am|"
    r"uh huh|definitely|absolutely)\b|"
    r"\b(i have (?:an?|one|a few|some)|i had|i'?ve had|i got|there'?s|there is|i'?m pregnant|"
    r"i am pregnant|we'?re trying|trying to conceive|trying for a baby|expecting|"
    r"diagnosed|as a (?:kid|child|teen)|when i was|at \d+|years ago|once|twice|"
    r"cochlear|aneurysm|clip|coil|stent|stimulator|shunt|implant|pacemaker|defibrillator|"
    r"shrapnel|bullet|fragment|plate|screws?|epilepsy|epileptic|seizures?|fits?|"
    r"bipolar|manic|mania|psychosis|psychotic|hear(?:d|ing)? voices|schizo\w*)\b")

_NUMBER_WORDS = {
    "zero": 0, "none": 0, "no": 0, "nothing": 0, "one": 1, "a single": 1, "just one": 1,
    "two": 2, "a couple": 2, "couple": 2, "three": 3, "a few": 3, "few": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "several": 3,
    "many": 4, "lots": 4, "a lot": 4, "loads": 4, "too many": 4, "dozens": 4,
}


def _normalise(text: object) -> str:
    if not isinstance(text, str):
        return ""
    text = text.lower().replace("’", "'").strip()
    return re.sub(r"\s+", " ", text)


def yes_no(text: object) -> Optional[str]:
    """yes / no / not_sure, or None when the answer is unclear."""
    t = _normalise(text)
    if not t:
        return None
    if _NOT_SURE.search(t):
        return NOT_SURE
    negative = bool(_NO.search(t))
    positive = bool(_YES.search(t))
    if negative and positive:
        # "no, but I had one as a kid" -> the affirmative detail wins;
        # "I don't have epilepsy" -> a negated condition is a no.
        if re.search(r"\bbut\b", t):
            return YES
        return NO
    if negative:
        return NO
    if positive:
        return YES
    return None


def count(text: object) -> Optional[Union[int, str]]:
    """How many antidepressants: an int, NOT_SURE, or None when unclear."""
    t = _normalise(text)
    if not t:
        return None
    # An age or a year is not a count: "I had a seizure at 12", "since 2019".
    t = re.sub(r"\b(?:at|age|aged|when i was|since|in)\s+\d+", " ", t)
    digits = re.findall(r"\d+", t)
    if digits:
        value = int(digits[0])
        return value if value <= 50 else None
    if _NOT_SURE.search(t) and not re.search(r"\b(think|maybe|probably|about|around)\b", t):
        return NOT_SURE
    for phrase in sorted(_NUMBER_WORDS, key=len, reverse=True):
        if re.search(rf"\b{re.escape(phrase)}\b", t):
            return _NUMBER_WORDS[phrase]
    if _NOT_SURE.search(t):
        return NOT_SURE
    if re.match(r"^(nope|nah|never|not any|haven'?t|i haven'?t)\b", t):
        return 0
    return None


# Screening answers people volunteer at another question ("I had a seizure at
# 12" typed at the antidepressant question): the words that name each topic.
# Only yes / no / not-sure questions; a clause about someone else ("my mum has
# bipolar") or a question ("can I have TMS with a pacemaker?") is not an answer.
VOLUNTEERED_TOPICS = {
    "screen_seizures": re.compile(r"\b(seizures?|epilep\w*|convulsions?|fits)\b"),
    "screen_metal": re.compile(
        r"\b(pacemakers?|defibrillators?|icd|cochlear|implant(?:s|ed)?|aneurysm|stents?|shunts?|"
        r"stimulators?|dbs|vns|shrapnel|bullets?|metal (?:plate|pins?|in my (?:head|skull|neck)))\b"),
    "screen_pregnancy": re.compile(
        r"\b(pregnan\w*|expecting a baby|trying (?:to conceive|for a baby))\b"),
    "screen_bipolar_psychosis": re.compile(
        r"\b(bipolar|manic|mania|psychosis|psychotic|schizo\w*|hear(?:d|ing)? voices)\b"),
}
_OTHER_PERSON = re.compile(
    r"\b(my (?:mum|mom|mother|dad|father|sister|brother|aunt|uncle|gran\w*|grandma|grandpa|"
    r"cousin|son|daughter|friend|husband|wife|partner|kid|child)|family|runs in)\b")
_CLAUSE = re.compile(r"[.;,!]|\bbut\b|\band\b|\balso\b|\bplus\b")


def _is_question(t: str) -> bool:
    return t.endswith("?") or bool(re.match(
        r"^(what|how|why|when|where|who|which|is|are|can|could|does|do|will|would|should)\b", t))


def volunteered(text: object, asked_slot: str) -> Tuple[str, Dict[str, str]]:
    """Answers to other screening questions found in an answer, and the text left
    for the question asked: ("two", {"screen_seizures": "yes"}) for "two, and I
    had a seizure at 12" at the antidepressant question."""
    t = _normalise(text)
    if not t or _is_question(t):
        return t, {}
    found: Dict[str, str] = {}
    kept = []
    for clause in (c.strip() for c in _CLAUSE.split(t)):
        if not clause:
            continue
        topics = [slot for slot, words in VOLUNTEERED_TOPICS.items() if words.search(clause)]
        others = [slot for slot in topics if slot != asked_slot]
        if not others:
            kept.append(clause)
            continue
        if _OTHER_PERSON.search(clause):
            continue  # about someone else: not an answer for anyone
        value = yes_no(clause)
        if value is not None:
            for slot in others:
                found.setdefault(slot, value)
    return " ".join(kept), found


MEDICARE, MEDICAID, COMMERCIAL, UNINSURED, OUTSIDE_US = (
    "medicare", "medicaid", "commercial", "none", "outside_us")
_COVERAGE = [
    (OUTSIDE_US, r"\b(outside (?:the )?(?:us|usa|u\.s\.|states|america)|not in the (?:us|usa|states)|"
                 r"nhs|uk|england|scotland|wales|ireland|canada|canadian|ohip|australia|medicare australia|"
                 r"aussie|new zealand|nz|europe|abroad|overseas|another country|different country)\b"),
    (MEDICAID, r"\b(medicaid|medi-?cal|masshealth|chip|state insurance|state plan|apple health)\b"),
    (MEDICARE, r"\b(medicare|medigap|medicare advantage)\b"),
    (UNINSURED, r"\b(no insurance|not insured|uninsured|don'?t have (?:any )?insurance|"
                r"do not have (?:any )?insurance|self[- ]?pay|out of pocket|cash|none|no coverage|"
                r"paying myself|no plan|nothing|lost my insurance)\b"),
    (COMMERCIAL, r"\b(employer|work|job|through my (?:husband|wife|partner|parents?|mom|dad|spouse)|"
                 r"private|commercial|marketplace|obamacare|aca|blue ?cross|bcbs|aetna|cigna|"
                 r"united ?health(?:care)?|uhc|humana|kaiser|anthem|ambetter|centene|tricare|"
                 r"cobra|union|ppo|hmo|epo|insurance plan|group plan)\b"),
]


def coverage(text: object) -> Optional[str]:
    """The kind of cover (medicare, medicaid, commercial, none, outside_us) or None."""
    t = _normalise(text)
    if not t:
        return None
    for kind, pattern in _COVERAGE:
        if re.search(pattern, t):
            return kind
    return None


def coverage_for_country(kind: Optional[str], country: Optional[str]) -> Optional[str]:
    """The cover whose rules apply: outside the US, "Medicare" (Australia's, or
    a Canadian province's) or any plan is not a US plan, so US rules never apply."""
    if kind is None:
        return None
    return kind if (country or "US").upper() == "US" else OUTSIDE_US
