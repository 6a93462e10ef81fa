"""A meeting run from Zalo private chats, from /open to approved minutes: the member checks in
with the number, the items come privately with a numbered ✋, «1. …» is what the member says
on item 1, the minute-taker's conclusion, /close with the draft and its numbered approve
choice, the scoring by number (once), and /minutes N. In Vietnamese and English."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.cells_support import t
from tests.e2e.db import rows
from tests.e2e.zalo_support import BA, SECRETARY, ZALO_TOKEN, ZaloWorld, running, zalo_only_cell
from tests.harness.zalo_server import FakeZalo


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[ZaloWorld]:
    async for w in running(tmp_path, FakeZalo(token=ZALO_TOKEN)):
        await zalo_only_cell(w)
        yield w


def number_of(text: str, label: str) -> str:
    """The number a numbered choice has in a message."""
    found = re.search(rf"^(\d+)\. {re.escape(label)}$", text, re.M)
    assert found is not None, (label, text)
    return found[1]


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_a_meeting_run_on_zalo_to_approved_minutes(world: ZaloWorld, language: str) -> None:
    if language == "en":
        await world.said(BA, "/lang en")
        await world.said(SECRETARY, "/lang en")
    await world.says(SECRETARY, "/schedule 21/11/2026 21:30 Sinh hoạt chi bộ tháng 11")
    await world.says(SECRETARY, "/open")
    invitation = world.platform.texts_to(BA)[-1]
    await world.said(BA, number_of(invitation, t(language, "✅ Present")))
    await world.says(SECRETARY, "có mặt")

    # Not yet at an item: a numbered opinion is refused, nothing is written.
    refused = await world.said(BA, "1. Tôi đồng ý")
    assert refused == "⚠️ " + t(
        language, "No agenda item has been taken up yet: the chair starts with /next."
    )
    assert refused.startswith("⚠️ ")
    assert await rows(world.bot, "SELECT * FROM contributions") == []

    answer = await world.said(SECRETARY, "/next")
    assert answer.startswith(
        t(language, "Item {position}/{total}: {title}", position=1, total=8, title="\0").split(
            "\0"
        )[0]
    )
    item = world.platform.texts_to(BA)[-1]
    assert item.startswith("📌 ")
    hand = number_of(item, t(language, "✋ Ask to speak"))
    assert await world.said(BA, hand) == t(
        language, "You are in the speakers' queue: number {place}.", place=1
    )
    said = await world.said(BA, "1. Tôi đồng ý với báo cáo")
    assert said.startswith(
        t(language, "Recorded on item {position} ({title}).", position=1, title="\0").split("\0")[
            0
        ]
    )
    concluded = await world.said(SECRETARY, "/ketluan Chi bộ thống nhất")
    assert concluded.startswith(
        t(
            language, "Conclusion recorded on item {position} ({title}).", position=1, title="\0"
        ).split("\0")[0]
    )

    # A number that is no item of the agenda (8 items) begins an ordinary message, not a speech.
    late = await world.says(BA, "15 phút nữa em vào lại, mạng yếu")
    assert not any(text.startswith("⚠️ ") for text in late), late
    assert [tuple(r) for r in await rows(world.bot, "SELECT kind FROM contributions")] == [
        ("speech",),
        ("conclusion",),
    ]

    closed = await world.says(SECRETARY, "/close")
    assert closed[-1] == t(
        language,
        "Meeting #{id} is closed; the final attendance went to the group and the draft "
        "minutes to the secretary and the minute-taker.",
        id=1,
    )
    draft = next(
        text for text in reversed(world.platform.texts_to(SECRETARY)) if text.startswith("📝")
    )
    assert t(language, "MINUTES OF THE CELL MEETING") in draft
    assert "1.1 Ba Nguyễn: Tôi đồng ý với báo cáo" in draft
    assert t(language, "Chair's conclusion: {text}", text="Chi bộ thống nhất") in draft
    approve = number_of(draft, t(language, "✅ Approve version {version}", version=1))
    approved = await world.says(SECRETARY, approve)
    assert t(language, "MINUTES OF THE CELL MEETING") in approved[0]  # the cell's copy
    assert approved[-1] == t(
        language, "The minutes of meeting #{id} are approved and published in the group.", id=1
    )
    assert [tuple(r) for r in await rows(world.bot, "SELECT version, state FROM minutes")] == [
        (1, "approved")
    ]

    ask = next(text for text in reversed(world.platform.texts_to(BA)) if text.startswith("⭐"))
    good = number_of(ask, t(language, "Good"))
    assert await world.said(BA, good) == t(
        language, "Thank you: your score is counted, without your name."
    )
    again = await world.said(BA, good)  # the number is used: no answer now
    assert again == t(
        language, "There is no open choice with that number. Send /help to see what you can do."
    )
    assert [tuple(r) for r in await rows(world.bot, "SELECT grade, count FROM score_counts")] == [
        ("good", 1)
    ]
    shown = "\n".join(await world.says(BA, "/minutes 1"))
    assert "Tôi đồng ý với báo cáo" in shown and "Chi bộ thống nhất" in shown
    assert (
        t(language, "The meeting as members scored it ({n}): {grades}", n=1, grades="\0").split(
            "\0"
        )[0]
        in shown
    )
