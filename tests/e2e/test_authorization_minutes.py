"""The authorization matrix of running a meeting's agenda and of its minutes: every command
and button of the area, used by every role, in its own cell and in a foreign one
(MINUTES_EXPECTED in world.py).

Cells A and B each have their meeting open (the secretary chairs, the official member takes
the minutes, everyone of the cast but the target checked in, the first item taken up, the
probationary member waiting to speak); for the minutes' actions the meetings are closed first
(and their minutes approved, for reading them). Commands about the running meeting are given
in the cell's group; /minutes N and the buttons in the actor's private chat (an operator, who
belongs to no cell, in the cell's group). Allowed is checked by its effect on the database;
refused by the localized refusal and an unchanged database."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.app import build_application
from bot.domain.identity import ChatRef
from bot.services.members import MemberRef
from handlers.telegram import minutes as minutes_handlers
from sandbox.driver import TgChat, TgUser
from sandbox.fake_api import Call, FakeRequest, FakeTelegram
from tests.conftest import Bot, make_settings, stop_bot
from tests.e2e.world import (
    CELL_LANGUAGE,
    MINUTES_EXPECTED,
    MINUTES_REFUSALS,
    MISSING,
    OK,
    ROLES,
    STARTS_AT,
    TITLES,
    MeetingWorld,
    alert_text,
    build_meeting_world,
    fetch_one,
    identity,
    matrix_cases,
    snapshot,
    start_world_bot,
    tr_text,
)

IN_GROUP = {"next", "speaker", "close", "note", "ghichu", "ketluan", "conclude"}
AFTER_CLOSING = {
    "minutes.show",
    "minutes.edit",
    "minutes.add",
    "minutes.approve",
    "bienban",
    "press.approve",
    "press.score",
}
APPROVED_FIRST = {"minutes.show", "bienban"}
BUTTONS = {
    "hand": "rh:{meeting}:1",
    "next-speaker": "ns:{meeting}",
    "approve": "ma:{meeting}:1",
    "score": "sc:{meeting}:g",
}


@pytest.fixture(scope="module")
def mworld(tmp_path_factory: pytest.TempPathFactory) -> MeetingWorld:
    """Both cells and their meetings built once; every case runs over a copy."""
    return asyncio.run(build_meeting_world(tmp_path_factory.mktemp("minutes-matrix")))


def committee_column() -> list[object]:
    """A committee member takes no office in the meeting: as an ordinary member who attended
    (the probationary member's column; an official member here is the minute-taker)."""
    column = ROLES.index("probationary")
    return [
        pytest.param(*key.split("/"), "committee", outcomes[column], id=f"{key}-c")
        for key, outcomes in MINUTES_EXPECTED.items()
    ]


def actor_of(mworld: MeetingWorld, role: str) -> TgUser:
    """The person acting: A's cast member of that role, or an outsider."""
    if role == "nonmember":
        return mworld.world.nonmember
    if role == "operator":
        return mworld.world.operator
    return mworld.world.cells["A"].people[role].user


async def prepare(bot: Bot, mworld: MeetingWorld, action: str) -> None:
    """Both meetings open, checked in, at item 1, a hand raised; closed (and approved) for
    the minutes' actions."""
    services = bot.app.bot_data.services
    for key, cast in mworld.world.cells.items():
        secretary = identity(cast.people["secretary"].user)
        group = ChatRef("telegram", str(cast.chat_id), False, cast.name)
        recorder = MemberRef(number=cast.people["official"].number)
        await services.running.open_meeting(
            secretary, group, mworld.numbers[key], recorder=recorder
        )
        meeting_id = mworld.meeting_ids[key]
        for role in ("secretary", "deputy", "official", "probationary", "guest", "committee"):
            await services.running.check_in(identity(cast.people[role].user), group, meeting_id)
        await services.minutes.next_item(secretary, group)
        await services.minutes.raise_hand(
            identity(cast.people["probationary"].user), group, meeting_id, 1
        )
        if action in AFTER_CLOSING:
            await services.minutes.close(secretary, group)
        if action in APPROVED_FIRST:
            await services.minutes.approve(secretary, group, number=mworld.numbers[key])


def command_text(action: str, number: int) -> str:
    """What the actor types."""
    return {
        "next": "/next",
        "speaker": "/speaker",
        "close": "/close",
        "note": "/note Cần theo dõi thêm",
        "ghichu": "/ghichu Cần theo dõi thêm",
        "ketluan": "/ketluan Chi bộ nhất trí",
        "conclude": "/conclude Chi bộ nhất trí",
        "minutes.show": f"/minutes {number}",
        "bienban": f"/bienban {number}",
        "minutes.edit": f"/minutes {number} edit 1 Chi bộ nhất trí cao",
        "minutes.add": f"/minutes {number} add Cuộc họp kết thúc lúc 21 giờ",
        "minutes.approve": f"/minutes {number} approve",
    }[action]


async def check_allowed(bot: Bot, action: str, meeting_id: int, calls: list[Call]) -> None:
    """The effect an allowed action has."""

    async def one(sql: str) -> object:
        row = await fetch_one(bot, sql, meeting_id)
        assert row is not None, sql
        return row[0]

    if action == "next":
        assert await one("SELECT current_item FROM meeting_runs WHERE meeting_id = ?") == 2
    elif action == "close":
        assert await one("SELECT closed_at IS NOT NULL FROM meeting_runs WHERE meeting_id = ?")
        assert await one("SELECT COUNT(*) FROM minutes WHERE meeting_id = ?") == 1
    elif action in ("note", "ghichu"):
        assert (
            await one("SELECT COUNT(*) FROM contributions WHERE meeting_id = ? AND kind = 'note'")
            == 1
        )
    elif action in ("ketluan", "conclude"):
        assert (
            await one(
                "SELECT COUNT(*) FROM contributions WHERE meeting_id = ? AND kind = 'conclusion'"
            )
            == 1
        )
    elif action in ("speaker",):
        sent = [str(c.get("text", "")) for c in calls if c.method == "sendMessage"]
        assert any("Đỗ Mai" in t for t in sent), sent
    elif action in ("minutes.show", "bienban"):
        shown = "\n".join(str(c.get("text", "")) for c in calls if c.method == "sendMessage")
        assert TITLES["A"] in shown, shown
    elif action == "minutes.edit":
        body = await one("SELECT body FROM minutes WHERE meeting_id = ?")
        assert "Chi bộ nhất trí cao" in str(body)
    elif action == "minutes.add":
        body = await one("SELECT body FROM minutes WHERE meeting_id = ?")
        assert "Cuộc họp kết thúc lúc 21 giờ" in str(body)
    elif action in ("minutes.approve", "press.approve"):
        assert await one("SELECT state FROM minutes WHERE meeting_id = ?") == "approved"
    elif action == "press.hand":
        assert await one(
            "SELECT COUNT(*) FROM speakers WHERE meeting_id = ? AND state = 'waiting'"
        ) in (1, 2)
        assert alert_text(calls) is not None
    elif action == "press.next-speaker":
        assert (
            await one("SELECT COUNT(*) FROM speakers WHERE meeting_id = ? AND state = 'speaking'")
            == 1
        )
    elif action == "press.score":
        assert await one("SELECT SUM(count) FROM score_counts WHERE meeting_id = ?") == 1
    else:
        raise AssertionError(f"no check for {action}")


@pytest.mark.parametrize(
    ("action", "scope", "role", "outcome"),
    matrix_cases(MINUTES_EXPECTED) + committee_column(),
)
async def test_minutes_matrix(
    mworld: MeetingWorld, tmp_path: Path, action: str, scope: str, role: str, outcome: str
) -> None:
    bot = await start_world_bot(mworld.world, tmp_path)
    try:
        bot.clock.set(STARTS_AT + timedelta(minutes=5))
        await prepare(bot, mworld, action)
        key = "B" if scope == "foreign" else "A"
        cast = mworld.world.cells[key]
        meeting_id = mworld.meeting_ids[key]
        if role == "committee":
            actor = mworld.world.cells["A"].people["committee"].user
        else:
            actor = actor_of(mworld, role)
        driver = bot.driver
        private: TgChat = driver.private_chat(actor)
        chat = cast.chat if role == "operator" else private
        before = await snapshot(bot)
        button = action.startswith("press.")
        if button:
            data = BUTTONS[action.removeprefix("press.")].format(meeting=meeting_id)
            calls = await driver.press_data(actor, chat, data, store_message(bot, chat))
        elif action in IN_GROUP:
            chat = cast.chat
            calls = await driver.send(actor, chat, command_text(action, 0))
        else:
            calls = await driver.send(actor, chat, command_text(action, mworld.numbers[key]))
        if outcome == OK:
            await check_allowed(bot, action, meeting_id, calls)
            texts = [str(c.get("text", "")) for c in calls]
            assert not any(t.startswith("⚠️") for t in texts), texts
            return
        told = None if button else calls[0].get("chat_id")
        groups = {c.chat_id for c in mworld.world.cells.values()}
        language = CELL_LANGUAGE if told in groups else (actor.language_code or "vi")
        refusal = "⚠️ " + tr_text(language, MINUTES_REFUSALS[outcome], id=mworld.numbers[key])
        if outcome == MISSING:
            refusal += "\n" + tr_text(language, "Example: {example}", example="/meetings")
        if button:
            assert [c.method for c in calls] == ["answerCallbackQuery"], calls
            assert alert_text(calls) == refusal
        else:
            assert [str(c.get("text", "")) for c in calls if c.method == "sendMessage"] == [
                refusal
            ]
        assert await snapshot(bot) == before, "a refused action changed the database"
    finally:
        await stop_bot(bot)


def store_message(bot: Bot, chat: TgChat) -> int:
    """A bot message in `chat` to press a button on."""
    fake = bot.fake
    message_id = fake.next_message_id(chat.id)
    fake.store_message(
        {
            "message_id": message_id,
            "from": fake.bot_user(),
            "chat": chat.to_dict(),
            "date": fake.now(),
            "text": "…",
        }
    )
    return message_id


def test_the_matrix_covers_every_command_and_button(tmp_path: Path) -> None:
    app = build_application(
        make_settings(tmp_path), request=FakeRequest(FakeTelegram()), rate_limiter=False
    )
    registered = {
        command
        for group in app.handlers.values()
        for handler in group
        if isinstance(handler, CommandHandler)
        and getattr(handler.callback, "__module__", "") == minutes_handlers.__name__
        for command in handler.commands
    }
    actions = {key.split("/")[0].split(".")[0] for key in MINUTES_EXPECTED}
    assert registered and registered <= actions, registered - actions
    buttons = {
        prefix
        for group in app.handlers.values()
        for handler in group
        if isinstance(handler, CallbackQueryHandler)
        and handler.callback is minutes_handlers.on_button
        and isinstance(handler.pattern, re.Pattern)
        for prefix in re.findall(r"\w+", handler.pattern.pattern)
    }
    assert {b.split(":")[0] for b in BUTTONS.values()} == buttons
    assert {f"press.{b}" for b in BUTTONS} <= {k.split("/")[0] for k in MINUTES_EXPECTED}
