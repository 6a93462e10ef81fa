"""Hostile and careless input on the Zalo edge: every message gets a clear answer within
Zalo's limits, nothing unexpected is raised, and an outsider changes nothing."""

from __future__ import annotations

import re

from handlers.telegram.common import GENERIC_ERROR
from handlers.zalo.app import ZaloRunner
from tests.conftest import Bot
from tests.e2e.cells_support import make_cell, sent, t
from tests.e2e.test_zalo import BA, both, zalo_says
from tests.e2e.world import snapshot
from tests.harness.zalo_server import FakeZalo

__all__ = ["both"]  # the fixture, shared with the Zalo end-to-end tests

OUTSIDER = "ffffeeeeddddccccbbbb"
# What people send by mistake or on purpose: broken commands, numbers with no question, other
# scripts' digits, control and invisible characters, very long text, lookalike codes.
HOSTILE = [
    "",
    " ",
    "/",
    "//help",
    "/help@cellmeet_bot extra",
    "/setup",
    "/setup ABCD-EFGH-JKLM",
    "/setup ' OR 1=1 --",
    "/join",
    "/invite 1000 1000",
    "/invite -1",
    "/members",
    "/meetings",
    "/schedule",
    "/schedule 31/02/2027 19:30 Họp",
    "/schedule 05/12/1999 19:30 Họp",
    "/schedule ٠٥/١٢/٢٠٢٧ ١٩:٣٠ Họp",
    "/name",
    "/name 12345",
    "/name " + "A" * 500,
    "/lang xx",
    "/lang",
    "/kind 1 official",
    "/role 1 deputy",
    "/remove 1",
    "/newcell Chi bộ mới",
    "/cells",
    "1",
    "2",
    "99999999999999999999",
    "²",
    "-1",
    "0",
    "\u202e/help",
    "\x00\x01\x02",
    "x" * 5000,
    "AAAAAAAAAAAAAAAA",
    "inv-AAAAAAAAAAAAAAAA",
    "🙂" * 100,
    "<b>bold</b> & <script>",
]


async def _answers(runner: ZaloRunner, platform: FakeZalo, user: str, text: str) -> list[str]:
    return await zalo_says(runner, platform, text, user=user, name="Khách")


async def test_hostile_input_on_zalo_gets_a_clear_answer_and_an_outsider_changes_nothing(
    both: tuple[Bot, ZaloRunner, FakeZalo],
) -> None:
    bot, runner, platform = both
    w = await make_cell(bot, "vi")
    invite = sent(await w.say(w.secretary, "/invite", private=True), w.secretary.id)[0]
    code = re.search(r"bot Zalo: (\S+)$", invite)
    assert code is not None
    await zalo_says(runner, platform, code[1])
    await w.d.press(w.secretary, w.private(w.secretary), t("vi", "✅ Approve: official"))
    generic = {t(lang, GENERIC_ERROR) for lang in ("vi", "en")}

    # The outsider's first message makes them known (a user row); after that, nothing changes.
    await _answers(runner, platform, OUTSIDER, "/start")
    before = await snapshot(bot)
    for text in HOSTILE:
        answers = await _answers(runner, platform, OUTSIDER, text)
        assert len(answers) <= 3, (text, answers)
        assert all(0 < len(a) <= 2000 for a in answers), text
        assert not any(g in a for a in answers for g in generic), (text, answers)
    after = await snapshot(bot)
    changed = {table for table in before if before[table] != after.get(table)}
    assert changed <= {"zalo_inbox", "zalo_choices", "zalo_budget"}, changed

    # A member's careless input is answered too, never with "something went wrong".
    for text in HOSTILE:
        answers = await _answers(runner, platform, BA, text)
        assert all(0 < len(a) <= 2000 for a in answers), text
        assert not any(g in a for a in answers for g in generic), (text, answers)
    assert bot.unexpected == []
    platform.assert_no_violations()
