"""A thin async client of the Zalo Bot Platform (``/bot<TOKEN>/<method>``) on httpx.

Tolerant of what the sources disagree on (see ``zalo-bot-api.md``): getUpdates answers one
update, a list, or nothing; an idle poll is HTTP 408; webhook bodies come wrapped in
``{ok, result}`` or bare; getWebhookInfo of a bot that never had one is 404. The token is in
every URL, so no error or log line carries a URL: errors name the method only.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

logger = logging.getLogger(__name__)

TEXT_MAX = 2000
POLL_TIMEOUT = 30
# The client waits longer than Zalo holds an idle poll, or every idle poll would be an error.
POLL_GRACE = 10
SECRET_HEADER = "X-Bot-Api-Secret-Token"

# Transport errors raised before the request reached Zalo: nothing was sent.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class ZaloError(Exception):
    """Zalo refused a call (``ok: false``); the message names the method, never the URL."""

    def __init__(self, method: str, code: int, description: str) -> None:
        super().__init__(f"Zalo {method}: {code} {description}")
        self.method = method
        self.code = code
        self.description = description

    @property
    def quota_exceeded(self) -> bool:
        """The plan's monthly message quota is used up."""
        return self.code == 429

    @property
    def passing(self) -> bool:
        """Worth retrying later: throttled or a server error (4xx others are permanent)."""
        return self.code == 429 or self.code >= 500


class ZaloNetworkError(Exception):
    """The call did not complete; ``sent`` tells whether the request may have reached Zalo."""

    def __init__(self, method: str, kind: str, *, sent: bool) -> None:
        super().__init__(f"Zalo {method}: {kind}")
        self.method = method
        self.sent = sent


@dataclass(frozen=True)
class ZaloMessage:
    """An inbound message as the edge needs it."""

    event: str
    message_id: str
    chat_id: str
    chat_type: str
    from_id: str
    display_name: str
    is_bot: bool
    text: str | None
    date_ms: int | None

    @property
    def private(self) -> bool:
        """A one-to-one chat with the bot."""
        return self.chat_type.upper() != "GROUP"


def parse_update(update: Mapping[str, Any]) -> ZaloMessage | None:
    """One update (a getUpdates result or a webhook body, wrapped or bare) -> a message;
    None when it carries no message we can use."""
    if "result" in update and isinstance(update.get("result"), Mapping):
        update = update["result"]
    message = update.get("message")
    if not isinstance(message, Mapping):
        return None
    sender = message.get("from") or {}
    chat = message.get("chat") or {}
    message_id = message.get("message_id")
    if not isinstance(sender, Mapping) or not isinstance(chat, Mapping) or not message_id:
        return None
    from_id = str(sender.get("id") or "")
    if not from_id:
        return None
    text = message.get("text")
    if not isinstance(text, str):
        text = message.get("caption") if isinstance(message.get("caption"), str) else None
    date = message.get("date")
    return ZaloMessage(
        event=str(update.get("event_name") or "message.text.received"),
        message_id=str(message_id),
        chat_id=str(chat.get("id") or from_id),
        chat_type=str(chat.get("chat_type") or "PRIVATE"),
        from_id=from_id,
        display_name=str(sender.get("display_name") or sender.get("first_name") or from_id),
        is_bot=bool(sender.get("is_bot")),
        text=text,
        date_ms=int(date) if isinstance(date, int | float) else None,
    )


def updates_of(result: Any) -> list[dict[str, Any]]:
    """getUpdates' result as a list: one update (documented), a list (tolerated) or none."""
    if result is None:
        return []
    if isinstance(result, list):
        return [u for u in result if isinstance(u, dict)]
    if isinstance(result, dict):
        return [result] if result else []
    return []


