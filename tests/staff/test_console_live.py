"""The staff console on real servers: two Chromium contexts (a patient in the widget, staff
in the console), the security of every staff route, the audit log, axe-core.

Screenshots of each state go to artifacts/staff/.
"""
from __future__ import annotations

import asyncio
import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import sqlalchemy as sa

from bot import config
from tests.browser.test_widget import AXE, faq_start, open_widget, wait_idle
from tests.staff.conftest import ADMIN_PASSWORD, PASSWORD, WAIT_SECONDS

TIMEOUT = 30_000
CLINIC = config.clinic()
SHORT = CLINIC["short_name"]
US = config.resources_for("US")
SECRET_WORDS = ["Tuesday-afternoon-zebra", "purple-giraffe-appointment"]  # never in a log


def expect(*args, **kwargs):
    from playwright.sync_api import expect as playwright_expect
    return playwright_expect(*args, **kwargs)


# ------------------------------------------------------------------ HTTP ---

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """A cookie-keeping HTTP client that does not follow redirects."""

    def __init__(self, origin: str):
        self.origin = origin
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  _NoRedirect())

    def call(self, method: str, path: str, data=None, headers=None, form=None):
        body = None
        headers = dict(headers or {})
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif data is not None:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.origin + path, data=body, headers=headers,
                                         method=method)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers, response.read()  # case-insensitive
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def login(self, username: str, password: str):
        status, _, body = self.call("GET", "/staff/login")
        assert status == 200
        token = re.search(rb'name="csrf_token" value="([^"]+)"', body).group(1).decode()
        return self.call("POST", "/staff/login",
                         form={"csrf_token": token, "username": username, "password": password})

    def csrf(self) -> str:
        status, _, body = self.call("GET", "/staff/api/me")
        assert status == 200, body
        return json.loads(body)["csrf_token"]


STAFF_GETS = ["/staff/api/me", "/staff/api/queue", "/staff/api/conversations/abc12345",
              "/staff/api/audit", "/staff/api/review/search", "/staff/api/review/needs",
              "/staff/api/review/export", "/staff/api/counts"]
STAFF_POSTS = ["/staff/api/review/1/label", "/staff/api/conversations/abc12345/take",
               "/staff/api/conversations/abc12345/messages",
               "/staff/api/conversations/abc12345/handback"]


def test_every_staff_route_needs_a_session(staff_servers):
    client = Client(staff_servers.origin)
    for page in ("/staff", "/staff/review", "/staff/counts"):
        status, headers, _ = client.call("GET", page)
        assert status == 303 and headers["Location"].endswith("/staff/login"), page
    for path in STAFF_GETS:
        assert client.call("GET", path)[0] == 401, path
    for path in STAFF_POSTS:
        assert client.call("POST", path, data={"text": "hi"})[0] == 401, path
    assert client.call("POST", "/staff/logout", form={"csrf_token": "x"})[0] == 303
    # a forged session cookie is no session
    client.jar.set_cookie(http.cookiejar.Cookie(
        0, "tms_staff", "forged-token", None, False, "127.0.0.1", False, False, "/", True,
        False, None, False, None, None, {}))
    assert client.call("GET", "/staff/api/queue")[0] == 401
    # the login page itself is public, framed by nobody, and names no other host
    status, headers, body = client.call("GET", "/staff/login")
    assert status == 200 and "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert b"https://" not in body and "Access-Control-Allow-Origin" not in headers


def test_login_cookie_and_csrf(staff_servers):
    client = Client(staff_servers.origin)
    # a login without the form's token is refused
    status, _, _ = client.call("POST", "/staff/login",
                               form={"csrf_token": "guess", "username": "sam", "password": PASSWORD})
    assert status == 403
    status, headers, _ = client.login("sam", PASSWORD)
    assert status == 303 and headers["Location"] == "/staff"
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on loopback here; Secure in production
    token = client.csrf()
    # forged or missing CSRF token, or another origin: 403
    for headers in ({}, {"X-CSRF-Token": "forged"},
                    {"X-CSRF-Token": token, "Origin": "http://evil.example"}):
        status, _, _ = client.call("POST", "/staff/api/conversations/abc12345/take", data={},
                                   headers=headers)
        assert status == 403, headers
    status, _, _ = client.call("POST", "/staff/api/conversations/abc12345/take", data={},
                               headers={"X-CSRF-Token": token})
    assert status == 404  # past the checks: no such conversation
    assert client.call("GET", "/staff/api/audit")[0] == 403  # admins only
    status, _, _ = client.call("POST", "/staff/logout", form={"csrf_token": token})
    assert status == 303 and client.call("GET", "/staff/api/queue")[0] == 401


