"""The action server, locked down: loopback by default, no CORS, redacted logs.

    python -m bot.production.actions        # ACTION_HOST (127.0.0.1), ACTION_PORT (5055)

rasa-sdk 3.6 listens on SANIC_HOST, default 0.0.0.0 (every interface), and
allows CORS from any origin; it has no --host option. This wrapper sets
SANIC_HOST from ACTION_HOST (default 127.0.0.1; a container sets 0.0.0.0 on
its private network), installs log redaction, then runs rasa-sdk with the
`actions` package and no CORS. The action server has no authentication of
its own, so it must never be reachable from outside.
"""
from __future__ import annotations

import os
import sys
from typing import List, Optional


def arguments(env: "os._Environ[str] | dict", extra: List[str]) -> List[str]:
    port = (env.get("ACTION_PORT") or "5055").strip()
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise SystemExit(f"refusing to start: ACTION_PORT must be a port number, not {port!r}")
    return ["--actions", env.get("ACTION_PACKAGE") or "actions", "--port", port, *extra]


def main(argv: Optional[List[str]] = None) -> None:
    from bot.production import redaction

    redaction.install()
    os.environ["SANIC_HOST"] = (os.environ.get("ACTION_HOST") or "127.0.0.1").strip()
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    extra = list(sys.argv[1:] if argv is None else argv)
    if any(arg == "--cors" or arg.startswith("--cors=") for arg in extra):
        raise SystemExit("refusing to start: the action server is called by Rasa only; no CORS")
    sys.argv = ["rasa_sdk", *arguments(os.environ, extra)]
    from rasa_sdk.__main__ import main as sdk_main

    sdk_main()


if __name__ == "__main__":
    main()
