"""Running a meeting's agenda and its minutes, end to end through the Telegram edge: from /open
to published minutes (late, excused and unexcused members, an exempted member and a guest who
attend, a member marked present by the chair, contributions on two items, the speakers' queue,
conclusions, /close, corrections, approval, a new version), conclusions to absentees, the
anonymous scoring; and refusals (a member's /next, /close twice, edits by members, forged and
stale buttons, scoring twice or by an absentee) that change nothing. In Vietnamese (the cell's
default) and in English."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from sandbox.driver import TgChat, TgUser
from sandbox.fake_api import Call, JSONDict
from tests.conftest import Bot, stop_bot
from tests.e2e.db import rows
from tests.e2e.world import (
    REASON,
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

HEADINGS = {
    "vi": (
        "BIÊN BẢN SINH HOẠT CHI BỘ",
        "Thời gian:",
        "Hình thức: trực tuyến",
        "Chủ trì:",
        "Thư ký:",
        "Thành phần:",
        "Vắng có lý do",
        "Vắng không lý do",
        "Nội dung:",
        "Ý kiến phát biểu:",
        "Kết luận của chủ trì:",
    ),
    "en": (
        "MINUTES OF THE CELL MEETING",
        "Time:",
        "Form: online",
        "Chair:",
        "Minute-taker:",
        "Attendance:",
        "Absent with reason",
        "Absent without reason",
        "Agenda and proceedings:",
        "Speeches:",
        "Chair's conclusion:",
    ),
}


@pytest.fixture(scope="module")
def mworld(tmp_path_factory: pytest.TempPathFactory) -> MeetingWorld:
    """Both cells with a meeting each (A's #1, B's #2), built once."""
    return asyncio.run(build_meeting_world(tmp_path_factory.mktemp("minutes-world")))


@pytest.fixture
async def bot(mworld: MeetingWorld, tmp_path: Path) -> AsyncIterator[Bot]:
    """A bot over a copy of the world, ten minutes before A's meeting."""
    running = await start_world_bot(mworld.world, tmp_path)
    running.clock.set(STARTS_AT - timedelta(minutes=10))
    running.app.bot_data.live.spacing = 0.0
    yield running
    await stop_bot(running)


def person(mworld: MeetingWorld, role: str, cell: str = "A") -> TgUser:
    """A cast member."""
    return mworld.world.cells[cell].people[role].user


def with_button(bot: Bot, chat: TgChat, prefix: str) -> JSONDict:
    """The newest message in a chat with a button whose data starts with `prefix`."""
    for message in reversed(bot.fake.messages_in(chat.id)):
        markup = message.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            if any(str(b.get("callback_data", "")).startswith(prefix) for b in row):
                return message
    raise AssertionError(f"no message with a {prefix} button")


def data_of(message: JSONDict, prefix: str) -> str:
    """The data of a message's button that starts with `prefix`."""
    return next(
        str(b["callback_data"])
        for row in message["reply_markup"]["inline_keyboard"]
        for b in row
        if str(b.get("callback_data", "")).startswith(prefix)
    )


async def press(bot: Bot, user: TgUser, chat: TgChat, prefix: str) -> list[Call]:
    """Press the newest button of that kind in the chat."""
    message = with_button(bot, chat, prefix)
    calls = await bot.driver.press_data(
        user, chat, data_of(message, prefix), int(message["message_id"])
    )
    await bot.app.bot_data.live.idle()
    return calls


def texts_to(bot: Bot, chat_id: int, since: int = 0) -> list[str]:
    """Texts the bot sent to a chat (from the `since`-th message on)."""
    return [str(c.get("text", "")) for c in bot.fake.sent(chat_id)][since:]


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_from_open_to_published_minutes_in_versions(
    bot: Bot, mworld: MeetingWorld, language: str
) -> None:
    cell = mworld.world.cells["A"]
    chat = cell.chat
    driver = bot.driver
    secretary, official = person(mworld, "secretary"), person(mworld, "official")
    probationary, guest = person(mworld, "probationary"), person(mworld, "guest")
    deputy, target = person(mworld, "deputy"), person(mworld, "target")
    committee, applicant = cell.people["committee"], cell.people["applicant"]
    private = driver.private_chat
    if language == "en":
        await driver.send(secretary, chat, "/lang en")
        await driver.send(secretary, private(secretary), "/lang en")
    # The applicant becomes an official member (who will not come, without reason); the
    # target's absence is approved (excused); the deputy is exempted (and will come).
    spot = store_bot_message(bot, chat)
    await driver.press_data(secretary, chat, f"jr:{applicant.membership_id}:o", spot)
    target_id = mworld.target_user_ids["A"]
    await driver.press_data(secretary, chat, f"ab:1:{target_id}:a", spot)
    await driver.send(secretary, chat, f"/kind {cell.people['deputy'].number} exempted")

    await driver.send(secretary, chat, f"/open 1 thư ký {cell.people['official'].number}")
    for who in (secretary, official, deputy, guest):
        await press(bot, who, chat, "ci:")
    bot.clock.set(STARTS_AT + timedelta(minutes=16))
    await press(bot, probationary, chat, "ci:")  # late
    await driver.send(secretary, chat, f"/mark {committee.number} present")

    # A member may not move the agenda; nothing changes.
    before = await snapshot(bot)
    calls = await driver.send(probationary, chat, "/next")
    assert any(
        tr_text(
            probationary.language_code or "vi",
            "Only the chair, the secretary or the deputy secretary can do this.",
        )
        in str(c.get("text", ""))
        for c in calls
    )
    assert await snapshot(bot) == before

    # Item 1: posted with ✋; the official replies to it.
    await driver.send(secretary, chat, "/next")
    item1 = with_button(bot, chat, "rh:")
    assert data_of(item1, "rh:") == "rh:1:1"
    update = driver.message_update(
        official, chat, "Tôi đề nghị bổ sung", reply_to_message_id=item1["message_id"]
    )
    await driver.deliver(update)
    # The speaker corrects the message: the contribution follows the edit (recorded once).
    edited = dict(update["message"], text="Tôi đề nghị bổ sung chỉ tiêu", edit_date=1)
    await driver.deliver({"update_id": bot.fake.next_update_id(), "edited_message": edited})
    said = await rows(bot, "SELECT text FROM contributions WHERE kind = 'speech'")
    assert [tuple(r) for r in said] == [("Tôi đề nghị bổ sung chỉ tiêu",)]
    # Two long speeches: the minutes no longer fit one Telegram message.
    long_speech = "Báo cáo chi tiết tình hình tuần tra biên giới. " * 60
    for _ in range(2):
        await driver.send(
            committee.user, chat, long_speech.strip(), reply_to_message_id=item1["message_id"]
        )
    # The minute-taker's conclusion of item 1, as a reply to its message.
    await driver.send(
        official, chat, "/ketluan Nhất trí bổ sung", reply_to_message_id=item1["message_id"]
    )

    # Item 2: the probationary member asks to speak; the chair gives the floor.
    await driver.send(secretary, chat, "/next")
    item2 = with_button(bot, chat, "rh:")
    assert data_of(item2, "rh:") == "rh:1:2"
    calls = await press(bot, probationary, chat, "rh:")
    assert alert_text(calls) == tr_text(
        probationary.language_code or "vi",
        "You are in the speakers' queue: number {place}.",
        place=1,
    )
    # The chair is told privately, with the button that gives the floor.
    told = with_button(bot, private(secretary), "ns:")
    assert told["text"] == tr_text(
        language,
        "✋ {name} asks to speak on item {position}; waiting: {n}.",
        name="Đỗ Mai",
        position=2,
        n=1,
    )
    calls = await press(bot, probationary, chat, "rh:")
    assert alert_text(calls) == tr_text(
        probationary.language_code or "vi", "You are in the speakers' queue already."
    )
    assert with_button(bot, private(secretary), "ns:") == told  # told once
    await driver.send(secretary, chat, "/speaker")
    queue = with_button(bot, chat, "ns:")
    assert "Phạm Hùng" not in queue["text"] and "Đỗ Mai" in queue["text"]
    seen = len(bot.fake.sent(chat.id))
    await driver.press_data(secretary, chat, data_of(queue, "ns:"), int(queue["message_id"]))
    assert any(
        tr_text(
            language, "🎤 {name}, you have the floor (item {position}).", name="Đỗ Mai", position=2
        )
        == text
        for text in texts_to(bot, chat.id, seen)
    )
    await driver.send(probationary, chat, "Em xin hứa", reply_to_message_id=item2["message_id"])
    await driver.send(guest, chat, "Ý kiến của khách", reply_to_message_id=item2["message_id"])
    await driver.send(official, chat, "/ghichu Cần theo dõi")
    await driver.send(official, chat, "/ketluan Giao chi ủy chuẩn bị")

    # Close: the final attendance in the group, the draft to the secretary and the
    # minute-taker, the scoring to those who attended.
    seen = len(bot.fake.sent(chat.id))
    seen_private = len(bot.fake.sent(secretary.id))
    await driver.send(secretary, chat, "/close")
    final = "\n".join(texts_to(bot, chat.id, seen))
    assert tr_text(language, "Absent with reason") + " (1)" in final
    assert tr_text(language, "Absent without reason") + " (1)" in final
    assert "Hoàng Tâm" in final and REASON in final  # excused, with the reason
    assert tr_text(language, "Recorded by the chair: {names}", names="Trịnh Thu") in final
    assert "Bùi Hoa" in final  # the applicant: absent without reason
    assert "Vũ Quân" in final and "Lê Minh" in final  # the guest and the exempted deputy
    assert await fetch_one(bot, "SELECT status FROM meetings WHERE id = 1") == ("closed",)
    draft = with_button(bot, private(secretary), "ma:")
    assert data_of(draft, "ma:") == "ma:1:1"
    body = "\n".join(texts_to(bot, secretary.id, seen_private))
    assert draft["text"] in body  # the draft in pieces, the button under the last
    for heading in HEADINGS[language]:
        assert heading in body, heading
    assert "1.1 Phạm Hùng: Tôi đề nghị bổ sung chỉ tiêu" in body
    assert "Nhất trí bổ sung" in body and "Giao chi ủy chuẩn bị" in body
    assert "Đỗ Mai: Em xin hứa" in body and "Vũ Quân: Ý kiến của khách" in body
    with_button(bot, private(official), "ma:")  # the minute-taker has it too
    score = with_button(bot, private(official), "sc:")

    # /close twice, a member's correction: refused, nothing changes.
    before = await snapshot(bot)
    calls = await driver.send(secretary, chat, "/close 1")
    assert any(
        tr_text(language, "Meeting #{id} is closed already.", id=1) in str(c.get("text", ""))
        for c in calls
    )
    calls = await driver.send(secretary, chat, "/close")
    assert any(
        tr_text(
            language, "No meeting of this cell is open now. The secretary opens one with /open."
        )
        in str(c.get("text", ""))
        for c in calls
    )
    calls = await driver.send(probationary, private(probationary), "/minutes 1 add Dòng lạ")
    assert any(
        tr_text(
            probationary.language_code or "vi",
            "Only the secretary, the deputy secretary, the chair or the minute-taker of this "
            "meeting can correct or approve its minutes.",
        )
        in str(c.get("text", ""))
        for c in calls
    )
    assert await snapshot(bot) == before

    # The secretary corrects the draft, then approves it with the button.
    await driver.send(secretary, private(secretary), "/minutes 1 edit 1 Nhất trí bổ sung chỉ tiêu")
    draft = with_button(bot, private(secretary), "ma:")
    seen = len(bot.fake.sent(chat.id))
    await driver.press_data(
        secretary, private(secretary), data_of(draft, "ma:"), int(draft["message_id"])
    )
    published = "\n".join(texts_to(bot, chat.id, seen))
    pieces = texts_to(bot, chat.id, seen)
    assert len(pieces) >= 2 and all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in pieces)
    assert published.count("Báo cáo chi tiết tình hình tuần tra biên giới.") == 120
    assert HEADINGS[language][0] in published and "Nhất trí bổ sung chỉ tiêu" in published
    # The absent (excused and not) get the conclusions privately, once.
    for absent in (target, applicant.user):
        conclusions = texts_to(bot, absent.id)
        assert sum("Giao chi ủy chuẩn bị" in t for t in conclusions) == 1, absent
    assert not any("Giao chi ủy chuẩn bị" in t for t in texts_to(bot, official.id)[-1:])

    # A stale approve button, a forged one: refused, nothing changes.
    before = await snapshot(bot)
    calls = await driver.press_data(
        secretary, private(secretary), "ma:1:1", int(draft["message_id"])
    )
    assert alert_text(calls) == "⚠️ " + tr_text(
        "en" if language == "en" else "vi",
        "This draft was approved or replaced already; see /minutes {id}.",
        id=1,
    )
    calls = await driver.press_data(secretary, private(secretary), "ma:1:x", 1)
    assert alert_text(calls) is not None
    assert await snapshot(bot) == before

    # Scoring: once, anonymously; not by an absentee.
    official_lang = official.language_code or "vi"
    calls = await driver.press_data(
        official, private(official), "sc:1:g", int(score["message_id"])
    )
    assert alert_text(calls) == tr_text(
        official_lang, "Thank you: your score is counted, without your name."
    )
    before = await snapshot(bot)
    calls = await driver.press_data(
        official, private(official), "sc:1:w", int(score["message_id"])
    )
    assert alert_text(calls) == "⚠️ " + tr_text(
        official_lang, "You have scored this meeting already; a score cannot be changed."
    )
    calls = await driver.press_data(
        applicant.user,
        private(applicant.user),
        "sc:1:w",
        store_bot_message(bot, private(applicant.user)),
    )
    assert alert_text(calls) == "⚠️ " + tr_text(
        applicant.user.language_code or "vi",
        "Only members who attended meeting #{id} can score it.",
        id=1,
    )
    assert await snapshot(bot) == before
    assert [tuple(r) for r in await rows(bot, "SELECT grade, count FROM score_counts")] == [
        ("good", 1)
    ]

    # A later change makes version 2; version 1 is kept, superseded.
    await driver.send(secretary, private(secretary), "/minutes 1 edit 2.1 Em xin hứa phấn đấu")
    new = with_button(bot, private(secretary), "ma:")
    assert data_of(new, "ma:") == "ma:1:2"
    await driver.press_data(secretary, private(secretary), "ma:1:2", int(new["message_id"]))
    versions = [
        tuple(r) for r in await rows(bot, "SELECT version, state FROM minutes ORDER BY version")
    ]
    assert versions == [(1, "superseded"), (2, "approved")]
    calls = await driver.send(official, chat, "/minutes 1")
    shown = "\n".join(str(c.get("text", "")) for c in calls)
    assert "Em xin hứa phấn đấu" in shown
    calls = await driver.send(official, chat, "/minutes 1 v1")
    shown = "\n".join(str(c.get("text", "")) for c in calls)
    assert "Em xin hứa phấn đấu" not in shown and "Em xin hứa" in shown
    # The conclusions went to the absent only once, for the first approval.
    assert sum("Giao chi ủy chuẩn bị" in t for t in texts_to(bot, target.id)) == 1
    assert not bot.fake.unanswered_callback_queries()


