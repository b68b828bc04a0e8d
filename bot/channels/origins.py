"""Which web pages may talk to the assistant: one parser for ALLOWED_ORIGINS.

Every channel (REST, socket.io, the widget's files) and the launcher use
`configured()` / `parse()`, and `allowed()` compares the WHOLE origin
(scheme, host, port; default ports filled in) with the list. The server's own
origin is http://127.0.0.1:RASA_PORT (the demo page `make run` prints); a
public host behind a proxy is listed in ALLOWED_ORIGINS like any other. The
Host header is never trusted: any client can set it. A request without an
Origin header is not from a web page and is allowed. No Rasa import.
"""
from __future__ import annotations

import os
import re
from typing import Iterable, Mapping, Optional, Tuple

ENV = "ALLOWED_ORIGINS"
_ORIGIN = re.compile(r"^(https?)://([a-z0-9.-]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$")
_DEFAULT_PORT = {"http": 80, "https": 443}


class OriginError(ValueError):
    """ALLOWED_ORIGINS holds something that is not an origin."""


def canonical(origin: Optional[str]) -> Optional[str]:
    """'HTTPS://Clinic.example/' -> 'https://clinic.example:443'; None if not an origin."""
    if not isinstance(origin, str):
        return None
    match = _ORIGIN.match(origin.strip().rstrip("/").lower())
    if not match:
        return None
    scheme, host, port = match.groups()
    return f"{scheme}://{host}:{int(port) if port else _DEFAULT_PORT[scheme]}"


def parse(raw: Optional[str]) -> Tuple[str, ...]:
    """ALLOWED_ORIGINS (comma- or space-separated) -> origins; OriginError if one is not."""
    items = [item.strip().rstrip("/") for item in (raw or "").replace(" ", ",").split(",")]
    out = []
    for item in filter(None, items):
        if "*" in item:
            raise OriginError("ALLOWED_ORIGINS must list origins (https://clinic.example); "
                              "'*' is not allowed")
        if canonical(item) is None:
            raise OriginError(f"ALLOWED_ORIGINS: {item!r} is not an origin like "
                              "https://clinic.example")
        out.append(item.lower())
    return tuple(out)


def own(env: Optional[Mapping[str, str]] = None) -> str:
    """The server's own origin (the demo page): http://127.0.0.1:RASA_PORT."""
    env = os.environ if env is None else env
    return f"http://127.0.0.1:{(env.get('RASA_PORT') or '5005').strip()}"


def configured(env: Optional[Mapping[str, str]] = None) -> Tuple[str, ...]:
    """The server's own origin plus ALLOWED_ORIGINS (a bad entry allows nothing extra:
    the launcher refuses to start with one)."""
    env = os.environ if env is None else env
    try:
        extra = parse(env.get(ENV))
    except OriginError:
        extra = ()
    return (own(env),) + extra


def allowed(origin: Optional[str], origins: Optional[Iterable[str]] = None) -> bool:
    """True for no Origin (not a browser) or one equal to a configured origin."""
    if origin is None or origin == "":
        return True
    wanted = canonical(origin)
    if wanted is None:
        return False
    return wanted in {canonical(item) for item in (configured() if origins is None else origins)}
