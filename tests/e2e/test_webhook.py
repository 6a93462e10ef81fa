"""Webhook mode: the runtime's webhook server checks the secret token on every request, and
stores an update before it answers 200."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import sqlite3
from pathlib import Path

import httpx

from bot.app import build_application
from bot.clock import FakeClock
from handlers.telegram.runtime import serve
from sandbox.fake_api import FakeRequest, FakeTelegram
from tests.conftest import NOW
from tests.conftest import make_settings as settings_for

SECRET = "s3cret_webhook-token"


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def update(update_id: int, text: str) -> dict[str, object]:
    """A private /start message from a user."""
    user = {"id": 501, "is_bot": False, "first_name": "Hoa", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_790_000_000,
            "chat": {"id": 501, "type": "private", "first_name": "Hoa"},
            "from": user,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def test_webhook_checks_the_secret_and_handles_updates(tmp_path: Path) -> None:
    port = free_port()
    settings = dataclasses.replace(
        settings_for(tmp_path),
        webhook_url="https://bot.example.org/cellmeet-hook",
        webhook_secret=SECRET,
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    clock = FakeClock(NOW)
    fake = FakeTelegram(clock=clock.now)
    request = FakeRequest(fake)
    app = build_application(settings, request=request, clock=clock, rate_limiter=False)
    stop = asyncio.Event()
    running = asyncio.create_task(serve(app, settings, clock, request=request, stop=stop))
    try:
        for _ in range(500):
            if fake.sent(method="setWebhook") or running.done():
                break
            await asyncio.sleep(0.01)
        registered = fake.sent(method="setWebhook")
        assert registered[-1]["url"] == "https://bot.example.org/cellmeet-hook"
        assert registered[-1]["secret_token"] == SECRET
        url = f"http://127.0.0.1:{port}/cellmeet-hook"
        async with httpx.AsyncClient() as client:
            forged = await client.post(url, json=update(1, "/start"))
            wrong = await client.post(
                url,
                json=update(2, "/start"),
                headers={"X-Telegram-Bot-Api-Secret-Token": "guess"},
            )
            assert forged.status_code == 403
            assert wrong.status_code == 403
            assert fake.sent(chat_id=501) == []
            fake.started_users.add(501)
            good = await client.post(
                url,
                json=update(3, "/start"),
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
            assert good.status_code == 200
        # The 200 came after the update was committed to the inbox.
        with sqlite3.connect(settings.database_path) as conn:
            stored = [row[0] for row in conn.execute("SELECT update_id FROM inbox")]
        assert stored == [3]
        for _ in range(200):
            if fake.sent(chat_id=501):
                break
            await asyncio.sleep(0.01)
        replies = fake.sent(chat_id=501)
        assert len(replies) == 1
        assert replies[0]["text"].startswith("Hello Hoa!")
    finally:
        stop.set()
        await asyncio.wait_for(running, 15)
    fake.assert_no_violations()