def _socket_connect(origin: str, cookie: str | None, header_origin: str | None):
    import socketio

    async def attempt():
        client = socketio.AsyncClient(reconnection=False)
        headers = {}
        if cookie:
            headers["Cookie"] = cookie
        if header_origin:
            headers["Origin"] = header_origin
        try:
            await client.connect(origin, namespaces=["/staff"], socketio_path="/socket.io",
                                 transports=["polling"], headers=headers, wait_timeout=10)
        except socketio.exceptions.ConnectionError:
            return False
        connected = "/staff" in client.namespaces
        await client.disconnect()
        return connected

    return asyncio.run(attempt())


def test_patient_socket_cannot_join_the_staff_namespace(staff_servers):
    origin = staff_servers.origin
    assert _socket_connect(origin, None, origin) is False  # a patient's socket: no cookie
    assert _socket_connect(origin, "tms_staff=forged", origin) is False
    client = Client(origin)
    client.login("sam", PASSWORD)
    cookie = "; ".join(f"{c.name}={c.value}" for c in client.jar if c.name == "tms_staff")
    assert _socket_connect(origin, cookie, origin) is True
    # a page on another site (even one allowed to embed the widget) is refused
    assert _socket_connect(origin, cookie, "http://evil.example") is False


def test_logout_ends_the_live_socket(staff_servers):
    import socketio

    origin = staff_servers.origin
    client = Client(origin)
    client.login("sam", PASSWORD)
    token = client.csrf()
    cookie = "; ".join(f"{c.name}={c.value}" for c in client.jar if c.name == "tms_staff")

    async def scenario():
        sio = socketio.AsyncClient(reconnection=False)
        await sio.connect(origin, namespaces=["/staff"], socketio_path="/socket.io",
                          transports=["polling"], headers={"Cookie": cookie, "Origin": origin},
                          wait_timeout=10)
        assert "/staff" in sio.namespaces
        await asyncio.get_running_loop().run_in_executor(
            None, lambda: client.call("POST", "/staff/logout", form={"csrf_token": token}))
        for _ in range(50):
            if "/staff" not in sio.namespaces or not sio.connected:
                break
            await asyncio.sleep(0.1)
        ended = "/staff" not in sio.namespaces or not sio.connected
        if sio.connected:
            await sio.disconnect()
        return ended

    assert asyncio.run(scenario()) is True
    assert _socket_connect(origin, cookie, origin) is False  # and it cannot come back


# --------------------------------------------------------------- browser ---

def staff_login(context, origin: str, username: str = "sam", password: str = PASSWORD):
    page = context.new_page()
    page.goto(origin + "/staff")
    expect(page).to_have_url(re.compile(r"/staff/login$"))
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/staff$"))
    expect(page.locator("#live-status")).to_have_text("Live", timeout=TIMEOUT)
    return page


def snap(page, folder, name: str) -> None:
    page.wait_for_timeout(300)
    page.screenshot(path=str(folder / name))


def session_id(page) -> str:
    return page.evaluate("() => window.__tmsWebchat.state().sessionId")


def queue_item(staff, sid: str):
    return staff.locator(f".queue-list button[data-conversation='{sid}']")


