"""Clinic config, crisis resources and the rendered responses."""
import re

import pytest

from bot import config
from bot.config import render
from tests.helpers import FACTS_FILE, ROOT, load_yaml

RESOURCES = config.crisis_resources()


def test_rendered_responses_are_in_sync_with_config():
    assert render.main(["--check"]) == 0, "run `make responses`"


def test_default_clinic_is_obviously_fictional_and_complete():
    clinic = config.clinic()
    assert "example" in clinic["name"].lower()
    assert ".invalid" in clinic["booking_url"]
    assert re.search(r"555[ -]?01\d\d", clinic["phone"]), "use a reserved fictional number"
    assert clinic["country"] in RESOURCES


@pytest.mark.parametrize("country", sorted(RESOURCES))
@pytest.mark.parametrize("kind", ["self", "other", "concern"])
def test_first_crisis_message_fits_an_sms_and_carries_the_numbers(country, kind):
    res = RESOURCES[country]
    text = res[kind]
    assert len(text) <= 320
    assert res["call"] in text
    if kind != "concern":
        assert res["emergency"] in text or "emergency" in text
    assert "?" in text or kind == "other", "asks whether they are safe"
    lowered = text.lower()
    for banned in ("committed suicide", "successful", "failed attempt", "secret"):
        assert banned not in lowered


def test_crisis_numbers_come_from_the_fact_sheet():
    facts = FACTS_FILE.read_text()
    for country, res in RESOURCES.items():
        for button in res["buttons"]:
            digits = re.sub(r"\D", "", button["payload"])
            spaced = [m for m in re.findall(r"[\d][\d \-]{1,14}\d|\b\d{3}\b", facts)
                      if re.sub(r"\D", "", m) == digits]
            assert spaced, f"{country}: {button} not in the fact sheet"


def test_every_country_has_a_crisis_variant_for_each_case():
    generated = load_yaml(ROOT / "data" / "responses" / "generated.yml")["responses"]
    conditions = [
        {c["name"]: c["value"] for c in variant.get("condition", [])}
        for variant in generated["utter_crisis"]
    ]
    for country in [None, *RESOURCES]:
        for subject in ("self", "other"):
            for severity in ("crisis", "concern"):
                want = {"country": country, "crisis_subject": subject, "crisis_severity": severity}
                assert conditions.count(want) == 1, want
    assert {} in conditions, "an unconditional default variant"


def test_unknown_country_falls_back_to_the_clinic():
    assert config.resources_for("ZZ") is RESOURCES[config.clinic()["country"]]
    assert config.resources_for(None) is RESOURCES[config.clinic()["country"]]
    assert config.resources_for(12) is RESOURCES[config.clinic()["country"]]
    assert config.resources_for("uk") is RESOURCES["GB"]
