"""FollowUpContext and bot/followup: the previous topic as a prior on the intent model's
reading (unit tests; the measured figures are in tests/test_followups.py)."""
from __future__ import annotations

import math

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.events import (ActionExecuted, BotUttered, SessionStarted,
                                     UserUttered)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.nlu.training_data.message import Message

from bot.components.followup_context import (FollowUpContext, previous_topic, topic_of)
from bot.followup import context
from tests.helpers import ROOT

VOCABULARY = frozenset({"teenagers", "medicaid", "last", "tattoos", "insurance", "cost",
                        "seizures", "pills", "tiredness"})
TABLE = {"tiredness": {"side_effects": 1.0}, "insurance": {"insurance": 0.9}}


def component(**config):
    return FollowUpContext(config, None, None, VOCABULARY,
                           {"utter_faq/cost": [{"text": "cost answer"}]}, TABLE)


def faq_turn(topic, answered_by="utter_faq"):
    """A user turn the intent model read as faq/<topic>, then the assistant's reply."""
    parse = {"intent": {"name": "faq", "confidence": 0.9},
             "response_selector": {"faq": {"response": {"intent_response_key": f"faq/{topic}"}}}}
    return [ActionExecuted("action_listen"), UserUttered("question", parse["intent"], [], parse),
            ActionExecuted(answered_by), BotUttered("answer", metadata={}),
            ActionExecuted("action_listen")]


def tracker(*events):
    return DialogueStateTracker.from_events("test", [e for group in events for e in group])


def classified(text, intents, topics):
    """A message as the intent model writes it: `intents` {name: p} ranked; `topics`
    {topic: p within faq} in the response selection; faq scores its best topic."""
    message = Message(data={"text": text})
    ranking = sorted(intents.items(), key=lambda kv: kv[1], reverse=True)
    message.set("intent", {"name": ranking[0][0], "confidence": ranking[0][1]}, add_to_output=True)
    message.set("intent_ranking", [{"name": n, "confidence": c} for n, c in ranking],
                add_to_output=True)
    ordered = sorted(topics.items(), key=lambda kv: kv[1], reverse=True)
    top = ordered[0][0]
    message.set("response_selector", {
        "all_retrieval_intents": ["faq"],
        "faq": {"response": {"intent_response_key": f"faq/{top}",
                             "utter_action": f"utter_faq/{top}",
                             "confidence": ordered[0][1], "responses": []},
                "ranking": [{"id": 1, "confidence": c, "intent_response_key": f"faq/{t}"}
                            for t, c in ordered]}}, add_to_output=True)
    return message


def reading(message):
    if message.get("intent")["name"] != "faq":
        return message.get("intent")["name"]
    return message.get("response_selector")["faq"]["response"]["intent_response_key"]


# -- where the previous topic comes from ------------------------------------------------

def test_previous_topic_is_what_utter_faq_answered_last():
    assert previous_topic(tracker(faq_turn("candidacy"))) == "faq/candidacy"
    assert previous_topic(tracker(faq_turn("seizure_risk"), faq_turn("cost"))) == "faq/cost"


@pytest.mark.parametrize("events", [
    [],                                                     # a new conversation
    faq_turn("cost", answered_by="utter_crisis"),           # the last reply was not an FAQ
    faq_turn("cost", answered_by="action_fallback_suggestions"),
    faq_turn("cost") + [SessionStarted()],                  # a new session
])
def test_no_previous_topic(events):
    assert previous_topic(tracker(events)) is None
    assert previous_topic(None) is None


def test_a_later_non_faq_turn_ends_the_topic():
    thanks = [UserUttered("thanks", {"name": "thanks", "confidence": 0.99}),
              ActionExecuted("utter_thanks"), ActionExecuted("action_listen")]
    assert previous_topic(tracker(faq_turn("cost"), thanks)) is None


def test_topic_of_a_story_turn_without_a_selection():
    event = UserUttered("q", {"name": "faq", "full_retrieval_intent_name": "faq/insurance"})
    assert topic_of(event, "faq") == "faq/insurance"
    assert topic_of(UserUttered("q", {"name": "faq/cost"}), "faq") == "faq/cost"
    assert topic_of(UserUttered("hi", {"name": "greet"}), "faq") is None


# -- the bonus -------------------------------------------------------------------------

CUES = context.load_cues()
SETTINGS = context.Settings()


