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
REQUIRED_CLINIC_KEYS = ("name", "phone", "hours", "booking_url", "country")
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
    return data


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
