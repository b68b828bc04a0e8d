"""Every FAQ answer: one per topic, short, sourced from the fact sheet."""
import re

import pytest

from tests.helpers import FACTS_FILE, ROOT, load_yaml, topic_ids

ANSWERS = load_yaml(ROOT / "data" / "responses" / "faq.yml")["responses"]
FACTS = FACTS_FILE.read_text()
# Readable source names used in answers -> a fact-sheet key that must exist.
READABLE = {
    "Mayo Clinic": "[Mayo]", "Cleveland Clinic": "[Cleveland]", "NIMH": "[NIMH",
    "NICE": "[NICE", "Medicare LCD": "[CMS L", "Aetna CPB 0469": "[Aetna CPB 0469]",
    "Centene CP.BH.200": "[Centene CP.BH.200]", "Ubie Doctor's Note": "[seed]",
    "NeuroStar labeling": "[NeuroStar", "Sheppard Pratt": "[Sheppard Pratt]",
    "MedStar Health": "[MedStar]", "AMA CPT": "[CPT]", "FDA 510(k)": "[FDA K",
    "Boulder TMS": "[Boulder TMS]", "MUHC": "[MUHC]",
}


def _body_and_source(topic):
    text = ANSWERS[f"utter_faq/{topic}"][0]["text"].strip()
    body, _, source = text.rpartition("\n")
    return body.strip(), source.strip()


def test_exactly_one_answer_per_topic():
    assert sorted(k.split("/", 1)[1] for k in ANSWERS if k.startswith("utter_faq/")) == \
        sorted(topic_ids())


@pytest.mark.parametrize("topic", topic_ids())
def test_answer_is_short_plain_and_sourced(topic):
    body, source = _body_and_source(topic)
    words = len(body.split())
    sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'])", body) if s.strip()]
    assert 2 <= len(sentences) <= 5, sentences
    assert words <= 90, words
    assert source.startswith("Source:"), source
    for name in [s.strip(" .") for s in source[len("Source:"):].split(";")]:
        key = next((v for k, v in READABLE.items() if name.startswith(k)), None)
        if key is None:  # "Author et al. Year" -> "[Author Year]"
            match = re.match(r"([A-Z][\w'’-]+)(?: et al\.)? (\d{4})", name)
            assert match, f"unreadable source {name!r}"
            key = f"[{match.group(1)} {match.group(2)}]"
        assert key in FACTS, f"{topic}: source {name!r} ({key}) not in the fact sheet"


@pytest.mark.parametrize("topic", ["cost", "insurance", "candidacy"])
def test_person_dependent_answers_offer_the_clinic(topic):
    answer = ANSWERS[f"utter_faq/{topic}"][0]
    payloads = [b["payload"] for b in answer.get("buttons", [])]
    assert "/human_handoff" in payloads


def test_medication_answer_points_to_the_prescriber():
    body, _ = _body_and_source("medication_during_tms")
    assert re.search(r"prescrib|doctor", body, re.I)


def test_no_answer_states_the_unverified_price_range():
    body, _ = _body_and_source("cost")
    assert "$" not in body
