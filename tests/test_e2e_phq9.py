"""PHQ-9 self-check and 'please contact me' over REST with the real action server and NLU."""
import uuid

from bot import config
from tests.helpers import ROOT, load_yaml, rest_say

PHQ9 = load_yaml(ROOT / "data" / "responses" / "phq9.yml")["responses"]
FAQ = load_yaml(ROOT / "data" / "responses" / "faq.yml")["responses"]


def text_of(name):
    return PHQ9[name][0]["text"]


def say(servers, sender, message):
    return [r.get("text") or "" for r in rest_say(servers.port, sender, message)]


def start(servers, sender):
    replies = say(servers, sender, "check my symptoms")
    assert replies == [text_of("utter_phq9_intro"), text_of("utter_ask_phq9_q1")]


def test_self_check_free_text_faq_explain_skip_result_and_send_with_consent(servers):
    sender = f"phq9-{uuid.uuid4().hex}"
    start(servers, sender)
    assert say(servers, sender, "most days") == [text_of("utter_ask_phq9_q2")]
    replies = say(servers, sender, "does tms hurt?")
    assert replies == [FAQ["utter_faq/is_it_painful"][0]["text"], text_of("utter_ask_phq9_q2")]
    replies = say(servers, sender, "what does that mean?")
    assert replies == [text_of("utter_phq9_explain_phq9_q2"), text_of("utter_phq9_answer_hint"),
                       text_of("utter_ask_phq9_q2")]
    assert say(servers, sender, "every single day") == [text_of("utter_ask_phq9_q3")]
    assert say(servers, sender, "purple") == [text_of("utter_phq9_unclear"), text_of("utter_ask_phq9_q3")]
    assert say(servers, sender, "skip") == [text_of("utter_ask_phq9_q4")]
    for n, answer in zip(range(4, 9), ["a couple of times", "Several days", "never",
                                       "More than half the days", "Not at all"]):
        assert say(servers, sender, answer) == [text_of(f"utter_ask_phq9_q{n + 1}")], n
    assert say(servers, sender, "Not at all") == [text_of("utter_ask_phq9_difficulty")]
    replies = say(servers, sender, "Very difficult")
    # 2 + 3 + skip + 1 + 1 + 0 + 2 + 0 + 0 = 9, one skipped: a partial score.
    assert replies[0].startswith("You skipped 1 of the 9 questions, so your score of 9 out of 27")
    assert "mild range (5 to 9)" in replies[0] and "not a diagnosis" in replies[0]
    assert replies[1] == text_of("utter_phq9_result_difficulty").replace(
        "{phq9_difficulty_words}", "very difficult")
    assert replies[2] == text_of("utter_phq9_result_use")
    assert replies[-1] == text_of("utter_phq9_next_steps")
    assert servers.hook.received == [] or all(
        p.get("conversation_id") != sender for p in servers.hook.received), "nothing sent yet"

    replies = say(servers, sender, "/send_phq9")
    assert replies == [text_of("utter_contact_intro"), text_of("utter_ask_contact_name")]
    assert say(servers, sender, "I'm Sam") == [text_of("utter_ask_contact_reach")]
    replies = say(servers, sender, "call me after 5 on my cell 555 0134")
    assert len(replies) == 1 and "your phone number (555 0134)" in replies[0]
    assert "PHQ-9 answers and your score (9 out of 27)" in replies[0]
    assert config.clinic()["short_name"] in replies[0]
    replies = say(servers, sender, "yes, send it")
    assert replies == [text_of("utter_contact_sent").replace("{contact_time}", "after 5")]
    sent = [p for p in servers.hook.received if p.get("conversation_id") == sender]
    assert len(sent) == 1
    assert sent[0]["contact_request"] == {"name": "Sam", "phone": "5550134", "best_time": "after 5"}
    assert sent[0]["phq9"]["score"] == 9 and sent[0]["phq9"]["answers"]["q3"] == "skipped"
    log = servers.actions.log() + servers.rasa.log()
    assert "5550134" not in log and "555 0134" not in log


def test_question_9_positive_goes_into_the_crisis_path_before_any_score(servers):
    for answer, kind in [("Several days", "concern"), ("More than half the days", "self"),
                         ("Nearly every day", "self")]:
        sender = f"phq9q9-{uuid.uuid4().hex}"
        start(servers, sender)
        for n in range(1, 9):
            say(servers, sender, "Several days")
        replies = say(servers, sender, answer)
        assert replies[0] == config.resources_for(None)[kind], answer
        assert not any("score" in r.lower() for r in replies)
        alerts = [p for p in servers.hook.received
                  if p.get("conversation_id") == sender and p["type"] == "crisis_alert"]
        assert len(alerts) == 1 and alerts[0]["severity"] == ("concern" if kind == "concern" else "crisis")
        after = say(servers, sender, "what is tms")
        assert after[0] == FAQ["utter_faq/what_is_tms"][0]["text"], "the form is not resumed"


def test_crisis_message_at_question_4_stops_the_form(servers):
    sender = f"phq9crisis-{uuid.uuid4().hex}"
    start(servers, sender)
    for answer in ("most days", "Several days", "Several days"):
        say(servers, sender, answer)
    replies = say(servers, sender, "i want to kill myself")
    assert replies[0] == config.resources_for(None)["self"]


def test_contact_form_invalid_phone_stop_and_no_consent(servers):
    sender = f"contact-{uuid.uuid4().hex}"
    assert say(servers, sender, "please contact me") == [text_of("utter_contact_intro"),
                                                          text_of("utter_ask_contact_name")]
    assert say(servers, sender, "Jo") == [text_of("utter_ask_contact_reach")]
    assert say(servers, sender, "12345") == [text_of("utter_contact_invalid_phone"),
                                             text_of("utter_ask_contact_reach")]
    assert say(servers, sender, "stop") == [text_of("utter_contact_dropped")]

    sender = f"contact-{uuid.uuid4().hex}"
    say(servers, sender, "please contact me")
    say(servers, sender, "Jo")
    say(servers, sender, "jo@example.org")
    replies = say(servers, sender, "mornings")
    assert "your email (jo@example.org)" in replies[0] and "PHQ-9" not in replies[0]
    assert say(servers, sender, "no") == [text_of("utter_contact_declined")]
    assert not [p for p in servers.hook.received if p.get("conversation_id") == sender]
