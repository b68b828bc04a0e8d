"""HTTP routes of the console, under /staff (same origin as the assistant).

Pages: GET /staff (the console; redirect to /staff/login without a session),
GET/POST /staff/login, POST /staff/logout, /staff/static/<file>.
JSON: /staff/api/me, /staff/api/queue, /staff/api/conversations/<id> (the
transcript; each opening is audited), POST .../take, .../messages,
.../handback, GET /staff/api/audit (admins).

Every /staff/api route answers 401 without a session; every POST needs the
session's CSRF token (403 otherwise) and, when the browser sends an Origin,
the server's own origin. Login itself is protected by a double-submit token
(cookie + form field) and the rate limit in bot.staff.auth. Responses carry
a strict CSP, no-store and no CORS headers. No message text is logged.
"""
from __future__ import annotations

import asyncio
import functools
import html
import logging
import secrets
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import config
from bot.staff import auth, counts, handover, live, review, settings, store

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "bot" / "web" / "staff"
STATIC = {"console.js": "application/javascript; charset=utf-8",
          "review.js": "application/javascript; charset=utf-8",
          "counts.js": "application/javascript; charset=utf-8",
          "console.css": "text/css; charset=utf-8"}
CHART_JS = ROOT / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js"  # npm, served here
LOGIN_COOKIE = "tms_staff_login"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "Cache-Control": "no-store",
           "X-Content-Type-Options": "nosniff",
           # same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null"
           # on form posts, and the origin check needs the real one.
           "Referrer-Policy": "same-origin",
           "X-Frame-Options": "DENY"}
SWEEP_SECONDS = 5


def cookie_name() -> str:
    # __Host-: Secure, Path=/, no Domain: no other host or path can set or read it.
    return "__Host-tms_staff" if settings.cookie_secure() else "tms_staff"


def _no_cors(request: Request) -> None:
    """Tell Rasa's Sanic-CORS (--cors) to add nothing: staff routes are same-origin only."""
    try:
        from sanic_cors.core import SANIC_CORS_EVALUATED
    except ImportError:  # pragma: no cover - Rasa 3.6 ships sanic-cors
        SANIC_CORS_EVALUATED = "_sanic_cors_e"
    try:
        setattr(request.ctx, SANIC_CORS_EVALUATED, "1")
    except AttributeError:
        pass


def _headers(resp: HTTPResponse) -> HTTPResponse:
    for key, value in HEADERS.items():
        resp.headers[key] = value
    return resp


def _json(data: Any, status: int = 200) -> HTTPResponse:
    return _headers(response.json(data, status=status))


def _set_cookie(resp: HTTPResponse, name: str, value: str, max_age: int, path: str = "/") -> None:
    resp.cookies[name] = value
    cookie = resp.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = path
    cookie["max-age"] = max_age
    if settings.cookie_secure():
        cookie["secure"] = True


def _client(request: Request) -> str:
    return str(request.remote_addr or request.ip or "unknown")


def current(request: Request) -> Optional[auth.Staff]:
    return auth.session(store.engine(), request.cookies.get(cookie_name()))


def _origin_ok(request: Request) -> bool:
    return live.same_origin(request.headers.get("origin"), request.headers.get("host"))


Handler = Callable[..., Awaitable[HTTPResponse]]


