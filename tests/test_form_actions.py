"""Pre-screening and insurance actions, in-process."""
import asyncio

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import forms
from tests.helpers import ROOT, load_yaml

DOMAIN = {"responses": load_yaml(ROOT / "data" / "responses" / "forms.yml")["responses"]}


def tracker(slots):
    return Tracker("conv-1", slots, {"text": "", "intent": {}}, [], False, None, None,
                   "action_listen")


def run(action, slots):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker(slots), DOMAIN))
    return dispatcher.messages, events


ALL_CLEAR = {"screen_metal": "no", "screen_seizures": "no", "screen_meds_tried": "2",
             "screen_therapy": "yes", "screen_bipolar_psychosis": "no", "screen_pregnancy": "no"}


def test_all_clear_answers_say_worth_discussing_never_a_diagnosis():
    messages, _ = run(forms.ActionScreeningResult(), ALL_CLEAR)
    text = messages[0]["text"]
    assert "may be worth discussing with your doctor" in text
    assert "need a doctor's review" not in text
    assert messages[1]["response"] == "utter_screening_contact"


def test_each_contraindication_is_listed_as_a_reason():
    for slot, reason in forms.REVIEW_REASONS:
        for answer in ("yes", "not_sure"):
            messages, _ = run(forms.ActionScreeningResult(), {**ALL_CLEAR, slot: answer})
            text = messages[0]["text"]
            assert "need a doctor's review" in text
            assert DOMAIN["responses"][reason][0]["text"] in text
            others = [r for s, r in forms.REVIEW_REASONS if s != slot]
            assert not any(DOMAIN["responses"][r][0]["text"] in text for r in others)


def test_notes_for_no_medication_and_no_therapy():
    outcome = forms.screening_outcome({**ALL_CLEAR, "screen_meds_tried": "0",
                                       "screen_therapy": "no"})
    assert outcome == {"reasons": [], "notes": ["utter_screening_note_no_meds",
                                                "utter_screening_note_no_therapy"]}
    outcome = forms.screening_outcome({**ALL_CLEAR, "screen_meds_tried": "not_sure"})
    assert outcome["notes"] == ["utter_screening_note_meds_unknown"]


def test_reset_clears_every_answer():
    messages, events = run(forms.ActionResetScreening(), ALL_CLEAR)
    assert events == [SlotSet(s, None) for s in forms.SCREENING_SLOTS]
    assert messages[0]["response"] == "utter_screening_intro"


def test_validation_reads_free_text_and_reasks_when_unclear():
    validator = forms.ValidateScreeningForm()
    dispatcher = CollectingDispatcher()
    t = tracker({})
    assert validator.validate_screen_seizures("I had one at 12", dispatcher, t, DOMAIN) == \
        {"screen_seizures": "yes"}
    assert validator.validate_screen_meds_tried("three", dispatcher, t, DOMAIN) == \
        {"screen_meds_tried": "3"}
    assert dispatcher.messages == []
    assert validator.validate_screen_metal("purple", dispatcher, t, DOMAIN) == {"screen_metal": None}
    assert dispatcher.messages[-1]["response"] == "utter_screening_unclear"
    assert validator.validate_screen_meds_tried("banana", dispatcher, t, DOMAIN) == \
        {"screen_meds_tried": None}
    assert dispatcher.messages[-1]["response"] == "utter_screening_unclear_count"


def test_insurance_result_per_cover_type():
    for kind in ("medicare", "medicaid", "commercial", "none", "outside_us"):
        messages, events = run(forms.ActionInsuranceResult(), {"coverage_type": kind})
        responses = [m["response"] for m in messages]
        assert responses[0] == f"utter_insurance_{kind}"
        assert f"utter_insurance_{kind}" in DOMAIN["responses"]
        assert responses[-1] == "utter_billing_contact"
        assert ("utter_insurance_papers" in responses) == (kind != "outside_us")
        assert events == [SlotSet("coverage_type", None)]


def _faq_tracker(text, topic="is_it_painful", intent="faq"):
    message = {"text": text, "intent": {"name": intent},
               "response_selector": {"faq": {"response": {
                   "intent_response_key": f"faq/{topic}"}}}}
    return Tracker("conv-1", {}, message, [], False, None, None, "action_listen")