def test_take_over_talk_and_hand_back(staff_servers, new_context, artifacts):
    staff = staff_login(new_context(), staff_servers.origin)
    snap(staff, artifacts, "01-console-empty.png")

    patient = new_context().new_page()
    open_widget(patient, staff_servers.page_url)
    sid = session_id(patient)
    patient.locator(".handoff").click()
    expect(patient.locator(".msg.bot", has_text="asked the clinic team to join")).to_be_visible(
        timeout=TIMEOUT)

    # the request arrives live, with a visible alert and a sound
    alert = staff.locator(f".alert-handoff[data-conversation='{sid}']")
    expect(alert).to_be_visible(timeout=5000)
    expect(queue_item(staff, sid)).to_contain_text("Waiting for a person")
    expect(queue_item(staff, sid)).to_contain_text("website chat")
    assert staff.evaluate("window.__staffConsole.beeps") >= 1
    snap(staff, artifacts, "02-console-request-arrives.png")

    # keyboard only: open the request, take over, type, Enter
    alert.locator("button", has_text="Open it").focus()
    staff.keyboard.press("Enter")
    expect(staff.locator("#take")).to_be_visible()
    staff.locator("#take").focus()
    staff.keyboard.press("Enter")
    expect(staff.locator("#reply")).to_be_focused(timeout=TIMEOUT)
    staff.keyboard.type(f"Hi, I'm Sam. Could you come in on {SECRET_WORDS[0]}?")
    staff.keyboard.press("Enter")
    expect(staff.locator(".entry-staff", has_text=SECRET_WORDS[0])).to_be_visible(timeout=TIMEOUT)

    # the patient sees who joined, and the message marked as from a person
    expect(patient.locator(".msg.system", has_text=f"Sam from {SHORT} joined")).to_be_visible(
        timeout=TIMEOUT)
    staff_message = patient.locator(".msg.staff", has_text=SECRET_WORDS[0])
    expect(staff_message).to_be_visible(timeout=TIMEOUT)
    expect(staff_message.locator(".who")).to_have_text(f"Sam \u00b7 {SHORT}")
    expect(patient.locator(".subtitle")).to_contain_text("Sam from the clinic")
    snap(patient, artifacts, "03-widget-staff-joined.png")

    # the patient's reply reaches the console live; the bot stays silent
    bots_before = patient.locator(".msg.bot").count()
    started = time.monotonic()
    patient.locator("#tms-input").fill(f"Yes, {SECRET_WORDS[1]} works for me")
    patient.keyboard.press("Enter")
    expect(staff.locator(".entry-user", has_text=SECRET_WORDS[1])).to_be_visible(timeout=TIMEOUT)
    print(f"patient message to console: {time.monotonic() - started:.2f} s")
    wait_idle(patient)
    patient.wait_for_timeout(1500)
    assert patient.locator(".msg.bot").count() == bots_before, "the bot is paused"
    snap(staff, artifacts, "04-console-taken-over.png")

    # hand back: a line in the widget, and the bot answers the next FAQ
    staff.locator("#handback").click()
    expect(patient.locator(".msg.system", has_text="The assistant is back")).to_be_visible(
        timeout=TIMEOUT)
    expect(queue_item(staff, sid)).to_contain_text("With the assistant")
    patient.locator("#tms-input").fill("does tms hurt?")
    patient.keyboard.press("Enter")
    expect(patient.locator(".msg.bot", has_text=faq_start("is_it_painful"))).to_be_visible(
        timeout=TIMEOUT)
    expect(patient.locator(".subtitle")).to_contain_text("Automated assistant")
    snap(patient, artifacts, "05-widget-handed-back-faq.png")

    # the transcript is whole: the staff lines are stored in the tracker with the bot's
    events = staff.evaluate("""sid => fetch('/staff/api/conversations/' + sid)
        .then(r => r.json()).then(d => d.events)""", sid)
    kinds = [(e["kind"], e.get("text", "")) for e in events]
    staff_lines = [text for kind, text in kinds if kind == "staff"]
    assert len(staff_lines) == 3 and "joined" in staff_lines[0] and SECRET_WORDS[0] in staff_lines[1]
    assert "The assistant is back" in staff_lines[2]
    assert [e["event"] for e in events if e["kind"] == "event"][-2:] == ["pause", "resume"]
    assert any(kind == "user" and SECRET_WORDS[1] in text for kind, text in kinds)
    assert not staff.context.recorder.page_errors and not patient.context.recorder.page_errors


