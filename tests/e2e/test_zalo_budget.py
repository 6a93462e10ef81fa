"""The monthly Zalo message budget, with a quota of 5: every message to Zalo is counted, the
operators are warned once at 80 % and once at 100 %, and past the limit nothing goes to the
platform; the secretary's missed-reminder note and /answers say why Ba was not reminded."""

from __future__ import annotations

import re
from pathlib import Path

from handlers.zalo.budget import NEARLY_USED, USED_UP
from tests.e2e.cells_support import make_cell, sent, t
from tests.e2e.db import rows
from tests.e2e.meetings_support import fire_reminder, reminder_ids, schedule
from tests.e2e.zalo_support import BA, ZALO_TOKEN, running
from tests.harness.zalo_server import FakeZalo

SECRETARY_ID = 101  # make_cell's secretary, here also the operator


async def test_the_monthly_budget_warns_the_operators_and_then_refuses(tmp_path: Path) -> None:
    platform = FakeZalo(token=ZALO_TOKEN)
    async for world in running(
        tmp_path,
        platform,
        zalo_monthly_quota=5,
        admin_ids=frozenset({f"telegram:{SECRETARY_ID}"}),
    ):
        bot = world.bot
        w = await make_cell(bot, "vi")
        invite = sent(await w.say(w.secretary, "/invite", private=True), w.secretary.id)[0]
        code = re.search(r"bot Zalo: (\S+)$", invite)
        assert code is not None
        await world.says(BA, code[1])  # 1: the request was sent
        await w.d.press(w.secretary, w.private(w.secretary), t("vi", "✅ Approve: official"))
        meeting_id = await schedule(w)  # 2 and 3: welcome, the new meeting
        assert len(platform.sent) == 3

        start = bot.fake.next_call_seq
        await world.says(BA, "/help")  # 4: 80 %
        assert sent(bot.fake.calls_since(start), SECRETARY_ID) == [
            t("vi", NEARLY_USED, sent=4, quota=5)
        ]
        start = bot.fake.next_call_seq
        await world.says(BA, "/meetings")  # 5: 100 %
        assert sent(bot.fake.calls_since(start), SECRETARY_ID) == [
            t("vi", USED_UP, sent=5, quota=5)
        ]
        (budget,) = await rows(bot, "SELECT month, sent, warned_80, warned_100 FROM zalo_budget")
        assert (budget["month"], budget["sent"]) == ("2026-11", 5)

        # Past the limit: the platform is not called at all; nobody is warned again.
        calls = len(platform.calls)
        start = bot.fake.next_call_seq
        assert await world.says(BA, "/help") == []
        assert [c for c in platform.calls[calls:] if c[0] == "sendMessage"] == []
        assert sent(bot.fake.calls_since(start), SECRETARY_ID) == []

        # The reminder is refused for Ba: the secretary is told why, and /answers shows it.
        ids = await reminder_ids(bot, meeting_id)
        start = bot.fake.next_call_seq
        await fire_reminder(bot, ids[1440])
        notes = sent(bot.fake.calls_since(start), SECRETARY_ID)
        missed = t(
            "vi",
            "The monthly message budget of these members' channel is used up: they did "
            "not get the reminder:{names}",
            names="\n• Ba Nguyễn",
        )
        assert missed in notes, notes
        answers = sent(
            await w.say(w.secretary, f"/answers {meeting_id}", private=True), SECRETARY_ID
        )
        ba = next(line for line in answers[0].splitlines() if "Ba Nguyễn" in line)
        assert ba.endswith(
            t("vi", "not sent: the monthly message budget of their channel is used up")
        )
        # The person stays reachable for next month.
        (user,) = await rows(bot, "SELECT reachable FROM users WHERE external_id = ?", BA)
        assert user["reachable"] == 1
