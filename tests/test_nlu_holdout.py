"""FAQ quality on the blind hold-outs (never trained on), with the real config.

Hold-out 1 (tests/nlu/faq_holdout.yml, ~20 a topic) is the issue's figure:
overall FAQ sub-intent accuracy >= 0.93 and no topic below 0.75, asserted.
Hold-out 2 (faq_holdout2.yml, 12 a topic) was written later by a colleague who
saw neither the training data nor hold-out 1, and was never used to choose
anything; it is reported, with a regression floor a little under what we
measure. Reports: reports/nlu_holdout.md, reports/nlu_holdout2.md.
Short replies (short_replies_holdout.yml: yes / no, also to "are you safe
right now?", stop, screening answers ...; 13 intents) were written blind by
another colleague; the 64 of 151 lines identical to a training line ("yes",
"no") were removed, 87 remain. Before the training lines for those intents
were added (written without seeing it): 0.805, affirm 0.60, one yes read as
no; after: 0.931. Asserted: >= 0.90, and yes is never taken for no or the
other way round (after the crisis reply that choice picks the emergency number
or the check-in); a "no, I'm not safe" read as crisis is the safer reply and
counts as right for no.
Report: reports/short_replies.md.
"""
import pytest

from actions import clinic_answers
from tests import nlu_eval
from tests.helpers import nlu_examples, topic_ids

TARGET_OVERALL, TARGET_TOPIC = 0.93, 0.75
FLOOR2_OVERALL, FLOOR2_TOPIC = 0.90, 0.65
FLOOR_SHORT = 0.90
# faq/phq9's 14 blind lines (tests/nlu/faq_holdout_new_topics.yml); first run 0.357 (n-gram model).
FLOOR_NEW_TOPICS = 0.35
# Clinic questions (tests/nlu/clinic_holdout.yml, 98 lines, 12-13 per intent): a
# development set written by the author of data/nlu/clinic.yml (not blind). First
# figure 0.888 (languages 0.75, location 0.69, wait time 0.75); 17 training lines
# were then added for the weak phrasings (not copied): 0.949.
FLOOR_CLINIC, FLOOR_CLINIC_INTENT = 0.90, 0.75


def summary(name, report):
    faq = {k: v for k, v in report["per_label"].items() if k.startswith("faq/")}
    weakest = min(v["accuracy"] for v in faq.values())
    print(f"\n{name}: FAQ accuracy {report['faq_accuracy']:.3f} over {report['faq_examples']}"
          f" examples, weakest topic {weakest:.2f} (reports/{name}.md)")
    for label, entry in report["per_label"].items():
        if entry["accuracy"] < 1.0:
            print(f"  {label:45s} {entry['accuracy']:.2f}  e.g. {entry['errors'][0]}")
    return faq, weakest


@pytest.fixture(scope="module")
def reports():
    """Every hold-out scored once (one model load) for the tests below."""
    return nlu_eval.score_all()


def test_holdout_accuracy_per_topic(reports, capsys):
    with capsys.disabled():
        faq, weakest = summary("nlu_holdout", reports["nlu_holdout"])
        faq2, weakest2 = summary("nlu_holdout2", reports["nlu_holdout2"])
    later = {k.split("/", 1)[1] for k in nlu_examples(nlu_eval.HOLDOUTS["new_topics"])}
    covered = [t for t in topic_ids() if t not in later]
    assert len(faq) == len(covered) and len(faq2) == len(covered)
    assert reports["nlu_holdout"]["faq_accuracy"] >= TARGET_OVERALL
    assert weakest >= TARGET_TOPIC, {k: v["accuracy"] for k, v in faq.items()
                                     if v["accuracy"] < TARGET_TOPIC}
    assert reports["nlu_holdout2"]["faq_accuracy"] >= FLOOR2_OVERALL
    assert weakest2 >= FLOOR2_TOPIC, {k: v["accuracy"] for k, v in faq2.items()
                                      if v["accuracy"] < FLOOR2_TOPIC}


def test_topics_added_later(reports, capsys):
    """Topics added after hold-outs 1 and 2 (faq/phq9 so far) on their blind lines."""
    report = reports["new_topics"]
    with capsys.disabled():
        summary("new_topics", report)
    assert report["faq_examples"] >= 12
    assert report["faq_accuracy"] >= FLOOR_NEW_TOPICS


def test_short_replies(reports, capsys):
    report = reports["short_replies"]
    labels = report["per_label"]
    safer = [e for e in labels["deny"]["errors"] if e["predicted"] == "crisis"]
    correct = sum(v["correct"] for v in labels.values()) + len(safer)
    total = sum(v["n"] for v in labels.values())
    with capsys.disabled():
        print(f"\nshort replies: {correct / total:.3f} over {total} (no -> crisis counted right:"
              f" {len(safer)}); reports/short_replies.md")
        for label, entry in labels.items():
            if entry["accuracy"] < 1.0:
                print(f"  {label:20s} {entry['accuracy']:.2f}  e.g. {entry['errors'][0]}")
    assert len(labels) == 13
    assert correct / total >= FLOOR_SHORT
    crossed = [e for e in labels["affirm"]["errors"] if e["predicted"] == "deny"] + \
              [e for e in labels["deny"]["errors"] if e["predicted"] == "affirm"]
    assert not crossed, crossed


def test_clinic_questions(reports, capsys):
    labels = reports["clinic_holdout"]["per_label"]
    with capsys.disabled():
        print(f"\nclinic questions: {reports['clinic_holdout']['all_accuracy']:.3f} over "
              f"{sum(v['n'] for v in labels.values())} (reports/clinic_holdout.md)")
        for label, entry in labels.items():
            if entry["accuracy"] < 1.0:
                print(f"  {label:20s} {entry['accuracy']:.2f}  e.g. {entry['errors'][0]}")
    assert len(labels) == len(clinic_answers.intents())
    assert reports["clinic_holdout"]["all_accuracy"] >= FLOOR_CLINIC
    weak = {k: v["accuracy"] for k, v in labels.items() if v["accuracy"] < FLOOR_CLINIC_INTENT}
    assert not weak, weak
