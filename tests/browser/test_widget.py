"""The website chat widget in a real browser against real Rasa and action chat_servers.

Debian's Chromium driven by Playwright opens the demo clinic page served by the
assistant (bot/channels/webchat.py), opens the widget and talks to the bot:
FAQ, quick replies, reload, going offline and back, a crisis message, the
keyboard alone, axe-core, the mobile layout, another site embedding the widget.
Screenshots of the key states go to artifacts/screenshots/.
"""
from __future__ import annotations

import http.server
import json
import re
import threading
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot import config
from tests.helpers import ROOT, load_yaml

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

FAQ = load_yaml(ROOT / "data" / "responses" / "faq.yml")["responses"]
CLINIC = config.clinic()
US = config.resources_for("US")
US_CALL = next(b["payload"] for b in US["buttons"] if b["payload"].startswith("tel:"))
US_TEXT = next(b["payload"] for b in US["buttons"] if b["payload"].startswith("sms:"))
TIMEOUT = 30_000


def expect(*args, **kwargs):
    from playwright.sync_api import expect as playwright_expect  # installed by the web_ready fixture
    return playwright_expect(*args, **kwargs)


def faq_start(topic: str, chars: int = 60) -> str:
    """The first words of an FAQ answer, as the widget shows them."""
    return FAQ[f"utter_faq/{topic}"][0]["text"].split("\n\n")[0][:chars]


def shadow(page, script: str, arg=None):
    """Evaluate `script` (a function of the widget's shadow root and arg) in the page."""
    return page.evaluate(
        "([src, arg]) => (new Function('root', 'arg', src))("
        "document.querySelector('#tms-webchat').shadowRoot, arg)", [script, arg])


def active_class(page) -> str:
    return shadow(page, "const a = root.activeElement; return a ? (a.id || a.className) : '';")


def bot_count(page) -> int:
    return page.locator(".msg.bot").count()


def wait_bots(page, count: int) -> None:
    page.wait_for_function(
        "n => document.querySelector('#tms-webchat').shadowRoot"
        ".querySelectorAll('.msg.bot').length >= n", arg=count, timeout=TIMEOUT)


def wait_idle(page) -> None:
    """The assistant's turn is over (typing indicator off, outbox empty)."""
    page.wait_for_function(
        "() => { const r = document.querySelector('#tms-webchat').shadowRoot;"
        " return !r.querySelector('.typing.on') && window.__tmsWebchat.state().outbox.length === 0; }",
        timeout=TIMEOUT)


def open_widget(page, url: str) -> None:
    page.goto(url)
    launcher = page.locator(".launcher")
    expect(launcher).to_be_visible()
    launcher.click()
    wait_bots(page, 1)
    wait_idle(page)


def session_id(page) -> str:
    return page.evaluate("() => window.__tmsWebchat.state().sessionId")


def snap(page, folder: Path, name: str) -> None:
    page.wait_for_timeout(400)  # let the chat log's smooth scrolling settle
    page.screenshot(path=str(folder / name))


# ------------------------------------------------------------------ HTTP ---