def test_crisis_alert_within_two_seconds(staff_servers, new_context, artifacts):
    staff = staff_login(new_context(), staff_servers.origin)
    patient = new_context().new_page()
    open_widget(patient, staff_servers.page_url)
    sid = session_id(patient)
    patient.locator("#tms-input").fill("I want to end my life")
    started = time.monotonic()
    patient.keyboard.press("Enter")
    alert = staff.locator(f".alert-crisis[data-conversation='{sid}']")
    alert.wait_for(timeout=5000)
    elapsed = time.monotonic() - started
    print(f"crisis message to console alert: {elapsed:.2f} s")
    assert elapsed < 2.0
    assert staff.evaluate("window.__staffConsole.crisisAlerts") >= 1
    expect(staff.locator(".queue-list li").first).to_contain_text("Crisis")  # crisis first
    expect(patient.locator(".msg.crisis-alert")).to_be_visible(timeout=TIMEOUT)
    snap(staff, artifacts, "06-console-crisis-alert.png")

    # take over: the crisis line stays in view in the widget, and crisis language
    # still gets the crisis reply at once while a person has the chat
    alert.locator("button", has_text="Open it").click()
    staff.locator("#take").click()
    expect(patient.locator(".msg.system", has_text="joined")).to_be_visible(timeout=TIMEOUT)
    expect(patient.locator(".crisis-line")).to_contain_text(US["short_line"])
    crisis_cards = patient.locator(".msg.crisis-alert").count()
    patient.locator("#tms-input").fill("I still want to kill myself")
    patient.keyboard.press("Enter")
    expect(patient.locator(".msg.crisis-alert")).to_have_count(crisis_cards + 1, timeout=TIMEOUT)
    expect(patient.locator(".msg.bot", has_text="let the clinic team know").last).to_be_visible()
    expect(staff.locator(".entry-user", has_text="I still want to kill myself")).to_be_visible(
        timeout=TIMEOUT)
    snap(patient, artifacts, "07-widget-crisis-with-staff.png")
    staff.locator("#handback").click()
    expect(patient.locator(".msg.system", has_text="The assistant is back")).to_be_visible(
        timeout=TIMEOUT)


def test_nobody_takes_over_in_time(staff_servers, new_context, artifacts):
    patient = new_context().new_page()
    open_widget(patient, staff_servers.page_url)
    patient.locator("#tms-input").fill("I don't want to be alive anymore")
    patient.keyboard.press("Enter")
    expect(patient.locator(".msg.crisis-alert")).to_be_visible(timeout=TIMEOUT)
    wait_idle(patient)
    patient.locator(".handoff").click()
    waiting = patient.locator(".msg.bot", has_text="asked the clinic team to join")
    expect(waiting).to_be_visible(timeout=TIMEOUT)
    expect(waiting.locator("a[href='tel:988']")).to_be_visible()  # crisis line kept in view
    nobody = patient.locator(".msg.bot", has_text="no one from the clinic team is free")
    expect(nobody).to_be_visible(timeout=(WAIT_SECONDS + 15) * 1000)
    expect(nobody).to_contain_text(CLINIC["phone_display"])
    expect(nobody.locator("a[href='tel:988']")).to_be_visible()
    expect(patient.locator(".crisis-line")).to_be_visible()
    nobody.scroll_into_view_if_needed()
    snap(patient, artifacts, "08-widget-nobody-free-crisis.png")


