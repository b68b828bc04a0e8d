"""Follow-up questions ("and for teenagers?", "how much is that without insurance?") read
against the FAQ topic the assistant has just answered.

Design: the previous topic is a *prior*, not a rule. The intent model reads every message
on its own and gives a probability for each label (each intent, each `faq/<topic>`). For
the message right after an FAQ answer, the previous topic's label gets a bonus in log-odds
and the probabilities are renormalised:

    P(label | message, previous topic)  ∝  P(label | message) · exp(bonus · [label = previous])

so a follow-up that says little on its own ("weekends too?", "any discounts?") goes to
the topic just discussed, while a message whose own words point elsewhere ("will my
insurance pick that up?" after cost, a new self-contained question, "thanks", "bye")
keeps its own reading,
because its own probability outweighs the bonus. The bonus depends on how much the message
leans on what came before:

* a reference or an opener ("that", "those", "it", "too", "and ...", "what about ...")
  adds `cue_bonus`;
* a short fragment (at most `fragment_words` words: "tattoos?", "chronic pain?") adds
  `fragment_bonus`;
* a word that in our FAQ examples mostly belongs to the previous topic adds up to
  `named_previous` (by that word's share of the topic);
* a message with no topical word we know (none of its words outside the function words
  occurs in the FAQ examples: "asdfgh", "zxqv blorp") gets no bonus at all, so gibberish
  still falls back.

Also tried on the development pairs, no better, so left out: less bonus when the message
names the treatment ("tms") or another topic's word ("and is it COVERED?" after cost),
and a separate bonus for verbless fragments. The limit of this design is the choice
between staying and switching when the message's own words name another topic: "and how
long does that last?" is side effects after side effects but durability after "is it
safe?"; the bonus cannot know which.

Why a prior on the model's own probabilities rather than a slot with rules, or the last
topic as a feature of the intent model: (1) a follow-up does not always stay on the topic
("what is tms?" -> "is it safe?" is safety), and the
model's own reading already carries that; rules on a slot can only repeat the last topic;
(2) it needs no training data of conversations (which we do not have) and no change to
the intent model, which is being rebuilt under it; (3) four numbers, chosen on our own
development pairs (benchmarks/followups.py), are easy to read and to check; (4) the
result is an ordinary intent and response selection, so `utter_faq` answers it with no
action server, the FallbackClassifier still catches what stays unsure, and CrisisGuard,
which runs after it, still has the last word.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Tuple

import yaml

CUES_FILE = Path(__file__).resolve().parents[1] / "config" / "followup_cues.yml"
_WORD = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class Settings:
    """Log-odds bonuses for the previous topic (see the module docstring)."""

    base_bonus: float = 3.0
    cue_bonus: float = 4.0
    fragment_bonus: float = 4.0
    named_previous: float = 4.0
    fragment_words: int = 4

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Settings":
        names = cls.__dataclass_fields__
        return cls(**{k: type(getattr(cls, k))(v) for k, v in config.items() if k in names})


@dataclass(frozen=True)
class Cues:
    openers: List[List[str]]
    references: FrozenSet[str]
    function_words: FrozenSet[str]


def load_cues(path: Path = CUES_FILE) -> Cues:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return Cues(
        openers=[str(o).lower().split() for o in data["openers"]],
        references=frozenset(str(r).lower() for r in data["references"]),
        function_words=frozenset(str(w).lower() for w in data["function_words"]),
    )


def words(text: str) -> List[str]:
    return _WORD.findall(text.lower())


def bonus_for(text: str, cues: Cues, vocabulary: Iterable[str], settings: Settings) -> float:
    """How much the previous topic's log-odds go up for this message (>= 0)."""
    tokens = words(text if isinstance(text, str) else "")
    content = [t for t in tokens if t not in cues.function_words]
    known = vocabulary if isinstance(vocabulary, (set, frozenset)) else set(vocabulary)
    if not any(t in known for t in content):
        return 0.0
    bonus = settings.base_bonus
    if has_cue(text, cues):
        bonus += settings.cue_bonus
    if len(tokens) <= settings.fragment_words:
        bonus += settings.fragment_bonus
    return bonus


