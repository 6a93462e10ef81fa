"""Opening a meeting and checking in, end to end through the Telegram edge: /open posts the
check-in message, members press "✅ Có mặt" (on time, late, twice), the chair marks those who
cannot tap, an exempted member and a guest who come are counted apart, the live head count and
quorum follow on the message (coalesced), /attendance shows the roll by name; and refusals
(not open, closed, non-member, another cell, removed member, forged or stale data) change
nothing. In Vietnamese (the cell's default) and in English."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.meetings import MeetingStatus
from sandbox.driver import TgChat, TgUser
from sandbox.fake_api import Call, JSONDict
from tests.conftest import Bot, stop_bot
from tests.e2e.db import rows
from tests.e2e.world import (
    STARTS_AT,
    MeetingWorld,
    alert_text,
    build_meeting_world,
    fetch_one,
    snapshot,
    start_world_bot,
    store_bot_message,
    tr_text,
)

PRESENT_BUTTON = {"vi": "✅ Có mặt", "en": "✅ Present"}


@pytest.fixture(scope="module")
def mworld(tmp_path_factory: pytest.TempPathFactory) -> MeetingWorld:
    """Both cells with a meeting each (A's #1, B's #2), built once."""
    return asyncio.run(build_meeting_world(tmp_path_factory.mktemp("running-world")))


@pytest.fixture
async def bot(mworld: MeetingWorld, tmp_path: Path) -> AsyncIterator[Bot]:
    """A bot over a copy of the world, ten minutes before A's meeting; live edits at once."""
    running = await start_world_bot(mworld.world, tmp_path)
    running.clock.set(STARTS_AT - timedelta(minutes=10))
    running.app.bot_data.live.spacing = 0.0
    yield running
    await stop_bot(running)


def person(mworld: MeetingWorld, role: str, cell: str = "A") -> TgUser:
    """A cast member."""
    return mworld.world.cells[cell].people[role].user


def group(mworld: MeetingWorld, cell: str = "A") -> TgChat:
    """A cell's group."""
    return mworld.world.cells[cell].chat


def board(bot: Bot, chat: TgChat) -> JSONDict:
    """The check-in message in the group (the newest message with the check-in button)."""
    for message in reversed(bot.fake.messages_in(chat.id)):
        markup = message.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            if any(str(b.get("callback_data", "")).startswith("ci:") for b in row):
                return message
    raise AssertionError("no check-in message in the group")


async def press(bot: Bot, user: TgUser, chat: TgChat, message: JSONDict) -> list[Call]:
    """Press the check-in button of `message`; the live edits are awaited."""
    data = next(
        b["callback_data"]
        for row in message["reply_markup"]["inline_keyboard"]
        for b in row
        if "callback_data" in b
    )
    calls = await bot.driver.press_data(user, chat, data, int(message["message_id"]))
    await bot.app.bot_data.live.idle()
    return calls


async def roll_status(bot: Bot, user: TgUser) -> tuple[str, int, str | None, int | None] | None:
    """(status, summoned, reason, marked_by) of a person on A's roll."""
    row = await fetch_one(
        bot,
        "SELECT r.status, r.summoned, r.reason, r.marked_by FROM roll r"
        " JOIN users u ON u.id = r.user_id WHERE u.external_id = ? AND r.meeting_id = 1",
        str(user.id),
    )
    return None if row is None else (row[0], row[1], row[2], row[3])


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_open_check_in_mark_and_attendance(
    bot: Bot, mworld: MeetingWorld, language: str
) -> None:
    chat = group(mworld)
    secretary = person(mworld, "secretary")
    driver = bot.driver
    if language == "en":
        await driver.send(secretary, chat, "/lang en")
    # The target is exempted before the meeting: not summoned, counted apart when present.
    target = mworld.world.cells["A"].people["target"]
    await driver.send(secretary, chat, f"/kind {target.number} exempted")

    await driver.send(secretary, chat, "/open")
    message = board(bot, chat)
    text = message["text"]
    labels = [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
    assert PRESENT_BUTTON[language] in labels
    # Summoned: secretary, deputy, official, probationary, committee member (5).
    assert (
        tr_text(
            language,
            "Present: {present} of {summoned} summoned ({share}%)",
            present=0,
            summoned=5,
            share=0,
        )
        in text
    )
    assert tr_text(language, "comrade {name}", name="Trần Lan") in text
    status = await fetch_one(bot, "SELECT status FROM meetings WHERE id = 1")
    assert status == ("open",)

    # On time: answered after the commit, "present".
    official = person(mworld, "official")
    calls = await press(bot, official, chat, message)
    alert = alert_text(calls)
    assert alert is not None
    official_language = official.language_code or "vi"
    assert alert == tr_text(
        official_language, "Checked in to meeting #{id}: present ({time}).", id=1, time="19:20"
    )
    assert (await roll_status(bot, official))[:2] == ("present", 1)  # type: ignore[index]
    edited = board(bot, chat)["text"]
    assert (
        tr_text(
            language,
            "Present: {present} of {summoned} summoned ({share}%)",
            present=1,
            summoned=5,
            share=20,
        )
        in edited
    )

    # A double press changes nothing, is answered, and edits nothing.
    before = await snapshot(bot)
    edits = len(bot.fake.sent(chat.id, "editMessageText"))
    calls = await press(bot, official, chat, message)
    assert alert_text(calls) == tr_text(
        official_language,
        "You have already checked in to meeting #{id} ({time}); nothing changed.",
        id=1,
        time="19:20",
    )
    assert await snapshot(bot) == before
    assert len(bot.fake.sent(chat.id, "editMessageText")) == edits

    # The secretary and the deputy on time; the exempted target and the guest come.
    for role in ("secretary", "deputy", "target", "guest"):
        await press(bot, person(mworld, role), chat, message)
    assert (await roll_status(bot, target.user))[:2] == ("present", 0)  # type: ignore[index]
    assert (await roll_status(bot, person(mworld, "guest")))[:2] == ("present", 0)  # type: ignore[index]

    # After the grace period (15 minutes from 19:30): late.
    bot.clock.set(STARTS_AT + timedelta(minutes=16))
    probationary = person(mworld, "probationary")
    calls = await press(bot, probationary, chat, message)
    assert alert_text(calls) == tr_text(
        probationary.language_code or "vi",
        "Checked in to meeting #{id}: present, late ({time}).",
        id=1,
        time="19:46",
    )
    assert (await roll_status(bot, probationary))[0] == "late"  # type: ignore[index]

    # The chair marks the committee member, on a border post without signal.
    committee = mworld.world.cells["A"].people["committee"]
    await driver.send(secretary, chat, f"/mark {committee.number} vắng Trực chốt, mất sóng")
    marked = await roll_status(bot, committee.user)
    assert marked is not None and marked[0] == "excused" and marked[2] == "Trực chốt, mất sóng"
    assert marked[3] is not None  # who marked it
    await bot.app.bot_data.live.idle()

    final = board(bot, chat)["text"]
    # 4 of 5 summoned present (80 %): quorum of 67 % reached, the 85 % criterion not.
    assert (
        tr_text(
            language,
            "Present: {present} of {summoned} summoned ({share}%)",
            present=4,
            summoned=5,
            share=80,
        )
        in final
    )
    assert tr_text(language, "late {n}", n=1) in final
    assert tr_text(language, "exempted members present {n}", n=1) in final
    assert tr_text(language, "guests {n}", n=1) in final
    assert (
        tr_text(
            language,
            "✅ Enough members present to hold the meeting (at least {needed} of {summoned}, "
            "{percent}%).",
            needed=4,
            summoned=5,
            percent=67,
        )
        in final
    )
    assert "85%" in final

    # The roll by name.
    calls = await driver.send(official, chat, "/attendance 1")
    shown = "\n".join(str(c.get("text", "")) for c in calls if c.method == "sendMessage")
    assert tr_text(language, "Present ({n})", n=3) in shown
    assert tr_text(language, "Late ({n})", n=1) in shown
    assert tr_text(language, "Absent with reason ({n})", n=1) in shown
    assert "Trực chốt, mất sóng" in shown
    assert tr_text(language, "Exempted members present ({n})", n=1) in shown
    assert tr_text(language, "Guests ({n})", n=1) in shown
    assert "Hoàng Tâm" in shown and "Vũ Quân" in shown
    assert not bot.fake.unanswered_callback_queries()


async def test_check_in_refusals_change_nothing(bot: Bot, mworld: MeetingWorld) -> None:
    chat = group(mworld)
    driver = bot.driver
    official = person(mworld, "official")
    # Not open yet: a press (a forged button on a bot message) is refused.
    message_id = store_bot_message(bot, chat)
    before = await snapshot(bot)
    calls = await driver.press_data(official, chat, "ci:1", message_id)
    lang = official.language_code or "vi"
    assert alert_text(calls) == "⚠️ " + tr_text(
        lang, "Meeting #{id} is not open yet: check in once the secretary opens it.", id=1
    )
    assert await snapshot(bot) == before

    await driver.send(person(mworld, "secretary"), chat, "/open 1")
    message = board(bot, chat)
    before = await snapshot(bot)
    refusals = [
        # Someone who is no member of the cell.
        (mworld.world.nonmember, chat, "ci:1", "Only members of this cell can do this."),
        # A member of cell B, pressing in A's group.
        (person(mworld, "official", "B"), chat, "ci:1", "Only members of this cell can do this."),
        # A removed member.
        (person(mworld, "former"), chat, "ci:1", "You are no longer a member of this cell."),
        # B's meeting pressed in A's group, a meeting that does not exist, forged data.
        (official, chat, "ci:2", "This button is no longer valid."),
        (official, chat, "ci:999", "This button is no longer valid."),
        (official, chat, "ci:1x", "This button is no longer valid."),
        (official, chat, "ci:", "This button is no longer valid."),
    ]
    for user, where, data, msgid in refusals:
        calls = await driver.press_data(user, where, data, int(message["message_id"]))
        expected = "⚠️ " + tr_text(user.language_code or "vi", msgid)
        assert alert_text(calls) == expected, data
    # B's own meeting, not open, pressed in B's group.
    b_official = person(mworld, "official", "B")
    b_meeting = mworld.meeting_ids["B"]
    calls = await driver.press_data(
        b_official,
        group(mworld, "B"),
        f"ci:{b_meeting}",
        store_bot_message(bot, group(mworld, "B")),
    )
    assert alert_text(calls) == "⚠️ " + tr_text(
        b_official.language_code or "vi",
        "Meeting #{id} is not open yet: check in once the secretary opens it.",
        id=mworld.numbers["B"],
    )
    assert await snapshot(bot) == before

    # Closed: nothing more is recorded.
    async with bot.app.bot_data.database.transaction() as uow:
        await uow.runs.close(1, bot.clock.now(), None)
        await uow.meetings.set_status(1, MeetingStatus.CLOSED)
    before = await snapshot(bot)
    calls = await driver.press_data(official, chat, "ci:1", int(message["message_id"]))
    assert alert_text(calls) == "⚠️ " + tr_text(
        lang, "Meeting #{id} is closed: check-in has ended.", id=1
    )
    assert await snapshot(bot) == before
    assert not bot.fake.unanswered_callback_queries()
    assert await rows(bot, "SELECT * FROM roll WHERE status IN ('present', 'late')") == []


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_chair_and_minute_taker_chosen_with_buttons(
    bot: Bot, mworld: MeetingWorld, language: str
) -> None:
    chat = group(mworld)
    secretary = person(mworld, "secretary")
    deputy = mworld.world.cells["A"].people["deputy"]
    official = mworld.world.cells["A"].people["official"]
    driver = bot.driver
    if language == "en":
        await driver.send(secretary, chat, "/lang en")
    await driver.send(secretary, chat, "/open 1")
    private = driver.private_chat(secretary)
    # /lang in the group also set the secretary's own language.
    secretary_language = "en" if language == "en" else secretary.language_code or "vi"

    # The minute-taker: by name in the command.
    await driver.send(secretary, private, f"/open 1 thư ký {official.number}")
    # The chair: chosen with a button among the members (no guest offered).
    calls = await driver.send(secretary, private, "/open 1 chủ trì")
    (question,) = [c for c in calls if c.method == "sendMessage"]
    assert question["text"] == tr_text(
        secretary_language, "Choose who chairs meeting #{id}:", id=1
    )
    labels = [b["text"] for row in question["reply_markup"]["inline_keyboard"] for b in row]
    assert deputy.name in labels and "Vũ Quân" not in labels  # the guest
    calls = await driver.press(secretary, private, deputy.name)
    await bot.app.bot_data.live.idle()
    done = tr_text(
        secretary_language,
        "Meeting #{id}: {name} chairs.",
        id=1,
        name=tr_text(secretary_language, "comrade {name}", name=deputy.name),
    )
    assert alert_text(calls) == done
    row = await fetch_one(
        bot,
        "SELECT c.external_id, r.external_id FROM meeting_runs m JOIN users c ON c.id ="
        " m.chair_id JOIN users r ON r.id = m.recorder_id WHERE m.meeting_id = 1",
    )
    assert row == (str(deputy.user.id), str(official.user.id))
    # The group's check-in message shows both.
    shown = board(bot, chat)["text"]
    assert (
        tr_text(
            language,
            "Chair: {chair} · Minute-taker: {recorder}",
            chair=tr_text(language, "comrade {name}", name=deputy.name),
            recorder=tr_text(language, "comrade {name}", name=official.name),
        )
        in shown
    )
    # A member who is no leader cannot press it (a forged button): nothing changes.
    before = await snapshot(bot)
    member = official.user
    data = f"rp:1:c:{1}"
    calls = await driver.press_data(
        member,
        driver.private_chat(member),
        data,
        store_bot_message(bot, driver.private_chat(member)),
    )
    assert alert_text(calls) == "⚠️ " + tr_text(
        member.language_code or "vi",
        "Only the secretary or deputy secretary of this cell can do this.",
    )
    assert await snapshot(bot) == before