def test_follow_ups_get_more_bonus_than_plain_questions():
    fragment = context.bonus_for("and for teenagers?", CUES, VOCABULARY, SETTINGS)
    referring = context.bonus_for("and how long does that last?", CUES, VOCABULARY, SETTINGS)
    plain = context.bonus_for("how much does the whole course cost in total", CUES,
                              VOCABULARY, SETTINGS)
    assert fragment == SETTINGS.base_bonus + SETTINGS.cue_bonus + SETTINGS.fragment_bonus
    assert referring == SETTINGS.base_bonus + SETTINGS.cue_bonus
    assert plain == SETTINGS.base_bonus
    assert fragment > referring > plain > 0


@pytest.mark.parametrize("text", ["asdfgh", "zxqv blorp", "", "and?", "what about that"])
def test_no_known_topical_word_no_bonus(text):
    assert context.bonus_for(text, CUES, VOCABULARY, SETTINGS) == 0.0


def test_naming_the_previous_topic_adds_bonus():
    base = context.context_bonus("what about tiredness", CUES, VOCABULARY, SETTINGS, TABLE,
                                 "faq/cost")
    named = context.context_bonus("what about tiredness", CUES, VOCABULARY, SETTINGS, TABLE,
                                  "faq/side_effects")
    assert named == base + SETTINGS.named_previous


def test_topic_words_keep_words_that_name_a_topic():
    table = context.topic_words([("does insurance cover it", "insurance"),
                                 ("insurance denied", "insurance"),
                                 ("insurance and cost", "cost"), ("cost of it", "cost"),
                                 ("once", "cost")], frozenset({"it", "of", "and", "does"}))
    assert table["insurance"] == {"insurance": pytest.approx(2 / 3), "cost": pytest.approx(1 / 3)}
    assert "once" not in table and "it" not in table  # too rare / a function word
    assert context.named("what about insurance", table, "insurance") == pytest.approx(2 / 3)
    assert context.named("what about it", table, "insurance") == 0.0


def test_rescore_is_bayes_with_the_bonus_as_prior():
    probabilities = {"faq/cost": 0.2, "faq/insurance": 0.7, "thanks": 0.1}
    out = context.rescore(probabilities, "faq/cost", math.log(10))
    assert out["faq/cost"] == pytest.approx(2.0 / 2.8)
    assert sum(out.values()) == pytest.approx(1.0)
    assert context.rescore(probabilities, "faq/cost", 0.0) == probabilities
    unranked = context.rescore({"faq/a": 0.6, "faq/b": 0.4}, "faq/c", math.log(4))
    assert unranked["faq/c"] == pytest.approx(0.8 / 1.8)  # half the smallest, times 4


# -- the component ---------------------------------------------------------------------

def test_a_follow_up_is_read_against_the_previous_topic():
    message = classified("how much is that without insurance?",
                         {"faq": 0.45, "out_of_scope": 0.3, "affirm": 0.1},
                         {"insurance": 0.75, "cost": 0.2, "schedule": 0.05})
    component().process([message], tracker(faq_turn("cost")))
    assert reading(message) == "faq/cost"
    selection = message.get("response_selector")["faq"]
    assert selection["response"]["utter_action"] == "utter_faq/cost"
    assert selection["response"]["responses"] == [{"text": "cost answer"}]
    assert [r["intent_response_key"] for r in selection["ranking"]][0] == "faq/cost"
    assert sum(r["confidence"] for r in selection["ranking"]) == pytest.approx(1.0)
    assert message.get("intent")["confidence"] > 0.9
    assert message.get("followup") == {"previous_topic": "faq/cost", "bonus": pytest.approx(
        SETTINGS.base_bonus + SETTINGS.cue_bonus + SETTINGS.named_previous * 0.0),
        "own_reading": "faq/insurance", "reading": "faq/cost"}


def test_an_unrelated_confident_question_keeps_its_own_reading():
    # (as the model reads a plain question: other topics at about 1e-5)
    message = classified("can tms cause seizures", {"faq": 0.98, "out_of_scope": 0.01},
                         {"seizures": 0.99989, "cost": 0.00001, "safety": 0.0001})
    component().process([message], tracker(faq_turn("cost")))
    assert reading(message) == "faq/seizures"


