"""LinearIntentClassifier: one linear model for the intent and the FAQ topic; writes
Rasa's intent, intent_ranking and response_selector formats; survives persist/load.
(Its accuracy is measured on the blind hold-outs by tests/test_nlu_holdout.py.)"""
from __future__ import annotations

import numpy as np
import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.nlu.training_data.message import Message

from bot import config
from bot.components.intent_model import LinearIntentClassifier
from tests.helpers import ROOT


def served_config():
    """The classifier's settings and the fallback threshold from config.yml."""
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    ours = next(c for c in pipeline if c["name"].endswith("LinearIntentClassifier"))
    fallback = next(c for c in pipeline if c["name"] == "FallbackClassifier")
    return {k: v for k, v in ours.items() if k != "name"}, fallback["threshold"]


@pytest.fixture(scope="module")
def training_data():
    importer = RasaFileImporter(config_file=str(ROOT / "config.yml"),
                                domain_path=str(ROOT / "domain.yml"),
                                training_data_paths=[str(ROOT / "data")])
    return importer.get_nlu_data()


@pytest.fixture(scope="module")
def storage(tmp_path_factory):
    return LocalModelStorage(tmp_path_factory.mktemp("intent_model"))


@pytest.fixture(scope="module")
def trained(training_data, storage):
    context = ExecutionContext(GraphSchema({}), "test")
    resource = Resource("intent_model")
    config, _ = served_config()
    classifier = LinearIntentClassifier.create(config, storage, resource, context)
    classifier.train(training_data)
    return classifier, resource, context


def parse(classifier, text):
    return classifier.process([Message(data={"text": text})])[0]


def test_trains_on_every_intent_and_topic_and_keeps_the_topic_responses(trained, training_data):
    classifier, _, _ = trained
    labels = set(classifier.model.classes)
    topics = {label for label in labels if label.startswith("faq/")}
    assert topics == {f"faq/{t}" for t in config.topic_titles()}  # every topic, titled
    assert labels - topics == set(training_data.intents) - {"faq"}
    assert set(classifier.responses) == {f"utter_{t}" for t in topics}


def test_output_has_rasas_intent_and_response_selector_shape(trained):
    classifier, _, _ = trained
    message = parse(classifier, "hw long does one sesion take in minutes")  # not a training line
    intent = message.get("intent")
    assert intent["name"] == "faq"
    ranking = message.get("intent_ranking")
    assert ranking[0] == intent and len({r["name"] for r in ranking}) == len(ranking) <= 10
    assert not any("/" in r["name"] for r in ranking)  # topics are not intents
    confidences = [r["confidence"] for r in ranking]
    assert confidences == sorted(confidences, reverse=True)
    out = message.get("response_selector")
    assert out["all_retrieval_intents"] == ["faq"]
    response = out["faq"]["response"]
    assert response["intent_response_key"] == "faq/session_length"
    assert response["utter_action"] == "utter_faq/session_length"
    assert response["responses"] and "text" in response["responses"][0]
    topics = out["faq"]["ranking"]
    assert len(topics) == 10 and topics[0]["intent_response_key"] == "faq/session_length"
    within = [t["confidence"] for t in topics]
    assert within == sorted(within, reverse=True) and 0 < within[0] <= 1
    # "faq" scores its best topic's own probability; the topic ranking is given faq
    assert intent["confidence"] <= within[0]


@pytest.mark.parametrize("text, label", [
    ("what does a full course cost if i pay out of pocket", "faq/cost"),
    ("will my blue shield plan pay for it", "faq/insurance"),
    ("once the course is over how long do the good effects stick around", "faq/durability"),
    ("yeah thats right", "affirm"),
    ("nah not really", "deny"),
    ("can i talk to an actual person", "human_handoff"),
    ("should i stop taking my zoloft before starting", "medication_advice"),
])
def test_intents_and_neighbouring_topics_are_told_apart(trained, text, label):
    classifier, _, _ = trained
    message = parse(classifier, text)
    name = message.get("intent")["name"]
    if name == "faq":
        name = message.get("response_selector")["faq"]["response"]["intent_response_key"]
    assert name == label


@pytest.mark.parametrize("text", ["purple", "asdfgh qwerty", "hmm", "", "🙂🙂", "k"])
def test_gibberish_is_below_the_fallback_threshold(trained, text):
    classifier, _, _ = trained
    _, threshold = served_config()
    assert parse(classifier, text).get("intent")["confidence"] < threshold


def test_persisted_model_loads_and_predicts_the_same(trained, storage):
    classifier, resource, context = trained
    config, _ = served_config()
    loaded = LinearIntentClassifier.load(config, storage, resource, context)
    for text in ("is there a chance i get a seizure from it", "thanks so much"):
        a, b = parse(loaded, text), parse(classifier, text)
        assert a.get("intent") == b.get("intent")
        assert a.get("response_selector") == b.get("response_selector")


def test_without_a_trained_model_messages_pass_through(storage):
    context = ExecutionContext(GraphSchema({}), "test")
    empty = LinearIntentClassifier.load({}, storage, Resource("never_trained"), context)
    message = empty.process([Message(data={"text": "cost?"})])[0]
    assert message.get("intent") is None and message.get("response_selector") is None


def test_fast_path_gives_the_models_own_probabilities(trained):
    classifier, _, _ = trained
    model = classifier.model
    for text in ("does it hurt", "insurence?? medicare", "how many sesions per week", "hi"):
        assert np.allclose(model.probabilities(text), model.pipeline.predict_proba([text])[0])
