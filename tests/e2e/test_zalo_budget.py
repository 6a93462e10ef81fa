"""The monthly Zalo message budget, with a quota of 5: every message to Zalo is counted, the
operators are warned once at 80 % and once at 100 %, and past the limit nothing goes to the
platform; the secretary's missed-reminder note and /answers say why Ba was not reminded."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from handlers.zalo.budget import NEARLY_USED, USED_UP
from tests.e2e.cells_support import make_cell, sent, t
from tests.e2e.db import rows
from tests.e2e.meetings_support import fire_reminder, reminder_ids, schedule
from tests.e2e.zalo_support import (
    BA,
    OPERATOR,
    SECRETARY,
    ZALO_TOKEN,
    running,
    zalo_only_cell,
)
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


async def test_an_operator_only_on_zalo_is_warned_from_the_reserve_and_sees_the_quota(
    tmp_path: Path,
) -> None:
    # A quota of 50 keeps the last 5 for operators: members get messages up to 45.
    platform = FakeZalo(token=ZALO_TOKEN)
    async for world in running(tmp_path, platform, zalo_monthly_quota=50):
        await zalo_only_cell(world)  # the Zalo operator, the secretary and Ba wrote to the bot
        # Members may not look at the budget.
        assert await world.said(BA, "/quota") == "⚠️ " + t("vi", "Only operators can do this.")
        state = world.runner.state
        spent = (await state.budget("2026-11")).sent
        await state.count_sent("2026-11", 43 - spent)
        await state.mark_warned("2026-11", 80)

        quota = await world.said(OPERATOR, "/quota")  # 44
        assert quota == t(
            "vi",
            "Zalo messages in {month}: {sent} of {quota} ({percent} %). Members get messages "
            "until {limit}; the last {reserve} are kept for operators.",
            month="11/2026",
            sent=43,
            quota=50,
            percent=86,
            limit=45,
            reserve=5,
        )
        await world.says(BA, "/help")  # 45: members get no more; the operator is told
        assert platform.texts_to(OPERATOR)[-1] == t("vi", USED_UP, sent=45, quota=50)
        assert await world.says(BA, "/help") == []
        assert await world.says(SECRETARY, "/members") == []
        # The Vietnamese form answers from the reserve too.
        (hanmuc,) = await world.says(OPERATOR, "/hanmuc")
        assert hanmuc.startswith(quota.replace("43/50 tin (86 %)", "46/50 tin (92 %)")), hanmuc
        assert hanmuc.endswith(
            t(
                "vi",
                "Used up: nothing more goes to members on Zalo until next month; leaders are "
                "told whom the reminders missed.",
            )
        )
        (budget,) = await rows(world.bot, "SELECT sent, warned_100 FROM zalo_budget")
        assert (budget["sent"], budget["warned_100"]) == (47, 1)


async def test_a_platform_refusal_counts_the_month_as_spent_and_warns_on_telegram(
    tmp_path: Path,
) -> None:
    platform = FakeZalo(token=ZALO_TOKEN)
    async for world in running(
        tmp_path, platform, admin_ids=frozenset({f"telegram:{SECRETARY_ID}"})
    ):
        bot = world.bot
        w = await make_cell(bot, "vi")  # the Telegram secretary, here also the operator
        await world.says(BA, "/help")
        # The platform's count is ahead of the bot's (another bot on the same plan, say).
        platform.quota = len(platform.sent)
        start = bot.fake.next_call_seq
        assert await world.says(BA, "/help") == []
        assert sent(bot.fake.calls_since(start), SECRETARY_ID) == [
            t("vi", USED_UP, sent=3000, quota=3000)
        ]
        (budget,) = await rows(bot, "SELECT sent FROM zalo_budget")
        assert budget["sent"] == 3000
        # Nothing more is tried this month.
        calls = len(platform.calls)
        assert await world.says(BA, "/help") == []
        assert len(platform.calls) == calls + 1  # the poll only
        quota = sent(await w.say(w.secretary, "/hanmuc", private=True), SECRETARY_ID)
        assert quota[0].startswith(
            t(
                "vi",
                "Zalo messages in {month}: {sent} of {quota} ({percent} %). Members get "
                "messages until {limit}; the last {reserve} are kept for operators.",
                month="11/2026",
                sent=3000,
                quota=3000,
                percent=100,
                limit=2980,
                reserve=20,
            )
        )


async def test_after_the_month_turns_the_next_reminder_reaches_whom_the_budget_missed(
    tmp_path: Path,
) -> None:
    """A reminder refused for the budget stays recorded as refused (never re-sent: its time
    has passed); the meeting's next reminder, in the new month, reaches the member with
    the numbered choice, and /answers then shows them reached."""
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
        await world.says(BA, code[1])
        await w.d.press(w.secretary, w.private(w.secretary), t("vi", "✅ Approve: official"))
        meeting_id = await schedule(w)
        await world.says(BA, "/help")
        await world.says(BA, "/help")  # 5 of 5: November's budget is used up
        ids = await reminder_ids(bot, meeting_id)
        await fire_reminder(bot, ids[1440])
        refused = await rows(bot, "SELECT topic FROM deliveries WHERE state = 'refused'")
        assert [r["topic"] for r in refused] == [f"reminder:{ids[1440]}"]
        assert len(platform.sent) == 5

        # 05/12/2026 18:30 in Hanoi: a new month, an hour before the meeting.
        bot.clock.set(datetime(2026, 12, 5, 11, 30, tzinfo=UTC))
        start = bot.fake.next_call_seq
        await fire_reminder(bot, ids[60])
        reminder = platform.texts_to(BA)[-1]
        assert reminder.endswith(t("vi", "Reply with the number of your choice."))
        assert t("vi", "Please answer with one of the choices below.") in reminder
        will_attend = re.search(rf"^(\d+)\. {t('vi', 'Will attend')}$", reminder, re.MULTILINE)
        assert will_attend is not None, reminder
        # Nobody was missed this time: no note to the leaders.
        assert not any(
            "Ba Nguyễn" in text for text in sent(bot.fake.calls_since(start), SECRETARY_ID)
        )
        budgets = await rows(bot, "SELECT month, sent FROM zalo_budget ORDER BY month")
        assert [(b["month"], b["sent"]) for b in budgets] == [("2026-11", 5), ("2026-12", 1)]
        # The November refusal stays on record; /answers shows Ba reached now.
        refused = await rows(bot, "SELECT topic FROM deliveries WHERE state = 'refused'")
        assert [r["topic"] for r in refused] == [f"reminder:{ids[1440]}"]
        answers = sent(
            await w.say(w.secretary, f"/answers {meeting_id}", private=True), SECRETARY_ID
        )
        ba = next(line for line in answers[0].splitlines() if "Ba Nguyễn" in line)
        assert (
            t("vi", "not sent: the monthly message budget of their channel is used up") not in ba
        )
        assert await world.said(BA, will_attend[1]) == t("vi", "Recorded: you will attend.")