def test_messaging_channel_gets_staff_replies_through_its_connector(staff_servers):
    """Telegram (against the platform stub): the same take-over, by HTTP this time."""
    from tests.channels import api_stub
    from tests.channels.payloads import tg_update

    stub, chat_id = staff_servers.stub, 424242
    start = len(stub.calls)

    def telegram(text: str) -> None:
        status, _ = api_stub_post(staff_servers.origin + "/webhooks/telegram/webhook",
                                  tg_update(text, chat_id),
                                  {"X-Telegram-Bot-Api-Secret-Token": api_stub.TELEGRAM_SECRET})
        assert status == 200

    def sent(predicate, since):
        calls = stub.wait(lambda c: c.endpoint == "sendMessage" and predicate(
            str((c.data or {}).get("text", ""))), start=since, timeout=60)
        assert calls, [c.data for c in stub.since(since)]
        return calls

    telegram("can I talk to a real person please")
    sent(lambda text: "asked the clinic team to join" in text, start)
    client = Client(staff_servers.origin)
    client.login("sam", PASSWORD)
    token = client.csrf()
    items = json.loads(client.call("GET", "/staff/api/queue")[2])["items"]
    item = next(i for i in items if i["conversation_id"] == str(chat_id))
    assert item["channel"] == "telegram" and item["state"] == "waiting" and item["live"]
    path = f"/staff/api/conversations/{chat_id}"
    before = len(stub.calls)
    status, _, body = client.call("POST", path + "/take", data={}, headers={"X-CSRF-Token": token})
    assert status == 200 and json.loads(body)["conversation"]["delivered"] is True
    sent(lambda text: f"Sam from {SHORT} joined" in text, before)
    before = len(stub.calls)
    client.call("POST", path + "/messages", data={"text": "Hello from the clinic"},
                headers={"X-CSRF-Token": token})
    sent(lambda text: text == f"Sam ({SHORT}): Hello from the clinic", before)
    before = len(stub.calls)
    telegram("thanks, what are your hours")
    deadline = time.time() + 30
    while time.time() < deadline:
        events = json.loads(client.call("GET", path)[2])["events"]
        if any(e["kind"] == "user" and e["text"] == "thanks, what are your hours" for e in events):
            break
        time.sleep(0.3)
    else:
        pytest.fail("the patient's Telegram message never reached the transcript")
    time.sleep(1.5)
    assert not [c for c in stub.since(before) if c.endpoint == "sendMessage"], "the bot is paused"
    client.call("POST", path + "/handback", data={}, headers={"X-CSRF-Token": token})
    sent(lambda text: "The assistant is back" in text, before)


