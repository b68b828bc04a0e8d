"""What every channel says when the assistant itself failed and said nothing.

A failed turn (database down, a crash inside Rasa) gets an apology with the
clinic's phone and the crisis line. When the message held crisis language the
reply is the crisis text and its tap-to-call buttons instead: bot.safety is pure
Python and needs neither the tracker store, the model nor the action server, so
it still runs when everything else is down.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from bot import config, safety

SORRY = ("Sorry, something went wrong on my side. Please try again in a moment, "
         "or call the clinic on {phone}. {short_line}.")


def failure_reply(text: Any, metadata: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """{"text", "buttons", "crisis"}: the crisis text on crisis language, else the apology."""
    country = metadata.get("country") if isinstance(metadata, dict) else None
    resources = config.resources_for(country)
    buttons = [dict(button) for button in resources.get("buttons", [])]
    try:
        detection = safety.detect(str(text or ""))
    except Exception:  # noqa: BLE001 - when in doubt, treat as crisis
        detection = None
    if detection is None or detection.is_crisis:
        subject = "other" if detection is not None and detection.subject == "other" else "self"
        return {"text": resources[subject], "buttons": buttons, "crisis": True}
    sorry = SORRY.format(phone=config.clinic()["phone"], short_line=resources["short_line"])
    return {"text": sorry, "buttons": buttons, "crisis": False}


def crisis_reply(text: Any, metadata: Optional[Dict[str, Any]] = None) -> Optional[Dict[str, Any]]:
    """For input the server cannot use: the crisis reply when its readable part holds
    crisis language (or the detector failed), else None (the channel says what is wrong)."""
    reply = failure_reply(text, metadata)
    return reply if reply["crisis"] else None
