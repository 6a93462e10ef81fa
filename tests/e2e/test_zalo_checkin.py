"""Checking in on Zalo: when the meeting opens, a cell's members on Zalo get the check-in
privately and answer with its number or by typing «có mặt» (with or without diacritics, or
"present"); the answer comes after the check-in is committed; a second one changes nothing.
In Vietnamese and English."""

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


async def roll(world: ZaloWorld) -> dict[str, str]:
    """Zalo id -> status on meeting 1's roll."""
    found = await rows(
        world.bot,
        "SELECT u.external_id, r.status FROM roll r JOIN users u ON u.id = r.user_id"
        " WHERE r.meeting_id = 1",
    )
    return {str(r[0]): str(r[1]) for r in found}


async def state(world: ZaloWorld) -> list[list[tuple[object, ...]]]:
    """What a check-in could change: the roll, the runs, the meetings' status (the Zalo inbox
    and message budget count every message)."""
    return [
        [tuple(r) for r in await rows(world.bot, sql)]
        for sql in (
            "SELECT * FROM roll ORDER BY meeting_id, user_id",
            "SELECT * FROM meeting_runs ORDER BY meeting_id",
            "SELECT id, status FROM meetings ORDER BY id",
        )
    ]


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_zalo_members_check_in_by_number_or_by_typing(
    world: ZaloWorld, language: str
) -> None:
    if language == "en":
        await world.said(BA, "/lang en")
    # NOW is 21:00 in Hanoi: a meeting at 21:30 is due within the hour.
    await world.says(SECRETARY, "/schedule 21/11/2026 21:30 Sinh hoạt chi bộ tháng 11")
    # Not open yet: a typed check-in is refused, nothing is written.
    before = await state(world)
    refused = await world.said(BA, "có mặt")
    assert refused == "⚠️ " + t(language, "No meeting of your cell is open now.")
    assert await state(world) == before

    opened = await world.says(SECRETARY, "/open")
    head = t(
        "vi", "Meeting #{id} is open; the members summoned were sent the check-in privately.", id=1
    )
    assert any(text.startswith(head) for text in opened), opened
    assert any("1." in text and t("vi", "✅ Present") in text for text in opened)
    invitation = world.platform.texts_to(BA)[-1]
    assert invitation.startswith(
        t(
            language,
            "🟢 Meeting #{id} «{title}» is open. Comrade, please check in.",
            id=1,
            title="Sinh hoạt chi bộ tháng 11",
        )
    )
    number = re.search(rf"^(\d+)\. {re.escape(t(language, '✅ Present'))}$", invitation, re.M)
    assert number is not None, invitation
    assert await roll(world) == {SECRETARY: "expected", BA: "expected"}

    # Ba answers with the number: confirmed after the commit.
    answer = await world.said(BA, number[1])
    assert answer == t(
        language, "Checked in to meeting #{id}: present ({time}).", id=1, time="21:00"
    )
    assert (await roll(world))[BA] == "present"
    # Typed again, without diacritics: nothing changes.
    before = await state(world)
    again = await world.said(BA, "co mat")
    assert again == t(
        language,
        "You have already checked in to meeting #{id} ({time}); nothing changed.",
        id=1,
        time="21:00",
    )
    assert await state(world) == before
    # The secretary types it with diacritics.
    assert await world.said(SECRETARY, "Có mặt") == t(
        "vi", "Checked in to meeting #{id}: present ({time}).", id=1, time="21:00"
    )
    assert await roll(world) == {SECRETARY: "present", BA: "present"}
    attendance = await world.said(BA, "/attendance 1")
    assert t(language, "Present ({n})", n=2) in attendance
    assert "Ba Nguyễn" in attendance
