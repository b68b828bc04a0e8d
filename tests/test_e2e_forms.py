"""Pre-screening and insurance helper over REST with the real action server."""
import uuid

from bot import config
from tests.helpers import ROOT, load_yaml, rest_say

FORMS = load_yaml(ROOT / "data" / "responses" / "forms.yml")["responses"]
FAQ = load_yaml(ROOT / "data" / "responses" / "faq.yml")["responses"]


def text_of(name):
    return FORMS[name][0]["text"]


def say(servers, sender, message):
    return [r.get("text") or "" for r in rest_say(servers.port, sender, message)]


def test_screening_free_text_with_faq_in_the_middle_and_a_reason_listed(servers):
    sender = f"screen-{uuid.uuid4().hex}"
    replies = say(servers, sender, "/start_screening")
    assert replies == [text_of("utter_screening_intro"), text_of("utter_ask_screen_metal")]
    assert say(servers, sender, "nope") == [text_of("utter_ask_screen_seizures")]
    replies = say(servers, sender, "does tms hurt?")
    assert replies == [FAQ["utter_faq/is_it_painful"][0]["text"], text_of("utter_ask_screen_seizures")]
    assert say(servers, sender, "I had one at 12") == [text_of("utter_ask_screen_meds_tried")]
    assert say(servers, sender, "purple") == [text_of("utter_screening_unclear_count"),
                                              text_of("utter_ask_screen_meds_tried")]
    assert say(servers, sender, "three i think") == [text_of("utter_ask_screen_therapy")]
    assert say(servers, sender, "not sure") == [text_of("utter_ask_screen_bipolar_psychosis")]
    assert say(servers, sender, "no") == [text_of("utter_ask_screen_pregnancy")]
    result, contact = say(servers, sender, "doesn't apply, i'm a guy")
    assert text_of("utter_screening_result_review") in result
    assert text_of("utter_screening_reason_seizures") in result
    assert text_of("utter_screening_reason_metal") not in result
    assert text_of("utter_screening_note_no_therapy") in result
    assert contact == text_of("utter_screening_contact")


def test_crisis_inside_the_screening_wins_and_the_form_stops(servers):
    sender = f"screencrisis-{uuid.uuid4().hex}"
    say(servers, sender, "/start_screening")
    say(servers, sender, "no")
    replies = say(servers, sender, "i dont want to be alive anymore")
    assert replies[0] == config.resources_for(None)["self"]
    after = say(servers, sender, "what is tms")
    assert after[0] == FAQ["utter_faq/what_is_tms"][0]["text"], "the form is not resumed"


def test_insurance_helper_per_cover_type(servers):
    for answer, kind in [("medicare", "medicare"), ("Medicaid", "medicaid"),
                         ("blue cross through my job", "commercial"),
                         ("i'm uninsured", "none"), ("i live in the UK", "outside_us")]:
        sender = f"ins-{uuid.uuid4().hex}"
        assert say(servers, sender, "/insurance_help") == [text_of("utter_ask_coverage_type")]
        replies = say(servers, sender, answer)
        assert replies[0] == text_of(f"utter_insurance_{kind}"), answer
        assert config.clinic()["billing_contact"] in replies[-1]


GENERATED = load_yaml(ROOT / "data" / "responses" / "generated.yml")["responses"]


def test_volunteered_seizure_is_recorded_not_asked_again_and_listed(servers):
    sender = f"volunteer-{uuid.uuid4().hex}"
    say(servers, sender, "/start_screening")
    assert say(servers, sender, "no") == [text_of("utter_ask_screen_seizures")]
    assert say(servers, sender, "no") == [text_of("utter_ask_screen_meds_tried")]
    assert say(servers, sender, "I had a seizure at 12") == [text_of("utter_screening_noted"),
                                                             text_of("utter_ask_screen_meds_tried")]
    assert say(servers, sender, "2") == [text_of("utter_ask_screen_therapy")]
    assert say(servers, sender, "yes i've done cbt, and i'm pregnant") == \
        [text_of("utter_screening_noted"), text_of("utter_ask_screen_bipolar_psychosis")]
    result, _ = say(servers, sender, "no")  # pregnancy is not asked again
    assert text_of("utter_screening_reason_seizures") in result
    assert text_of("utter_screening_reason_pregnancy") in result


def test_medicare_from_another_country_gets_no_us_rules(servers):
    sender = f"ins-au-{uuid.uuid4().hex}"
    rest_say(servers.port, sender, "/insurance_help", metadata={"country": "AU"})
    replies = [r.get("text") or "" for r in
               rest_say(servers.port, sender, "medicare", metadata={"country": "AU"})]
    assert replies[0] == text_of("utter_insurance_outside_us")
    faq = [r.get("text") or "" for r in
           rest_say(servers.port, sender, "does insurance cover tms", metadata={"country": "AU"})]
    assert "Medicare" not in faq[0] and "Outside the US" in faq[0]


def test_clinic_questions_answered_from_clinic_yml(servers):
    sender = f"clinic-{uuid.uuid4().hex}"
    clinic = config.clinic()
    replies = say(servers, sender, "what's your phone number and when are you open?")
    assert replies == [GENERATED["utter_clinic_contact"][0]["text"],
                       GENERATED["utter_clinic_hours"][0]["text"]]
    assert clinic["phone_display"] in replies[0] and "Saturday" in replies[1]
    assert say(servers, sender, "where is the clinic located") == \
        [GENERATED["utter_clinic_location"][0]["text"]]
    saturday = config.day_hours(clinic["opening_hours"], "saturday")
    assert say(servers, sender, "are you open on saturday?") == \
        [f"Yes, we're open on Saturday, {saturday}."]
    assert say(servers, sender, "are you open on sunday?")[0].startswith(
        "No, we're closed on Sunday.")


def test_more_detail_button_gives_that_topics_longer_text(servers):
    more = load_yaml(ROOT / "data" / "responses" / "faq_more.yml")["responses"]["utter_more_detail"]
    by_topic = {v["condition"][0]["value"]: v["text"] for v in more if "condition" in v}
    sender = f"more-{uuid.uuid4().hex}"
    for topic in ("seizure_risk", "effectiveness"):
        replies = say(servers, sender, '/more_detail{"detail_topic":"%s"}' % topic)
        assert replies == [by_topic[topic]], topic
    # The button as the widget receives it (Rasa fills no braces in it) works when pressed.
    answer = rest_say(servers.port, sender, "how likely is a seizure with tms")
    payloads = [b["payload"] for r in answer for b in r.get("buttons", [])
                if b["title"] == "More detail"]
    assert payloads == ['/more_detail{"detail_topic":"seizure_risk"}'], answer
    assert say(servers, sender, payloads[0]) == [by_topic["seizure_risk"]]


def test_clinic_question_inside_the_screening_then_the_question_again(servers):
    sender = f"screenclinic-{uuid.uuid4().hex}"
    say(servers, sender, "/start_screening")
    replies = say(servers, sender, "what are your opening hours")
    assert replies == [GENERATED["utter_clinic_hours"][0]["text"], text_of("utter_ask_screen_metal")]
