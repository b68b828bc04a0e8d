"""Training data volume and independence of the hold-out sets."""
import re

import pytest

from tests.helpers import ROOT, nlu_examples, topic_ids
from tests.nlu_eval import HOLDOUTS

TRAIN_FILES = sorted((ROOT / "data" / "nlu").glob("*.yml"))
FAQ_HOLDOUTS = [HOLDOUTS["nlu_holdout"], HOLDOUTS["nlu_holdout2"]]


def _norm(text):
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _train():
    merged = {}
    for path in TRAIN_FILES:
        for intent, examples in nlu_examples(path).items():
            merged.setdefault(intent, []).extend(examples)
    return merged


def test_every_topic_has_enough_varied_training_examples():
    train = _train()
    for topic in topic_ids():
        examples = train.get(f"faq/{topic}", [])
        assert len(examples) >= 25, topic
        assert len({_norm(e) for e in examples}) == len(examples), f"{topic} has duplicates"


def test_conversation_intents_are_trained():
    train = _train()
    for intent in ("greet", "goodbye", "thanks", "bot_challenge", "human_handoff",
                   "out_of_scope", "affirm", "deny", "medication_advice", "crisis"):
        assert len(train.get(intent, [])) >= 15, intent


@pytest.mark.parametrize("holdout_file", FAQ_HOLDOUTS, ids=lambda p: p.name)
def test_faq_holdout_has_at_least_8_per_topic(holdout_file):
    """Hold-outs 1 and 2 cover every topic they were written for; later topics need 12
    blind lines in the new-topics hold-out instead."""
    holdout = nlu_examples(holdout_file)
    later = nlu_examples(HOLDOUTS["new_topics"])
    for topic in topic_ids():
        if f"faq/{topic}" in later:
            assert len(later[f"faq/{topic}"]) >= 12, topic
        else:
            assert len(holdout.get(f"faq/{topic}", [])) >= 8, topic


@pytest.mark.parametrize("holdout_file", HOLDOUTS.values(), ids=lambda p: p.name)
def test_holdout_never_overlaps_training(holdout_file):
    holdout = nlu_examples(holdout_file)
    trained = {_norm(e) for examples in _train().values() for e in examples}
    overlap = [e for examples in holdout.values() for e in examples if _norm(e) in trained]
    assert not overlap, overlap


def test_clinic_intents_are_trained_and_held_out():
    from actions.clinic_answers import intents
    train = _train()
    holdout = nlu_examples(HOLDOUTS["clinic_holdout"])
    for intent in intents():
        examples = train.get(intent, [])
        assert len(examples) >= 25, intent
        assert len({_norm(e) for e in examples}) == len(examples), f"{intent} has duplicates"
        assert len(holdout.get(intent, [])) >= 12, intent
