"""Zalo by webhook, over real HTTP: the secret is checked, an update is stored before Zalo hears
200 (nothing acknowledged is lost), and a redelivered one is applied once."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_application
from bot.clock import FakeClock
from handlers.zalo.app import ZaloRunner, attach
from sandbox.driver import Driver
from sandbox.fake_api import FakeRequest, FakeTelegram
from tests.conftest import NOW, Bot, make_settings, stop_bot
from tests.e2e.db import rows
from tests.harness.zalo_server import FakeZalo, FakeZaloServer

ZALO_TOKEN = "12345689:zalo-test-token"
SECRET = "a-webhook-secret-of-zalo"
BA = "a1b2c3d4e5f60718293a"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def hooked(tmp_path: Path) -> AsyncIterator[tuple[Bot, ZaloRunner, FakeZalo]]:
    platform = FakeZalo(token=ZALO_TOKEN)
    port = free_port()
    with FakeZaloServer(platform) as server:
        settings = make_settings(
            tmp_path,
            zalo_token=ZALO_TOKEN,
            zalo_api_base_url=server.base_url,
            zalo_webhook_url=f"http://127.0.0.1:{port}/zalo",
            zalo_webhook_secret=SECRET,
        )
        clock = FakeClock(NOW)
        fake = FakeTelegram(clock=clock.now)
        app = build_application(
            settings, request=FakeRequest(fake), clock=clock, rate_limiter=False
        )
        runner = attach(app, settings)
        runner.listen = ("127.0.0.1", port)
        bot = Bot(app, fake, Driver(app, fake, raise_errors=False), clock)
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)  # registers the webhook and starts serving it
        yield bot, runner, platform
        await stop_bot(bot)
    platform.assert_no_violations()


async def answered(platform: FakeZalo, before: int) -> list[str]:
    for _ in range(100):
        if len(platform.texts_to(BA)) > before:
            break
        await asyncio.sleep(0.02)
    return platform.texts_to(BA)[before:]


async def test_a_webhook_update_is_stored_before_200_and_applied_once(
    hooked: tuple[Bot, ZaloRunner, FakeZalo], monkeypatch: pytest.MonkeyPatch
) -> None:
    bot, runner, platform = hooked
    # A slow disk: storing takes a while. Zalo must not hear 200 before it is done.
    receive = runner.state.receive

    async def slow_receive(*args: Any) -> bool:
        await asyncio.sleep(0.3)
        return await receive(*args)

    monkeypatch.setattr(runner.state, "receive", slow_receive)
    assert platform.webhook_url is not None and platform.webhook_url.endswith("/zalo")
    update = platform.user_sends(BA, "/help", name="Ba Nguyễn")
    message_id = update["message"]["message_id"]

    # A forged post (wrong secret) is refused and nothing is stored or answered.
    assert await asyncio.to_thread(platform.post_webhook, update, secret="wrong-secret") == 403
    assert await rows(bot, "SELECT 1 FROM zalo_inbox WHERE message_id = ?", message_id) == []

    assert await asyncio.to_thread(platform.post_webhook, update) == 200
    # Acknowledged means stored: the row exists as soon as Zalo has its 200.
    stored = await rows(bot, "SELECT 1 FROM zalo_inbox WHERE message_id = ?", message_id)
    assert len(stored) == 1
    texts = await answered(platform, 0)
    assert len(texts) >= 1 and "/help" in "\n".join(texts)

    # Zalo posts it again (both body shapes are accepted): applied once.
    count = len(platform.texts_to(BA))
    assert await asyncio.to_thread(platform.post_webhook, update, wrapped=True) == 200
    await asyncio.sleep(0.2)
    assert len(platform.texts_to(BA)) == count
