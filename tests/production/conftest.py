"""Fixtures for the production tests: PostgreSQL + Redis on loopback, the model."""
from __future__ import annotations

from pathlib import Path
from typing import Dict

import pytest

from tests.helpers import ROOT
from tests.production.cluster import Services, model_path

try:  # hypothesis keeps its caches under .run/, not in the repository root
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(ROOT / ".run" / "hypothesis")
except ImportError:  # pragma: no cover - test_fuzz.py says so
    pass


@pytest.fixture(scope="session")
def running_services() -> Services:
    """A throwaway PostgreSQL and Redis (scripts/prod/services.sh), stopped afterwards."""
    running = Services.start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def services(running_services) -> Dict[str, str]:
    """Their connection settings (TRACKER_DB_URL, REDIS_LOCK_URL, ...)."""
    return running_services.env


@pytest.fixture(scope="session")
def model() -> Path:
    path = model_path()
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make train` (or set MODEL_PATH)")
    return path


@pytest.fixture
def clean_env(monkeypatch):
    """No production variables from the caller's shell leak into a test."""
    for name in ("TRACKER_DB_URL", "REDIS_LOCK_URL", "EVENT_BROKER_URL", "SANIC_WORKERS",
                 "ENABLE_API", "RASA_AUTH_TOKEN", "JWT_SECRET", "ALLOWED_ORIGINS",
                 "SINGLE_REPLICA", "TICKET_LOCK_LIFETIME", "REDIS_LOCK_KEY_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch
