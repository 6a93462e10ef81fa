"""A real HTTP Bot API on 127.0.0.1, backed by a `FakeTelegram`.

For tests that must cross the wire: ptb's own `HTTPXRequest`, form and multipart encoding,
long polling. Point a bot at it with `Bot(token, base_url=server.base_url + "/bot")`.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sandbox.fake_api import FakeTelegram, JSONDict, UploadedFile

_PATH_RE = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[^/]+)/?$")


def parse_multipart(body: bytes, content_type: str) -> tuple[JSONDict, dict[str, UploadedFile]]:
    """Split a multipart/form-data body into form fields and uploaded files."""
    # The email package parses MIME multipart without the deprecated (and in 3.13 removed) cgi.
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    fields: JSONDict = {}
    files: dict[str, UploadedFile] = {}
    if not message.is_multipart():
        return fields, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            fields[name] = content.decode("utf-8")
        else:
            mime_type = part.get_content_type() if part.get("content-type") else None
            files[name] = UploadedFile(filename, content, mime_type)
    return fields, files


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 resets connections when a bot opens many at once
    # (a thousand check-in presses answered together); Telegram's servers do not.
    request_queue_size = 256

    def __init__(self, fake: FakeTelegram, token: str | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake
        self.token = token

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up mid-request (a bot cancelling its long poll) is normal."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines contain the bot token, and test output has no use for them.
        pass

    def _reply(self, status: int, body: JSONDict) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _read_params(self, query: str) -> tuple[JSONDict, dict[str, UploadedFile]]:
        params: JSONDict = dict(parse_qsl(query, keep_blank_values=True))
        files: dict[str, UploadedFile] = {}
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        content_type = self.headers.get_content_type()
        if not body:
            return params, files
        if content_type == "application/json":
            decoded = json.loads(body)
            if not isinstance(decoded, dict):
                raise ValueError("the JSON body must be an object")
            params.update(decoded)
        elif content_type == "application/x-www-form-urlencoded":
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        elif content_type == "multipart/form-data":
            fields, files = parse_multipart(body, self.headers["Content-Type"])
            params.update(fields)
        return params, files

    def _serve(self) -> None:
        url = urlsplit(self.path)
        match = _PATH_RE.match(url.path)
        if match is None:
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        if self.server.token is not None and match["token"] != self.server.token:
            self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        try:
            params, files = self._read_params(url.query)
        except ValueError as exc:
            description = f"Bad Request: can't parse request body: {exc}"
            self._reply(400, {"ok": False, "error_code": 400, "description": description})
            return
        method = match["method"]
        if method == "getUpdates":
            self.server.fake.wait_for_updates(params)
        status, body = self.server.fake.handle(method, params, files)
        self._reply(status, body)


class FakeBotApiServer:
    """Serves `/bot<token>/<method>` over HTTP from a `FakeTelegram`, in a daemon thread."""

    def __init__(self, fake: FakeTelegram, *, token: str | None = None) -> None:
        self.fake = fake
        # None accepts any token; a string answers 401 to others, like a revoked token.
        self.token = token
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT, without the /bot path."""
        if self._server is None:
            raise RuntimeError("FakeBotApiServer is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeBotApiServer:
        """Bind an ephemeral port and serve in the background."""
        if self._server is not None:
            raise RuntimeError("FakeBotApiServer is already started")
        self._server = _Server(self.fake, self.token)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-bot-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> FakeBotApiServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
