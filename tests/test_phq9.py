"""PHQ-9 self-check: scoring and bands (all 28 totals), the free-text reader, the actions in-process."""
import asyncio
import itertools

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import phq9_answers as answers
from actions import phq9_form, phq9_scoring as scoring
from tests.helpers import ROOT, load_yaml

FREE_TEXT = load_yaml(ROOT / "tests" / "data" / "phq9_free_text.yml")
RESPONSES = load_yaml(ROOT / "data" / "responses" / "phq9.yml")["responses"]
# Kroenke et al. 2001: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27 severe.
EXPECTED_BAND = {**{t: "minimal" for t in range(0, 5)}, **{t: "mild" for t in range(5, 10)},
                 **{t: "moderate" for t in range(10, 15)},
                 **{t: "moderately severe" for t in range(15, 20)},
                 **{t: "severe" for t in range(20, 28)}}


def items_for(total):
    """Nine answers (0-3) that add up to `total`, filled from question 1."""
    items, left = [], total
    for _ in range(9):
        items.append(str(min(3, left)))
        left -= min(3, left)
    return items


@pytest.mark.parametrize("total", range(0, 28))
def test_every_total_gets_its_band(total):
    result = scoring.score(items_for(total))
    assert result.total == total
    assert result.band_words == EXPECTED_BAND[total]
    low, high = (int(x) for x in result.band_range.split(" to "))
    assert low <= total <= high and EXPECTED_BAND[low] == EXPECTED_BAND[high] == result.band_words
    assert result.complete and result.answered == 9


def test_band_edges_and_order_do_not_matter():
    assert scoring.score(["0"] * 8 + ["3"]).total == scoring.score(["3"] + ["0"] * 8).total == 3
    for items in itertools.islice(itertools.product("0123", repeat=9), 0, 262144, 997):
        assert scoring.score(list(items)).total == sum(int(x) for x in items)


@pytest.mark.parametrize("bad", [-1, 28, 3.5, "7", True, None])
def test_band_rejects_totals_outside_0_to_27(bad):
    with pytest.raises(ValueError):
        scoring.band_for(bad)


def test_skipped_items_count_zero_and_are_reported():
    result = scoring.score(["3", "skip", "2", None, "1", "0", "3", "3", "3"])
    assert (result.total, result.skipped, result.answered, result.complete) == (15, 2, 7, False)
    with pytest.raises(ValueError):
        scoring.score(["1"] * 8)


def test_summary_for_the_clinic_has_nine_answers_score_and_difficulty_unscored():
    summary = scoring.summary(["1", "2", "3", "0", "skip", "1", "1", "1", "0"], "2")
    assert summary["answers"]["q1"] == "Several days"
    assert summary["answers"]["q3"] == "Nearly every day"
    assert summary["answers"]["q5"] == "skipped"
    assert len(summary["answers"]) == 9
    assert summary["score"] == 9 and summary["band"] == "mild"
    assert summary["difficulty"] == "Very difficult"  # reported, not added to the score


CASES = [(kind, case["text"], case["expect"]) for kind in ("frequency", "difficulty")
         for case in FREE_TEXT[kind]]


def test_enough_free_text_answers():
    assert len(CASES) >= 60


@pytest.mark.parametrize("kind,text,expect", CASES)
def test_free_text_answer(kind, text, expect):
    reader = answers.frequency if kind == "frequency" else answers.difficulty
    assert reader(text) == expect


@pytest.mark.parametrize("junk", [None, 42, ["never"], {"a": 1}, "x" * 5000, "\x00\x01"])
def test_reader_never_crashes_on_bad_input(junk):
    assert answers.frequency(junk) is None
    assert answers.difficulty(junk) is None


def test_buttons_are_the_four_standard_answers_and_each_reads_back():
    for n in range(1, 10):
        buttons = RESPONSES[f"utter_ask_phq9_q{n}"][0]["buttons"]
        assert [b["title"] for b in buttons] == list(answers.ANSWERS)
        assert [answers.frequency(b["payload"]) for b in buttons] == [0, 1, 2, 3]
    buttons = RESPONSES["utter_ask_phq9_difficulty"][0]["buttons"]
    assert [answers.difficulty(b["payload"]) for b in buttons] == [0, 1, 2, 3]


