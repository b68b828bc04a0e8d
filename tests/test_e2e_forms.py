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
