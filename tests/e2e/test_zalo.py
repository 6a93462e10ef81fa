"""Zalo end to end, through the real HTTP client against the fake platform, with the
Telegram side through the offline harness: a Zalo member joins by code, a Telegram secretary
approves, the reminder reaches Zalo as a numbered choice, "2" and a reason ask for absence,
the secretary approves it; redelivered updates are applied once."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import build_application
from bot.clock import FakeClock
from handlers.zalo.app import ZaloRunner, attach
from sandbox.driver import Driver
from sandbox.fake_api import FakeRequest, FakeTelegram
from tests.conftest import NOW, Bot, make_settings, stop_bot
from tests.e2e.cells_support import make_cell, sent, t
from tests.e2e.db import rows
from tests.e2e.meetings_support import TITLE, fire_reminder, reminder_ids, schedule
from tests.harness.zalo_server import FakeZalo, FakeZaloServer

ZALO_TOKEN = "12345689:zalo-test-token"
BA = "a1b2c3d4e5f60718293a"  # a Zalo user id (20 hex)


@pytest.fixture
async def both(tmp_path: Path) -> AsyncIterator[tuple[Bot, ZaloRunner, FakeZalo]]:
    platform = FakeZalo(token=ZALO_TOKEN)
    with FakeZaloServer(platform) as server:
        settings = make_settings(
            tmp_path, zalo_token=ZALO_TOKEN, zalo_api_base_url=server.base_url
        )
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
        yield bot, runner, platform
        await stop_bot(bot)
    platform.assert_no_violations()


async def zalo_says(
    runner: ZaloRunner, platform: FakeZalo, text: str, *, user: str = BA, name: str = "Ba Nguyễn"
) -> list[str]:
    """Someone (Ba unless told) writes to the Zalo bot; the texts the bot sent them in answer."""
    before = len(platform.texts_to(user))
    platform.user_sends(user, text, name=name)
    assert await runner.poll_once() == 1
    return platform.texts_to(user)[before:]


async def test_a_zalo_member_joins_answers_a_reminder_by_number_and_is_excused(
    both: tuple[Bot, ZaloRunner, FakeZalo],
) -> None:
    bot, runner, platform = both
    w = await make_cell(bot, "vi")
    invite = sent(await w.say(w.secretary, "/invite", private=True), w.secretary.id)[0]
    code = re.search(r"bot Zalo: (\S+)$", invite)
    assert code is not None, invite

    # Ba sends the code on Zalo: a request that the Telegram secretary decides with a button.
    start = bot.fake.next_call_seq
    (answer,) = await zalo_says(runner, platform, code[1])
    assert answer == t(
        "vi",
        "Your request to join «{cell}» was sent to the secretary. "
        "I will tell you here when it is decided.",
        cell=w.name,
    )
    assert any("Ba Nguyễn" in s for s in sent(bot.fake.calls_since(start), w.secretary.id))
    await w.d.press(w.secretary, w.private(w.secretary), t("vi", "✅ Approve: official"))
    assert "Chào mừng" in platform.texts_to(BA)[-1] or w.name in platform.texts_to(BA)[-1]
    # With members on two channels, /members says where each is.
    roster = sent(await w.say(w.secretary, "/members", private=True), w.secretary.id)[0]
    lines = roster.splitlines()
    assert any(line.startswith("1. Trần Lan") and line.endswith(" · Telegram") for line in lines)
    assert any("Ba Nguyễn" in line and line.endswith(" · Zalo") for line in lines)

    # The reminder reaches Zalo with numbered choices instead of buttons.
    meeting_id = await schedule(w)
    # Ba cannot read the Telegram group: what it was told reaches him privately.
    announced = platform.texts_to(BA)[-1]
    assert announced.startswith(f"📅 Cuộc họp mới #{meeting_id}") and TITLE in announced
    ids = await reminder_ids(bot, meeting_id)
    await fire_reminder(bot, ids[1440])
    reminder = platform.texts_to(BA)[-1]
    assert TITLE in reminder
    assert "1. Sẽ tham dự\n2. Xin vắng" in reminder

    # "2", then the reason: the secretary on Telegram gets the request and approves it.
    (ask,) = await zalo_says(runner, platform, "2")
    assert ask == t("vi", "Please reply with the reason for your absence.")
    start = bot.fake.next_call_seq
    (done,) = await zalo_says(runner, platform, "Đi công tác biên giới")
    assert done == t("vi", "Your request was sent to the secretary.")
    request = sent(bot.fake.calls_since(start), w.secretary.id)
    assert any("Đi công tác biên giới" in s for s in request)
    await w.d.press(w.secretary, w.private(w.secretary), t("vi", "✅ Approve absence"))
    assert platform.texts_to(BA)[-1] == t(
        "vi", "Your absence from meeting #{id} «{title}» is approved.", id=meeting_id, title=TITLE
    )
    found = await rows(
        bot, "SELECT status, reason FROM attendance_replies WHERE meeting_id = ?", meeting_id
    )
    assert [(r["status"], r["reason"]) for r in found] == [
        ("absent_with_reason", "Đi công tác biên giới")
    ]

    # The platform hands the consumed updates back: each is skipped, nothing is answered.
    before = len(platform.sent)
    for _ in range(3):  # the code, "2" and the reason
        assert await runner.poll_once() == 1
    assert len(platform.sent) == before
    # A stray "1" later (the choice was used) is no answer.
    (stray,) = await zalo_says(runner, platform, "1")
    assert stray == t(
        "vi", "There is no open choice with that number. Send /help to see what you can do."
    )
