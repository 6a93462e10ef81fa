"""Shared scenery for the Zalo end-to-end tests: the bot on Telegram and Zalo over the fakes,
and a cell run from Zalo alone (an operator, a secretary and a member, all on Zalo)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.app import build_application
from bot.clock import FakeClock
from handlers.zalo.app import ZaloRunner, attach
from sandbox.driver import Driver
from sandbox.fake_api import FakeRequest, FakeTelegram
from tests.conftest import NOW, OPERATOR_ID, Bot, make_settings, stop_bot
from tests.harness.zalo_server import FakeZalo, FakeZaloServer

ZALO_TOKEN = "12345689:zalo-test-token"
OPERATOR = "0f0f0f0f0f0f0f0f0f0f"
SECRETARY = "5ec5ec5ec5ec5ec5ec5e"
BA = "a1b2c3d4e5f60718293a"
CELL = "Chi bộ Zalo"
NAMES = {OPERATOR: "Vận hành", SECRETARY: "Hà Bí thư", BA: "Ba Nguyễn"}


@dataclass
class ZaloWorld:
    """The bot on both channels, and the fake Zalo platform its Zalo users write on."""

    bot: Bot
    runner: ZaloRunner
    platform: FakeZalo

    async def says(self, user_id: str, text: str, *, name: str | None = None) -> list[str]:
        """A Zalo user writes to the bot; the texts the bot sent that user in answer."""
        before = len(self.platform.texts_to(user_id))
        name = name or NAMES.get(user_id, "Người dùng")
        self.platform.user_sends(user_id, text, name=name)
        assert await self.runner.poll_once() == 1
        return self.platform.texts_to(user_id)[before:]

    async def said(self, user_id: str, text: str) -> str:
        """The one answer to a text."""
        (answer,) = await self.says(user_id, text)
        return answer


async def running(
    tmp_path: Path, platform: FakeZalo, **overrides: Any
) -> AsyncIterator[ZaloWorld]:
    """The bot on Telegram and Zalo; operators: one on Telegram, one on Zalo."""
    with FakeZaloServer(platform) as server:
        values: dict[str, Any] = {
            "zalo_token": ZALO_TOKEN,
            "zalo_api_base_url": server.base_url,
            "admin_ids": frozenset({f"telegram:{OPERATOR_ID}", f"zalo:{OPERATOR}"}),
        }
        settings = make_settings(tmp_path, **(values | overrides))
        clock = FakeClock(NOW)
        fake = FakeTelegram(clock=clock.now)
        app = build_application(
            settings, request=FakeRequest(fake), clock=clock, rate_limiter=False
        )
        runner = attach(app, settings)
        runner.poll = False
        runner.poll_wait = 1
        bot = Bot(app, fake, Driver(app, fake, raise_errors=False), clock)
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)
        yield ZaloWorld(bot, runner, platform)
        await stop_bot(bot)
    platform.assert_no_violations()


async def zalo_only_cell(world: ZaloWorld) -> None:
    """A cell set up on Zalo by its secretary; Ba joins by code as an official member."""
    answer = await world.said(OPERATOR, f"/newcell {CELL}")
    code = answer.rsplit(": ", 1)[1]
    await world.said(SECRETARY, f"/setup {code}")
    invite = await world.said(SECRETARY, "/invite")
    invite_code = re.search(r"\n(\S{16})\n", invite)
    assert invite_code is not None, invite
    await world.said(BA, invite_code[1])
    request = world.platform.texts_to(SECRETARY)[-1]
    assert "Ba Nguyễn" in request
    first = re.search(r"^(\d+)\. ", request, re.MULTILINE)
    assert first is not None, request
    await world.said(SECRETARY, first[1])