def fetch(url: str, origin: str | None = None):
    request = urllib.request.Request(url, headers={"Origin": origin} if origin else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, _lower(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, _lower(error.headers), error.read()


def _lower(headers) -> dict:
    return {key.lower(): value for key, value in headers.items()}


def test_demo_page_and_assets_are_served(chat_servers):
    status, headers, body = fetch(chat_servers.page_url)
    assert status == 200
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert CLINIC["short_name"] in body.decode()
    assert "http://" not in body.decode().replace(chat_servers.origin, "") \
        and "https://" not in body.decode(), "the demo page names no other host"
    for path, kind in [("widget.js", "javascript"), ("widget.css", "css"),
                       ("vendor/socket.io.min.js", "javascript")]:
        status, headers, body = fetch(f"{chat_servers.origin}/webhooks/webchat/{path}")
        assert status == 200 and kind in headers["content-type"], path
        assert headers.get("x-content-type-options") == "nosniff"
    status, _, body = fetch(f"{chat_servers.origin}/webhooks/webchat/config.json?country=GB")
    settings = json.loads(body)
    gb = config.resources_for("GB")
    assert settings["crisis"]["short_line"] == gb["short_line"]
    assert settings["crisis"]["call_href"].startswith("tel:")
    assert settings["clinic"]["name"] == CLINIC["name"]


def test_socketio_accepts_only_configured_origins(chat_servers):
    handshake = f"{chat_servers.origin}/socket.io/?EIO=4&transport=polling"
    status, _, _ = fetch(handshake, origin="http://evil.example")
    assert status == 400
    status, headers, _ = fetch(handshake, origin=chat_servers.origin)
    assert status == 200
    status, headers, _ = fetch(handshake, origin=chat_servers.embed_origin)  # from ALLOWED_ORIGINS
    assert status == 200 and headers["access-control-allow-origin"] == chat_servers.embed_origin
    _, headers, _ = fetch(f"{chat_servers.origin}/webhooks/webchat/config.json", origin="http://evil.example")
    assert "access-control-allow-origin" not in headers


# --------------------------------------------------------------- browser ---

def test_welcome_quick_reply_and_faq(chat_servers, new_context, screenshot_dir):
    page = new_context().new_page()
    page.goto(chat_servers.page_url)
    launcher = page.locator(".launcher")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(launcher).to_have_attribute("aria-controls", "tms-panel")
    snap(page, screenshot_dir, "01-page-closed.png")

    launcher.click()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#tms-panel")).to_be_visible()
    assert active_class(page) == "tms-input", "focus moves to the message field on open"
    wait_bots(page, 1)  # the assistant introduces itself (/greet)
    wait_idle(page)
    expect(page.locator(".msg.bot").first).to_contain_text("assistant")
    expect(page.locator(".crisis-line")).to_contain_text(US["short_line"])
    expect(page.locator(".crisis-line a").first).to_have_attribute("href", US_CALL)
    assert page.locator(".msg.user").count() == 0, "the /greet is not shown as a user message"
    snap(page, screenshot_dir, "02-welcome.png")

    before = bot_count(page)
    page.locator(".replies .chip", has_text="What is TMS?").click()
    expect(page.locator(".msg.user .bubble").last).to_have_text("What is TMS?")
    expect(page.locator(".msg.bot", has_text=faq_start("what_is_tms"))).to_be_visible(timeout=TIMEOUT)
    assert bot_count(page) > before
    wait_idle(page)

    # the typing indicator shows while the assistant works
    page.evaluate("""() => {
        const r = document.querySelector('#tms-webchat').shadowRoot;
        window.__sawTyping = false;
        new MutationObserver(() => {
            const t = r.querySelector('.typing');
            if (t.classList.contains('on') && t.getAttribute('role') === 'status'
                && t.textContent.includes('typing')) { window.__sawTyping = true; }
        }).observe(r.querySelector('.typing'), {attributes: true, childList: true, subtree: true});
    }""")
    page.locator("#tms-input").fill("does tms hurt?")
    page.locator(".send").click()
    answer = page.locator(".msg.bot", has_text=faq_start("is_it_painful"))
    expect(answer).to_be_visible(timeout=TIMEOUT)
    wait_idle(page)
    assert page.evaluate("window.__sawTyping") is True
    # The "Source:" line is shown apart from the answer (small and muted: p.source).
    source_line = FAQ["utter_faq/is_it_painful"][0]["text"].rsplit("\n", 1)[1]
    expect(answer.locator("p.source")).to_have_text(source_line)
    assert "Source:" not in answer.locator("p:not(.source)").first.inner_text()
    expect(page.locator(".typing")).to_have_attribute("role", "status")
    snap(page, screenshot_dir, "03-faq-answer.png")


def test_history_survives_reload(chat_servers, new_context, screenshot_dir):
    page = new_context().new_page()
    open_widget(page, chat_servers.page_url)
    page.locator("#tms-input").fill("how long is a session?")
    page.keyboard.press("Enter")
    expect(page.locator(".msg.bot", has_text=faq_start("session_length"))).to_be_visible(timeout=TIMEOUT)
    wait_idle(page)
    sid, bots = session_id(page), bot_count(page)

    page.reload()
    expect(page.locator("#tms-panel")).to_be_visible()  # it was open: it stays open
    expect(page.locator(".msg.user .bubble")).to_have_text(["how long is a session?"])
    expect(page.locator(".msg.bot", has_text=faq_start("session_length"))).to_be_visible()
    assert bot_count(page) == bots
    page.wait_for_function("() => window.__tmsWebchat.state().sessionId !== null")
    snap(page, screenshot_dir, "04-after-reload.png")

    page.locator("#tms-input").fill("what are the side effects?")
    page.keyboard.press("Enter")
    expect(page.locator(".msg.bot", has_text=faq_start("side_effects"))).to_be_visible(timeout=TIMEOUT)
    assert session_id(page) == sid, "the same conversation goes on"
    assert page.locator(".msg.bot", has_text=faq_start("session_length")).count() == 1, "no duplicate"


def test_a_widget_session_from_before_tokens_migrates_on_reload(chat_servers, new_context):
    """A stored conversation without a token (or with a wrong one) gets a fresh
    server conversation on the next load; the messages on screen stay, the count of
    bot messages starts again, and the chat goes on."""
    page = new_context().new_page()
    open_widget(page, chat_servers.page_url)
    page.locator("#tms-input").fill("how long is a session?")
    page.keyboard.press("Enter")
    expect(page.locator(".msg.bot", has_text=faq_start("session_length"))).to_be_visible(timeout=TIMEOUT)
    wait_idle(page)
    old = session_id(page)
    assert page.evaluate("() => window.__tmsWebchat.state().sessionToken")
    # what a widget stored before conversation tokens existed
    page.evaluate("""() => { const key = Object.keys(localStorage).find(k => k.startsWith('tmsWebchat:'));
                              const s = JSON.parse(localStorage.getItem(key));
                              delete s.sessionToken; localStorage.setItem(key, JSON.stringify(s)); }""")
    page.reload()
    expect(page.locator(".msg.user .bubble")).to_have_text(["how long is a session?"])
    page.wait_for_function("old => { const s = window.__tmsWebchat.state();"
                           " return s.sessionId && s.sessionId !== old && s.sessionToken; }",
                           arg=old, timeout=TIMEOUT)
    assert page.evaluate("() => window.__tmsWebchat.state().botCount") == 0  # counts anew
    page.locator("#tms-input").fill("what are the side effects?")
    page.keyboard.press("Enter")
    expect(page.locator(".msg.bot", has_text=faq_start("side_effects"))).to_be_visible(timeout=TIMEOUT)
    wait_idle(page)
    assert page.locator(".msg.bot", has_text=faq_start("session_length")).count() == 1


def test_offline_queue_and_reconnect(chat_servers, new_context, screenshot_dir):
    context = new_context()
    page = context.new_page()
    open_widget(page, chat_servers.page_url)
    sid = session_id(page)

    context.set_offline(True)
    banner = page.locator(".banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("offline")
    page.locator("#tms-input").fill("is tms safe?")
    page.keyboard.press("Enter")
    queued = page.locator(".msg.user").last
    expect(queued.locator(".bubble")).to_have_text("is tms safe?")
    expect(queued.locator(".meta")).to_contain_text("Not sent yet")
    snap(page, screenshot_dir, "05-offline-queued.png")
    page.wait_for_timeout(500)
    assert page.locator(".msg.bot", has_text=faq_start("safety")).count() == 0

    context.set_offline(False)
    expect(page.locator(".msg.bot", has_text=faq_start("safety"))).to_be_visible(timeout=TIMEOUT)
    expect(banner).to_be_hidden()
    expect(queued.locator(".meta")).to_have_text("")
    wait_idle(page)
    assert session_id(page) == sid, "the conversation survives the drop"
    assert page.locator(".msg.user").count() == 1, "the queued message was sent once"


def test_crisis_message_shows_crisis_card(chat_servers, new_context, screenshot_dir):
    page = new_context().new_page()
    open_widget(page, chat_servers.page_url)
    page.locator("#tms-input").fill("i want to kill myself")
    page.keyboard.press("Enter")
    card = page.locator(".msg.crisis-alert[role='alert']")
    expect(card).to_be_visible(timeout=TIMEOUT)
    expect(card).to_contain_text("safe")
    expect(card.locator(f"a[href='{US_CALL}']")).to_be_visible()
    expect(card.locator(f"a[href='{US_TEXT}']")).to_be_visible()
    wait_idle(page)
    card.scroll_into_view_if_needed()
    snap(page, screenshot_dir, "06-crisis-card.png")
    # after a reload the card is still there (a labelled group: not announced again)
    page.reload()
    expect(page.locator(".msg.crisis-alert a[href^='tel:']").first).to_be_visible()


def test_keyboard_only(chat_servers, new_context, screenshot_dir):
    page = new_context().new_page()
    page.goto(chat_servers.page_url)
    expect(page.locator(".launcher")).to_be_visible()
    for _ in range(40):  # Tab through the page to the launcher
        page.keyboard.press("Tab")
        if "launcher" in active_class(page):
            break
    assert "launcher" in active_class(page), "the launcher is reachable with Tab"
    page.keyboard.press("Enter")
    assert active_class(page) == "tms-input"
    wait_bots(page, 1)
    wait_idle(page)

    page.keyboard.type("what is tms")
    page.keyboard.press("Enter")
    expect(page.locator(".msg.bot", has_text=faq_start("what_is_tms"))).to_be_visible(timeout=TIMEOUT)
    wait_idle(page)

    for _ in range(30):  # back up to "Talk to a person" in the header
        page.keyboard.press("Shift+Tab")
        if "handoff" in active_class(page):
            break
    assert "handoff" in active_class(page)
    snap(page, screenshot_dir, "07-keyboard-focus.png")
    bots = bot_count(page)
    page.keyboard.press("Enter")
    expect(page.locator(".msg.user .bubble").last).to_have_text("Talk to a person")
    wait_bots(page, bots + 1)
    wait_idle(page)
    # the clinic's contact reply: its booking URL becomes a safe link
    link = page.locator(f".msg.bot a[href='{CLINIC['booking_url']}']").last
    expect(link).to_be_visible()
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    small = shadow(page, SMALL_TARGETS)
    assert not small, f"targets under 44x44 px (desktop): {small}"

    page.keyboard.press("Escape")
    expect(page.locator("#tms-panel")).to_be_hidden()
    assert "launcher" in active_class(page), "focus returns to the launcher on close"
    expect(page.locator(".launcher")).to_have_attribute("aria-expanded", "false")

    # after a reload, the clinic's tel: link is still a plain link, not a crisis card
    page.reload()
    page.locator(".launcher").press("Enter")
    expect(page.locator(".msg.bot a[href^='tel:+']").last).to_be_visible()
    assert page.locator(".msg.crisis").count() == 0


def test_text_is_rendered_safely(chat_servers, new_context):
    page = new_context().new_page()
    open_widget(page, chat_servers.page_url)
    attack = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> **hi**'
    page.locator("#tms-input").fill(attack)
    page.keyboard.press("Enter")
    expect(page.locator(".msg.user .bubble").last).to_have_text(attack)
    wait_idle(page)
    assert shadow(page, "return root.querySelectorAll('.log img, .log script').length;") == 0
    assert page.evaluate("window.__xss") is None
    html = page.evaluate("t => window.__tmsWebchat.format(t)",
                         "Take **care**.\nSee https://clinic.example/a, or mail a@b.example"
                         "\n\n<b>not bold</b> javascript:alert(1)")
    assert "<strong>care</strong>" in html and "<br>" in html and html.count("<p") == 2
    assert '<a href="https://clinic.example/a" target="_blank" rel="noopener noreferrer">' in html
    assert 'href="mailto:a@b.example"' in html
    assert "&lt;b&gt;not bold&lt;/b&gt;" in html and 'href="javascript' not in html


def test_clear_chat_starts_a_new_conversation(chat_servers, new_context):
    page = new_context().new_page()
    open_widget(page, chat_servers.page_url)
    page.locator("#tms-input").fill("what is tms")
    page.keyboard.press("Enter")
    expect(page.locator(".msg.bot", has_text=faq_start("what_is_tms"))).to_be_visible(timeout=TIMEOUT)
    wait_idle(page)
    old = session_id(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".clear").click()
    page.wait_for_function("old => (window.__tmsWebchat.state().sessionId || old) !== old", arg=old,
                           timeout=TIMEOUT)
    wait_bots(page, 1)  # a new welcome
    wait_idle(page)
    assert page.locator(".msg.user").count() == 0
    assert page.locator(".msg.bot", has_text=faq_start("what_is_tms")).count() == 0


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}],
                         ids=["desktop", "mobile"])