def test_faq_question_mid_form_is_answered_then_the_question_comes_back():
    validator = forms.ValidateScreeningForm()
    dispatcher = CollectingDispatcher()
    result = validator.validate_screen_seizures("does tms hurt?", dispatcher,
                                                _faq_tracker("does tms hurt?"), DOMAIN)
    assert result == {"screen_seizures": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_faq/is_it_painful"]


def test_statement_classified_as_faq_still_counts_as_an_answer():
    validator = forms.ValidateScreeningForm()
    dispatcher = CollectingDispatcher()
    text = "i had a seizure when i was 12"
    result = validator.validate_screen_seizures(text, dispatcher,
                                                _faq_tracker(text, "seizure_risk"), DOMAIN)
    assert result == {"screen_seizures": "yes"} and dispatcher.messages == []


def test_faq_mid_insurance_helper():
    validator = forms.ValidateInsuranceForm()
    dispatcher = CollectingDispatcher()
    text = "how much does it cost"
    result = validator.validate_coverage_type(text, dispatcher, _faq_tracker(text, "cost"), DOMAIN)
    assert result == {"coverage_type": None}
    assert dispatcher.messages[0]["response"] == "utter_faq/cost"


def test_start_over_inside_the_form_clears_every_answer():
    validator = forms.ValidateScreeningForm()
    dispatcher = CollectingDispatcher()
    result = validator.validate_screen_therapy("start over", dispatcher,
                                               _faq_tracker("start over", intent="start_screening"),
                                               DOMAIN)
    assert result == {slot: None for slot in forms.SCREENING_SLOTS}
    assert dispatcher.messages[0]["response"] == "utter_screening_intro"


def _slots_tracker(slots, text=""):
    return Tracker("conv-1", slots, {"text": text, "intent": {"name": "screening_answer"}}, [],
                   False, None, None, "action_listen")


def test_volunteered_seizure_at_the_medication_question_is_recorded_and_listed():
    validator = forms.ValidateScreeningForm()
    dispatcher = CollectingDispatcher()
    text = "I had a seizure at 12"
    result = validator.validate_screen_meds_tried(text, dispatcher, _slots_tracker({}, text), DOMAIN)
    assert result == {"screen_seizures": "yes", "screen_meds_tried": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_screening_noted"]
    assert "utter_screening_noted" in DOMAIN["responses"]
    slots = {**ALL_CLEAR, "screen_seizures": result["screen_seizures"]}
    assert "utter_screening_reason_seizures" in forms.screening_outcome(slots)["reasons"]


def test_volunteered_answer_with_the_asked_answer_keeps_both():
    validator = forms.ValidateScreeningForm()
    dispatcher = CollectingDispatcher()
    text = "three, and i have a pacemaker"
    result = validator.validate_screen_meds_tried(text, dispatcher, _slots_tracker({}, text), DOMAIN)
    assert result == {"screen_metal": "yes", "screen_meds_tried": "3"}


def test_volunteered_answer_turns_an_earlier_no_into_yes_but_never_clears():
    validator = forms.ValidateScreeningForm()
    text = "yes, and i'm pregnant"
    result = validator.validate_screen_therapy(
        text, CollectingDispatcher(), _slots_tracker({"screen_pregnancy": "no"}, text), DOMAIN)
    assert result == {"screen_pregnancy": "yes", "screen_therapy": "yes"}
    text = "yes, never been pregnant"
    result = validator.validate_screen_therapy(
        text, CollectingDispatcher(), _slots_tracker({"screen_pregnancy": "yes"}, text), DOMAIN)
    assert result == {"screen_therapy": "yes"}


def test_medicare_from_outside_the_us_never_gets_us_rules():
    for country in ("AU", "CA", "GB"):
        messages, _ = run(forms.ActionInsuranceResult(),
                          {"coverage_type": "medicare", "country": country})
        responses = [m["response"] for m in messages]
        assert responses[0] == "utter_insurance_outside_us", country
        assert "utter_insurance_papers" not in responses
    messages, _ = run(forms.ActionInsuranceResult(), {"coverage_type": "medicare", "country": "US"})
    assert messages[0]["response"] == "utter_insurance_medicare"


def test_clinic_question_mid_form_is_answered_then_the_question_comes_back():
    validator = forms.ValidateScreeningForm()
    dispatcher = CollectingDispatcher()
    text = "wait, are you open on saturday?"
    t = Tracker("conv-1", {}, {"text": text, "intent": {"name": "clinic_hours"}}, [], False, None,
                None, "action_listen")
    assert validator.validate_screen_metal(text, dispatcher, t, DOMAIN) == {"screen_metal": None}
    assert [m["response"] for m in dispatcher.messages][0].startswith("utter_clinic_hours")
    # An answer the classifier took for a clinic question still counts as an answer.
    dispatcher = CollectingDispatcher()
    t = Tracker("conv-1", {}, {"text": "no", "intent": {"name": "clinic_hours"}}, [], False, None,
                None, "action_listen")
    assert validator.validate_screen_metal("no", dispatcher, t, DOMAIN) == {"screen_metal": "no"}
    assert dispatcher.messages == []
