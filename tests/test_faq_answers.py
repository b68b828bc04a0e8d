"""Every FAQ answer: one per topic, short, plain, sourced from the project's fact sheet.

Limits (issue 14): the body (without the "Source:" line) has at most 70 words
and a Flesch-Kincaid grade <= 8, the answers average <= 7 (bot/readability.py);
the first sentence answers in plain words; every source name resolves, through
docs/knowledge/source_labels.yml, to a tag defined and cited in
docs/knowledge/tms-facts.md. The same holds for every "More detail" text.
"""
import re

import pytest

from bot import readability
from bot.config import spelling
from tests.helpers import FACTS_FILE, ROOT, load_yaml, topic_ids

ANSWERS = load_yaml(ROOT / "data" / "responses" / "faq.yml")["responses"]
MORE = load_yaml(ROOT / "data" / "responses" / "faq_more.yml")["responses"]["utter_more_detail"]
LABELS = load_yaml(ROOT / "docs" / "knowledge" / "source_labels.yml")
FACTS = FACTS_FILE.read_text()
FACT_BODY, _, FACT_SOURCES = FACTS.partition("\n## Sources\n")
MAX_WORDS, MAX_GRADE, MAX_AVERAGE_GRADE = 70, 8.0, 7.0
FILLER_OPENINGS = ("it makes sense", "good question", "great question", "thank you", "thanks",
                   "that's a", "many people ask", "it can help to")


def _variants():
    """(id, text) of every FAQ answer variant and every More-detail text."""
    out = []
    for key, variants in ANSWERS.items():
        for i, variant in enumerate(variants):
            out.append((f"{key}[{i}]", variant["text"]))
    for variant in MORE[1:]:
        out.append((f"more/{variant['condition'][0]['value']}", variant["text"]))
    return out


VARIANTS = _variants()


def _body_and_source(text):
    body, _, source = text.strip().rpartition("\n")
    return body.strip(), source.strip()


def _tag(label):
    if label in LABELS:
        return LABELS[label]
    match = re.fullmatch(r"([A-Z][\w'’-]+)(?: et al\.)? (\d{4})", label)
    assert match, f"source {label!r} is not in docs/knowledge/source_labels.yml"
    return f"[{match.group(1)} {match.group(2)}]"


def test_exactly_one_answer_per_topic_of_the_spec():
    assert sorted(k.split("/", 1)[1] for k in ANSWERS if k.startswith("utter_faq/")) == \
        sorted(topic_ids())


@pytest.mark.parametrize("key, text", VARIANTS, ids=[v[0] for v in VARIANTS])
def test_answer_is_short_plain_and_sourced(key, text):
    body, source = _body_and_source(text)
    measured = readability.measure(body)
    assert measured.words <= MAX_WORDS, measured.words
    assert measured.grade <= MAX_GRADE, f"grade {measured.grade:.1f}"
    first = readability.first_sentence(body)
    assert len(first.split()) <= 25, first
    assert not first.lower().startswith(FILLER_OPENINGS), f"answer first: {first!r}"
    assert source.startswith("Source: "), source
    for label in [s.strip() for s in source[len("Source: "):].split(";")]:
        tag = _tag(label)
        assert tag in FACT_SOURCES, f"{key}: {label!r} -> {tag} is not defined under ## Sources"
        assert tag in FACT_BODY, f"{key}: {label!r} -> {tag} is cited for no fact"


def test_average_grade_is_at_most_7():
    grades = [readability.grade(ANSWERS[f"utter_faq/{t}"][0]["text"]) for t in topic_ids()]
    assert sum(grades) / len(grades) <= MAX_AVERAGE_GRADE, sum(grades) / len(grades)


def test_every_source_label_names_a_defined_tag():
    for label, tag in LABELS.items():
        assert tag in FACT_SOURCES, (label, tag)


def test_static_answers_use_neither_us_nor_british_spelling_variants():
    """They read right for every clinic; rendered texts take the clinic's spelling."""
    for name in ("faq.yml", "faq_more.yml", "conversation.yml", "forms.yml"):
        text = (ROOT / "data" / "responses" / name).read_text()
        assert spelling.words_in(text) == [], name


def test_more_detail_buttons_and_texts_match():
    buttons = {}
    for key, variants in ANSWERS.items():
        for b in variants[0].get("buttons", []):
            if b["payload"].startswith("/more_detail"):
                topic = re.fullmatch(r'/more_detail\{\{"detail_topic":"(\w+)"\}\}', b["payload"]).group(1)
                assert key == f"utter_faq/{topic}", (key, b)
                buttons[topic] = b["title"]
    texts = [v["condition"][0]["value"] for v in MORE[1:]]
    assert sorted(texts) == sorted(buttons) and len(set(texts)) == len(texts)
    assert set(buttons.values()) == {"More detail"}
    assert "condition" not in MORE[0], "a default for a topic without more detail"


