"""The sandbox's one HTTP server on 127.0.0.1: the local Bot API the bot talks to, and the page.

Tornado, which the bot already runs for its webhook (python-telegram-bot's `webhooks` extra):
no second web stack. Updates reach the page as Server-Sent Events ("something changed"); the
page then reads the state again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

from tornado.iostream import StreamClosedError
from tornado.web import Application, HTTPError, RequestHandler, StaticFileHandler

from sandbox.fake_api import JSONDict, UploadedFile
from sandbox.http_server import parse_multipart
from sandbox.people import SANDBOX_TOKEN
from sandbox.world import Sandbox, SandboxError

STATIC = Path(__file__).parent / "static"
KEEPALIVE_SECONDS = 15.0
GONE = -1  # put in a page's queue when it disconnects


class _Handler(RequestHandler):
    def initialize(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def set_default_headers(self) -> None:
        # The page loads nothing from elsewhere, and nothing elsewhere may frame it.
        self.set_header(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; "
            "frame-ancestors 'none'",
        )
        self.set_header("Cache-Control", "no-store")

    def prepare(self) -> None:
        """Only this machine's own names: a web page elsewhere cannot reach the sandbox through
        a name of its own pointed at 127.0.0.1 (DNS rebinding)."""
        host = self.request.host.rsplit(":", 1)[0].strip("[]").lower()
        if host not in ("127.0.0.1", "localhost"):
            raise HTTPError(403, "the sandbox answers only 127.0.0.1")

    def json_body(self) -> JSONDict:
        # JSON only: a form posted by another site (which needs no permission) is refused.
        if not self.request.headers.get("Content-Type", "").startswith("application/json"):
            raise HTTPError(415, "the body must be JSON")
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise HTTPError(400, "the body must be JSON") from None
        if not isinstance(body, dict):
            raise HTTPError(400, "the body must be a JSON object")
        return body

    def write_json(self, body: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(body, ensure_ascii=False))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs.get("exc_info", (None, None))[1]
        text = error.log_message if isinstance(error, HTTPError) else self._reason
        self.write_json({"ok": False, "error": text}, status_code)


class BotApiHandler(_Handler):
    """`/bot<token>/<method>`: the Bot API the bot calls, as Telegram answers it."""

    async def get(self, token: str, method: str) -> None:
        """A Bot API call by GET."""
        await self._answer(token, method)

    async def post(self, token: str, method: str) -> None:
        """A Bot API call by POST (JSON, form or multipart)."""
        await self._answer(token, method)

    async def _answer(self, token: str, method: str) -> None:
        if token != SANDBOX_TOKEN:
            self.write_json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
            return
        params: JSONDict = dict(parse_qsl(self.request.query, keep_blank_values=True))
        files: dict[str, UploadedFile] = {}
        body = self.request.body
        content_type = self.request.headers.get("Content-Type", "")
        try:
            if body and content_type.startswith("application/json"):
                decoded = json.loads(body)
                if not isinstance(decoded, dict):
                    raise ValueError("the JSON body must be an object")
                params.update(decoded)
            elif body and content_type.startswith("application/x-www-form-urlencoded"):
                params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            elif body and content_type.startswith("multipart/form-data"):
                fields, files = parse_multipart(body, content_type)
                params.update(fields)
        except ValueError as error:
            description = f"Bad Request: can't parse request body: {error}"
            self.write_json({"ok": False, "error_code": 400, "description": description}, 400)
            return
        fake = self.sandbox.fake
        if method == "getUpdates":
            await fake.wait_for_updates_async(params)
        status, answer = fake.handle(method, params, files)
        self.write_json(answer, status)


class PageHandler(_Handler):
    """The page itself."""

    def get(self) -> None:
        """index.html."""
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish((STATIC / "index.html").read_bytes())


class StateHandler(_Handler):
    """What one person sees: `?person=KEY&chat=ID` (the chat open, marked read)."""

    async def get(self) -> None:
        """The state as JSON."""
        key = self.get_query_argument("person", "secretary")
        chat = self.get_query_argument("chat", "")
        try:
            state = await self.sandbox.state(key, int(chat) if chat else None)
        except (SandboxError, ValueError) as error:
            raise HTTPError(400, str(error)) from None
        self.write_json(state)


class ActionHandler(_Handler):
    """POST /api/<action>: send, press, clock, language, reset."""

    async def post(self, action: str) -> None:
        """Do the action; 400 with the reason when it cannot be done."""
        body = self.json_body()
        sandbox = self.sandbox
        answer: JSONDict = {"ok": True}
        try:
            if action in ("send", "press", "clock") and not sandbox.ready.is_set():
                raise SandboxError("the sandbox is starting")
            if action == "send":
                reply_to = body.get("reply_to")
                sandbox.send(
                    str(body.get("person")),
                    int(body.get("chat", 0)),
                    str(body.get("text", "")),
                    int(reply_to) if reply_to else None,
                )
            elif action == "press":
                sandbox.press(
                    str(body.get("person")),
                    int(body.get("chat", 0)),
                    int(body.get("message", 0)),
                    str(body.get("data", "")),
                )
            elif action == "clock":
                answer["nothing"] = await sandbox.move_clock(str(body.get("to")))
            elif action == "language":
                sandbox.set_language(str(body.get("language")))
            elif action == "reset":
                sandbox.request_reset()
            else:
                raise HTTPError(404, f"no action {action}")
        except (SandboxError, ValueError, TypeError) as error:
            raise HTTPError(400, str(error)) from None
        self.write_json(answer)


class FileHandler(_Handler):
    """A document or photo the bot sent, to download."""

    def get(self, file_id: str) -> None:
        """The file's bytes, as an attachment under its name."""
        found = self.sandbox.file(file_id)
        if found is None:
            raise HTTPError(404, "no such file")
        self.set_header("Content-Type", found.mime_type or "application/octet-stream")
        self.set_header(
            "Content-Disposition", f"attachment; filename*=UTF-8''{quote(found.filename)}"
        )
        self.finish(found.content)


