"""`python -m bot sandbox`: the local Bot API and the page on 127.0.0.1, the real bot against
them, the demo cell; a reset starts it all again."""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from config import Settings
from sandbox.server import make_app
from sandbox.world import Sandbox

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"


def keep_local() -> None:
    """No proxy for the bot's HTTP client: its one server is on 127.0.0.1."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        os.environ.pop(name, None)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = f"{HOST},localhost"


async def run_sandbox(
    settings: Settings,
    *,
    port: int = 0,
    empty: bool = False,
    announce: Callable[[str], None] = print,
    on_ready: Callable[[Sandbox], None] | None = None,
) -> None:
    """Serve the sandbox until interrupted or its `stop_event` is set without a reset (OSError
    if the port cannot be had); `on_ready` is given the sandbox once its page is up."""
    keep_local()
    # One line per request, each with the (local) token in its URL: of no use to a trainee.
    logging.getLogger("tornado.access").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="cellmeet-sandbox-") as folder:
        database = Path(folder) / "sandbox.sqlite3"
        sandbox = Sandbox(settings, database, empty=empty)
        sockets = bind_sockets(port, address=HOST)
        sandbox.port = int(sockets[0].getsockname()[1])
        server = HTTPServer(make_app(sandbox))
        server.add_sockets(sockets)
        logger.info("sandbox database %s (removed at exit)", database)
        announced = False
        try:
            while True:
                sandbox.reset_requested = False
                sandbox.stop_event = asyncio.Event()
                running = asyncio.create_task(sandbox.run_bot(), name="the bot")
                await _prepare(sandbox, running)
                sandbox.ready.set()
                sandbox.changed()
                if not announced:
                    announce(f"cellmeet sandbox: open http://{HOST}:{sandbox.port}/")
                    announced = True
                    if on_ready is not None:
                        on_ready(sandbox)
                await running
                if not sandbox.reset_requested:
                    return
                sandbox.new_world()
                sandbox.changed()
        finally:
            server.stop()
            await server.close_all_connections()


async def _prepare(sandbox: Sandbox, running: asyncio.Task[None]) -> None:
    """Wait for the bot to poll, then make the demo cell (unless the sandbox starts empty)."""
    waiting = asyncio.create_task(sandbox.wait_polling())
    await asyncio.wait({waiting, running}, return_when=asyncio.FIRST_COMPLETED)
    if running.done():
        waiting.cancel()
        await running  # its failure, raised here
        return
    await waiting
    if not sandbox.empty:
        try:
            await sandbox.seed()
        except RuntimeError:
            logger.exception("the demo cell could not be made; the sandbox starts empty")