def topic_words(examples: Iterable[Tuple[str, str]], function_words: FrozenSet[str],
                min_count: int = 2, min_share: float = 0.3) -> Dict[str, Dict[str, float]]:
    """For each content word of the FAQ examples, the share of its examples in each
    topic (kept where the word occurs at least `min_count` times and the share is at
    least `min_share`): "covered" -> {insurance: 0.8}, "theta" -> {accelerated: 1.0}."""
    counts: Dict[str, Counter] = defaultdict(Counter)
    for text, topic in examples:
        for word in set(words(text)) - function_words:
            counts[word][topic] += 1
    table: Dict[str, Dict[str, float]] = {}
    for word, per_topic in counts.items():
        total = sum(per_topic.values())
        if total < min_count:
            continue
        shares = {t: n / total for t, n in per_topic.items() if n / total >= min_share}
        if shares:
            table[word] = shares
    return table


def named(text: str, table: Dict[str, Dict[str, float]], topic: str) -> float:
    """How clearly the message names `topic` by its own words (0..1): the largest share
    of that topic among its words."""
    return max((table.get(w, {}).get(topic, 0.0) for w in words(text)), default=0.0)


def context_bonus(text: str, cues: Cues, vocabulary: Iterable[str], settings: Settings,
                  table: Dict[str, Dict[str, float]], previous: str) -> float:
    """`bonus_for`, plus `named_previous` times how clearly the message names the
    previous topic by a word of its own ("what about TIREDNESS" after side effects)."""
    bonus = bonus_for(text, cues, vocabulary, settings)
    if bonus <= 0.0:
        return 0.0
    return bonus + settings.named_previous * named(text, table, previous.split("/", 1)[-1])


# "it" after an FAQ answer is most often TMS itself ("does it hurt?", "is it safe?"), so
# it alone does not make a message lean on the previous topic's answer.
WEAK_REFERENCES = frozenset({"it", "its"})


def has_cue(text: str, cues: Cues, strong_only: bool = False) -> bool:
    """True when the message leans on what came before by its shape ("and ...",
    "what about ...", "that", "it"); `strong_only` leaves out cues built on "it"."""
    tokens = words(text if isinstance(text, str) else "")
    weak = WEAK_REFERENCES if strong_only else frozenset()
    return any(tokens[:len(o)] == o and not weak.intersection(o) for o in cues.openers) or any(
        t in cues.references and t not in weak for t in tokens)


def stands_alone(text: str, cues: Cues, probabilities: Dict[str, float], previous: str,
                 confident: float) -> bool:
    """A message with no cue that its own reading already puts on another label with at
    least `confident` probability is a new question ("does tms hurt?" right after "what
    is tms?"), not a follow-up: the previous topic gets no bonus."""
    if not probabilities or has_cue(text, cues, strong_only=True):
        return False
    label, p = max(probabilities.items(), key=lambda kv: kv[1])
    return label != previous and p >= confident


def rescore(probabilities: Dict[str, float], previous: str, bonus: float,
            floor: Optional[float] = None) -> Dict[str, float]:
    """`probabilities` with `previous`'s odds multiplied by exp(bonus), renormalised.

    `floor`: the probability to assume for `previous` when the model did not rank it
    (default: half the smallest probability it did give)."""
    if not probabilities or bonus <= 0.0:
        return dict(probabilities)
    out = dict(probabilities)
    if previous not in out:
        out[previous] = floor if floor is not None else 0.5 * min(out.values())
    out[previous] *= math.exp(bonus)
    total = sum(out.values())
    return {label: p / total for label, p in out.items()} if total > 0 else out
