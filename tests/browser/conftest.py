"""Fixtures for the widget's browser tests: real servers, Debian's Chromium, Playwright.

Missing pieces are installed with scripts/setup_web.sh (npm ci, chromium,
Playwright). The tests are skipped only when Chromium is missing and cannot be
installed; anything else missing is an error.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Iterator, List
from urllib.parse import urlsplit

import pytest

from tests import helpers

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = helpers.ROOT / "artifacts" / "screenshots"
NODE_MODULES = helpers.ROOT / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
SOCKET_IO = NODE_MODULES / "socket.io-client" / "dist" / "socket.io.min.js"


def _playwright_installed() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def _setup_web() -> str:
    result = subprocess.run(["bash", str(helpers.ROOT / "scripts" / "setup_web.sh")],
                            cwd=helpers.ROOT, capture_output=True, text=True, timeout=900)
    return result.stdout[-2000:] + result.stderr[-2000:]


@pytest.fixture(scope="session")
def web_ready() -> None:
    """Chromium, Playwright and node_modules, installed if missing."""
    if not (CHROMIUM.exists() and _playwright_installed() and AXE.exists() and SOCKET_IO.exists()):
        log = _setup_web()
        import importlib
        importlib.invalidate_caches()
        if not CHROMIUM.exists():
            pytest.skip(f"Chromium missing at {CHROMIUM} and could not be installed "
                        f"(scripts/setup_web.sh):\n{log}")
        if not _playwright_installed():
            pytest.fail(f"Playwright for Python missing (tests/browser/requirements.txt):\n{log}")
        if not (AXE.exists() and SOCKET_IO.exists()):
            pytest.fail(f"node_modules incomplete: run `npm ci` (scripts/setup_web.sh):\n{log}")


def _model() -> Path:
    if helpers.MODEL.exists():
        return helpers.MODEL
    fallback = os.environ.get("WEBCHAT_TEST_MODEL")  # development: another trained model
    if fallback and Path(fallback).exists():
        return Path(fallback)
    pytest.fail(f"no trained model at {helpers.MODEL}: run `make train` first")


class Servers:
    def __init__(self, port: int, embed_port: int, rasa: helpers.Server, actions: helpers.Server):
        self.port = port
        self.embed_port = embed_port
        self.rasa = rasa
        self.actions = actions
        self.origin = f"http://127.0.0.1:{port}"
        self.page_url = f"{self.origin}/webhooks/webchat/"
        self.embed_origin = f"http://127.0.0.1:{embed_port}"


@pytest.fixture(scope="module")
def chat_servers(tmp_path_factory, web_ready) -> Iterator[Servers]:
    """Action server + Rasa server (credentials.yml, so the webchat channel) on free ports.

    ALLOWED_ORIGINS names one more origin (a page on another port that embeds the widget).
    """
    logs = tmp_path_factory.mktemp("webchat")
    action_port, rasa_port, embed_port = helpers.free_port(), helpers.free_port(), helpers.free_port()
    model = _model()
    original = helpers.MODEL
    helpers.MODEL = model
    actions = helpers.start_action_server(action_port, logs)
    try:
        rasa = helpers.start_rasa_server(rasa_port, action_port, logs,
                                         ALLOWED_ORIGINS=f"http://127.0.0.1:{embed_port}")
    except Exception:
        actions.stop()
        raise
    finally:
        helpers.MODEL = original
    yield Servers(rasa_port, embed_port, rasa, actions)
    rasa.stop()
    actions.stop()


@pytest.fixture(scope="module")
def browser(web_ready):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Recorder:
    """Every request, websocket and console error of a browser context."""

    def __init__(self) -> None:
        self.urls: List[str] = []
        self.console_errors: List[str] = []
        self.page_errors: List[str] = []

    def hosts(self) -> set:
        return {urlsplit(url).netloc for url in self.urls if urlsplit(url).scheme not in ("data", "blob")}


@pytest.fixture(scope="module")
def recorders() -> List[Recorder]:
    return []


@pytest.fixture
def new_context(browser, recorders):
    """A factory of fresh browser contexts (own localStorage) that record their traffic."""
    contexts = []

    def make(**options):
        options.setdefault("viewport", {"width": 1280, "height": 800})
        context = browser.new_context(**options)
        recorder = Recorder()
        recorders.append(recorder)

        def watch(page):
            page.on("request", lambda request: recorder.urls.append(request.url))
            page.on("websocket", lambda socket: recorder.urls.append(socket.url))
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
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS

