"""PHQ-9 and contact-form test conversations (tests/test_stories_phq9.yml), --fail-on-prediction-errors."""
from tests.helpers import MODEL, RASA, REPORTS, run


def test_phq9_and_contact_stories_pass_without_prediction_errors():
    out = REPORTS / "stories_phq9"
    result = run([RASA, "test", "core", "--model", str(MODEL), "--stories",
                  "tests/test_stories_phq9.yml", "--fail-on-prediction-errors", "--out", str(out)],
                 timeout=900)
    failed = out / "failed_test_stories.yml"
    detail = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, (detail or result.stdout[-4000:] + result.stderr[-4000:])
    assert "None of the test stories failed" in detail or not detail.strip().strip("#").strip(), detail
