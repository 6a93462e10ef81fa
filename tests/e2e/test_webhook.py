"""Webhook mode: ptb's webhook server, with the secret token checked on every request."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from pathlib import Path

import httpx

from bot.__main__ import webhook_options
from tests.conftest import make_settings as settings_for
from tests.conftest import start_bot, stop_bot

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
    bot = await start_bot(settings)
    app = bot.app
    assert app.updater is not None
    await app.start()
    await app.updater.start_webhook(**webhook_options(settings))
    try:
        registered = bot.fake.sent(method="setWebhook")
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
            assert bot.fake.sent(chat_id=501) == []
            bot.fake.started_users.add(501)
            good = await client.post(
                url,
                json=update(3, "/start"),
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
            assert good.status_code == 200
        for _ in range(200):
            if bot.fake.sent(chat_id=501):
                break
            await asyncio.sleep(0.01)
        replies = bot.fake.sent(chat_id=501)
        assert len(replies) == 1
        assert replies[0]["text"].startswith("Hello Hoa!")
    finally:
        await app.updater.stop()
        await app.stop()
        await stop_bot(bot)
