"""Flesch-Kincaid grade of an answer, counted without its "Source:" line (no Rasa import).

Why our own ~40 lines rather than a package: the grade is a fixed formula
(0.39 words/sentence + 11.8 syllables/word - 15.59); only the syllable count
needs a heuristic, and keeping it here adds no dependency to the shared
environment and makes every count reproducible and readable. The heuristic was
checked against the `textstat` package (0.7.4, pyphen hyphenation) on our 28
answers: see benchmarks/readability.py --compare (needs textstat installed
elsewhere; not a project dependency).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List

SOURCE_LINE = re.compile(r"^\s*Sources?:", re.I)
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*|\d+(?:[.,]\d+)*")
# A sentence ends at . ! or ? followed by a space, a line break or the end.
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
# Words the vowel-group rule gets wrong, with their spoken syllable count.
_EXCEPTIONS = {
    "tms": 3, "ect": 3, "fda": 3, "phq": 3, "saint": 1, "area": 3, "being": 2, "people": 2,
    "every": 2, "everyone": 3, "different": 3, "usually": 4, "really": 3, "idea": 3,
    "doing": 2, "going": 2, "quiet": 2, "science": 2, "area's": 3, "coil": 1, "coils": 1,
    "real": 1, "create": 2, "ease": 1, "eases": 2, "period": 3, "theta": 2, "medicare": 3,
    "medicaid": 3, "sometimes": 2, "someone": 2, "themselves": 2, "yourself": 2,
    "before": 2, "because": 2, "are": 1, "were": 1, "there": 1, "where": 1, "here": 1,
}


def body_text(text: str) -> str:
    """The answer without its source line(s)."""
    return "\n".join(line for line in str(text).splitlines() if not SOURCE_LINE.match(line)).strip()


def syllables(word: str) -> int:
    """Spoken syllables of one word (a vowel-group heuristic with fixes)."""
    w = word.lower().replace("’", "'")
    if w[:1].isdigit():
        return max(1, min(4, len(re.sub(r"\D", "", w))))  # "5" one, "30,000" four
    w = w.split("'")[0] if w.endswith(("'s", "'t", "'re", "'ve", "'ll", "'d", "'m")) else w
    if w in _EXCEPTIONS:
        return _EXCEPTIONS[w]
    if len(w) <= 3:
        return 1
    count = len(re.findall(r"[aeiouy]+", w))
    if w.endswith("e") and not w.endswith(("ee", "ye")) and count > 1 \
            and not re.search(r"[^aeiouy]le$", w):
        count -= 1  # silent e: "time", "rule"; but "ta-ble"
    elif w.endswith(("es", "ed")) and not w.endswith(("ted", "ded", "ses", "zes", "ces", "ges",
                                                      "xes", "ches", "shes", "ies", "ees")) \
            and count > 1:
        count -= 1  # "tapes", "helped"
    if re.search(r"[^aeiouy]le$", w) and count == 1:
        count += 1  # "simple"
    if w.startswith("y") and count > 1 and w[1:2] in "aeiou":
        count -= 1  # "you", "yes": y is a consonant here
    # Vowel pairs spoken as two syllables: "tri-al", "se-ri-ous", "grad-u-al", "vid-e-o".
    count += len(re.findall(r"(?<![tcsx])i[ao](?!n\b)|(?<![qg])ua|eo", w))
    return max(1, count)


@dataclass
class Readability:
    words: int
    sentences: int
    syllables: int

    @property
    def grade(self) -> float:
        """Flesch-Kincaid grade level."""
        if not self.words:
            return 0.0
        return (0.39 * self.words / max(1, self.sentences)
                + 11.8 * self.syllables / self.words - 15.59)


def measure(text: str) -> Readability:
    """Words, sentences and syllables of an answer's body (source line left out)."""
    body = body_text(text)
    words: List[str] = _WORD.findall(body)
    sentences = len(_SENTENCE_END.findall(body)) or (1 if words else 0)
    return Readability(len(words), sentences, sum(syllables(w) for w in words))


def grade(text: str) -> float:
    """Flesch-Kincaid grade of an answer's body."""
    return measure(text).grade


def first_sentence(text: str) -> str:
    """The first sentence of an answer's body."""
    body = body_text(text)
    match = _SENTENCE_END.search(body)
    return body[: match.end()] if match else body
