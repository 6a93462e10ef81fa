"""Meeting kinds and names on Zalo: the same commands as on Telegram, typed in a private chat
of a cell run from Zalo alone (its secretary, and Ba, a plain member numbered 2)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.cells_support import t
from tests.e2e.db import rows
from tests.e2e.meetings_support import START_LOCAL
from tests.e2e.zalo_support import BA, SECRETARY, ZALO_TOKEN, ZaloWorld, running, zalo_only_cell
from tests.harness.zalo_server import FakeZalo

LEADERS_ONLY = "⚠️ " + t("vi", "Only the secretary or deputy secretary of this cell can do this.")


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[ZaloWorld]:
    async for w in running(tmp_path, FakeZalo(token=ZALO_TOKEN)):
        await zalo_only_cell(w)
        yield w


async def test_kind_from_the_title_and_meetingkind_on_zalo(world: ZaloWorld) -> None:
    answer = await world.said(SECRETARY, f"/schedule {START_LOCAL} Sinh hoạt chuyên đề quý IV")
    assert "(sinh hoạt chuyên đề)" in answer, answer
    (row,) = await rows(world.bot, "SELECT id, type FROM meetings")
    assert row["type"] == "thematic"
    assert await world.said(BA, f"/meetingkind {row['id']} chi ủy") == LEADERS_ONLY
    changed = await world.said(SECRETARY, f"/meetingkind {row['id']} chi ủy")
    assert changed.startswith(
        t(
            "vi",
            "Meeting #{id} «{title}» is now a {kind}.",
            id=row["id"],
            title="Sinh hoạt chuyên đề quý IV",
            kind=t("vi", "cell committee meeting"),
        )
    )
    (row,) = await rows(world.bot, "SELECT type FROM meetings")
    assert row["type"] == "committee"


async def test_a_leader_corrects_a_members_name_on_zalo(world: ZaloWorld) -> None:
    assert await world.said(BA, "/name 1 Trần Văn Hà") == LEADERS_ONLY
    answer = await world.said(SECRETARY, "/name 2 nguyễn văn BA")
    assert answer == t(
        "vi", "Member {number}'s name is recorded as: {name}", number=2, name="Nguyễn Văn Ba"
    )
    roster = await world.said(SECRETARY, "/members")
    assert "2. Nguyễn Văn Ba — " in roster, roster
