"""Free-text answers to the pre-screening and insurance questions."""
import pytest

from actions.form_answers import NO, NOT_SURE, YES, count, coverage, yes_no

YES_NO_CASES = [
    ("yes", YES), ("Yes.", YES), ("yeah", YES), ("yep i do", YES), ("yup", YES),
    ("I had one at 12", YES), ("had a seizure as a kid", YES), ("i have a cochlear implant", YES),
    ("there's a clip from an aneurysm surgery", YES), ("I've got a stent in my neck", YES),
    ("diagnosed bipolar 2 in 2019", YES), ("i'm pregnant", YES), ("we're trying for a baby", YES),
    ("epilepsy when i was little", YES), ("once, years ago", YES),
    ("no", NO), ("No.", NO), ("nope", NO), ("nah", NO), ("never", NO), ("none", NO),
    ("not that i know of", NO), ("i don't think so", NO), ("no metal", NO),
    ("i'm a man lol", NO), ("doesn't apply", NO), ("n/a", NO), ("not pregnant", NO),
    ("I don't have epilepsy", NO), ("i have never had a seizure", NO), ("nothing like that", NO),
    ("not sure", NOT_SURE), ("idk", NOT_SURE), ("dunno tbh", NOT_SURE), ("maybe?", NOT_SURE),
    ("I can't remember", NOT_SURE), ("no idea", NOT_SURE), ("possibly, as a baby", NOT_SURE),
    ("i don't know", NOT_SURE), ("hard to say", NOT_SURE),
    ("no, but I had one as a kid", YES),
    ("what?", None), ("", None), ("purple", None), (None, None), (42, None),
]


@pytest.mark.parametrize("text, expected", YES_NO_CASES)
def test_yes_no(text, expected):
    assert yes_no(text) == expected


COUNT_CASES = [
    ("3", 3), ("2 i think", 2), ("three", 3), ("just one", 1), ("one, lexapro", 1),
    ("a couple", 2), ("a few", 3), ("several", 3), ("too many to count", 4), ("none", 0),
    ("zero", 0), ("i haven't tried any", 0), ("0", 0), ("maybe 4", 4), ("about five", 5),
    ("not sure", NOT_SURE), ("idk", NOT_SURE), ("can't remember", NOT_SURE),
    ("banana", None), ("", None), ("999", None),
]


@pytest.mark.parametrize("text, expected", COUNT_CASES)
def test_count(text, expected):
    assert count(text) == expected


COVERAGE_CASES = [
    ("medicare", "medicare"), ("I have Medicare Advantage", "medicare"),
    ("medicaid", "medicaid"), ("medi-cal", "medicaid"), ("state plan", "medicaid"),
    ("private insurance through work", "commercial"), ("blue cross", "commercial"),
    ("Aetna PPO", "commercial"), ("through my husband's job", "commercial"),
    ("no insurance", "none"), ("i'm uninsured", "none"), ("self pay", "none"),
    ("outside the US", "outside_us"), ("I'm in the UK, NHS", "outside_us"),
    ("canada", "outside_us"), ("Medicare in Australia", "outside_us"),
    ("hmm", None), ("", None),
]


@pytest.mark.parametrize("text, expected", COVERAGE_CASES)
def test_coverage(text, expected):
    assert coverage(text) == expected


VOLUNTEERED_CASES = [
    # (text, question asked, text left for it, answers volunteered)
    ("I had a seizure at 12", "screen_meds_tried", "", {"screen_seizures": YES}),
    ("two, and i had a seizure at 12", "screen_meds_tried", "two", {"screen_seizures": YES}),
    ("no seizures but I have a pacemaker", "screen_seizures", "no seizures", {"screen_metal": YES}),
    ("3 and im pregnant", "screen_meds_tried", "3", {"screen_pregnancy": YES}),
    ("not sure, i might be pregnant", "screen_therapy", "not sure", {"screen_pregnancy": NOT_SURE}),
    ("yes, and I was diagnosed bipolar in 2019", "screen_therapy", "yes",
     {"screen_bipolar_psychosis": YES}),
    ("i have never had a seizure", "screen_metal", "", {"screen_seizures": NO}),
    ("i have a defibrillator", "screen_bipolar_psychosis", "", {"screen_metal": YES}),
    # The question's own topic, someone else, or a question: nothing volunteered.
    ("I had a seizure at 12", "screen_seizures", "i had a seizure at 12", {}),
    ("my mom has bipolar", "screen_pregnancy", "", {}),
    ("can i have tms with a pacemaker?", "screen_seizures", "can i have tms with a pacemaker?", {}),
    ("yes", "screen_metal", "yes", {}),
]


@pytest.mark.parametrize("text, asked, rest, found", VOLUNTEERED_CASES)
def test_volunteered_answers(text, asked, rest, found):
    from actions.form_answers import volunteered
    assert volunteered(text, asked) == (rest, found)


def test_an_age_is_not_a_medication_count():
    assert count("I had a seizure at 12") is None
    assert count("2 since 2019") == 2


@pytest.mark.parametrize("kind", ["medicare", "medicaid", "commercial", "none"])
def test_us_rules_only_for_the_us(kind):
    from actions.form_answers import OUTSIDE_US, coverage_for_country
    assert coverage_for_country(kind, "US") == kind
    for country in ("AU", "CA", "GB", "IE", "NZ"):
        assert coverage_for_country(kind, country) == OUTSIDE_US
