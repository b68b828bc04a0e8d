"""Is the clinic team there now? From `staff_hours` in bot/config/clinic.yml.

STAFF_HOURS_OVERRIDE=open|closed forces the answer (drills, tests).
Without `staff_hours` the team counts as there whenever the console is on.
"""
from __future__ import annotations

import os
from datetime import datetime, time, timezone
from typing import Any, Mapping, Optional

from zoneinfo import ZoneInfo

from bot import config

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _clock(value: Any) -> time:
    hours, _, minutes = str(value).partition(":")
    return time(int(hours), int(minutes or 0))


def open_at(moment: datetime, hours: Optional[Mapping[str, Any]]) -> bool:
    """True when `moment` (aware) falls in the opening hours."""
    if not hours:
        return True
    local = moment.astimezone(ZoneInfo(str(hours.get("timezone") or "UTC")))
    days = [str(day).lower()[:3] for day in hours.get("days") or DAYS]
    if DAYS[local.weekday()] not in days:
        return False
    return _clock(hours.get("open", "00:00")) <= local.time() < _clock(hours.get("close", "23:59"))


def open_now(env: Mapping[str, str] = os.environ) -> bool:
    override = env.get("STAFF_HOURS_OVERRIDE", "").strip().lower()
    if override in ("open", "closed"):
        return override == "open"
    return open_at(datetime.now(timezone.utc), config.clinic().get("staff_hours"))