class EventsHandler(_Handler):
    """Server-Sent Events: the state's version each time something changes."""

    async def get(self) -> None:
        """Stream until the page goes away."""
        self.set_header("Content-Type", "text/event-stream")
        queue: asyncio.Queue[int] = asyncio.Queue(maxsize=100)
        self.queue = queue
        self.sandbox.subscribers.add(queue)
        try:
            self.write(f"retry: 1000\ndata: {self.sandbox.version}\n\n")
            await self.flush()
            while True:
                try:
                    version = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    self.write(": keepalive\n\n")
                else:
                    # One event for a burst of changes.
                    while not queue.empty() and version != GONE:
                        version = queue.get_nowait()
                    if version == GONE:
                        return
                    self.write(f"data: {version}\n\n")
                await self.flush()
        except StreamClosedError:
            pass
        finally:
            self.sandbox.subscribers.discard(queue)
            with contextlib.suppress(Exception):
                self.finish()

    def on_connection_close(self) -> None:
        """The page went away: stop its stream now rather than at the next keepalive."""
        queue = getattr(self, "queue", None)
        if queue is not None:
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(GONE)


def make_app(sandbox: Sandbox) -> Application:
    """The tornado application of the sandbox."""
    options = {"sandbox": sandbox}
    return Application(
        [
            (r"/bot([^/]+)/([^/]+)/?", BotApiHandler, options),
            (r"/", PageHandler, options),
            (r"/api/state", StateHandler, options),
            (r"/api/events", EventsHandler, options),
            (r"/api/files/([A-Za-z0-9_-]+)", FileHandler, options),
            (r"/api/(send|press|clock|language|reset)", ActionHandler, options),
            (r"/static/(.*)", StaticFileHandler, {"path": str(STATIC)}),
        ],
        websocket_ping_interval=None,
    )
