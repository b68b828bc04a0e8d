"""Follow-up questions answered in context, measured as real two-turn conversations
through the trained assistant (tests/followup_eval.py; figures: benchmarks/followups.py).

Blind set (tests/nlu/followups_blind.yml, 70 follow-ups + 20 controls, written by a
colleague who saw neither data nor model; never trained or tuned on). First run, before
follow-up handling: follow-ups 0.557 (39/70), controls 1.000 (20/20). With FollowUpContext:
follow-ups 0.814 (57/70), controls 1.000. The issue's target for follow-ups is 0.90: not
reached; the floor below is the figure reached, so a regression fails. Controls must stay
at today's 20/20.
Development set (tests/nlu/followups_dev.yml, ours, tuned on): follow-ups 0.792 (80/101;
0.31 read on their own), controls 20/20, and 12 "other" second messages (thanks, bye,
gibberish, crisis, a hand-off, out of scope ...) that must keep their own reply.
A short new question right after an FAQ ("does tms hurt?" after "what is tms?", found in the
widget test) was read as a follow-up; context.stands_alone now leaves a cue-less message that
its own reading puts elsewhere with >= 0.6 alone. That cost: blind 0.814 -> 0.829 (up), dev
0.792 -> 0.733 (ours, tuned on), blind set 2 0.883 -> 0.867.
Blind set 2 (tests/nlu/followups_blind2.yml, 60 + 15 controls, written by another colleague
from the topic list only): first run 0.883 / controls 0.933 (14/15), before the change above.
"""
import pytest

from tests import followup_eval

BLIND_FOLLOWUPS_FLOOR = 0.80   # reached: 0.829 (58/70)
DEV_FOLLOWUPS_FLOOR = 0.72     # reached: 0.733 (74/101)
BLIND2_FOLLOWUPS_FLOOR, BLIND2_CONTROLS_FLOOR = 0.85, 0.93  # reached: 0.867, 0.933


@pytest.fixture(scope="module")
def agent():
    from rasa.core.agent import Agent

    followup_eval.quiet()
    return Agent.load(str(followup_eval.MODEL))


@pytest.fixture(scope="module")
def blind(agent):
    return followup_eval.score_pairs(agent, followup_eval.load_pairs(followup_eval.BLIND),
                                     "blind")


@pytest.fixture(scope="module")
def dev(agent):
    return followup_eval.score_pairs(agent, followup_eval.load_pairs(followup_eval.DEV), "dev")


def test_blind_follow_ups(blind, capsys):
    with capsys.disabled():
        print("\n" + followup_eval.summary("followups_blind", blind))
    assert blind["followups"]["n"] == 70 and blind["controls"]["n"] == 20
    assert blind["followups"]["accuracy"] >= BLIND_FOLLOWUPS_FLOOR
    assert blind["controls"]["correct"] == blind["controls"]["n"], blind["controls"]["errors"]


def test_blind_follow_ups_set_2(agent, capsys):
    from tests.helpers import ROOT

    report = followup_eval.score_pairs(
        agent, followup_eval.load_pairs(ROOT / "tests" / "nlu" / "followups_blind2.yml"), "blind2")
    with capsys.disabled():
        print("\n" + followup_eval.summary("followups_blind2", report))
    assert report["followups"]["n"] == 60 and report["controls"]["n"] == 15
    assert report["followups"]["accuracy"] >= BLIND2_FOLLOWUPS_FLOOR
    assert report["controls"]["accuracy"] >= BLIND2_CONTROLS_FLOOR


def test_dev_follow_ups_and_other_replies(dev, capsys):
    with capsys.disabled():
        print("\n" + followup_eval.summary("followups_dev", dev))
    assert dev["followups"]["accuracy"] >= DEV_FOLLOWUPS_FLOOR
    assert dev["controls"]["correct"] == dev["controls"]["n"], dev["controls"]["errors"]
    assert dev["other"]["correct"] == dev["other"]["n"], dev["other"]["errors"]


@pytest.mark.parametrize("first, second, reply", [
    ("what are the side effects of tms", "i want to kill myself", "utter_crisis"),
    ("how much does tms cost", "and what if i cant pay, i'd rather be dead", "utter_crisis"),
    ("does insurance cover tms", "zxqv blorp", "action_fallback_suggestions"),
    ("does insurance cover tms", "what about medicaid?", "insurance"),
    # New questions right after an FAQ answer are read on their own.
    ("What is TMS?", "does tms hurt?", "is_it_painful"),
    ("What is TMS?", "does it hurt?", "is_it_painful"),
    ("What is TMS?", "is it safe?", "safety"),
])
def test_crisis_wins_and_gibberish_falls_back_after_an_faq(agent, first, second, reply):
    import asyncio

    answers = asyncio.run(followup_eval.converse(agent, f"t-{first}-{second}", [first, second]))
    assert answers[1] == reply


def test_follow_up_over_rest(servers):
    """Through the REST channel and a real server (the tracker store's conversation)."""
    import uuid

    from tests.helpers import ROOT, load_yaml, rest_say

    faq = load_yaml(ROOT / "data" / "responses" / "faq.yml")["responses"]
    sender = f"followup-{uuid.uuid4().hex}"
    first = rest_say(servers.port, sender, "does insurance pay for tms")
    second = rest_say(servers.port, sender, "what about medicaid?")
    assert first[0]["text"] == faq["utter_faq/insurance"][0]["text"]
    assert second[0]["text"] == faq["utter_faq/insurance"][0]["text"]
    # The same words, with no topic before them and after one.
    alone = rest_say(servers.port, f"alone-{uuid.uuid4().hex}", "do i need my doctor for that")
    sender = f"after-{uuid.uuid4().hex}"
    rest_say(servers.port, sender, "how do i sign up for tms")
    after = rest_say(servers.port, sender, "do i need my doctor for that")
    assert alone[0]["text"] == faq["utter_faq/talk_to_doctor"][0]["text"]
    assert after[0]["text"] == faq["utter_faq/getting_started"][0]["text"]
