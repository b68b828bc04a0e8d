"""How Rasa loads the console: an entry in credentials.yml.

    bot.staff.channel.StaffConsole:

Not a patient channel (it receives no user messages). When a staff account
exists it mounts /staff (bot.staff.web) and installs the turn observer
(bot.staff.observer); otherwise it mounts nothing and logs one line.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint


class StaffConsole(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "staff_console"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        from bot.staff import observer, settings, web

        if not settings.enabled():
            return Blueprint("tms_staff_console_off")
        observer.install()
        return web.blueprint()
