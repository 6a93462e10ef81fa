"""Safe changes to meetings on Zalo (issue 10, items 5-9), in both languages: the questions
asked before a change come as numbered choices, answered with the number; the same commands
take the meeting's number in its cell."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.rules.durations import format_offsets
from bot.rules.recurrence import parse_rule
from bot.services.notices import CANCELLED, CANCELLED_WITH_REASON, LINK_CHANGED, RESTORED
from tests.e2e.cells_support import LANGUAGES, error, t
from tests.e2e.db import rows
from tests.e2e.meetings_support import START_LOCAL, START_UTC, TITLE, when
from tests.e2e.zalo_support import BA, SECRETARY, ZALO_TOKEN, ZaloWorld, running, zalo_only_cell
from tests.harness.zalo_server import FakeZalo

REASON = "Trùng lịch họp Đảng ủy phường"
FIFTH = "ngày 5 hằng tháng 19:30"
TENTH = "ngày 10 hằng tháng 19:30"


@pytest.fixture(params=LANGUAGES)
def lang(request: pytest.FixtureRequest) -> str:
    """The language the secretary and Ba chose with /lang."""
    return str(request.param)


@pytest.fixture
async def world(tmp_path: Path, lang: str) -> AsyncIterator[ZaloWorld]:
    async for w in running(tmp_path, FakeZalo(token=ZALO_TOKEN)):
        await zalo_only_cell(w)
        for user in (SECRETARY, BA):
            await w.said(user, f"/lang {lang}")
        yield w


def choice(text: str, label: str) -> str:
    """The number that stands for a labelled choice in a message."""
    found = re.search(rf"^(\d+)\. {re.escape(label)}$", text, re.MULTILINE)
    assert found is not None, text
    return found[1]


async def status(world: ZaloWorld) -> str:
    (row,) = await rows(world.bot, "SELECT status FROM meetings WHERE title = ?", TITLE)
    return str(row[0])


async def another_cells_meeting(world: ZaloWorld) -> None:
    """A meeting of another cell made first: the Zalo cell's meetings have other ids than
    their numbers, and a number names the Zalo cell's meeting."""
    async with world.bot.app.bot_data.database.raw_transaction() as conn:
        await conn.execute(
            "INSERT INTO cells (name, channel, chat_id, timezone, language, created_at)"
            " VALUES ('Chi bộ khác', 'telegram', '-1009', 'Asia/Ho_Chi_Minh', 'vi', ?)",
            (START_UTC,),
        )
        await conn.execute(
            "INSERT INTO meetings (cell_id, type, title, starts_at, duration_minutes,"
            " created_at) VALUES (last_insert_rowid(), 'regular', 'Họp chi bộ khác', ?, 120, ?)",
            (START_UTC, START_UTC),
        )


async def test_link_cancel_with_a_reason_and_restore_on_zalo(world: ZaloWorld, lang: str) -> None:
    await another_cells_meeting(world)
    scheduled = await world.said(SECRETARY, f"/schedule {START_LOCAL} {TITLE}")
    assert scheduled == t(
        lang,
        "Meeting #{id} ({kind}) scheduled: {title}, {when}. Reminders will be sent before it.",
        id=1,
        kind=t(lang, "regular meeting"),
        title=TITLE,
        when=when(lang, START_UTC),
    )
    # /link N shows the link (none yet) and offers a new room as a numbered choice.
    shown = await world.said(SECRETARY, "/link 1")
    assert shown.startswith(t(lang, "Meeting #{id} has no link yet.", id=1))
    (row,) = await rows(world.bot, "SELECT link FROM meetings WHERE title = ?", TITLE)
    assert row[0] is None
    told_before = len(world.platform.texts_to(BA))
    made = await world.said(SECRETARY, choice(shown, t(lang, "🔄 A new Jitsi room")))
    (row,) = await rows(world.bot, "SELECT id, number, link FROM meetings WHERE title = ?", TITLE)
    assert (row[0], row[1]) == (2, 1)
    room = str(row[2])
    assert room.startswith("https://meet.jit.si/")
    assert made == t(lang, "Link of meeting #{id}: {link}", id=1, link=room)
    assert world.platform.texts_to(BA)[told_before:] == [
        t(lang, LINK_CHANGED, id=1, title=TITLE, when=when(lang, START_UTC), link=room)
    ]

    # /cancel N reason: the meeting and the question; "keep" changes nothing.
    asked = await world.said(SECRETARY, f"/cancel 1 {REASON}")
    assert asked.startswith("#1 · ") and t(lang, "Reason: {reason}", reason=REASON) in asked
    kept = await world.said(SECRETARY, choice(asked, t(lang, "Keep the meeting")))
    assert kept == t(lang, "Nothing was changed.")
    assert await status(world) == "scheduled"
    asked = await world.said(SECRETARY, f"/cancel 1 {REASON}")
    told_before = len(world.platform.texts_to(BA))
    done = await world.said(SECRETARY, choice(asked, t(lang, "❌ Yes, cancel the meeting")))
    assert done == t(lang, "Meeting #{id} cancelled.", id=1)
    assert await status(world) == "cancelled"
    assert world.platform.texts_to(BA)[told_before:] == [
        t(
            lang,
            CANCELLED_WITH_REASON,
            id=1,
            title=TITLE,
            when=when(lang, START_UTC),
            reason=REASON,
        )
    ]
    # An old number is no answer any more.
    stale = await world.said(SECRETARY, choice(asked, t(lang, "❌ Yes, cancel the meeting")))
    assert stale == t(
        lang, "There is no open choice with that number. Send /help to see what you can do."
    )

    told_before = len(world.platform.texts_to(BA))
    restored = await world.said(SECRETARY, "/restore 1")
    assert restored.startswith(
        t(
            lang,
            "Meeting #{id} restored: {title}, {when}. Reminders will be sent before it.",
            id=1,
            title=TITLE,
            when=when(lang, START_UTC),
        )
    )
    assert await status(world) == "scheduled"
    assert world.platform.texts_to(BA)[told_before:] == [
        t(lang, RESTORED, id=1, title=TITLE, when=when(lang, START_UTC))
    ]
    assert await world.said(BA, "/restore 1") == "⚠️ " + t(
        lang, "Only the secretary or deputy secretary of this cell can do this."
    )


