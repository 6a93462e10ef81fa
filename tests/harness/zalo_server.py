"""A fake Zalo Bot Platform on 127.0.0.1, for tests that cross the wire with the real client.

Behaves as the sources describe the real one (``zalo-bot-api.md``): ``/bot<TOKEN>/<method>``,
``{ok, result | error_code, description}``; getUpdates hands out one update per poll, answers
408 when idle, and hands consumed updates back again (redelivery); setWebhook makes it post
updates to the bot with ``X-Bot-Api-Secret-Token``; texts over 2000 characters are refused; over
the monthly quota it answers 429 "Quota exceeded". Zalo has no buttons: any keyboard or button
parameter is recorded as a violation, and ``assert_no_violations`` fails the test.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

JSONDict = dict[str, Any]
_PATH_RE = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[^/]+)/?$")
SECRET_HEADER = "X-Bot-Api-Secret-Token"
TEXT_MAX = 2000
METHODS = {
    "getMe": set(),
    "getUpdates": {"timeout"},
    "setWebhook": {"url", "secret_token"},
    "deleteWebhook": set(),
    "getWebhookInfo": set(),
    "sendMessage": {"chat_id", "text", "parse_mode", "text_styles"},
    "sendPhoto": {"chat_id", "photo", "caption"},
    "sendSticker": {"chat_id", "sticker"},
    "sendChatAction": {"chat_id", "action"},
}
BUTTONS = re.compile(r"keyboard|button|markup|quick_repl|inline", re.IGNORECASE)


@dataclass
class Sent:
    """A message the bot sent."""

    method: str
    chat_id: str
    text: str
    message_id: str


@dataclass
class FakeZalo:
    """The platform's state; thread-safe, driven by tests and served by FakeZaloServer."""

    token: str
    quota: int = 3000
    # Seconds an idle getUpdates waits before 408 (the real one holds up to `timeout`).
    idle_wait: float = 0.2
    redeliver: bool = True
    sent: list[Sent] = field(default_factory=list)
    calls: list[tuple[str, JSONDict]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    photos: list[bytes] = field(default_factory=list)  # pictures fetched for sendPhoto
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_ever_set: bool = False
    faults: list[int] = field(default_factory=list)
    _queue: list[JSONDict] = field(default_factory=list)
    _consumed: list[JSONDict] = field(default_factory=list)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _counter: int = 0

    # --- what users do ---------------------------------------------------------------------

    def user_sends(
        self,
        user_id: str,
        text: str,
        *,
        name: str = "Người dùng",
        message_id: str | None = None,
        group: str | None = None,
    ) -> JSONDict:
        """A user writes to the bot in a private chat (or, mentioning it, in a group: Zalo's
        beta): queued for getUpdates (or posted to the webhook when one is set, with
        `post_webhook`). The update."""
        with self._cond:
            self._counter += 1
            mid = message_id or f"{self._counter:020x}"
        update = {
            "event_name": "message.text.received",
            "message": {
                "from": {"id": user_id, "display_name": name, "is_bot": False},
                "chat": (
                    {"id": group, "chat_type": "GROUP"}
                    if group
                    else {"id": user_id, "chat_type": "PRIVATE"}
                ),
                "text": text,
                "message_id": mid,
                "date": 1750316131602 + self._counter,
            },
        }
        with self._cond:
            self._queue.append(update)
            self._cond.notify_all()
        return update

    def post_webhook(
        self, update: JSONDict, *, secret: str | None = None, wrapped: bool = False
    ) -> int:
        """POST an update to the registered webhook as Zalo does; the HTTP status."""
        assert self.webhook_url is not None, "no webhook set"
        body = {"ok": True, "result": update} if wrapped else update
        request = urllib.request.Request(
            self.webhook_url,
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Java/17",
                SECRET_HEADER: (self.webhook_secret or "") if secret is None else secret,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    def sent_to(self, chat_id: str) -> list[Sent]:
        """What the bot sent to a chat (texts, and photos by their caption), in order."""
        return [s for s in self.sent if s.chat_id == chat_id]

    def texts_to(self, chat_id: str) -> list[str]:
        """Texts the bot sent to a chat, in order."""
        return [s.text for s in self.sent if s.chat_id == chat_id]

    def assert_no_violations(self) -> None:
        """Fail on any call the real platform would refuse or could not render."""
        assert self.violations == [], self.violations

    @property
    def pending(self) -> int:
        """Updates not yet handed out."""
        with self._cond:
            return len(self._queue)

    # --- the API ----------------------------------------------------------------------------

    def handle(self, method: str, params: JSONDict) -> tuple[int, JSONDict]:
        """One call: (HTTP status, body)."""
        self.calls.append((method, dict(params)))
        if method not in METHODS:
            return _error(400, "Bad request")
        for key in params:
            if BUTTONS.search(key):
                self.violations.append(f"{method}: Zalo has no buttons or keyboards ({key})")
                return _error(400, "Bad request")
            if key not in METHODS[method]:
                self.violations.append(f"{method}: unknown parameter {key}")
        if self.faults and method not in ("getUpdates",):
            return _error(self.faults.pop(0), "Injected fault")
        handler = getattr(self, "_" + method)
        result: tuple[int, JSONDict] = handler(params)
        return result

    def _getMe(self, params: JSONDict) -> tuple[int, JSONDict]:
        return _ok(
            {
                "id": "1459232241454765289",
                "account_name": "bot.cellmeet",
                "account_type": "BASIC",
                "can_join_groups": False,
                "display_name": "Bot Chi bộ",
            }
        )

    def _getUpdates(self, params: JSONDict) -> tuple[int, JSONDict]:
        if self.webhook_url:
            return _error(400, "Webhook is set; call deleteWebhook before getUpdates")
        deadline = time.monotonic() + self.idle_wait
        with self._cond:
            while True:
                if self._queue:
                    update = self._queue.pop(0)
                    self._consumed.append(update)
                    return _ok(update)
                if self.redeliver and self._consumed:
                    # Consumed updates come back (no offset exists): once each, here.
                    return _ok(self._consumed.pop(0))
                left = deadline - time.monotonic()
                if left <= 0:
                    return _error(408, "Request timeout")
                self._cond.wait(left)

    def _setWebhook(self, params: JSONDict) -> tuple[int, JSONDict]:
        url, secret = params.get("url"), params.get("secret_token")
        if not isinstance(url, str) or not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            return _error(400, "Bad request")
        self.webhook_url, self.webhook_secret, self.webhook_ever_set = url, secret, True
        return _ok({"url": url, "updated_at": 1749538250568})

    def _deleteWebhook(self, params: JSONDict) -> tuple[int, JSONDict]:
        self.webhook_url = None
        return _ok({"url": "", "updated_at": 1749538250568})

    def _getWebhookInfo(self, params: JSONDict) -> tuple[int, JSONDict]:
        if not self.webhook_ever_set:
            return _error(404, "Not Found")
        return _ok({"url": self.webhook_url or "", "updated_at": 1749633372026})

    def _send(self, method: str, chat_id: Any, text: Any) -> tuple[int, JSONDict]:
        if not isinstance(chat_id, str) or not chat_id:
            self.violations.append(f"{method}: chat_id must be a non-empty string")
            return _error(400, "Bad request")
        if not isinstance(text, str) or not 1 <= len(text) <= TEXT_MAX:
            self.violations.append(f"{method}: text of {len(str(text))} characters (1-2000)")
            return _error(400, "Bad request")
        if len(self.sent) >= self.quota:
            return _error(429, "Quota exceeded")
        with self._cond:
            self._counter += 1
            message_id = f"{self._counter:020x}"
        self.sent.append(Sent(method, chat_id, text, message_id))
        return _ok({"message_id": message_id, "date": 1749632637199})

    def _sendMessage(self, params: JSONDict) -> tuple[int, JSONDict]:
        return self._send("sendMessage", params.get("chat_id"), params.get("text"))

    def _sendPhoto(self, params: JSONDict) -> tuple[int, JSONDict]:
        url = params.get("photo")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            self.violations.append("sendPhoto: photo must be a URL")
            return _error(400, "Bad request")
        # As the platform does: the picture is fetched before the answer; one that cannot be
        # fetched, or is no image, is refused.
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                data = response.read()
                kind = response.headers.get("Content-Type", "")
        except OSError:
            return _error(400, "Photo could not be fetched")
        if not kind.startswith("image/") or not data.startswith(b"\x89PNG"):
            return _error(400, "Photo is not an image")
        self.photos.append(data)
        return self._send("sendPhoto", params.get("chat_id"), params.get("caption") or " ")

    def _sendSticker(self, params: JSONDict) -> tuple[int, JSONDict]:
        return self._send("sendSticker", params.get("chat_id"), "[sticker]")

    def _sendChatAction(self, params: JSONDict) -> tuple[int, JSONDict]:
        return 200, {"ok": True}


def _ok(result: Any) -> tuple[int, JSONDict]:
    return 200, {"ok": True, "result": result}


def _error(code: int, description: str) -> tuple[int, JSONDict]:
    return code, {"ok": False, "error_code": code, "description": description}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeZalo) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: object, client_address: object) -> None:
        """A client hanging up mid-poll is normal."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # request lines contain the token

    def _serve(self) -> None:
        match = _PATH_RE.match(urlsplit(self.path).path)
        if match is None:
            return self._reply(*_error(404, "Not Found"))
        if match["token"] != self.server.fake.token:
            return self._reply(*_error(401, "Unauthorized"))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        params: JSONDict = {}
        if body:
            try:
                decoded = json.loads(body)
            except ValueError:
                return self._reply(*_error(400, "Bad request"))
            if not isinstance(decoded, dict):
                return self._reply(*_error(400, "Bad request"))
            params = decoded
        self._reply(*self.server.fake.handle(match["method"], params))

    def _reply(self, status: int, body: JSONDict) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class FakeZaloServer:
    """Serves a FakeZalo over HTTP in a daemon thread; ``base_url`` has no ``/bot``."""

    def __init__(self, fake: FakeZalo) -> None:
        self.fake = fake
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT"""
        assert self._server is not None, "not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeZaloServer:
        self._server = _Server(self.fake)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-zalo",
            daemon=True,
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
