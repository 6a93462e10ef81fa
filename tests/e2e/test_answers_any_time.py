"""Answers at any time (issue: what a secretary met in one evening, items 1-4): a member answers
or changes the answer from /meeting N or the reminder until the start, the answer shown in the
message; typed absence requests are understood; /answers shows one state per member and totals;
a same-day meeting is announced privately at once; the start reminder reaches those who will
attend; a leader's own absence is decided by another leader or recorded; members hear of role
changes and removal, and old buttons tell a removed member so."""

from __future__ import annotations

from sandbox.driver import TgUser
from sandbox.fake_api import Call
from tests.conftest import Bot
from tests.e2e.cells_support import BOTH_LANGUAGES, World, buttons, make_cell, person, sent, t
from tests.e2e.db import rows
from tests.e2e.meetings_support import TITLE, add_members, fire_reminder, reminder_ids, schedule

REASON_VI = "Em xin vắng buổi họp tối nay vì con ốm"
REASON_EN = "I can't attend, my child is sick"


def last_private(w: World, user: TgUser) -> dict[str, object]:
    """The newest bot message in the user's private chat, as Telegram now holds it."""
    chat = w.private(user)
    found = w.bot.fake.last_message(chat.id)
    assert found is not None
    return found


async def answer_of(bot: Bot, user: TgUser) -> tuple[str, str | None] | None:
    found = await rows(
        bot,
        "SELECT a.status, a.reason FROM attendance_replies a JOIN users u ON u.id = a.user_id "
        "WHERE u.external_id = ?",
        str(user.id),
    )
    return (found[0]["status"], found[0]["reason"]) if found else None


