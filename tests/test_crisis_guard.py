"""CrisisGuard, the NLU component: the detector has the last word on the intent."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from bot import safety
from bot.components import crisis_guard
from bot.components.crisis_guard import CrisisGuard
from bot.components.country import CountryTagger


def parsed(text, intent="faq", confidence=0.9, metadata=None):
    message = Message(data={"text": text, "metadata": metadata})
    message.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    message.set("intent_ranking", [{"name": intent, "confidence": confidence},
                                   {"name": "greet", "confidence": 0.05}], add_to_output=True)
    return message


def guard(message):
    return CrisisGuard({}).process([message])[0]


def entities(message):
    return {e["entity"]: e["value"] for e in message.get("entities") or []}


def test_crisis_overrides_the_classifier_and_keeps_its_ranking():
    message = guard(parsed("does insurance cover it? i want to kill myself", "faq", 0.97))
    assert message.get("intent") == {"name": "crisis", "confidence": 1.0}
    ranking = message.get("intent_ranking")
    assert ranking[0]["name"] == "crisis" and {"name": "faq", "confidence": 0.97} in ranking
    record = message.get("crisis_guard")
    assert record["classifier_intent"] == {"name": "faq", "confidence": 0.97}
    assert record["is_crisis"] and record["rule_id"]
    assert entities(message) == {"crisis_category": record["category"],
                                 "crisis_subject": "self", "crisis_severity": "crisis"}


def test_crisis_overrides_a_fallback_too():
    message = guard(parsed("i took all my pills an hour ago", "nlu_fallback", 0.3))
    assert message.get("intent")["name"] == "crisis"


def test_someone_else_at_risk_is_marked_other():
    message = guard(parsed("my son says he wants to end it"))
    assert entities(message)["crisis_subject"] == "other"


def test_idiom_leaves_the_classifier_alone():
    message = guard(parsed("i'm dying to know if insurance covers tms", "faq", 0.9))
    assert message.get("intent") == {"name": "faq", "confidence": 0.9}
    assert message.get("crisis_guard")["is_crisis"] is False
    assert "crisis_category" not in entities(message)


def classifier_said_crisis(text, confidence, runner_up, runner_up_confidence):
    message = Message(data={"text": text})
    message.set("intent", {"name": "crisis", "confidence": confidence}, add_to_output=True)
    message.set("intent_ranking", [{"name": "crisis", "confidence": confidence},
                                   {"name": runner_up, "confidence": runner_up_confidence}],
                add_to_output=True)
    return message


def test_classifier_alone_cannot_raise_a_crisis(caplog):
    caplog.set_level("INFO")
    guarded = guard(classifier_said_crisis("i live in the UK", 0.9, "screening_answer", 0.08))
    # the runner-up is far below the fallback threshold: not a guess, a fallback
    assert guarded.get("intent") == {"name": "nlu_fallback", "confidence": 0.3}
    assert [r["name"] for r in guarded.get("intent_ranking")] == ["nlu_fallback",
                                                                 "screening_answer"]
    assert guarded.get("crisis_guard")["classifier_intent"]["name"] == "crisis"
    assert "detector did not" in caplog.text and "UK" not in caplog.text


def test_overruled_crisis_with_a_confident_runner_up_uses_it():
    guarded = guard(classifier_said_crisis("my phone is dead again, can i text the clinic", 0.5,
                                           "human_handoff", 0.46))
    assert guarded.get("intent") == {"name": "human_handoff", "confidence": 0.46}
    assert [r["name"] for r in guarded.get("intent_ranking")] == ["human_handoff"]


def test_detector_failure_fails_toward_safety(monkeypatch, caplog):
    def broken(text):
        raise RuntimeError("boom")

    monkeypatch.setattr(safety, "detect", broken)
    message = guard(parsed("how long is a session", "faq", 0.99))
    assert message.get("intent")["name"] == "crisis"
    assert entities(message)["crisis_category"] == "detector_error"
    assert "crisis detector failed" in caplog.text


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_text_is_left_alone(text):
    message = Message(data={"text": text})
    assert guard(message).get("intent") is None


def test_country_from_metadata_becomes_an_entity():
    tagged = CountryTagger().process([parsed("hi", metadata={"country": "uk"}),
                                      parsed("hi", metadata={"country": "Narnia"}),
                                      parsed("hi", metadata="junk")])
    assert [entities(m).get("country") for m in tagged] == ["GB", None, None]
