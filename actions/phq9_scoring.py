"""PHQ-9 scoring and bands (no Rasa import).

Nine items scored 0-3, total 0-27; the tenth (difficulty) question is reported,
never scored. Bands from Kroenke et al. 2001: 0-4 minimal, 5-9 mild, 10-14
moderate, 15-19 moderately severe, 20-27 severe. A band is a screening range,
never a diagnosis. Skipped items make the total a partial (lowest possible) one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

ITEMS = 9
MAX_TOTAL = 27
# (lowest total, highest total, band id, plain words)
BANDS = (
    (0, 4, "minimal", "minimal"),
    (5, 9, "mild", "mild"),
    (10, 14, "moderate", "moderate"),
    (15, 19, "moderately_severe", "moderately severe"),
    (20, 27, "severe", "severe"),
)


@dataclass(frozen=True)
class Result:
    total: int
    band: str          # band id: minimal / mild / moderate / moderately_severe / severe
    band_words: str    # plain words for the band
    band_range: str    # "10 to 14"
    answered: int      # items with a 0-3 answer
    skipped: int       # items skipped

    @property
    def complete(self) -> bool:
        return self.skipped == 0


def band_for(total: int) -> tuple:
    """The (low, high, id, words) band for a total 0-27; ValueError outside it."""
    if not isinstance(total, int) or isinstance(total, bool) or not 0 <= total <= MAX_TOTAL:
        raise ValueError(f"PHQ-9 total must be 0-27, got {total!r}")
    return next(band for band in BANDS if band[0] <= total <= band[1])


def parse_item(value: object) -> Optional[int]:
    """A stored slot value ("0".."3", 0..3) as an int, or None (skipped / missing)."""
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= 3 else None


def score(items: Sequence[object]) -> Result:
    """Total and band of nine stored answers (skipped or missing items count 0)."""
    if len(items) != ITEMS:
        raise ValueError(f"PHQ-9 has {ITEMS} items, got {len(items)}")
    values: List[Optional[int]] = [parse_item(v) for v in items]
    total = sum(v for v in values if v is not None)
    low, high, band, words = band_for(total)
    answered = sum(v is not None for v in values)
    return Result(total=total, band=band, band_words=words, band_range=f"{low} to {high}",
                  answered=answered, skipped=ITEMS - answered)


def summary(items: Sequence[object], difficulty: object) -> Dict[str, object]:
    """What the clinic receives with consent: the nine answers, score, band, difficulty."""
    from actions.phq9_answers import ANSWERS, DIFFICULTY
    result = score(items)
    answers = {}
    for number, value in enumerate(items, start=1):
        item = parse_item(value)
        answers[f"q{number}"] = ANSWERS[item] if item is not None else "skipped"
    level = parse_item(difficulty)
    return {
        "answers": answers,
        "score": result.total,
        "band": result.band_words,
        "skipped": result.skipped,
        "difficulty": DIFFICULTY[level] if level is not None else "skipped",
    }