@BOTH_LANGUAGES
async def test_a_member_answers_from_meeting_n_and_changes_the_answer(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    minh, _hoa = await add_members(w, lang)
    meeting_id = await schedule(w)

    # /meeting N in private: the answer buttons, the member's answer in the text.
    calls = await w.say(minh, f"/meeting {meeting_id}", private=True)
    (shown,) = [c for c in calls if c.method == "sendMessage"]
    assert shown["text"].endswith("👉 " + t(lang, "You have not answered yet."))
    assert buttons(shown) == [t(lang, "Will attend"), t(lang, "Request absence")]

    await w.d.press(minh, w.private(minh), t(lang, "Will attend"))
    message = last_private(w, minh)
    assert str(message["text"]).endswith("👉 " + t(lang, "Your answer: you will attend."))
    assert buttons(message) == ["✅ " + t(lang, "Will attend"), t(lang, "Request absence")]
    assert await answer_of(bot, minh) == ("will_attend", None)

    # Later the member asks to be excused from the same message: the reason, then the request.
    calls = await w.d.press(minh, w.private(minh), t(lang, "Request absence"))
    (prompt,) = [c for c in calls if c.method == "sendMessage"]
    assert prompt["reply_markup"] == {"force_reply": True, "selective": True}
    calls = await w.say(minh, "Đi công tác biên giới", private=True)
    assert any("Đi công tác biên giới" in s for s in sent(calls, w.secretary.id)), (
        "the secretary got no request"
    )
    edited = bot.fake.message(w.private(minh).id, int(str(message["message_id"])))
    assert edited is not None
    assert str(edited["text"]).endswith(
        "👉 " + t(lang, "Your answer: absence requested, waiting for the decision.")
    )
    assert buttons(edited) == [t(lang, "Will attend"), "✅ " + t(lang, "Request absence")]
    assert await answer_of(bot, minh) == ("absence_requested", "Đi công tác biên giới")

    # And back to attending: one current state, the old reason gone.
    await w.d.press(minh, w.private(minh), t(lang, "Will attend"), message=edited)
    assert await answer_of(bot, minh) == ("will_attend", None)
    report = sent(await w.say(w.secretary, f"/answers {meeting_id}", private=True))[0]
    minh_line = next(line for line in report.splitlines() if "Minh" in line)
    assert "Đi công tác" not in minh_line
    assert report.splitlines()[-1] == t(
        lang,
        "In all: {attend} will attend, {excused} excused, {waiting} waiting for a decision, "
        "{declined} absence not accepted, {none} no answer.",
        attend=1,
        excused=0,
        waiting=0,
        declined=0,
        none=2,
    )


@BOTH_LANGUAGES
async def test_typed_absence_request_is_offered_for_the_next_meeting(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    minh, _hoa = await add_members(w, lang)
    typed = REASON_VI if lang == "vi" else REASON_EN

    # No meeting ahead: the usual hint.
    calls = await w.say(minh, typed, private=True)
    assert sent(calls, minh.id) == [t(lang, "Send /help to see what you can do here.")]

    meeting_id = await schedule(w)
    calls = await w.say(minh, typed, private=True)
    (offer,) = [c for c in calls if c.method == "sendMessage"]
    assert f"#{meeting_id}" in offer["text"] and typed in offer["text"]
    assert buttons(offer) == [t(lang, "Send the absence request")]
    calls = await w.d.press(minh, w.private(minh), t(lang, "Send the absence request"))
    assert any(typed in s for s in sent(calls, w.secretary.id))
    assert await answer_of(bot, minh) == ("absence_requested", typed)
    # Pressed again (a double tap that Telegram delivered): the offer is used up.
    data = offer["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    calls = await w.d.press_data(
        minh, w.private(minh), data, offer.response["result"]["message_id"]
    )
    assert sent(calls, w.secretary.id) == []

    # Words that are no absence request still get the hint.
    calls = await w.say(minh, "Chào bot", private=True)
    assert sent(calls, minh.id) == [t(lang, "Send /help to see what you can do here.")]


@BOTH_LANGUAGES
async def test_a_meeting_less_than_a_day_ahead_is_announced_privately_at_once(
    bot: Bot, lang: str
) -> None:
    w = await make_cell(bot, lang)
    minh, hoa = await add_members(w, lang)
    # Now is 21/11 21:00 in Hanoi; tomorrow 19:30 is 22.5 hours ahead.
    calls = await w.say(w.secretary, f"/schedule 22/11/2026 19:30 {TITLE}")
    for member in (minh, hoa):
        (notice,) = [c for c in calls if c.method == "sendMessage" and c["chat_id"] == member.id]
        assert TITLE in notice["text"]
        assert buttons(notice) == [t(lang, "Will attend"), t(lang, "Request absence")]
    # A meeting a week ahead waits for its reminders (told in the group only).
    calls = await w.say(w.secretary, "/schedule 28/11/2026 19:30 Họp sau")
    assert sent(calls, minh.id) == [] and sent(calls, hoa.id) == []


@BOTH_LANGUAGES
async def test_group_reminder_says_how_to_answer_and_the_start_reaches_those_attending(
    bot: Bot, lang: str
) -> None:
    w = await make_cell(bot, lang)
    minh, hoa = await add_members(w, lang)
    meeting_id = await schedule(w)
    ids = await reminder_ids(bot, meeting_id)
    calls = await fire_reminder(bot, ids[1440])
    group = sent(calls, w.group.id)[0]
    assert f"/meeting {meeting_id}" in group.splitlines()[-1]

    await w.d.press(minh, w.private(minh), t(lang, "Will attend"))
    await w.d.press(hoa, w.private(hoa), t(lang, "Request absence"))
    await w.say(hoa, "Ốm", private=True)  # too short: refused, still no reason
    await w.say(hoa, "Đi viện", private=True)
    calls = await fire_reminder(bot, ids[0])
    # Minh said he will attend: he gets the start with the link; Hoa asked to be excused.
    start_to_minh = [s for s in sent(calls, minh.id) if TITLE in s]
    assert len(start_to_minh) == 1
    assert [s for s in sent(calls, hoa.id) if TITLE in s] == []
    starts: list[Call] = [
        c for c in calls if c.method == "sendMessage" and c["chat_id"] == minh.id
    ]
    assert "reply_markup" not in starts[0].params  # answers are closed at the start


@BOTH_LANGUAGES
async def test_the_secretarys_own_absence_goes_to_the_deputy_or_is_recorded(
    bot: Bot, lang: str
) -> None:
    w = await make_cell(bot, lang)
    minh, _hoa = await add_members(w, lang)
    meeting_id = await schedule(w)

    # No deputy: recorded as excused, nothing sent to himself for approval.
    await w.say(w.secretary, f"/meeting {meeting_id}", private=True)
    await w.d.press(w.secretary, w.private(w.secretary), t(lang, "Request absence"))
    calls = await w.say(w.secretary, "Họp Đảng ủy phường", private=True)
    assert sent(calls, w.secretary.id) == [
        t(lang, "Your absence is recorded as excused (nobody else decides on it).")
    ]
    assert await answer_of(bot, w.secretary) == ("absent_with_reason", "Họp Đảng ủy phường")

    # With a deputy: the deputy decides.
    await w.say(w.secretary, f"/role {2} deputy", private=True)
    second = await schedule(w, f"06/12/2026 19:30 {TITLE} 2")
    await w.say(w.secretary, f"/meeting {second}", private=True)
    await w.d.press(w.secretary, w.private(w.secretary), t(lang, "Request absence"))
    calls = await w.say(w.secretary, "Đi tập huấn", private=True)
    assert sent(calls, w.secretary.id) == [t(lang, "Your request was sent to the secretary.")]
    assert any("Đi tập huấn" in s for s in sent(calls, minh.id))
    calls = await w.d.press(minh, w.private(minh), t(lang, "✅ Approve absence"))
    found = await rows(
        bot,
        "SELECT status FROM attendance_replies WHERE meeting_id = ? AND user_id = "
        "(SELECT id FROM users WHERE external_id = ?)",
        second,
        str(w.secretary.id),
    )
    assert [r["status"] for r in found] == ["absent_with_reason"]


@BOTH_LANGUAGES
async def test_members_are_told_of_a_new_role_and_of_removal(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    minh, hoa = await add_members(w, lang)
    meeting_id = await schedule(w)
    ids = await reminder_ids(bot, meeting_id)
    await fire_reminder(bot, ids[1440])  # Hoa now has the reminder with its buttons

    calls = await w.say(w.secretary, "/role 2 deputy", private=True)
    assert sent(calls, minh.id) == [
        t(
            lang,
            "Your role in «{cell}» is now: {role}.",
            cell=w.name,
            role=t(lang, "deputy secretary"),
        )
    ]
    calls = await w.say(w.secretary, "/remove 3", private=True)
    assert sent(calls, hoa.id) == [
        t(
            lang,
            "You were taken off the roster of «{cell}». If this is a mistake, ask the secretary.",
            cell=w.name,
        )
    ]
    # Hoa presses the reminder's old button: told she is no longer in the cell.
    calls = await w.d.press(hoa, w.private(hoa), t(lang, "Will attend"))
    told = [
        str(c["text"]) for c in calls if c.method == "answerCallbackQuery" and "text" in c.params
    ]
    told += sent(calls, hoa.id)
    assert any(t(lang, "You are no longer a member of this cell.") in s for s in told), told
    assert await answer_of(bot, hoa) is None


async def test_an_unsummoned_persons_typed_absence_is_not_taken(bot: Bot) -> None:
    w = await make_cell(bot, "vi")
    await schedule(w)
    stranger = person(777, "Khách", "Lạ", lang="vi")
    await w.start(stranger)
    calls = await w.say(stranger, REASON_VI, private=True)
    assert sent(calls, stranger.id) == [t("vi", "Send /help to see what you can do here.")]
