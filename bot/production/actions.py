"""The action server, locked down: loopback by default, no CORS, redacted logs, and it
only obeys the assistant.

    python -m bot.production.actions        # ACTION_HOST (127.0.0.1), ACTION_PORT (5055)

rasa-sdk 3.6 listens on SANIC_HOST, default 0.0.0.0 (every interface), and
allows CORS from any origin; it has no --host option and no authentication.
This wrapper sets SANIC_HOST from ACTION_HOST (default 127.0.0.1; a container
sets 0.0.0.0 on its private network), installs log redaction, and requires on
every call except GET /health the shared token Rasa sends
(`Authorization: Bearer <ACTION_SERVER_TOKEN>`, from the environment, or for
the embedded default generated into RUN_DIR by bot.keys): anything else gets a
401 before any action runs, so a forged call has no side effect (no staff
alert, no audit line). Then it runs rasa-sdk with the `actions` package.
"""
from __future__ import annotations

import hmac
import logging
import os
import sys
from typing import Any, List, Optional

logger = logging.getLogger("bot.production.actions")
OPEN_PATHS = frozenset({"/health"})


def arguments(env: "os._Environ[str] | dict", extra: List[str]) -> List[str]:
    port = (env.get("ACTION_PORT") or "5055").strip()
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise SystemExit(f"refusing to start: ACTION_PORT must be a port number, not {port!r}")
    return ["--actions", env.get("ACTION_PACKAGE") or "actions", "--port", port, *extra]


def authorised(header: Optional[str], token: str) -> bool:
    return hmac.compare_digest((header or "").encode("utf-8", "replace"),
                               f"Bearer {token}".encode("utf-8"))


def install_auth(token: str) -> None:
    """Make rasa-sdk's app refuse (401) every call without the shared token."""
    from rasa_sdk import endpoint
    from sanic import response

    original = endpoint.create_app
    if getattr(original, "_tms_auth", False):
        return

    def create_app(*args: Any, **kwargs: Any) -> Any:
        app = original(*args, **kwargs)

        async def check_token(request: Any) -> Any:
            if request.path in OPEN_PATHS and request.method == "GET":
                return None
            if not authorised(request.headers.get("authorization"), token):
                logger.warning("action server: call without the assistant's token refused")
                return response.json({"error": "unauthorised: only the assistant may call "
                                               "the action server"}, status=401)
            return None

        app.register_middleware(check_token, "request")
        return app

    create_app._tms_auth = True  # type: ignore[attr-defined]
    endpoint.create_app = create_app


def main(argv: Optional[List[str]] = None) -> None:
    from bot import keys
    from bot.production import redaction

    redaction.install()
    os.environ["SANIC_HOST"] = (os.environ.get("ACTION_HOST") or "127.0.0.1").strip()
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    extra = list(sys.argv[1:] if argv is None else argv)
    if any(arg == "--cors" or arg.startswith("--cors=") for arg in extra):
        raise SystemExit("refusing to start: the action server is called by Rasa only; no CORS")
    try:
        token = keys.shared_secret(keys.ACTION_TOKEN)
    except keys.SecretError as error:
        raise SystemExit(f"refusing to start: {error}") from None
    install_auth(token)
    sys.argv = ["rasa_sdk", *arguments(os.environ, extra)]
    from rasa_sdk.__main__ import main as sdk_main

    sdk_main()


if __name__ == "__main__":
    main()
