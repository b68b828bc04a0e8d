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


# The clinic's own details (issue 14, item 5).
CLINIC_FIELDS = ("name", "short_name", "phone", "phone_display", "email", "booking_url",
                 "billing_contact", "country", "timezone", "address", "parking", "transit",
                 "opening_hours", "languages", "insurers", "first_appointment_wait", "referral")
CLINIC_RESPONSES = ("utter_clinic_location", "utter_clinic_hours", "utter_clinic_hours_day_open",
                    "utter_clinic_hours_day_closed", "utter_clinic_hours_day_unknown",
                    "utter_clinic_contact", "utter_clinic_booking", "utter_clinic_languages",
                    "utter_clinic_insurers", "utter_clinic_wait_time", "utter_clinic_referral")


def test_fictional_default_fills_every_clinic_field():
    clinic = config.clinic()
    for field in CLINIC_FIELDS:
        assert clinic.get(field), field
    assert all(config.day_hours(clinic["opening_hours"], day) for day in config.WEEKDAYS)
    assert "(demo" in clinic["address"]


def _render_with(tmp_path, monkeypatch, clinic_text):
    path = tmp_path / "clinic.yml"
    path.write_text(clinic_text)
    monkeypatch.setenv("TMS_CLINIC_CONFIG", str(path))
    config.clinic.cache_clear()
    try:
        return load_yaml_text(render.render())["responses"]
    finally:
        monkeypatch.delenv("TMS_CLINIC_CONFIG")
        config.clinic.cache_clear()


def load_yaml_text(text):
    import yaml
    return yaml.safe_load(text)


MINIMAL_CLINIC = 'name: "Tiny Clinic (demo)"\nphone: "+1 202 555 0199"\ncountry: "US"\n'


def test_clinic_with_missing_values_still_renders_every_response(tmp_path, monkeypatch):
    responses = _render_with(tmp_path, monkeypatch, MINIMAL_CLINIC + "email: ''\ninsurers: []\n")
    templates = load_yaml(ROOT / "bot" / "config" / "response_templates.yml")
    assert set(templates) <= set(responses)
    for name, variants in responses.items():
        for variant in variants:
            text = variant["text"]
            assert "None" not in text and "()" not in text and " ," not in text, (name, text)
            assert not re.search(r"\{(?!day\}|day_hours\})\w*\}", text), (name, text)
    for name in CLINIC_RESPONSES:
        text = responses[name][0]["text"]
        if name not in ("utter_clinic_hours_day_open", "utter_clinic_hours_day_closed"):
            assert "555 0199" in text or "please call" in text.lower(), (name, text)
    assert "billing" in responses["utter_clinic_insurers"][0]["text"]
    assert "call" in responses["utter_clinic_insurers"][0]["text"].lower()
    handoff = responses["utter_handoff_contact"][0]["text"]
    assert "555 0199" in handoff and "email" not in handoff and "book" not in handoff


def test_each_missing_value_falls_back_on_its_own(tmp_path, monkeypatch):
    full = (ROOT / "bot" / "config" / "clinic.yml").read_text()
    for field in ("address", "opening_hours", "email", "booking_url", "languages", "insurers",
                  "first_appointment_wait", "referral", "parking"):
        text = re.sub(rf"(?m)^{field}:.*(\n  .*)*\n", "", full)
        assert text != full, field
        responses = _render_with(tmp_path, monkeypatch, text)
        for name in CLINIC_RESPONSES:
            rendered = responses[name][0]["text"]
            assert "None" not in rendered and not re.search(r"\{(?!day\}|day_hours\})", rendered), \
                (field, name, rendered)


def test_hours_summary_and_day_hours():
    week = {"monday": "9am to 5pm", "tuesday": "9am to 5pm", "wednesday": "closed",
            "thursday": "9am to 5pm", "saturday": "closed", "sunday": "closed"}
    assert config.hours_summary(week) == \
        "Monday to Tuesday 9am to 5pm, Thursday 9am to 5pm; closed on Wednesday and Saturday to Sunday"
    assert config.day_hours(week, "friday") is None
    assert config.day_hours(week, "sunday") == config.CLOSED
    assert config.hours_summary({}) is None and config.hours_summary(None) is None


def test_spelling_follows_the_clinic():
    from bot.config import spelling
    assert spelling.variant_for({"country": "US"}) == "US"
    assert spelling.variant_for({"country": "GB"}) == "GB"
    assert spelling.variant_for({"country": "AU", "spelling": "us"}) == "US"
    assert spelling.convert("Anesthesia at the center.", "GB") == "Anaesthesia at the centre."
    assert spelling.convert("Colours at the Centre.", "US") == "Colors at the Center."


def test_rendered_templates_take_the_clinic_spelling_but_values_stay_as_written(tmp_path,
                                                                               monkeypatch):
    template = {"text": "Our center is at {clinic_address}.", "per_country": False}
    for country, word in (("GB", "centre"), ("US", "center")):
        path = tmp_path / "clinic.yml"
        path.write_text(MINIMAL_CLINIC.replace('"US"', f'"{country}"')
                        + 'address: "1 Health Center Road"\n')
        monkeypatch.setenv("TMS_CLINIC_CONFIG", str(path))
        config.clinic.cache_clear()
        try:
            [variant] = render._template_variants(template)
        finally:
            monkeypatch.delenv("TMS_CLINIC_CONFIG")
            config.clinic.cache_clear()
        assert variant["text"] == f"Our {word} is at 1 Health Center Road."
