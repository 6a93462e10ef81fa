"""Reports on Zalo: the text, and the chart as a photo. Zalo's sendPhoto takes a public URL
and fetches it before answering (the fake platform does the same): in webhook mode the bot's
webhook server serves the chart at an unguessable address for a few minutes; with polling
the text says where the chart is. /me and /overview as text; /pdf is Telegram's."""

from __future__ import annotations

import asyncio
import re
import socket
import struct
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import build_application
from bot.clock import FakeClock
from handlers.zalo.app import attach
from sandbox.driver import Driver
from sandbox.fake_api import FakeRequest, FakeTelegram
from tests.conftest import NOW, Bot, make_settings, stop_bot
from tests.e2e.world import tr_text
from tests.e2e.zalo_support import (
    BA,
    CELL,
    NAMES,
    OPERATOR,
    SECRETARY,
    ZALO_TOKEN,
    ZaloWorld,
    running,
    zalo_only_cell,
)
from tests.harness.zalo_server import FakeZalo, FakeZaloServer

SECRET = "a-webhook-secret-of-zalo"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Hooked:
    """The bot on Zalo by webhook; users' texts are posted to it as Zalo posts them."""

    def __init__(self, bot: Bot, platform: FakeZalo, port: int) -> None:
        self.bot = bot
        self.platform = platform
        self.port = port

    async def says(self, user_id: str, text: str, *, answers: int = 1) -> list[str]:
        """A user writes; the bot's answers to them (at least `answers` of them)."""
        before = len(self.platform.sent_to(user_id))
        update = self.platform.user_sends(user_id, text, name=NAMES.get(user_id, "Người dùng"))
        assert await asyncio.to_thread(self.platform.post_webhook, update) == 200
        for _ in range(300):
            if len(self.platform.sent_to(user_id)) >= before + answers:
                break
            await asyncio.sleep(0.02)
        return [s.text for s in self.platform.sent_to(user_id)[before:]]


@pytest.fixture
async def hooked(tmp_path: Path) -> AsyncIterator[Hooked]:
    platform = FakeZalo(token=ZALO_TOKEN)
    port = free_port()
    with FakeZaloServer(platform) as server:
        settings = make_settings(
            tmp_path,
            zalo_token=ZALO_TOKEN,
            zalo_api_base_url=server.base_url,
            zalo_webhook_url=f"http://127.0.0.1:{port}/zalo",
            zalo_webhook_secret=SECRET,
            admin_ids=frozenset({f"zalo:{OPERATOR}"}),
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
        await app.post_init(app)
        yield Hooked(bot, platform, port)
        await stop_bot(bot)
    platform.assert_no_violations()


async def zalo_cell_by_webhook(h: Hooked) -> None:
    """The Zalo-only cell: the operator's code, the secretary's /setup, Ba joins."""
    (answer,) = await h.says(OPERATOR, f"/newcell {CELL}")
    await h.says(SECRETARY, f"/setup {answer.rsplit(': ', 1)[1]}")
    (invite,) = await h.says(SECRETARY, "/invite")
    code = re.search(r"\n(\S{16})\n", invite)
    assert code is not None, invite
    before = len(h.platform.sent_to(SECRETARY))
    await h.says(BA, code[1])
    for _ in range(100):
        if len(h.platform.sent_to(SECRETARY)) > before:
            break
        await asyncio.sleep(0.02)
    request = h.platform.sent_to(SECRETARY)[-1].text
    first = re.search(r"^(\d+)\. ", request, re.MULTILINE)
    assert first is not None, request
    await h.says(SECRETARY, first[1])


async def test_report_on_zalo_sends_the_text_and_the_chart_as_a_photo(hooked: Hooked) -> None:
    h = hooked
    await zalo_cell_by_webhook(h)
    answers = await h.says(SECRETARY, "/report 2026", answers=2)
    text, caption = answers[0], answers[-1]
    assert tr_text("vi", "📊 Report of {cell}, {period}", cell=CELL, period="2026") in text
    assert tr_text("vi", "No meeting was held in this period.") in text
    assert caption == tr_text("vi", "Attendance by month, {period}", period="2026")
    photo_calls = [c for c in h.platform.calls if c[0] == "sendPhoto"]
    assert len(photo_calls) == 1
    url = str(photo_calls[0][1]["photo"])
    assert url.startswith(f"http://127.0.0.1:{h.port}/zalo/photo/") and url.endswith(".png")
    # The platform fetched the picture before answering: the chart, 1000 x 500.
    (picture,) = h.platform.photos
    assert picture[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", picture[16:24]) == (1000, 500)
    # Another address on that path is nobody's picture.
    wrong = f"http://127.0.0.1:{h.port}/zalo/photo/{'x' * 32}.png"
    with pytest.raises(urllib.error.HTTPError) as refused:
        await asyncio.to_thread(urllib.request.urlopen, wrong, timeout=5)
    assert refused.value.code == 404
    refused.value.close()
    # A member's /me, the operator's overview: text; the printable minutes are Telegram's.
    (mine,) = await h.says(BA, "/me")
    assert tr_text("vi", "No meeting you were on the roll of was held in this period.") in mine
    (overview,) = await h.says(OPERATOR, "/overview")
    assert CELL in overview
    (pdf,) = await h.says(BA, "/pdf 1")
    assert "/pdf" in pdf and "Telegram" in pdf
    # A member may not see the cell's report.
    (refusal,) = await h.says(BA, "/report")
    assert refusal == "⚠️ " + tr_text(
        "vi", "Only the secretary or deputy secretary of this cell can do this."
    )


@pytest.fixture
async def polling(tmp_path: Path) -> AsyncIterator[ZaloWorld]:
    async for world in running(tmp_path, FakeZalo(token=ZALO_TOKEN)):
        yield world


async def test_report_on_zalo_by_polling_says_where_the_chart_is(polling: ZaloWorld) -> None:
    await zalo_only_cell(polling)
    (answer,) = await polling.says(SECRETARY, "/report")
    assert tr_text("vi", "📊 Report of {cell}, {period}", cell=CELL, period="2026") in answer
    assert answer.endswith(
        tr_text(
            "vi",
            "The chart and the workbook are sent on Telegram (on Zalo, the chart needs the "
            "bot's Zalo webhook).",
        )
    )
    assert not [c for c in polling.platform.calls if c[0] == "sendPhoto"]