async def test_wrong_arguments_are_told_and_change_nothing(bot: Bot, mworld: MeetingWorld) -> None:
    cell = mworld.world.cells["A"]
    chat = cell.chat
    driver = bot.driver
    secretary, official = person(mworld, "secretary"), person(mworld, "official")
    private = driver.private_chat(secretary)
    await driver.send(secretary, chat, f"/open 1 thư ký {cell.people['official'].number}")
    await press(bot, official, chat, "ci:")
    cases = [
        (
            official,
            chat,
            "/ketluan",
            "Write the text after the command (at most 3000 characters).",
        ),
        (
            official,
            chat,
            "/note " + "x" * 3001,
            "Write the text after the command (at most 3000 characters).",
        ),
        (
            official,
            chat,
            "/ghichu Có ký tự lạ \u0007",
            "Write the text after the command (at most 3000 characters).",
        ),
        (
            official,
            chat,
            "/ketluan Chưa có nội dung nào",
            "No agenda item has been taken up yet: the chair starts with /next.",
        ),
        (secretary, private, "/next 0", "Give the meeting's number from /meetings."),
        (secretary, private, "/minutes", "Give the meeting's number from /meetings."),
        (
            secretary,
            private,
            "/minutes 1 xoá 2",
            "After the number: vK (a version), edit, add or approve.",
        ),
        (
            secretary,
            private,
            "/minutes 1 edit x Nội dung",
            "Say what to correct: an item's number for its conclusion (2), or an item and a "
            "speech (2.1), then the new text.",
        ),
        (
            secretary,
            private,
            "/minutes 1",
            "Meeting #{id} has no minutes yet: they are drafted when it closes.",
        ),
        (secretary, private, "/minutes 9", "No such meeting. See the numbers in /meetings."),
    ]
    for who, where, text, msgid in cases:
        before = await snapshot(bot)
        calls = await driver.send(who, where, text)
        told = [str(c.get("text", "")) for c in calls if c.method == "sendMessage"]
        language = who.language_code or "vi"
        assert told and told[0].startswith("⚠️ " + tr_text(language, msgid, id=1)), (text, told)
        assert await snapshot(bot) == before, text
