"""Run channel blueprints in-process on a loopback port (no model, no Rasa agent).

`on_new_message` is a stand-in for Rasa: the tests make it answer with the
project's real responses (e.g. utter_crisis from data/responses), so a
channel's webhook, checks and reply rendering are tested without a model.
"""
from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any, Awaitable, Callable, Dict, List

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Sanic


class LocalServer:
    def __init__(self, channels: List[InputChannel],
                 on_new_message: Callable[[UserMessage], Awaitable[Any]]):
        # Sanic 21.12 rewrites some methods at first startup ("touch-up"); a second
        # app in the same process fails unless test mode keeps the originals.
        Sanic.test_mode = True
        self.app = Sanic(f"channels_test_{id(self)}", configure_logging=False)
        for channel in channels:
            self.app.blueprint(channel.blueprint(on_new_message),
                               url_prefix=f"/webhooks/{channel.url_prefix()}")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._server: Dict[str, Any] = {}
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(20):
            raise RuntimeError("local Sanic server did not start")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def start() -> None:
            server = await self.app.create_server(host="127.0.0.1", port=self.port,
                                                  return_asyncio_server=True)
            await server.startup()
            await server.before_start()
            await server.after_start()
            self._server["server"] = server
            self._ready.set()
            try:
                await server.serve_forever()
            except asyncio.CancelledError:
                pass

        self.loop.run_until_complete(start())

    def close(self) -> None:
        server = self._server.get("server")
        if server is None:
            return

        async def stop() -> None:
            await server.before_stop()
            server.close()
            await server.wait_closed()
            await server.after_stop()

        future = asyncio.run_coroutine_threadsafe(stop(), self.loop)
        try:
            future.result(timeout=10)
        except Exception:  # noqa: BLE001 - best effort at teardown
            pass
