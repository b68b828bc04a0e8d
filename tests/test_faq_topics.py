"""FaqTopicSelector, the FAQ topic model: trains on the faq/<topic> examples, writes
the ResponseSelector's output format, survives persist/load. (Its accuracy is
measured on the blind hold-outs by tests/test_nlu_holdout.py.)"""
from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.nlu.training_data.message import Message

from bot.components.faq_topics import FaqTopicSelector
from tests.helpers import ROOT


@pytest.fixture(scope="module")
def training_data():
    importer = RasaFileImporter(config_file=str(ROOT / "config.yml"),
                                domain_path=str(ROOT / "domain.yml"),
                                training_data_paths=[str(ROOT / "data")])
    return importer.get_nlu_data()


@pytest.fixture(scope="module")
def storage(tmp_path_factory):
    return LocalModelStorage(tmp_path_factory.mktemp("faq_topics"))


@pytest.fixture(scope="module")
def trained(training_data, storage):
    context = ExecutionContext(GraphSchema({}), "test")
    resource = Resource("faq_topics")
    selector = FaqTopicSelector.create(FaqTopicSelector.get_default_config(), storage,
                                       resource, context)
    selector.train(training_data)
    return selector, resource, context


def select(selector, text):
    message = Message(data={"text": text})
    return selector.process([message])[0].get("response_selector")


def test_trains_on_every_topic_and_keeps_their_responses(trained):
    selector, _, _ = trained
    assert len(selector.model.classes_) == 28
    assert all(c.startswith("faq/") for c in selector.model.classes_)
    assert set(selector.responses) == {f"utter_{c}" for c in selector.model.classes_}


def test_output_has_the_response_selector_shape(trained):
    selector, _, _ = trained
    out = select(selector, "hw long does one sesion take in minutes")  # not a training line
    assert out["all_retrieval_intents"] == ["faq"]
    response = out["faq"]["response"]
    assert response["intent_response_key"] == "faq/session_length"
    assert response["utter_action"] == "utter_faq/session_length"
    assert response["responses"] and "text" in response["responses"][0]
    ranking = out["faq"]["ranking"]
    assert len(ranking) == 10 and ranking[0]["intent_response_key"] == "faq/session_length"
    confidences = [r["confidence"] for r in ranking]
    assert confidences == sorted(confidences, reverse=True) and 0 < confidences[0] <= 1


@pytest.mark.parametrize("text, topic", [
    ("what does a full course cost if i pay out of pocket", "faq/cost"),
    ("will my blue shield plan pay for it", "faq/insurance"),
    ("once the course is over how long do the good effects stick around", "faq/durability"),
])
def test_neighbouring_topics_are_told_apart(trained, text, topic):
    selector, _, _ = trained
    assert select(selector, text)["faq"]["response"]["intent_response_key"] == topic


def test_persisted_model_loads_and_predicts_the_same(trained, storage):
    selector, resource, context = trained
    loaded = FaqTopicSelector.load(FaqTopicSelector.get_default_config(), storage, resource,
                                   context)
    text = "is there a chance i get a seizure from it"
    assert select(loaded, text) == select(selector, text)


def test_without_a_trained_model_messages_pass_through(storage):
    context = ExecutionContext(GraphSchema({}), "test")
    empty = FaqTopicSelector.load({}, storage, Resource("never_trained"), context)
    message = Message(data={"text": "cost?"})
    assert empty.process([message])[0].get("response_selector") is None


def test_fast_path_gives_the_models_own_probabilities(trained):
    import numpy as np

    selector, _, _ = trained
    for text in ("does it hurt", "insurence?? medicare", "how many sesions per week"):
        assert np.allclose(selector.probabilities(text), selector.model.predict_proba([text])[0])
