"""What the launcher execs: `rasa <args>` with the production patches installed.

    python -m bot.production.rasa_main run --model ... --endpoints ...

Installs log redaction (with Rasa's structured logs and warnings), a root
route that names no version, the strict patches (bot.production.strict), bounded
sessions (bot.production.sessions) and speed-ups (bot.production.speedups), adds
the HTTP API token / JWT secret from the environment to Rasa's arguments in
this process only (they never appear in /proc/<pid>/cmdline or `ps`), then
runs Rasa's own command-line entry point.
"""
from __future__ import annotations

import os
import sys
from typing import List, Optional


def secret_args(args: List[str], env: "os._Environ[str] | dict") -> List[str]:
    if "--enable-api" not in args:
        return []
    extra: List[str] = []
    if env.get("RASA_AUTH_TOKEN"):
        extra += ["--auth-token", env["RASA_AUTH_TOKEN"]]
    if env.get("JWT_SECRET"):
        extra += ["--jwt-secret", env["JWT_SECRET"], "--jwt-method", env.get("JWT_METHOD") or "HS256"]
    if not extra:
        raise SystemExit("refusing to start: --enable-api without RASA_AUTH_TOKEN or JWT_SECRET")
    return extra


def quiet_root_route() -> None:
    """GET / says the server is up, not which Rasa version runs it."""
    import rasa.server
    from sanic import response

    def add_root_route(app: "object") -> None:
        @app.get("/")  # type: ignore[attr-defined]
        async def hello(_request: "object") -> "object":
            return response.text("The assistant is running.")

    rasa.server.add_root_route = add_root_route


def main(argv: Optional[List[str]] = None) -> None:
    from bot.production import redaction, sessions, speedups, strict

    redaction.install(rasa=True)
    quiet_root_route()
    strict.install()
    sessions.install()
    speedups.install()
    args = list(sys.argv[1:] if argv is None else argv)
    args += secret_args(args, os.environ)
    sys.argv = ["rasa", *args]
    from rasa.__main__ import main as rasa_cli

    rasa_cli()


if __name__ == "__main__":
    main()