def api(write: bool = False) -> Callable[[Handler], Handler]:
    """401 without a session; for writes also 403 without the CSRF token or from another origin."""
    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def inner(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            _no_cors(request)
            staff = current(request)
            if staff is None:
                return _json({"error": "log in first"}, 401)
            if write and not (_origin_ok(request) and auth.csrf_ok(
                    staff.csrf_token, request.headers.get("x-csrf-token"))):
                return _json({"error": "CSRF check failed: reload the page"}, 403)
            try:
                return await handler(request, staff, *args, **kwargs)
            except handover.HandoverError as error:
                return _json({"error": str(error)}, error.status)
        return inner
    return wrap


def _page(name: str, values: Dict[str, str], status: int = 200) -> HTTPResponse:
    text = (PAGES / name).read_text(encoding="utf-8")
    clinic = config.clinic()
    values = {"CLINIC_NAME": clinic.get("short_name") or clinic["name"], **values}
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", html.escape(str(value), quote=True))
    return _headers(response.html(text, status=status))


def _login_page(request: Request, error: str = "", status: int = 200) -> HTTPResponse:
    token = secrets.token_urlsafe(24)
    resp = _page("login.html", {"CSRF": token, "ERROR": error,
                                "ERROR_HIDDEN": "" if error else "hidden"}, status)
    _set_cookie(resp, LOGIN_COOKIE, token, 1800, path="/staff")
    return resp


def transcript(events: List[Any]) -> List[Dict[str, Any]]:
    """The conversation as the console shows it (user, bot, staff lines, pauses)."""
    from rasa.shared.core.events import (BotUttered, ConversationPaused, ConversationResumed,
                                         SessionStarted, UserUttered)
    out: List[Dict[str, Any]] = []
    for event in events:
        if isinstance(event, UserUttered):
            intent = event.intent or {}
            out.append({"kind": "user", "text": event.text or "", "time": event.timestamp,
                        "intent": intent.get("name"), "confidence": intent.get("confidence")})
        elif isinstance(event, BotUttered):
            staff = (event.metadata or {}).get("staff")
            out.append({"kind": "staff" if staff and staff.get("kind") != "status" else "bot",
                        "text": event.text or "", "time": event.timestamp, "staff": staff})
        elif isinstance(event, (ConversationPaused, ConversationResumed, SessionStarted)):
            out.append({"kind": "event", "event": event.type_name, "time": event.timestamp})
    return out


def blueprint() -> Blueprint:
    bp = StaffBlueprint("tms_staff_console", url_prefix="/staff")

    @bp.route("/", methods=["GET"])
    async def console(request: Request) -> HTTPResponse:
        _no_cors(request)
        staff = current(request)
        if staff is None:
            return _headers(response.redirect("/staff/login", status=303))
        return _page("console.html", {"CSRF": staff.csrf_token, "NAME": staff.display_name,
                                      "ROLE": staff.role})

    @bp.route("/login", methods=["GET"])
    async def login_form(request: Request) -> HTTPResponse:
        _no_cors(request)
        if current(request) is not None:
            return _headers(response.redirect("/staff", status=303))
        return _login_page(request)

    @bp.route("/login", methods=["POST"])
    async def login(request: Request) -> HTTPResponse:
        _no_cors(request)
        form = request.form or {}
        given = form.get("csrf_token")
        if not (_origin_ok(request) and auth.csrf_ok(request.cookies.get(LOGIN_COOKIE), given)):
            return _login_page(request, "Your login form expired. Please try again.", 403)
        try:
            token, staff = auth.login(store.engine(), form.get("username"), form.get("password"),
                                      _client(request))
        except auth.RateLimited as error:
            resp = _login_page(request, str(error).capitalize() + ".", 429)
            resp.headers["Retry-After"] = str(auth.LOGIN_WINDOW)
            return resp
        except auth.AuthError as error:
            return _login_page(request, str(error).capitalize() + ".", 401)
        logger.info("staff login: %s", staff.username)
        resp = _headers(response.redirect("/staff", status=303))
        _set_cookie(resp, cookie_name(), token, int(auth.session_seconds()))
        del resp.cookies[LOGIN_COOKIE]
        return resp

    @bp.route("/logout", methods=["POST"])
    async def logout(request: Request) -> HTTPResponse:
        _no_cors(request)
        staff = current(request)
        if staff is None:
            return _headers(response.redirect("/staff/login", status=303))
        given = (request.form or {}).get("csrf_token") or request.headers.get("x-csrf-token")
        if not (_origin_ok(request) and auth.csrf_ok(staff.csrf_token, given)):
            return _json({"error": "CSRF check failed: reload the page"}, 403)
        auth.logout(store.engine(), staff)
        await live.end_session(staff.token_hash)
        resp = _headers(response.redirect("/staff/login", status=303))
        del resp.cookies[cookie_name()]
        return resp

    @bp.route("/review", methods=["GET"])
    async def review_page(request: Request) -> HTTPResponse:
        _no_cors(request)
        staff = current(request)
        if staff is None:
            return _headers(response.redirect("/staff/login", status=303))
        return _page("review.html", {"CSRF": staff.csrf_token, "NAME": staff.display_name,
                                     "ROLE": staff.role,
                                     "EXPORT_HIDDEN": "" if staff.is_admin else "hidden"})

    @bp.route("/counts", methods=["GET"])
    async def counts_page(request: Request) -> HTTPResponse:
        _no_cors(request)
        staff = current(request)
        if staff is None:
            return _headers(response.redirect("/staff/login", status=303))
        return _page("counts.html", {"NAME": staff.display_name, "ROLE": staff.role})

    @bp.route("/vendor/chart.umd.min.js", methods=["GET"])
    async def chart_js(request: Request) -> HTTPResponse:
        _no_cors(request)
        if not CHART_JS.is_file():
            logger.error("staff console: %s missing: run scripts/setup_web.sh (npm ci)", CHART_JS)
            return response.text("chart.js not installed (run npm ci)", status=503)
        return _headers(response.raw(CHART_JS.read_bytes(),
                                     content_type="application/javascript; charset=utf-8"))

    @bp.route("/static/<name:(console\\.js|review\\.js|counts\\.js|console\\.css)>",
              methods=["GET"])
    async def static(request: Request, name: str) -> HTTPResponse:
        _no_cors(request)
        return _headers(response.raw((PAGES / name).read_bytes(), content_type=STATIC[name]))

    @bp.route("/api/me", methods=["GET"])
    @api()
    async def me(request: Request, staff: auth.Staff) -> HTTPResponse:
        clinic = config.clinic()
        return _json({"username": staff.username, "name": staff.display_name, "role": staff.role,
                      "csrf_token": staff.csrf_token,
                      "clinic": clinic.get("short_name") or clinic["name"]})

    @bp.route("/api/queue", methods=["GET"])
    @api()
    async def queue(request: Request, staff: auth.Staff) -> HTTPResponse:
        items = store.queue(store.engine(), settings.open_seconds())
        return _json({"items": [handover.public_row(row) for row in items]})

    @bp.route("/api/conversations/<conversation_id:str>", methods=["GET"])
    @api()
    async def conversation(request: Request, staff: auth.Staff,
                           conversation_id: str) -> HTTPResponse:
        row = store.get_conversation(store.engine(), conversation_id)
        if row is None:
            return _json({"error": "no such conversation"}, 404)
        tracker = await request.app.ctx.agent.tracker_store.retrieve_full_tracker(conversation_id)
        store.write_audit(store.engine(), staff.username, "open", conversation_id)
        return _json({"conversation": handover.public_row(row),
                      "events": transcript(list(tracker.events) if tracker else [])})

    @bp.route("/api/conversations/<conversation_id:str>/take", methods=["POST"])
    @api(write=True)
    async def take(request: Request, staff: auth.Staff, conversation_id: str) -> HTTPResponse:
        item = await handover.take_over(request.app.ctx.agent, conversation_id, staff)
        return _json({"conversation": item})

    @bp.route("/api/conversations/<conversation_id:str>/messages", methods=["POST"])
    @api(write=True)
    async def message(request: Request, staff: auth.Staff, conversation_id: str) -> HTTPResponse:
        body = request.json if isinstance(request.json, dict) else {}
        item = await handover.send(request.app.ctx.agent, conversation_id, staff, body.get("text"))
        return _json({"conversation": item})

    @bp.route("/api/conversations/<conversation_id:str>/handback", methods=["POST"])
    @api(write=True)
    async def handback(request: Request, staff: auth.Staff, conversation_id: str) -> HTTPResponse:
        item = await handover.hand_back(request.app.ctx.agent, conversation_id, staff)
        return _json({"conversation": item})

    @bp.route("/api/review/search", methods=["GET"])
    @api()
    async def review_search(request: Request, staff: auth.Staff) -> HTTPResponse:
        try:
            since = _day(request.args.get("since"))
            until = _day(request.args.get("until"), end=True)
        except ValueError:
            return _json({"error": "dates are YYYY-MM-DD"}, 400)
        flags = [f for f in (request.args.get("flags") or "").split(",") if f]
        rows = review.search(store.engine(), since, until, request.args.get("topic") or None, flags)
        return _json({"conversations": rows})

    @bp.route("/api/review/needs", methods=["GET"])
    @api()
    async def review_needs(request: Request, staff: auth.Staff) -> HTTPResponse:
        eng = store.engine()
        agent = request.app.ctx.agent
        trackers: Dict[str, Any] = {}
        items = []
        for row in review.needs_review(eng):
            conversation_id = row["conversation_id"]
            if conversation_id not in trackers:
                trackers[conversation_id] = await agent.tracker_store.retrieve_full_tracker(
                    conversation_id)
                store.write_audit(eng, staff.username, "review", conversation_id)
            tracker = trackers[conversation_id]
            text = review.text_of(tracker.events if tracker else [], row["event_time"])
            if text is None:
                continue  # the conversation was deleted (retention)
            items.append({"id": row["id"], "conversation_id": conversation_id, "at": row["at"],
                          "text": text, "intent": row["intent"], "topic": row["topic"],
                          "confidence": row["confidence"], "fallback": row["fallback"]})
        return _json({"items": items,
                      "choices": review.intent_choices(agent.domain.intents)})

    @bp.route("/api/review/<turn_id:int>/label", methods=["POST"])
    @api(write=True)
    async def review_label(request: Request, staff: auth.Staff, turn_id: int) -> HTTPResponse:
        body = request.json if isinstance(request.json, dict) else {}
        intent = body.get("intent")
        if intent not in review.intent_choices(request.app.ctx.agent.domain.intents):
            return _json({"error": "pick one of the listed intents"}, 400)
        if not review.label(store.engine(), turn_id, intent, staff.username):
            return _json({"error": "no such line"}, 404)
        return _json({"ok": True})

    @bp.route("/api/review/export", methods=["GET"])
    @api()
    async def review_export(request: Request, staff: auth.Staff) -> HTTPResponse:
        if not staff.is_admin:
            return _json({"error": "admins only"}, 403)
        eng = store.engine()
        agent = request.app.ctx.agent
        lines, trackers = [], {}
        for row in review.labelled(eng):
            conversation_id = row["conversation_id"]
            if conversation_id not in trackers:
                trackers[conversation_id] = await agent.tracker_store.retrieve_full_tracker(
                    conversation_id)
            tracker = trackers[conversation_id]
            text = review.text_of(tracker.events if tracker else [], row["event_time"])
            if text:
                lines.append((row["label"], text))
        store.write_audit(eng, staff.username, "export")
        return _headers(response.text(review.nlu_yaml(lines), content_type="text/yaml; charset=utf-8",
                                      headers={"Content-Disposition":
                                               'attachment; filename="nlu_reviewed.yml"'}))

    @bp.route("/api/counts", methods=["GET"])
    @api()
    async def counts_api(request: Request, staff: auth.Staff) -> HTTPResponse:
        try:
            days = int(request.args.get("days") or 28)
        except ValueError:
            return _json({"error": "days must be a whole number"}, 400)
        return _json(counts.counts(store.engine(), request.args.get("period") or "day", days))

    @bp.route("/api/audit", methods=["GET"])
    @api()
    async def audit_log(request: Request, staff: auth.Staff) -> HTTPResponse:
        if not staff.is_admin:
            return _json({"error": "admins only"}, 403)
        return _json({"entries": store.read_audit(store.engine())})

    tasks: List[Any] = []

    @bp.listener("after_server_start")
    async def start_sweeper(app: Any, loop: Any) -> None:
        live.register_channels(getattr(app.ctx, "input_channels", None))
        live.start_manager()
        tasks.append(loop.create_task(_sweep_forever(app)))

    @bp.listener("before_server_stop")
    async def stop_sweeper(app: Any, loop: Any) -> None:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        tasks.clear()

    return bp


def _day(value: Optional[str], end: bool = False) -> Optional[float]:
    """YYYY-MM-DD (UTC) as a timestamp: the day's start, or the next day's for an end date."""
    if not value:
        return None
    from datetime import datetime, timedelta, timezone
    day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    return (day + timedelta(days=1) if end else day).timestamp()


async def _sweep_forever(app: Any) -> None:
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        agent = getattr(app.ctx, "agent", None)
        if agent is None or not agent.is_ready():
            continue
        try:
            await handover.no_answer_sweep(agent)
            await handover.unanswered_sweep(agent)
        except Exception as error:  # noqa: BLE001 - try again next round
            logger.error("staff console: no-answer sweep failed: %s", type(error).__name__)


class StaffBlueprint(Blueprint):
    """Mounted at /staff whatever prefix Rasa gives channel blueprints (/webhooks/...)."""

    def register(self, app: Any, options: Dict[str, Any]) -> None:
        super().register(app, {**options, "url_prefix": "/staff"})
