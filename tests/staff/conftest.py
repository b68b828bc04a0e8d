"""Fixtures for the staff console's live tests: real servers with a staff account, Chromium.

Reuses the widget tests' set-up (tests/browser/conftest.py: Debian's Chromium
through Playwright, node_modules); the servers here get a fresh tracker
database holding two accounts (staff "sam", admin "kim") made with the CLI.
"""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from tests import helpers
from tests.channels.api_stub import ApiStub, channel_env
from tests.browser.conftest import (CHROMIUM, CHROMIUM_ARGS, Recorder, Servers,  # noqa: F401
                                    _model, web_ready)  # web_ready: a fixture, used by name

PASSWORD = "correct horse battery staple"
ADMIN_PASSWORD = "another long admin passphrase"
ARTIFACTS = helpers.ROOT / "artifacts" / "staff"
WAIT_SECONDS = 20  # STAFF_WAIT_SECONDS for these servers


class StaffServers(Servers):
    tracker_db: Path
    log_dir: Path
    stub: ApiStub  # the messaging platforms' APIs (tests/channels/api_stub.py)


def add_user(db: Path, username: str, name: str, role: str, password: str) -> None:
    result = subprocess.run([helpers.PYTHON, "-m", "bot.staff", "add-user", username, "--name", name,
                             "--role", role, "--password-stdin"], input=password + "\n",
                            cwd=helpers.ROOT, env=helpers.base_env(TRACKER_DB=str(db)),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def staff_servers(tmp_path_factory, web_ready) -> Iterator[StaffServers]:
    logs = tmp_path_factory.mktemp("staff")
    action_port, rasa_port = helpers.free_port(), helpers.free_port()
    db = logs / f"tracker-{rasa_port}.db"  # the file helpers.start_rasa_server uses
    add_user(db, "sam", "Sam", "staff", PASSWORD)
    add_user(db, "kim", "Kim", "admin", ADMIN_PASSWORD)
    original = helpers.MODEL
    helpers.MODEL = _model()
    stub = ApiStub()
    actions = helpers.start_action_server(action_port, logs)
    try:
        rasa = helpers.start_rasa_server(rasa_port, action_port, logs, STAFF_HOURS_OVERRIDE="open",
                                         STAFF_WAIT_SECONDS=str(WAIT_SECONDS), **channel_env(stub))
    except Exception:
        actions.stop()
        stub.close()
        raise
    finally:
        helpers.MODEL = original
    servers = StaffServers(rasa_port, helpers.free_port(), rasa, actions)
    servers.tracker_db = db
    servers.log_dir = logs
    servers.stub = stub
    yield servers
    rasa.stop()
    actions.stop()
    stub.close()


@pytest.fixture(scope="module")
def browser(web_ready):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        # the console's alert sound plays without a click first (as after a log-in)
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS + ["--autoplay-policy=no-user-gesture-required"])
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser):
    contexts = []

    def make(**options):
        options.setdefault("viewport", {"width": 1280, "height": 800})
        context = browser.new_context(**options)
        recorder = Recorder()

        def watch(page):
            page.on("console", lambda message: message.type == "error"
                    and recorder.console_errors.append(message.text))
            page.on("pageerror", lambda error: recorder.page_errors.append(str(error)))

        context.on("page", watch)
        context.recorder = recorder
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