def api_stub_post(url: str, payload, headers):
    request = urllib.request.Request(url, data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json", **headers},
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_review_pick_an_intent_and_export(staff_servers, new_context, artifacts):
    from tests.helpers import rest_say

    unclear = "qwx blorp vrrm zzt"
    rest_say(staff_servers.port, "review-patient", unclear)
    context = new_context(bypass_csp=True)  # axe-core is injected below
    page = staff_login(context, staff_servers.origin)
    page.goto(staff_servers.origin + "/staff/review")
    item = page.locator(".need", has_text=unclear)
    expect(item).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#export")).to_be_hidden()  # staff, not admin
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [(v["id"], v["impact"]) for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, bad
    snap(page, artifacts, "11-review-needs.png")
    item.locator("select").select_option("faq/cost")
    item.locator("button", has_text="Save").click()
    expect(page.locator("#needs-status")).to_have_text("Saved as faq/cost.")
    page.check("input[value=fallback]")
    page.click("#search button[type=submit]")
    expect(page.locator("#results a[href='/staff#review-patient']")).to_be_visible(timeout=TIMEOUT)
    snap(page, artifacts, "12-review-search.png")

    staff = Client(staff_servers.origin)
    staff.login("sam", PASSWORD)
    assert staff.call("GET", "/staff/api/review/export")[0] == 403  # admins only
    assert staff.call("POST", "/staff/api/review/1/label", data={"intent": "faq/cost"})[0] == 403
    admin = Client(staff_servers.origin)
    admin.login("kim", ADMIN_PASSWORD)
    status, headers, body = admin.call("GET", "/staff/api/review/export")
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    import yaml
    exported = yaml.safe_load(body)
    assert {"intent": "faq/cost", "examples": f"- {unclear}\n"} in exported["nlu"]


def test_counts_page_charts_what_happened(staff_servers, new_context, artifacts):
    context = new_context(bypass_csp=False)
    page = staff_login(context, staff_servers.origin)
    status, headers, _ = Client(staff_servers.origin).call("GET", "/staff/vendor/chart.umd.min.js")
    assert status == 200 and "javascript" in headers["Content-Type"]
    page.goto(staff_servers.origin + "/staff/counts")
    expect(page.locator("#counts-status")).to_contain_text("Showing 28 day(s)", timeout=TIMEOUT)
    assert page.evaluate("Object.keys(window.__staffCounts.charts).length") == 3
    today = page.locator("#table tbody tr").last
    cells = today.locator("td").all_inner_texts()
    conversations, questions, _, handoffs, crisis, takeovers = (cells[0], cells[1], cells[2],
                                                               cells[3], cells[4], cells[5])
    assert int(conversations) >= 4 and int(questions) >= int(conversations)
    assert int(handoffs) >= 3 and int(crisis) >= 3 and int(takeovers) >= 3
    assert cells[6] != "–"  # a median wait
    assert not context.recorder.page_errors and not context.recorder.console_errors
    snap(page, artifacts, "13-counts.png")
    axe_page = new_context(bypass_csp=True).new_page()
    axe_page.context.add_cookies(context.cookies())
    axe_page.goto(staff_servers.origin + "/staff/counts")
    expect(axe_page.locator("#counts-status")).to_contain_text("Showing", timeout=TIMEOUT)
    axe_page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = axe_page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [(v["id"], v["impact"]) for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, bad


def test_audit_log_has_every_opening(staff_servers):
    client = Client(staff_servers.origin)
    client.login("kim", ADMIN_PASSWORD)
    status, _, body = client.call("GET", "/staff/api/queue")
    items = json.loads(body)["items"]
    assert status == 200 and items
    engine = sa.create_engine(f"sqlite:///{staff_servers.tracker_db}")
    with engine.connect() as conn:
        before = conn.execute(sa.text(
            "SELECT COUNT(*) FROM staff_audit WHERE action='open'")).scalar_one()
    for item in items:
        assert client.call("GET", f"/staff/api/conversations/{item['conversation_id']}")[0] == 200
    status, _, body = client.call("GET", "/staff/api/audit")
    entries = json.loads(body)["entries"]
    opened = [e["conversation_id"] for e in entries if e["action"] == "open" and e["username"] == "kim"]
    assert sorted(opened) == sorted(item["conversation_id"] for item in items)
    with engine.connect() as conn:
        after = conn.execute(sa.text(
            "SELECT COUNT(*) FROM staff_audit WHERE action='open'")).scalar_one()
        actions = {row[0] for row in conn.execute(sa.text("SELECT action FROM staff_audit"))}
    assert after - before == len(items)
    assert {"login", "open", "take_over", "hand_back", "logout", "review", "export"} <= actions


def test_console_pages_pass_axe(staff_servers, new_context, artifacts):
    context = new_context(bypass_csp=True)  # to inject axe-core; the pages' own CSP forbids it
    page = context.new_page()
    for step in ("login", "console"):
        if step == "login":
            page.goto(staff_servers.origin + "/staff/login")
        else:
            page.fill("#username", "sam")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator("#live-status")).to_have_text("Live", timeout=TIMEOUT)
            first = page.locator(".queue-list button").first
            first.click()
            expect(page.locator("#transcript li").first).to_be_visible(timeout=TIMEOUT)
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, f"{step}: {bad}"
    snap(page, artifacts, "09-console-transcript.png")


def test_no_message_text_in_server_logs(staff_servers):
    logs = staff_servers.rasa.log() + staff_servers.actions.log()
    for words in SECRET_WORDS + ["end my life", "kill myself", "alive anymore"]:
        assert words not in logs, words
    assert "staff console on at /staff (2 account(s))" in logs
    assert "Traceback" not in staff_servers.rasa.log()


def test_login_is_rate_limited(staff_servers):
    client = Client(staff_servers.origin)
    for _ in range(5):
        status, _, body = client.login("sam", "not the right password")
        assert status == 401 and b"Wrong username or password" in body
    status, headers, body = client.login("sam", PASSWORD)  # even the right one, now
    assert status == 429 and b"Too many failed attempts" in body
    assert int(headers["Retry-After"]) > 0
