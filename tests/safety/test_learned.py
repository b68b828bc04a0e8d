"""The learned second opinion (bot/safety/learned.py): same numbers as
scikit-learn, used only where no pattern or explicit exception spoke, fresh
against its corpus, and optional (patterns alone when the model is missing)."""
from __future__ import annotations

import os
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from bot.safety import detect, detector, learned, train_learned  # noqa: E402

TEXTS = [
    "does TMS hurt?", "i cant do this anymore honestly", "  spaced   out\ttext\nnew line ",
    "a", "I'm", "emoji 😴⚰️ and accents café", "kms lol", "x" * 7, "ok ok ok ok",
    "my insurance (BCBS) said no... what now?!", "",
]


def test_analyzers_are_scikit_learns():
    from sklearn.feature_extraction.text import TfidfVectorizer

    for analyzer, low, high in (("word", 1, 2), ("char_wb", 2, 5), ("word", 1, 1),
                                ("char_wb", 1, 3)):
        ours = learned.ANALYZERS[analyzer]
        theirs = TfidfVectorizer(analyzer=analyzer, ngram_range=(low, high)).build_analyzer()
        for text in TEXTS:
            assert ours(text, low, high) == theirs(text), (analyzer, text)


def test_probability_is_scikit_learns_predict_proba():
    config = {"blocks": [{"analyzer": "word", "ngram": [1, 2]},
                         {"analyzer": "char_wb", "ngram": [2, 5]}],
              "min_df": 1, "C": 20, "class_weight": "balanced"}
    crisis = ["i want to end it all", "no reason to keep going", "i wont be here next week",
              "goodbye everyone its over"]
    benign = ["how long is a session", "does insurance cover it", "is it painful",
              "what time do you open", "can i drive after"]
    pipeline = train_learned._pipeline(config).fit(crisis + benign, [1] * 4 + [0] * 5)
    signal = learned.LearnedSignal({**train_learned.export(pipeline, config), "threshold": 0.5})
    for text in TEXTS + crisis + benign:
        assert signal.probability(text) == pytest.approx(
            pipeline.predict_proba([text])[0][1], abs=1e-6), text
        assert signal.fires(text) == (signal.probability(text) >= 0.5), text


def test_committed_model_matches_its_corpus():
    """Like the rendered responses: edit the corpus, then retrain (make train does)."""
    assert train_learned.main(["--check"]) == 0


def test_faq_holdouts_are_never_trained_on():
    config = yaml.safe_load(open(train_learned.CONFIG))
    sources = [s if isinstance(s, str) else str(s) for side in ("crisis", "benign")
               for s in config[side]]
    assert sources and not [s for s in sources if "tests/nlu" in s]


class Always:
    threshold = 0.5

    def fires(self, text):
        return True


def test_fires_only_where_no_pattern_or_exception_spoke(monkeypatch):
    monkeypatch.setattr(learned, "get_model", lambda: Always())
    quiet = detect("what are your opening hours on saturday")
    assert quiet.is_crisis and quiet.category == "possible_risk"
    assert quiet.severity == "concern" and quiet.rule_id == "learned_signal"
    # a pattern that fired keeps its own, more specific verdict
    assert detect("i want to kill myself tonight").rule_id != "learned_signal"
    # an explicit denial / exception stays authoritative
    denied = detect("I'm not suicidal, just asking about side effects")
    assert not denied.is_crisis and denied.suppressed_by


def test_without_a_model_the_patterns_work_alone(monkeypatch):
    monkeypatch.setattr(learned, "get_model", lambda: None)
    assert not detect("what are your opening hours on saturday").is_crisis
    assert detect("i want to kill myself tonight").is_crisis


def test_a_missing_model_file_is_logged_not_raised(tmp_path, caplog):
    assert learned.get_model(tmp_path / "absent.json.gz") is None
    assert "learned signal unavailable" in caplog.text


def test_real_model_flags_unseen_indirect_language_and_spares_ordinary_questions():
    # Phrasings written for this test (no pattern family covers them word for word).
    for text in ("honestly i think everyone would cope fine if i just stopped existing",
                 "i have been saying my goodbyes quietly this week"):
        assert detect(text).is_crisis, text
    for text in ("how many sessions does insurance usually approve",
                 "can i go back to work straight after the appointment",
                 "my mum is nervous about the clicking noise"):
        assert not detect(text).is_crisis, text
