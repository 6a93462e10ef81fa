"""The authorization matrix of running a meeting (RUNNING_EXPECTED in world.py): /open, its
chair, /attendance, /mark, /quorum, /grace and the check-in button, by every role, in its own
cell and in a foreign one; a refusal is told in the right language and changes nothing, and
forged button data is refused for everyone."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.app import build_application
from bot.domain.identity import ChatRef
from handlers.telegram import callback_data as cd
from handlers.telegram import running as running_handlers
from sandbox.driver import TgChat, TgUser
from sandbox.fake_api import Call, FakeRequest, FakeTelegram
from tests.conftest import Bot, make_settings, stop_bot
from tests.e2e.world import (
    CELL_LANGUAGE,
    MEETING_EXAMPLES,
    OK,
    RUNNING_EXPECTED,
    RUNNING_REFUSALS,
    STARTS_AT,
    MeetingWorld,
    alert_text,
    build_meeting_world,
    committee_cases,
    fetch_one,
    identity,
    matrix_cases,
    outgoing_texts,
    snapshot,
    start_world_bot,
    store_bot_message,
    tr_text,
)

IN_GROUP = {"mark", "quorum", "grace", "quorum.show"}


@pytest.fixture(scope="module")
def mworld(tmp_path_factory: pytest.TempPathFactory) -> MeetingWorld:
    """Both cells and their meetings built once; every case runs over a copy."""
    return asyncio.run(build_meeting_world(tmp_path_factory.mktemp("running-matrix")))


def actor_of(mworld: MeetingWorld, role: str) -> TgUser:
    """Who acts: the person with that role in cell A, or an outsider."""
    if role == "nonmember":
        return mworld.world.nonmember
    if role == "operator":
        return mworld.world.operator
    return mworld.world.cells["A"].people[role].user


async def open_both(bot: Bot, mworld: MeetingWorld) -> None:
    """Both cells' meetings opened by their secretaries."""
    services = bot.app.bot_data.services
    for key, cast in mworld.world.cells.items():
        group = ChatRef("telegram", str(cast.chat_id), False, cast.name)
        await services.running.open_meeting(
            identity(cast.people["secretary"].user), group, mworld.numbers[key]
        )


async def act(
    bot: Bot, mworld: MeetingWorld, action: str, key: str, actor: TgUser, role: str
) -> tuple[list[Call], int | None]:
    """Do the action; the calls and the chat it was given in (None: a button)."""
    cast = mworld.world.cells[key]
    number = mworld.numbers[key]
    official = cast.people["official"]
    d = bot.driver
    if action == "press.assign":
        user = await fetch_one(
            bot, "SELECT id FROM users WHERE external_id = ?", str(official.user.id)
        )
        assert user is not None
        data = cd.assign_runner(mworld.meeting_ids[key], False, int(user[0]))
        where = cast.chat if role == "operator" else d.private_chat(actor)
        message_id = store_bot_message(bot, where)
        return await d.press_data(actor, where, data, message_id), None
    if action.startswith("press."):
        data = cd.check_in(mworld.meeting_ids[key]) if action == "press.check-in" else "ci:99999"
        message_id = store_bot_message(bot, cast.chat)
        return await d.press_data(actor, cast.chat, data, message_id), None
    texts = {
        "open": f"/open {number}",
        "open.chair": f"/open {number} chủ trì {official.number}",
        "open.pick": f"/open {number} chủ trì",
        "attendance": f"/attendance {number}",
        "mark": f"/mark {official.number} vắng Đi biển dài ngày",
        "quorum": "/quorum 60",
        "grace": "/grace 10",
        "quorum.show": "/quorum",
    }
    group = action in IN_GROUP or role == "operator"
    chat: TgChat = cast.chat if group else d.private_chat(actor)
    return await d.send(actor, chat, texts[action]), chat.id


