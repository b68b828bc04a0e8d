"""Unit tests of the widget's channel (bot/channels/webchat.py): no server, no browser."""
from __future__ import annotations

import html

import pytest
from rasa.shared.core.events import BotUttered, UserUttered

from bot import config
from bot.channels import origins, webchat


@pytest.mark.parametrize("origin, allowed", [
    (None, True),                                   # not a browser
    ("http://127.0.0.1:5005", True),                # the demo page itself (RASA_PORT)
    ("http://127.0.0.1:5005/", True),
    ("https://127.0.0.1:5005", False),              # same host, other scheme
    ("http://127.0.0.1:5006", False),               # same host, other port
    ("http://evil.example", False),
    ("http://localhost:5005", False),
    ("https://www.clinic.example", True),           # ALLOWED_ORIGINS
    ("HTTPS://WWW.Clinic.example/", True),
    ("https://www.clinic.example:443", True),       # default port spelled out
    ("http://www.clinic.example", False),           # scheme differs
    ("https://www.clinic.example:8443", False),     # port differs
    ("https://www.clinic.example.evil", False),
    ("null", False),
])
def test_origin_compared_whole_never_with_the_host_header(monkeypatch, origin, allowed):
    monkeypatch.setenv("RASA_PORT", "5005")
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://www.clinic.example")
    assert origins.allowed(origin) is allowed


def test_one_parser_for_allowed_origins(monkeypatch):
    monkeypatch.setenv("RASA_PORT", "5005")
    monkeypatch.setenv("ALLOWED_ORIGINS", " https://A.example/, ,https://b.example ")
    assert origins.configured() == ("http://127.0.0.1:5005", "https://a.example", "https://b.example")
    monkeypatch.delenv("ALLOWED_ORIGINS")
    assert origins.configured() == ("http://127.0.0.1:5005",)
    for bad in ("*", "https://*.clinic.example", "clinic.example", "ftp://clinic.example"):
        with pytest.raises(origins.OriginError):
            origins.parse(bad)


def test_crisis_marker():
    us = config.resources_for("US")["buttons"]
    assert webchat.crisis_kind(us, "utter_crisis") == "alert"
    assert webchat.crisis_kind([], "utter_crisis_unsafe") == "alert"
    assert webchat.crisis_kind(us[:1], "utter_crisis_reminder") == "support"
    clinic_phone = [{"title": "Call the clinic", "payload": "tel:+12025550100"}]
    assert webchat.crisis_kind(clinic_phone, "utter_handoff_contact") is None
    assert webchat.crisis_kind([{"title": "x", "payload": "/faq/cost"}], "utter_faq") is None


def test_bot_message_is_one_message_with_buttons():
    text = "First paragraph.\n\nSource: somewhere"
    message = webchat.bot_message(text, [{"title": "Talk to a person", "payload": "/human_handoff"}],
                                  "utter_faq/what_is_tms")
    assert message["text"] == text
    assert message["quick_replies"] == [{"content_type": "text", "title": "Talk to a person",
                                         "payload": "/human_handoff"}]
    assert "crisis" not in message and message["id"]
    assert webchat.bot_message("x", tracked=False)["untracked"] is True


def test_replay_counts_bot_messages():
    events = [UserUttered("hi"), BotUttered("one"), UserUttered("q"),
              BotUttered("two", {"buttons": [{"title": "Call 988", "payload": "tel:988"}]},
                         {"utter_action": "utter_crisis"}),
              BotUttered("three")]
    replay = webchat.replay_messages(events, known=1)
    assert [m["text"] for m in replay] == ["two", "three"]
    assert replay[0]["crisis"] == "alert" and replay[0]["id"] == "t1" and replay[0]["replay"]
    assert webchat.replay_messages(events, known=3) == []
    many = [BotUttered(str(i)) for i in range(50)]
    assert len(webchat.replay_messages(many, known=0)) == webchat.MAX_REPLAY


@pytest.mark.parametrize("country", ["US", "GB", "UK", "AU", "xx", None])
def test_widget_config_comes_from_bot_config(country):
    settings = webchat.widget_config(country)
    resources = config.resources_for(country)
    assert settings["crisis"]["short_line"] == resources["short_line"]
    assert settings["crisis"]["country"] == (config.normalise_country(country)
                                             or config.clinic()["country"])
    assert settings["crisis"]["call_href"] in [b["payload"] for b in resources["buttons"]]
    assert settings["clinic"]["name"] == config.clinic()["name"]
    assert settings["clinic"]["phone_href"].startswith("tel:+")


def test_demo_page_escapes_the_clinic_config():
    page = webchat.demo_page()
    assert html.escape(config.clinic()["name"]) in page
    assert "{{" not in page
    assert 'src="/webhooks/webchat/widget.js"' in page