async def test_recurring_reminders_and_meetings_on_zalo(world: ZaloWorld, lang: str) -> None:
    await another_cells_meeting(world)
    assert await world.said(SECRETARY, "/recurring") == t(
        lang,
        "There is no rule for the regular meeting yet. Set one: /recurring {example}",
        example=FIFTH,
    )
    await world.said(SECRETARY, f"/recurring {FIFTH}")
    same = await world.said(SECRETARY, f"/recurring {FIFTH}")
    assert same.splitlines()[0] == t(
        lang,
        "The regular meeting already follows this rule: {rule}. Nothing was changed.",
        rule=parse_rule(FIFTH).describe(lang),
    )
    await world.said(SECRETARY, "/agenda 2 add Kết nạp đảng viên mới")
    asked = await world.said(SECRETARY, f"/recurring {TENTH}")
    assert [line.split(" · ")[0] for line in asked.splitlines()[1:3]] == ["#1", "#3"]
    assert len(await rows(world.bot, "SELECT id FROM meetings")) == 4
    told_before = len(world.platform.texts_to(BA))
    applied = await world.said(SECRETARY, choice(asked, t(lang, "✅ Apply the new rule")))
    assert t(lang, "Cancelled: {numbers}.", numbers="#1, #3") in applied
    # Ba is told of each meeting the new rule cancelled.
    told = world.platform.texts_to(BA)[told_before:]
    assert [text.split(" «")[0] for text in told] == [
        t(lang, CANCELLED, id=n, title="\0", when="").split(" «")[0] for n in (1, 3)
    ]
    found = {
        r["number"]: r["status"]
        for r in await rows(
            world.bot, "SELECT number, status FROM meetings WHERE title != 'Họp chi bộ khác'"
        )
    }
    assert found == {
        1: "cancelled",
        2: "scheduled",
        3: "cancelled",
        4: "scheduled",
        5: "scheduled",
        6: "scheduled",
    }

    offsets = await world.said(SECRETARY, "/reminders")
    assert offsets.splitlines()[0] == t(
        lang,
        "Reminders for each meeting: {times}.",
        times=format_offsets((1440, 60, 0), lang),
    )
    for day in range(11, 20):
        await world.said(SECRETARY, f"/schedule {day}/12/2026 19:30 Họp {day}")
    listed = (await world.said(BA, "/meetings")).splitlines()
    # 13 coming and the 2 cancelled by the rule (still ahead: they can be restored).
    assert t(lang, "…and {n} more: send /meetings all to see every one.", n=5) in listed
    every = (await world.said(BA, "/meetings all")).splitlines()
    assert len([line for line in every if line.startswith("#")]) == 15
    assert await world.said(BA, "/meetings 2") == error(
        lang, "Send /meetings, or /meetings all to see every meeting."
    )
