"""A learned second opinion for crisis language the patterns do not cover.

Why: every new blind set met the patterns at recall ~0.73 on its first run
(blind2 0.73, blind3 0.735), however many families were added after the
previous one. People phrase crisis in more ways than rules can list. A linear
model on word and character n-grams, trained on every crisis and benign message
we have, generalises to unseen phrasings better. On blind4, written blind and
measured before anything was trained or tuned on it: patterns alone recall
0.688, false alarms 2.0%; patterns OR model 0.896 / 2.0% (the model added no
false alarm). blind3 fixes to the patterns then moved blind4 only to 0.701.

How it is used (detector.py): only when no pattern fired AND no explicit
benign exception or modifier cancelled a match (those stay authoritative and
tested); a message whose probability reaches the threshold is flagged with
severity "concern" (the gentle reply that asks whether the person is safe and
still gives the lines), category "possible_risk", rule id "learned_signal".

Deterministic: fixed weights in model/learned.json.gz, written by
`python -m bot.safety.train_learned` (scikit-learn, needed only to train; the
threshold is chosen by cross-validation on the training data). Scoring here is
plain Python with the same arithmetic as scikit-learn's TfidfVectorizer
(lowercase, sublinear tf, idf, l2 norm) and LogisticRegression (tested equal).
"""
from __future__ import annotations

import gzip
import json
import logging
import math
import re
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional

logger = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).parent / "model" / "learned.json.gz"
WORD_CACHE_SIZE = 50_000  # words whose character n-grams are kept (bounded memory)
_WORD = re.compile(r"(?u)\b\w\w+\b")
_SPACES = re.compile(r"\s\s+")


def word_ngrams(text: str, low: int, high: int) -> List[str]:
    """scikit-learn's 'word' analyzer (default token pattern), lowercased."""
    tokens = _WORD.findall(text.lower())
    if high == 1:
        return tokens
    out = list(tokens) if low == 1 else []
    for n in range(max(low, 2), high + 1):
        out.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return out


def char_wb_ngrams(text: str, low: int, high: int) -> List[str]:
    """scikit-learn's 'char_wb' analyzer: n-grams inside space-padded words."""
    out: List[str] = []
    for word in _SPACES.sub(" ", text.lower()).split():
        word = f" {word} "
        size = len(word)
        for n in range(low, high + 1):
            if size <= n:
                out.append(word)  # a word no longer than n counts once, whole
                break
            out.extend(word[i:i + n] for i in range(size - n + 1))
    return out


ANALYZERS = {"word": word_ngrams, "char_wb": char_wb_ngrams}


class LearnedSignal:
    """Fixed-weight logistic regression over tf-idf blocks; `probability(text)`."""

    def __init__(self, data: Dict[str, Any]) -> None:
        self.threshold: float = float(data["threshold"])
        self._word_cache: Dict[Any, tuple] = {}
        clipped = min(max(self.threshold, 1e-12), 1 - 1e-12)
        self._logit_threshold = math.log(clipped / (1.0 - clipped))
        self.bias: float = float(data["bias"])
        self.corpus_sha256: str = data.get("corpus_sha256", "")
        self.blocks = [(ANALYZERS[b["analyzer"]], int(b["ngram"][0]), int(b["ngram"][1]),
                        {term: (float(v[0]), float(v[1])) for term, v in b["vocab"].items()})
                       for b in data["blocks"]]

    def logit(self, text: str) -> float:
        """Bias + per block: (sublinear tf * idf, l2-normalised) . weights."""
        total = self.bias
        log, sqrt = math.log, math.sqrt
        for analyzer, low, high, vocab in self.blocks:
            counts: Dict[str, int] = {}
            for gram in self._grams(analyzer, low, high, vocab, text):
                counts[gram] = counts.get(gram, 0) + 1
            if not counts:
                continue
            squares = dot = 0.0
            for gram, count in counts.items():
                idf, weight = vocab[gram]
                value = (1.0 + log(count)) * idf if count > 1 else idf
                squares += value * value
                dot += value * weight
            total += dot / sqrt(squares)
        return total

    def _grams(self, analyzer: Any, low: int, high: int, vocab: Dict[str, Any],
               text: str) -> List[str]:
        """The text's n-grams that are in the vocabulary. Character n-grams never
        cross a word, so each word's are cached (most words recur)."""
        if analyzer is not char_wb_ngrams:
            return [gram for gram in analyzer(text, low, high) if gram in vocab]
        cache = self._word_cache
        out: List[str] = []
        for word in text.lower().split():
            grams = cache.get((id(vocab), low, high, word))
            if grams is None:
                if len(cache) > WORD_CACHE_SIZE:
                    cache.clear()
                grams = tuple(g for g in char_wb_ngrams(word, low, high) if g in vocab)
                cache[(id(vocab), low, high, word)] = grams
            out.extend(grams)
        return out

    def probability(self, text: str) -> float:
        logit = self.logit(text)
        if logit >= 0:
            return 1.0 / (1.0 + math.exp(-logit))
        z = math.exp(logit)
        return z / (1.0 + z)

    def fires(self, text: str) -> bool:
        return self.logit(text) >= self._logit_threshold


_LOCK = threading.Lock()
_LOADED: Dict[str, Optional[LearnedSignal]] = {}


def get_model(path: Path = MODEL_PATH) -> Optional[LearnedSignal]:
    """The model, loaded once; None (patterns only, logged once) when missing."""
    key = str(path)
    if key not in _LOADED:
        with _LOCK:
            if key not in _LOADED:
                try:
                    with gzip.open(path, "rt", encoding="utf-8") as handle:
                        _LOADED[key] = LearnedSignal(json.load(handle))
                except (OSError, ValueError, KeyError, TypeError) as error:
                    logger.error("safety: learned signal unavailable (%s); patterns only",
                                 type(error).__name__)
                    _LOADED[key] = None
    return _LOADED[key]