def test_question_9_has_the_standard_wording():
    text = RESPONSES["utter_ask_phq9_q9"][0]["text"]
    assert "thoughts that you would be better off dead, or of hurting yourself in some way" in text


# --- the actions, in-process --------------------------------------------------------------

def tracker(slots, text="", intent="symptom_frequency"):
    return Tracker("conv-1", slots, {"text": text, "intent": {"name": intent}}, [], False, None,
                   None, "action_listen")


def validate(slot, text, intent="symptom_frequency", slots=None):
    dispatcher = CollectingDispatcher()
    action = phq9_form.ValidatePhq9Form()
    method = getattr(action, f"validate_{slot}")
    out = method(text, dispatcher, tracker(slots or {}, text, intent), {})
    return out, [m.get("response") for m in dispatcher.messages]


@pytest.mark.parametrize("answer,severity", [("Several days", "concern"),
                                             ("More than half the days", "crisis"),
                                             ("Nearly every day", "crisis")])
def test_question_9_positive_stops_the_form_and_sets_the_crisis_slots(answer, severity):
    out, said = validate("phq9_q9", answer)
    assert out["requested_slot"] is None
    assert out["phq9_safety_stop"] is True
    assert out["crisis_severity"] == severity
    assert out["crisis_subject"] == "self"
    assert out["crisis_category"] == "passive_ideation"
    assert said == []  # the crisis reply comes from the rule, nothing else first


def test_question_9_not_at_all_goes_on():
    out, said = validate("phq9_q9", "Not at all", intent="deny")
    assert out == {"phq9_q9": "0"} and said == []


def test_other_questions_never_stop_the_form():
    out, _ = validate("phq9_q4", "Nearly every day")
    assert out == {"phq9_q4": "3"}


def test_explain_repeats_the_question_with_its_meaning():
    out, said = validate("phq9_q3", "what does that mean?", intent="out_of_scope")
    assert out == {"phq9_q3": None}
    assert said == ["utter_phq9_explain_phq9_q3", "utter_phq9_answer_hint"]


def test_skip_and_unclear():
    assert validate("phq9_q2", "skip", intent="skip_question")[0] == {"phq9_q2": "skip"}
    out, said = validate("phq9_q2", "purple")
    assert out == {"phq9_q2": None} and said == ["utter_phq9_unclear"]


def test_reset_clears_answers_and_the_safety_flag():
    dispatcher = CollectingDispatcher()
    events = asyncio.run(phq9_form.ActionResetPhq9().run(dispatcher, tracker({}), {}))
    assert SlotSet("phq9_safety_stop", False) in events
    assert all(SlotSet(s, None) in events for s in phq9_form.ALL_SLOTS)
    assert dispatcher.messages[0]["response"] == "utter_phq9_intro"


def test_result_messages_total_band_use_next_steps_and_difficulty():
    slots = dict(zip(phq9_form.ITEM_SLOTS, ["2", "2", "1", "3", "1", "2", "1", "0", "0"]))
    slots["phq9_difficulty"] = "1"
    messages = phq9_form.result_messages(slots)
    assert [m["response"] for m in messages] == [
        "utter_phq9_result", "utter_phq9_result_difficulty", "utter_phq9_result_use",
        "utter_phq9_next_steps"]
    assert messages[0]["phq9_score"] == 12 and messages[0]["phq9_band"] == "moderate"
    assert messages[1]["phq9_difficulty_words"] == "somewhat difficult"


def test_result_with_question_9_skipped_keeps_the_crisis_line_close():
    slots = dict(zip(phq9_form.ITEM_SLOTS, ["1"] * 8 + ["skip"]))
    names = [m["response"] for m in phq9_form.result_messages(slots)]
    assert names[0] == "utter_phq9_result_partial"
    assert "utter_crisis_reminder" in names


def test_result_text_is_never_a_diagnosis():
    text = RESPONSES["utter_phq9_result"][0]["text"]
    assert "This is a screening score, not a diagnosis." in text
    assert "A score like yours is worth talking through with your doctor" in text
    assert "you have depression" not in text.lower()
    assert "two minutes" in RESPONSES["utter_phq9_intro"][0]["text"]
    assert "not a diagnosis" in RESPONSES["utter_phq9_intro"][0]["text"]