def webhook_updates(
    secret: str, headers: Mapping[str, str], body: bytes
) -> tuple[int, list[dict[str, Any]]]:
    """Check a webhook request and read its updates: (HTTP status to answer, updates).

    403 without the right secret header (compared in constant time); an empty or unreadable
    body (Zalo's probe) is answered 200 with nothing to do.
    """
    given = next((v for k, v in headers.items() if k.lower() == SECRET_HEADER.lower()), "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return 403, []
    try:
        decoded = json.loads(body) if body.strip() else None
    except ValueError:
        return 200, []
    if not isinstance(decoded, dict):
        return 200, []
    if "result" in decoded and "event_name" not in decoded:
        return 200, updates_of(decoded.get("result"))
    return 200, [decoded]


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = TEXT_MAX) -> list[str]:
    """Pieces of at most ``limit`` UTF-16 units (the stricter reading of Zalo's 2000
    characters), cut at line ends; a line longer than the limit is cut inside."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if _utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        current = line
        while _utf16_len(current) > limit:
            cut = limit
            while _utf16_len(current[:cut]) > limit:
                cut -= 1
            head = current[:cut]
            space = head.rfind(" ")
            if space > limit // 2:
                head = head[:space]
            pieces.append(head)
            current = current[len(head) :].lstrip(" ")
    if current.strip() or not pieces:
        pieces.append(current)
    return [p for p in pieces if p] or [text[:1] or " "]


class ZaloClient:
    """The Bot Platform's methods; each returns ``result`` or raises ZaloError /
    ZaloNetworkError (neither with a URL in it)."""

    def __init__(
        self,
        token: str,
        base_url: str,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = 20.0,
    ) -> None:
        self._token = token
        self._base = base_url.rstrip("/")
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._owns_http = http is None

    def redact(self, text: str) -> str:
        """A text with the token taken out."""
        return text.replace(self._token, "<token>")

    async def close(self) -> None:
        """Close the connection pool (if this client made it)."""
        if self._owns_http:
            await self._http.aclose()

    async def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        read_timeout: float | None = None,
    ) -> Any:
        """POST one method with a JSON body; its ``result``."""
        url = f"{self._base}/bot{self._token}/{method}"
        try:
            response = await self._http.post(
                url,
                json=dict(params or {}),
                timeout=read_timeout if read_timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.HTTPError as error:
            # The httpx error's text and its request carry the URL: neither goes on.
            raise ZaloNetworkError(
                method, type(error).__name__, sent=not isinstance(error, NOT_SENT)
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if response.is_success:
                raise ZaloError(method, response.status_code, "answer is not JSON")
            raise ZaloError(method, response.status_code, response.reason_phrase or "error")
        if body.get("ok") is True and response.is_success:
            return body.get("result", True)
        code = body.get("error_code") or body.get("errorCode") or response.status_code
        try:
            code = int(code)
        except (TypeError, ValueError):
            code = response.status_code
        if not code:
            code = response.status_code
        description = self.redact(str(body.get("description") or "error"))
        raise ZaloError(method, code, description)

    async def get_me(self) -> dict[str, Any]:
        """The bot's own account."""
        result = await self.call("getMe")
        return result if isinstance(result, dict) else {}

    async def get_updates(self, wait: int = POLL_TIMEOUT) -> list[dict[str, Any]]:
        """Long poll: the updates (usually one); an idle poll (408) is no update."""
        try:
            result = await self.call(
                "getUpdates", {"timeout": wait}, read_timeout=wait + POLL_GRACE
            )
        except ZaloError as error:
            if error.code == 408:
                return []
            raise
        return updates_of(result)

    async def set_webhook(self, url: str, secret_token: str) -> dict[str, Any]:
        """Register the webhook; Zalo sends the secret in X-Bot-Api-Secret-Token."""
        result = await self.call("setWebhook", {"url": url, "secret_token": secret_token})
        return result if isinstance(result, dict) else {}

    async def delete_webhook(self) -> None:
        """Remove the webhook (needed before polling)."""
        await self.call("deleteWebhook")

    async def get_webhook_info(self) -> str | None:
        """The webhook URL, or None when there is none (404 or an empty url)."""
        try:
            result = await self.call("getWebhookInfo")
        except ZaloError as error:
            if error.code == 404:
                return None
            raise
        url = result.get("url") if isinstance(result, dict) else None
        return str(url) if url else None

    async def send_message(self, chat_id: str, text: str) -> list[str]:
        """Send a text, in pieces of at most 2000 characters cut at line ends; the ids."""
        ids: list[str] = []
        for piece in split_message(text):
            result = await self.call("sendMessage", {"chat_id": chat_id, "text": piece})
            if isinstance(result, dict) and result.get("message_id"):
                ids.append(str(result["message_id"]))
        return ids

    async def send_photo(self, chat_id: str, photo_url: str, caption: str | None = None) -> str:
        """Send a photo by URL (Zalo fetches it before answering)."""
        params: dict[str, Any] = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            params["caption"] = split_message(caption)[0]
        result = await self.call("sendPhoto", params, read_timeout=60)
        return str(result.get("message_id", "")) if isinstance(result, dict) else ""

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        """Show "typing…"."""
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})