def test_axe_finds_no_serious_violations(chat_servers, new_context, viewport):
    # bypass_csp: only so that axe-core can be injected (the CSP is checked elsewhere)
    page = new_context(viewport=viewport, bypass_csp=True).new_page()
    open_widget(page, chat_servers.page_url)
    page.locator("#tms-input").fill("i want to end my life")
    page.keyboard.press("Enter")
    expect(page.locator(".msg.crisis").first).to_be_visible(timeout=TIMEOUT)
    wait_idle(page)
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, json.dumps(
        [{"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
         for v in serious], indent=1)


SMALL_TARGETS = """
        // links inside a sentence are exempt (WCAG 2.5.8 "inline"); every other target is checked
        return [...root.querySelectorAll('button, a[href], textarea')]
          .filter(e => !e.closest('.bubble p'))
          .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
          .map(e => { const r = e.getBoundingClientRect();
                      return {t: (e.textContent || e.getAttribute('aria-label') || e.className).trim(),
                              w: Math.round(r.width), h: Math.round(r.height)}; })
          .filter(r => r.w < 44 || r.h < 44);"""


def test_targets_mobile_layout_and_reduced_motion(chat_servers, new_context, screenshot_dir):
    page = new_context(viewport={"width": 390, "height": 844}, reduced_motion="reduce",
                       has_touch=True, is_mobile=True).new_page()
    open_widget(page, chat_servers.page_url)
    box = page.locator("#tms-panel").bounding_box()
    assert box["x"] == 0 and box["y"] == 0 and box["width"] == 390 and box["height"] >= 800, \
        "full-screen panel under 480px"
    small = shadow(page, SMALL_TARGETS)
    assert not small, f"targets under 44x44 px: {small}"
    snap(page, screenshot_dir, "08-mobile.png")
    page.locator("#tms-input").fill("i want to kill myself")
    page.keyboard.press("Enter")
    expect(page.locator(".msg.crisis-alert")).to_be_visible(timeout=TIMEOUT)
    wait_idle(page)
    small = shadow(page, SMALL_TARGETS)
    assert not small, f"targets under 44x44 px: {small}"
    animation = shadow(page, "return getComputedStyle(root.querySelector('.typing .dots span')).animationName;")
    assert animation == "none", "prefers-reduced-motion turns animations off"
    snap(page, screenshot_dir, "10-mobile-crisis.png")


EMBED_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Another site</title></head>
<body><h1>A clinic's own website</h1><p>It embeds the assistant with one tag.</p>
<script src="{origin}/webhooks/webchat/widget.js" data-server="{origin}" data-clinic-name="Partner Clinic"
 data-primary-color="#7fd1ae" data-country="GB" data-lang="en" defer></script></body></html>"""


@pytest.fixture
def embed_site(chat_servers):
    body = EMBED_PAGE.format(origin=chat_servers.origin).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server API
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", chat_servers.embed_port), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield
    httpd.shutdown()
    httpd.server_close()


def test_embedded_on_allowed_and_other_origins(chat_servers, new_context, embed_site, screenshot_dir):
    # an origin in ALLOWED_ORIGINS: the widget works, with that page's settings
    page = new_context().new_page()
    open_widget(page, f"{chat_servers.embed_origin}/")
    expect(page.locator(".title")).to_have_text("Partner Clinic")
    gb = config.resources_for("GB")
    expect(page.locator(".crisis-line")).to_contain_text(gb["short_line"])
    # the welcome (from "/greet", which skips NLU) already speaks for the page's country
    expect(page.locator(".msg.bot").first).to_contain_text(gb["call"])
    colour = shadow(page, "return getComputedStyle(root.querySelector('.launcher')).backgroundColor;")
    rgb = [int(x) for x in re.findall(r"\d+", colour)[:3]]
    assert _contrast(rgb, [255, 255, 255]) >= 4.5, "a light brand colour is darkened for contrast"
    snap(page, screenshot_dir, "09-embedded-allowed-origin.png")

    # the same page on an origin that is not configured: socket.io refuses it
    other = new_context().new_page()
    other.goto(f"http://localhost:{chat_servers.embed_port}/")
    other.locator(".launcher").click()
    expect(other.locator(".banner")).to_contain_text("Can't reach the assistant", timeout=TIMEOUT)
    assert other.locator(".msg.bot").count() == 0


def _contrast(a, b) -> float:
    def lum(rgb):
        c = [v / 255 for v in rgb]
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    hi, lo = sorted([lum(a), lum(b)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_no_request_left_the_server_and_no_errors(chat_servers, recorders):
    """Runs last: every page above loaded nothing but the assistant (and the embedding site)."""
    assert recorders, "no browser test ran"
    allowed = {urlsplit(chat_servers.origin).netloc, urlsplit(chat_servers.embed_origin).netloc,
               f"localhost:{chat_servers.embed_port}"}
    for recorder in recorders:
        assert recorder.hosts() <= allowed, recorder.hosts() - allowed
        assert not recorder.page_errors, recorder.page_errors
        csp = [e for e in recorder.console_errors if "Content Security Policy" in e]
        assert not csp, csp
    demo_hosts = set().union(*(r.hosts() for r in recorders if any(
        u == chat_servers.page_url for u in r.urls)))
    assert demo_hosts == {urlsplit(chat_servers.origin).netloc}, demo_hosts
