"""Two-turn follow-up conversations (tests/test_followup_stories.yml) with
`rasa test core --e2e --fail-on-prediction-errors`, through tests/story_runner.py so
NLU sees the conversation so far as in a live turn. A check that the same stories fail
when NLU gets no conversation shows the runner matters: one story has the same words
twice ("do i need my doctor for that", first with no topic before it, then after
"how do i sign up for tms") with two different answers, which no reading of the words
alone can pass."""
from tests.helpers import MODEL, PYTHON, REPORTS, run

STORIES = "tests/test_followup_stories.yml"


def _story_test(out, *runner):
    return run([PYTHON, "-m", *runner, "test", "core", "--e2e", "--model", str(MODEL),
                "--stories", STORIES, "--fail-on-prediction-errors", "--out", str(out)],
               timeout=900)


def test_followup_stories_pass_in_context():
    out = REPORTS / "followup_stories"
    result = _story_test(out, "tests.story_runner")
    failed = out / "failed_test_stories.yml"
    detail = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, (detail or result.stdout[-4000:] + result.stderr[-4000:])
    assert "None of the test stories failed" in detail or not detail.strip().strip("#").strip(), \
        detail


def test_same_stories_fail_without_the_conversation():
    """Stock `rasa test` (no tracker for NLU): the follow-ups are read on their own."""
    result = _story_test(REPORTS / "followup_stories_stock", "rasa")
    assert result.returncode != 0
    assert "NLU model predicted a wrong intent" in result.stdout + result.stderr
