"""Clinic configuration and crisis resources, read from one YAML file each.

Responses (rendered by `bot.config.render`), actions and the widget all read
the same two files through these helpers, so a clinic edits one place.
Environment variables can point at a clinic's own copies:
TMS_CLINIC_CONFIG and TMS_CRISIS_RESOURCES.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any, Dict

import yaml

CONFIG_DIR = Path(__file__).resolve().parent
DEFAULT_COUNTRY = "US"
# Everything else may be missing: responses then ask the person to call.
REQUIRED_CLINIC_KEYS = ("name", "phone", "country")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CLOSED = "closed"
# Channels other than these countries fall back to the clinic's country.
COUNTRY_ALIASES = {"UK": "GB", "USA": "US", "CAN": "CA", "AUS": "AU", "NZL": "NZ", "IRL": "IE"}


def _read_yaml(path: Path) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a mapping")
    return data


@functools.lru_cache(maxsize=None)
def clinic() -> Dict[str, Any]:
    """The clinic's details (name, phone, hours, booking URL, country...)."""
    path = Path(os.environ.get("TMS_CLINIC_CONFIG", CONFIG_DIR / "clinic.yml"))
    data = _read_yaml(path)
    missing = [key for key in REQUIRED_CLINIC_KEYS if not data.get(key)]
    if missing:
        raise ValueError(f"{path}: missing clinic settings {missing}")
    data["country"] = normalise_country(data["country"]) or DEFAULT_COUNTRY
    if not data.get("hours"):  # one place for the hours: the per-day table
        data["hours"] = hours_summary(data.get("opening_hours"))
    return data


def day_hours(opening_hours: Any, day: str) -> str | None:
    """A day's hours ("8am to 6pm"), "closed", or None when the clinic did not say."""
    if not isinstance(opening_hours, dict):
        return None
    value = opening_hours.get(day)
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    return CLOSED if text.lower() == CLOSED or value is False else text


def hours_summary(opening_hours: Any) -> str | None:
    """The week in words, consecutive days with the same hours joined:
    "Monday to Friday 8am to 6pm, Saturday 9am to 1pm; closed on Sunday".
    None when no day is known."""
    days = [(day, day_hours(opening_hours, day)) for day in WEEKDAYS]
    if all(hours is None for _, hours in days):
        return None
    runs: list = []
    for day, hours in days:
        if runs and runs[-1][2] == hours:
            runs[-1][1] = day
        else:
            runs.append([day, day, hours])

    def span(first: str, last: str) -> str:
        return first.title() if first == last else f"{first.title()} to {last.title()}"

    open_parts = [f"{span(a, b)} {h}" for a, b, h in runs if h not in (None, CLOSED)]
    closed = [span(a, b) for a, b, h in runs if h == CLOSED]
    text = ", ".join(open_parts)
    if closed:
        text += ("; " if text else "") + "closed on " + " and ".join(closed)
    return text


@functools.lru_cache(maxsize=None)
def crisis_resources() -> Dict[str, Dict[str, Any]]:
    """Crisis lines and crisis texts by ISO country code."""
    path = Path(os.environ.get("TMS_CRISIS_RESOURCES", CONFIG_DIR / "crisis_resources.yml"))
    return _read_yaml(path)


def normalise_country(value: Any) -> str | None:
    """An ISO code we have resources for, or None (unknown, junk, missing)."""
    if not isinstance(value, str):
        return None
    code = value.strip().upper()
    code = COUNTRY_ALIASES.get(code, code)
    return code if code in crisis_resources() else None


def resources_for(country: Any = None) -> Dict[str, Any]:
    """Crisis resources for a country, falling back to the clinic's country."""
    code = normalise_country(country) or clinic()["country"]
    return crisis_resources()[code]


@functools.lru_cache(maxsize=None)
def topic_titles() -> Dict[str, str]:
    """Button titles for FAQ topics, keyed by topic id."""
    return _read_yaml(CONFIG_DIR / "topic_titles.yml")
