"""FAQ quality on the hold-out set (never trained on), with the real config."""
from tests import nlu_eval


def test_holdout_accuracy_per_topic(capsys):
    report = nlu_eval.score()
    faq = {k: v for k, v in report["per_label"].items() if k.startswith("faq/")}
    with capsys.disabled():
        print(f"\nFAQ hold-out accuracy {report['faq_accuracy']:.3f} over {report['faq_examples']}"
              f" examples (report: reports/nlu_holdout.md)")
        for label, entry in report["per_label"].items():
            if entry["accuracy"] < 1.0:
                print(f"  {label:45s} {entry['accuracy']:.2f}  e.g. {entry['errors'][0]}")
    assert len(faq) == 28
    assert report["faq_accuracy"] >= 0.93
    weak = {k: v["accuracy"] for k, v in faq.items() if v["accuracy"] < 0.75}
    assert not weak, weak