@pytest.mark.parametrize("topic", ["cost", "insurance", "candidacy"])
def test_person_dependent_answers_offer_the_clinic(topic):
    answer = ANSWERS[f"utter_faq/{topic}"][0]
    payloads = [b["payload"] for b in answer.get("buttons", [])]
    assert "/human_handoff" in payloads


def test_medication_answer_points_to_the_prescriber():
    body, _ = _body_and_source(ANSWERS["utter_faq/medication_during_tms"][0]["text"])
    assert re.search(r"prescrib|doctor", body, re.I)


def test_no_answer_states_the_unverified_price_range():
    body, _ = _body_and_source(ANSWERS["utter_faq/cost"][0]["text"])
    assert "$" not in body


def test_insurance_outside_the_us_never_gives_us_rules():
    variants = ANSWERS["utter_faq/insurance"]
    outside = {v["condition"][0]["value"]: v for v in variants if "condition" in v}
    resources = load_yaml(ROOT / "bot" / "config" / "crisis_resources.yml")
    assert sorted(outside) == sorted(c for c in resources if c != "US")
    for variant in outside.values():
        assert not re.search(r"Medicare|Medicaid|LCD", variant["text"])
        assert "/insurance_help" not in [b["payload"] for b in variant.get("buttons", [])]


# Corrections from the fact sheet's additions (issue 14): each stays made.
CORRECTIONS = [
    ("accelerated_protocols", r"right after", "SAINT remission was right after the course"),
    ("accelerated_protocols", r"later trial", "the later randomised trial"),
    ("seizure_risk", r"1 person in 1,400", "per-person risk over a course"),
    ("seizure_risk", r"1 in 180.*1 in 7,000", "deep TMS vs standard coils"),
    ("insurance", r"severe depression", "Medicare: severe depression"),
    ("insurance", r"one or more.*two kinds", "one or more antidepressants, some regions two"),
    ("insurance", r"Medicare Advantage", "rules vary by region and Medicare Advantage plan"),
    ("contraindications", r"Pacemakers and implanted defibrillators", "names the devices"),
    ("contraindications", r"Braces and fillings are usually fine", "usually fine"),
    ("other_treatment_options", r"on its own", "esketamine may be given alone"),
    ("effectiveness", r"fake.*In clinics", "a controlled-trial figure next to clinic figures"),
]


@pytest.mark.parametrize("topic, pattern, what", CORRECTIONS, ids=[c[2] for c in CORRECTIONS])
def test_correction_is_in_the_answer(topic, pattern, what):
    assert re.search(pattern, ANSWERS[f"utter_faq/{topic}"][0]["text"], re.S), what


def test_old_errors_are_gone():
    sheet = FACTS.replace("\n", " ")
    assert "remitted 4 weeks after treatment" not in sheet
    assert "moderate to severe" not in ANSWERS["utter_faq/insurance"][0]["text"]
    assert "(Braces and fillings are usually fine.)" in \
        load_yaml(ROOT / "data" / "responses" / "forms.yml")["responses"]["utter_ask_screen_metal"][0]["text"]
    assert "pacemaker" in \
        load_yaml(ROOT / "data" / "responses" / "forms.yml")["responses"]["utter_ask_screen_metal"][0]["text"]


# The readability counter itself.
@pytest.mark.parametrize("word, expected", [
    ("cat", 1), ("table", 2), ("rule", 1), ("time", 1), ("helped", 1), ("needed", 2),
    ("trial", 2), ("serious", 3), ("psychiatrist", 4), ("medication", 4), ("TMS", 3),
    ("30,000", 4), ("5", 1), ("depression", 3), ("usually", 4), ("people", 2),
])
def test_syllables(word, expected):
    assert readability.syllables(word) == expected


def test_grade_formula_and_source_line_left_out():
    text = "The cat sat on the mat. It was a big cat.\nSource: Mayo Clinic; NIMH"
    m = readability.measure(text)
    assert (m.words, m.sentences, m.syllables) == (11, 2, 11)
    assert round(m.grade, 2) == round(0.39 * 11 / 2 + 11.8 - 15.59, 2)
    assert readability.first_sentence(text) == "The cat sat on the mat."
    long = ("Transcranial magnetic stimulation demonstrates considerable therapeutic efficacy "
            "for individuals experiencing treatment-resistant depressive disorders.")
    assert readability.grade(long) > 15