def test_no_previous_topic_leaves_the_message_alone():
    message = classified("and for teenagers?", {"faq": 0.4, "out_of_scope": 0.3},
                         {"candidacy": 0.5, "cost": 0.1})
    before = message.as_dict()
    component().process([message], tracker(faq_turn("cost", answered_by="utter_crisis")))
    component().process([message])
    assert message.as_dict() == before


@pytest.mark.parametrize("intent", ["crisis", "thanks", "goodbye", "human_handoff"])
def test_crisis_and_plain_replies_are_never_re_read(intent):
    message = classified("and what if it doesnt, i dont want to be alive anymore",
                         {intent: 0.6, "faq": 0.3}, {"cost": 0.9, "insurance": 0.1})
    before = message.as_dict()
    component().process([message], tracker(faq_turn("cost")))
    assert message.as_dict() == before


def test_gibberish_is_left_to_fall_back():
    message = classified("asdfgh", {"out_of_scope": 0.2, "faq": 0.15, "greet": 0.1},
                         {"what_is_tms": 0.3, "cost": 0.1})
    component().process([message], tracker(faq_turn("cost")))
    assert message.get("intent") == {"name": "out_of_scope", "confidence": 0.2}
    assert message.get("followup")["bonus"] == 0.0


def test_a_non_faq_reading_can_become_the_follow_up():
    """"pacemaker too?" read as a screening answer on its own; after contraindications it
    is that topic."""
    message = classified("tattoos too?", {"screening_answer": 0.5, "faq": 0.2, "deny": 0.1},
                         {"side_effects": 0.6, "cost": 0.3, "insurance": 0.1})
    component().process([message], tracker(faq_turn("cost")))
    assert reading(message) == "faq/cost"
    assert message.get("intent_ranking")[0]["name"] == "faq"


# -- configuration and training --------------------------------------------------------

def test_pipeline_order():
    """After the intent model, before the fallback and CrisisGuard (which has the last word)."""
    names = [c["name"].rsplit(".", 1)[-1]
             for c in yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]]
    here = names.index("FollowUpContext")
    assert names.index("LinearIntentClassifier") < here < names.index("FallbackClassifier")
    assert names[-1] == "CrisisGuard"


def test_process_asks_rasa_for_the_tracker():
    """Rasa's default recipe passes the conversation's tracker to a `tracker` parameter."""
    import inspect

    assert "tracker" in inspect.signature(FollowUpContext.process).parameters


def test_train_persist_load(tmp_path):
    importer = RasaFileImporter(config_file=str(ROOT / "config.yml"),
                                domain_path=str(ROOT / "domain.yml"),
                                training_data_paths=[str(ROOT / "data")])
    data = importer.get_nlu_data()
    storage = LocalModelStorage(tmp_path)
    resource = Resource("followup")
    context_ = ExecutionContext(GraphSchema({}), "1")
    trained = FollowUpContext.create({}, storage, resource, context_)
    trained.train(data)
    loaded = FollowUpContext.load({}, storage, resource, context_)
    assert loaded.vocabulary == trained.vocabulary and "medicaid" in loaded.vocabulary
    assert "what" not in loaded.vocabulary  # function words are not topical
    assert set(loaded.responses) == {k for k in data.responses if k.startswith("utter_faq/")}
    assert loaded.topic_words["seizure"].get("seizure_risk", 0) > 0.5


@pytest.mark.parametrize("text, probabilities, alone", [
    # No cue, read elsewhere with confidence: a new question.
    ("does tms hurt?", {"faq/is_it_painful": 0.9, "faq/what_is_tms": 0.05}, True),
    ("does it hurt?", {"faq/is_it_painful": 0.8, "faq/what_is_tms": 0.1}, True),
    # A strong cue ("and", "that", "what about") keeps the context.
    ("and how long does that last?", {"faq/durability": 0.9, "faq/what_is_tms": 0.05}, False),
    ("what about medicaid?", {"faq/insurance": 0.9, "faq/what_is_tms": 0.05}, False),
    # Unsure on its own, or already on the previous topic: context may help.
    ("teenagers?", {"faq/candidacy": 0.4, "faq/what_is_tms": 0.3}, False),
    ("tms?", {"faq/what_is_tms": 0.9}, False),
])
def test_a_new_question_stands_alone(text, probabilities, alone):
    from bot.followup import context

    cues = context.load_cues()
    assert context.stands_alone(text, cues, probabilities, "faq/what_is_tms", 0.6) is alone