async def check_allowed(
    bot: Bot, mworld: MeetingWorld, action: str, key: str, actor: TgUser, texts: list[str]
) -> None:
    """The effect an allowed action must have."""
    if action == "attendance":
        name = mworld.world.cells[key].people["official"].name
        assert any(t.startswith("📋") and name in t for t in texts), texts
    if action == "quorum.show":
        assert any("67%" in t and "15" in t for t in texts), texts
    meeting_id = mworld.meeting_ids[key]
    official_person = mworld.world.cells[key].people["official"]
    official = official_person.user
    if action == "open":
        assert await fetch_one(bot, "SELECT status FROM meetings WHERE id = ?", meeting_id) == (
            "open",
        )
        assert await fetch_one(
            bot, "SELECT count(*) FROM roll WHERE meeting_id = ?", meeting_id
        ) != (0,)
    elif action == "open.pick":
        assert any(official_person.name in t for t in texts), texts
    elif action in ("open.chair", "press.assign"):
        row = await fetch_one(
            bot,
            "SELECT u.external_id FROM meeting_runs r JOIN users u ON u.id = r.chair_id"
            " WHERE r.meeting_id = ?",
            meeting_id,
        )
        assert row == (str(official.id),)
    elif action in ("mark", "press.check-in"):
        who = official if action == "mark" else actor
        row = await fetch_one(
            bot,
            "SELECT r.status FROM roll r JOIN users u ON u.id = r.user_id"
            " WHERE r.meeting_id = ? AND u.external_id = ?",
            meeting_id,
            str(who.id),
        )
        assert row == ("excused" if action == "mark" else "present",)
    elif action in ("quorum", "grace"):
        cell = await fetch_one(
            bot,
            "SELECT quorum_percent, grace_minutes FROM cells WHERE chat_id = ?",
            str(mworld.world.cells[key].chat_id),
        )
        assert cell == ((60, None) if action == "quorum" else (None, 10))


@pytest.mark.parametrize(
    ("action", "scope", "role", "outcome"),
    matrix_cases(RUNNING_EXPECTED) + committee_cases(RUNNING_EXPECTED),
)
async def test_running_authorization(
    mworld: MeetingWorld, tmp_path: Path, action: str, scope: str, role: str, outcome: str
) -> None:
    bot = await start_world_bot(mworld.world, tmp_path)
    try:
        bot.clock.set(STARTS_AT - timedelta(minutes=10))
        if action != "open":
            await open_both(bot, mworld)
        key = "B" if scope == "foreign" else "A"
        actor = actor_of(mworld, role)
        before = await snapshot(bot)
        calls, where = await act(bot, mworld, action, key, actor, role)
        await bot.app.bot_data.live.idle()
        texts = outgoing_texts(calls)
        if outcome == OK:
            assert not any(t.startswith("⚠️") for t in texts), texts
            await check_allowed(bot, mworld, action, key, actor, texts)
            return
        actor_language = actor.language_code or "vi"
        if where is None:
            language = actor_language
        else:
            told = calls[0].get("chat_id")
            groups = {c.chat_id for c in mworld.world.cells.values()}
            language = CELL_LANGUAGE if told in groups else actor_language
        refusal = "⚠️ " + tr_text(language, RUNNING_REFUSALS[outcome])
        if outcome in MEETING_EXAMPLES:
            refusal += "\n" + tr_text(
                language, "Example: {example}", example=MEETING_EXAMPLES[outcome]
            )
        if where is None:
            assert [c.method for c in calls] == ["answerCallbackQuery"], calls
            assert alert_text(calls) == refusal
        else:
            assert [c.method for c in calls] == ["sendMessage"], [c.method for c in calls]
            assert texts == [refusal]
        assert await snapshot(bot) == before, "a refused action changed the database"
    finally:
        await stop_bot(bot)


def test_the_matrix_covers_every_running_command_and_button(tmp_path: Path) -> None:
    app = build_application(
        make_settings(tmp_path), request=FakeRequest(FakeTelegram()), rate_limiter=False
    )
    registered = {
        command
        for group in app.handlers.values()
        for handler in group
        if isinstance(handler, CommandHandler)
        and getattr(handler.callback, "__module__", "") == running_handlers.__name__
        for command in handler.commands
    }
    actions = {key.split("/")[0].split(".")[0] for key in RUNNING_EXPECTED}
    assert registered == actions - {"press"}
    buttons = {
        handler.pattern.pattern
        for group in app.handlers.values()
        for handler in group
        if isinstance(handler, CallbackQueryHandler)
        and getattr(handler.callback, "__module__", "") == running_handlers.__name__
        and isinstance(handler.pattern, re.Pattern)
    }
    assert buttons == {"^ci:", "^rp:"}
    for key in RUNNING_EXPECTED:
        action = key.split("/")[0]
        assert f"{action}/own" in RUNNING_EXPECTED and f"{action}/foreign" in RUNNING_EXPECTED
