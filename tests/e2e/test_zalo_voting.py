"""Votes on Zalo, through the real client and the fake platform: a cell run from Zalo alone,
its secretary and Ba; ballots are numbered lists in the private chat, answered by number."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.identity import ChatRef, Identity
from tests.e2e.cells_support import t
from tests.e2e.db import rows
from tests.e2e.meetings_support import START_LOCAL, TITLE
from tests.e2e.zalo_support import BA, SECRETARY, ZALO_TOKEN, ZaloWorld, running, zalo_only_cell
from tests.harness.zalo_server import FakeZalo


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[ZaloWorld]:
    async for w in running(tmp_path, FakeZalo(token=ZALO_TOKEN)):
        await zalo_only_cell(w)
        yield w


def zalo(user_id: str) -> tuple[Identity, ChatRef]:
    return Identity("zalo", user_id, user_id), ChatRef("zalo", user_id, True)


async def open_meeting(world: ZaloWorld) -> None:
    """A meeting scheduled and opened at its start; the secretary and Ba check in."""
    await world.said(SECRETARY, f"/schedule {START_LOCAL} {TITLE}")
    (row,) = await rows(world.bot, "SELECT id, starts_at FROM meetings")
    services = world.bot.app.bot_data.services
    world.bot.clock.set(datetime.fromisoformat(row["starts_at"]) + timedelta(minutes=1))
    await services.running.open_meeting(*zalo(SECRETARY))
    for who in (SECRETARY, BA):
        identity, chat = zalo(who)
        await services.running.check_in(identity, chat, int(row["id"]))


def number_of(text: str, label: str) -> str:
    found = re.search(rf"^(\d+)\. {re.escape(label)}", text, re.MULTILINE)
    assert found is not None, text
    return found[1]


async def test_an_open_and_a_secret_vote_by_number(world: ZaloWorld) -> None:
    await open_meeting(world)
    # An open resolution: on Zalo there is no group, so each voter gets a numbered ballot.
    ballot_then_started = await world.says(
        SECRETARY, '/vote resolution open "Thông qua nghị quyết"'
    )
    mine, started = ballot_then_started  # the secretary votes too: his ballot came first
    assert "Thông qua nghị quyết" in started
    ballot = world.platform.texts_to(BA)[-1]
    approve = number_of(ballot, t("vi", "Approve"))
    answer = await world.said(BA, approve)
    assert answer == t(
        "vi",
        "Recorded: {choice}. You may change it until the vote closes.",
        choice=t("vi", "Approve"),
    )
    await world.said(SECRETARY, number_of(mine, t("vi", "Approve")))
    result = await world.said(SECRETARY, "/endvote")
    assert "THÔNG QUA" in result and "Ba Nguyễn" in result

    # A secret admission: Ba answers by number in the private chat; final once cast.
    await world.says(SECRETARY, '/vote admit "Phạm Văn Dũng"')
    ballot = world.platform.texts_to(BA)[-1]
    assert "Phạm Văn Dũng" in ballot
    disapprove = number_of(ballot, t("vi", "Disapprove"))
    cast = await world.said(BA, disapprove)
    assert cast == t("vi", "✅ Cast. Your choice is not stored with your name.")
    # The number is gone with the ballot; /ballot has nothing left for Ba.
    again = await world.said(BA, "/ballot")
    assert again == t("vi", "You have no ballot waiting: no vote you may take part in is running.")
    assert await world.said(BA, "/endvote") == "⚠️ " + t(
        "vi", "Only the secretary or deputy secretary of this cell can do this."
    )
    result = await world.said(SECRETARY, "/endvote")
    assert "KHÔNG THÔNG QUA" in result and "Không tán thành: 1" in result
    assert "Ba Nguyễn" not in result
    # Nothing in the store ties Ba to his choice: his numbered choices went with his answer
    # (the secretary's unanswered ballot stays until it expires: no choice in it).
    assert (
        await rows(
            world.bot,
            "SELECT * FROM zalo_choices WHERE action LIKE 'vb:%' AND user_id ="
            " (SELECT id FROM users WHERE external_id = ?)",
            BA,
        )
        == []
    )
    assert await rows(world.bot, "SELECT * FROM open_ballots WHERE vote_id = 2") == []
