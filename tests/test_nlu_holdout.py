"""FAQ quality on the hold-out set (never trained on), with the real config.

The issue's target is overall FAQ sub-intent accuracy >= 0.93 with no topic
below 0.75. On our blind hold-out (~20 examples a topic, written by people who
never saw the training data) the model reaches about 0.92 overall, lowest topic
0.75 (reports/nlu_holdout.md). The assertions below are regression floors a
little under what we measure, NOT the target: the target is reported by
`make bench` and the issue stays open until it is met.
"""
from tests import nlu_eval

TARGET_OVERALL, TARGET_TOPIC = 0.93, 0.75
FLOOR_OVERALL, FLOOR_TOPIC = 0.90, 0.65


def test_holdout_accuracy_per_topic(capsys):
    report = nlu_eval.score()
    faq = {k: v for k, v in report["per_label"].items() if k.startswith("faq/")}
    with capsys.disabled():
        print(f"\nFAQ hold-out accuracy {report['faq_accuracy']:.3f} over {report['faq_examples']}"
              f" examples (report: reports/nlu_holdout.md)")
        for label, entry in report["per_label"].items():
            if entry["accuracy"] < 1.0:
                print(f"  {label:45s} {entry['accuracy']:.2f}  e.g. {entry['errors'][0]}")
        weakest = min(v["accuracy"] for v in faq.values())
        met = report["faq_accuracy"] >= TARGET_OVERALL and weakest >= TARGET_TOPIC
        print(f"  target {TARGET_OVERALL}/{TARGET_TOPIC}: {'met' if met else 'NOT met'}"
              f" (overall {report['faq_accuracy']:.3f}, weakest topic {weakest:.2f})")
    assert len(faq) == 28
    assert report["faq_accuracy"] >= FLOOR_OVERALL
    weak = {k: v["accuracy"] for k, v in faq.items() if v["accuracy"] < FLOOR_TOPIC}
    assert not weak, weak
