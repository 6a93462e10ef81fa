"""The authorization matrix of reports (REPORTS_EXPECTED in world.py): /report, /me, /pdf N
and /overview by every role, in its own cell and in a foreign one, over the world of
test_reports.py (both cells' meetings held, minutes approved). Allowed is checked by what
reaches the actor (the report's workbook, the record, the PDF, the overview's workbook);
refused by the localized refusal alone, nothing else sent, and an unchanged database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from telegram.ext import CommandHandler

from bot.app import build_application
from handlers.telegram import reports as report_handlers
from sandbox.driver import TgUser
from sandbox.fake_api import FakeRequest, FakeTelegram
from tests.conftest import make_settings, stop_bot
from tests.e2e.test_reports import AFTER, hold_meeting, texts
from tests.e2e.world import (
    CELL_LANGUAGE,
    MISSING,
    OK,
    REPORTS_EXPECTED,
    REPORTS_REFUSALS,
    MeetingWorld,
    build_meeting_world,
    matrix_cases,
    snapshot,
    start_world_bot,
    tr_text,
)


@pytest.fixture(scope="module")
def mworld(tmp_path_factory: pytest.TempPathFactory) -> MeetingWorld:
    """Both cells, their meetings held and approved; built once, every case over a copy."""
    directory = tmp_path_factory.mktemp("reports-matrix")
    built = asyncio.run(build_meeting_world(directory))
    asyncio.run(hold_meeting(built, directory))
    return built


def actor_of(mworld: MeetingWorld, role: str) -> TgUser:
    """A's cast member of that role, or an outsider."""
    if role == "nonmember":
        return mworld.world.nonmember
    if role == "operator":
        return mworld.world.operator
    return mworld.world.cells["A"].people[role].user


@pytest.mark.parametrize(("action", "scope", "role", "outcome"), matrix_cases(REPORTS_EXPECTED))
async def test_reports_matrix(
    mworld: MeetingWorld, tmp_path: Path, action: str, scope: str, role: str, outcome: str
) -> None:
    bot = await start_world_bot(mworld.world, tmp_path)
    try:
        bot.clock.set(AFTER)
        key = "B" if scope == "foreign" else "A"
        cast = mworld.world.cells[key]
        actor = actor_of(mworld, role)
        private = bot.driver.private_chat(actor)
        number = mworld.numbers[key]
        if action == "pdf":
            chat, text = (cast.chat if role == "operator" else private), f"/pdf {number}"
        elif action == "overview":
            chat, text = (cast.chat if scope == "foreign" else private), "/overview"
        else:
            chat, text = cast.chat, f"/{action}"
        before = await snapshot(bot)
        calls = await bot.driver.send(actor, chat, text)
        if outcome == OK:
            documents = [c for c in calls if c.method == "sendDocument"]
            to_actor = [c for c in calls if str(c.get("chat_id")) == str(actor.id)]
            if action == "me":
                assert "📋" in texts(to_actor)
            else:
                suffix = {"report": ".xlsx", "pdf": ".pdf", "overview": ".xlsx"}[action]
                assert [c.files["document"].filename[-len(suffix) :] for c in documents] == [
                    suffix
                ]
            assert not texts(calls).startswith("⚠️"), texts(calls)
            return
        told = calls[0].get("chat_id")
        groups = {c.chat_id for c in mworld.world.cells.values()}
        language = CELL_LANGUAGE if told in groups else (actor.language_code or "vi")
        refusal = "⚠️ " + tr_text(language, REPORTS_REFUSALS[outcome])
        if outcome == MISSING:
            refusal += "\n" + tr_text(language, "Example: {example}", example="/meetings")
        assert [str(c.get("text", "")) for c in calls] == [refusal]
        assert await snapshot(bot) == before, "a refused action changed the database"
    finally:
        await stop_bot(bot)


def test_the_matrix_covers_every_command(tmp_path: Path) -> None:
    app = build_application(
        make_settings(tmp_path), request=FakeRequest(FakeTelegram()), rate_limiter=False
    )
    registered = {
        command
        for group in app.handlers.values()
        for handler in group
        if isinstance(handler, CommandHandler)
        and getattr(handler.callback, "__module__", "") == report_handlers.__name__
        for command in handler.commands
    }
    assert registered == {key.split("/")[0] for key in REPORTS_EXPECTED}
